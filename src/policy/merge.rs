//! Three-way comparison for a draft whose base is no longer what the portal holds: someone else
//! saved meanwhile. The review must not show their change as the admin's (their additions as
//! removals); it shows their change, the admin's change, and the result of the admin's change
//! applied on top of theirs, which is what a save then sends.

use serde::Serialize;

use super::diff::PolicyDiff;
use super::model::{Method, Policy};

/// The portal moved since the draft's base was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Moved {
    /// What the other person changed: base → the portal now.
    pub theirs: PolicyDiff,
    /// What the admin changed: base → draft.
    pub mine: PolicyDiff,
    /// The admin's change on top of theirs: what a save sends.
    pub merged: Policy,
    /// The portal's policy now: the base of `merged`.
    pub live: Policy,
    /// Both changed the method, differently: `(theirs, mine)`; the admin's choice is kept.
    pub method_clash: Option<(Method, Method)>,
}

/// The admin's edits (`draft` against `base`) re-applied on top of `live`: the method when the
/// admin changed it, and per list the entries the admin added and removed; everything else
/// follows `live`, so the other person's change stays unless the admin undid the same entry.
pub fn rebase(base: &Policy, draft: &Policy, live: &Policy) -> Policy {
    let method = if draft.method != base.method {
        draft.method
    } else {
        live.method
    };
    Policy {
        method,
        trusted_ips: rebase_list(&base.trusted_ips, &draft.trusted_ips, &live.trusted_ips),
        mandatory_users: rebase_list(
            &base.mandatory_users,
            &draft.mandatory_users,
            &live.mandatory_users,
        ),
        mandatory_groups: rebase_list(
            &base.mandatory_groups,
            &draft.mandatory_groups,
            &live.mandatory_groups,
        ),
    }
}

fn rebase_list<T: PartialEq + Clone>(base: &[T], draft: &[T], live: &[T]) -> Vec<T> {
    let mut out: Vec<T> = live
        .iter()
        // Kept unless the admin removed it.
        .filter(|x| !base.contains(x) || draft.contains(x))
        .cloned()
        .collect();
    for x in draft {
        if !base.contains(x) && !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

/// `None` while the portal holds the draft's base; else the three parts.
pub fn three_way(base: &Policy, draft: &Policy, live: &Policy) -> Option<Moved> {
    if live.same_as(base) {
        return None;
    }
    let theirs = PolicyDiff::between(base, live);
    let mine = PolicyDiff::between(base, draft);
    let method_clash = match (&theirs.method, &mine.method) {
        (Some((_, t)), Some((_, m))) if t != m => Some((*t, *m)),
        _ => None,
    };
    Some(Moved {
        merged: rebase(base, draft, live),
        live: live.clone(),
        theirs,
        mine,
        method_clash,
    })
}

#[cfg(test)]
mod tests {
    use super::super::diff::tests::{app, uid};
    use super::*;

    #[test]
    fn nothing_moved_means_no_three_way() {
        let base = app(&["10.0.0.1"], &[1]);
        let draft = app(&["10.0.0.1", "10.0.0.2"], &[1]);
        // Order does not count as a move.
        assert_eq!(three_way(&base, &draft, &app(&["10.0.0.1"], &[1])), None);
    }

    #[test]
    fn another_admins_additions_are_theirs_and_stay_in_the_result() {
        // Load; someone adds 172.16.0.0/12 and a user; I add one IP.
        let base = app(&["10.0.0.1"], &[1]);
        let live = app(&["10.0.0.1", "172.16.0.0/12"], &[1, 2]);
        let draft = app(&["10.0.0.1", "192.168.7.7"], &[1]);
        let m = three_way(&base, &draft, &live).expect("the portal moved");
        assert_eq!(
            m.theirs.trusted_ips.added,
            vec!["172.16.0.0/12".to_string()]
        );
        assert_eq!(m.theirs.mandatory_users.added, vec![uid(2)]);
        assert_eq!(m.mine.trusted_ips.added, vec!["192.168.7.7".to_string()]);
        assert!(m.mine.trusted_ips.removed.is_empty());
        assert!(m.mine.mandatory_users.is_empty());
        assert_eq!(
            m.merged,
            app(&["10.0.0.1", "172.16.0.0/12", "192.168.7.7"], &[1, 2])
        );
        // The result against the portal now: only my change, none of theirs as a removal.
        let result = PolicyDiff::between(&m.live, &m.merged);
        assert_eq!(result.trusted_ips.added, vec!["192.168.7.7".to_string()]);
        assert!(result.trusted_ips.removed.is_empty());
        assert!(result.mandatory_users.is_empty());
        assert_eq!(m.method_clash, None);
    }

    #[test]
    fn my_removal_applies_and_their_removal_is_not_undone() {
        let base = app(&["a", "b", "c"], &[1, 2]);
        let live = app(&["a", "b"], &[1, 2]); // they removed c
        let draft = app(&["a", "c"], &[2]); // I removed b and user 1
        let m = three_way(&base, &draft, &live).unwrap();
        assert_eq!(m.merged, app(&["a"], &[2]));
    }

    #[test]
    fn the_method_follows_theirs_unless_i_changed_it_and_a_clash_is_named() {
        let base = app(&["a"], &[]);
        let mut live = base.clone();
        live.method = Method::Sms;
        let m = three_way(&base, &app(&["a", "b"], &[]), &live).unwrap();
        assert_eq!(m.merged.method, Method::Sms);
        assert_eq!(m.method_clash, None);

        let mut draft = base.clone();
        draft.method = Method::None;
        let m = three_way(&base, &draft, &live).unwrap();
        assert_eq!(m.merged.method, Method::None);
        assert_eq!(m.method_clash, Some((Method::Sms, Method::None)));
    }

    /// The same cases as the UI's `rebaseDraft` (tests/ui/loads.test.mjs): both rules agree.
    #[test]
    fn rebase_agrees_with_the_ui_on_the_shared_cases() {
        #[derive(serde::Deserialize)]
        struct Case {
            name: String,
            base: Policy,
            draft: Policy,
            live: Policy,
            merged: Policy,
        }
        #[derive(serde::Deserialize)]
        struct Cases {
            cases: Vec<Case>,
        }
        let cases: Cases =
            serde_json::from_str(include_str!("../../tests/cases/rebase.json")).unwrap();
        assert!(cases.cases.len() >= 5);
        for c in cases.cases {
            assert_eq!(rebase(&c.base, &c.draft, &c.live), c.merged, "{}", c.name);
        }
    }

    #[test]
    fn rebase_onto_the_base_itself_is_the_draft() {
        let base = app(&["a", "b"], &[1]);
        let draft = app(&["b", "c"], &[1, 3]);
        assert!(rebase(&base, &draft, &base).same_as(&draft));
    }
}
