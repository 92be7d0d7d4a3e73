//! What a save would change, list by list.

use serde::Serialize;
use uuid::Uuid;

use super::model::{Method, Policy};

/// Entries present on one side only. Order within a list does not change what the server does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ListChange<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
}

impl<T: PartialEq + Clone> ListChange<T> {
    fn between(before: &[T], after: &[T]) -> Self {
        let mut added: Vec<T> = after
            .iter()
            .filter(|x| !before.contains(x))
            .cloned()
            .collect();
        let mut removed: Vec<T> = before
            .iter()
            .filter(|x| !after.contains(x))
            .cloned()
            .collect();
        dedup_keep_order(&mut added);
        dedup_keep_order(&mut removed);
        ListChange { added, removed }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

fn dedup_keep_order<T: PartialEq + Clone>(v: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::with_capacity(v.len());
    v.retain(|x| {
        if seen.contains(x) {
            false
        } else {
            seen.push(x.clone());
            true
        }
    });
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDiff {
    /// `Some((from, to))` when the method changes.
    pub method: Option<(Method, Method)>,
    pub trusted_ips: ListChange<String>,
    pub mandatory_users: ListChange<Uuid>,
    pub mandatory_groups: ListChange<Uuid>,
}

impl PolicyDiff {
    /// Compares what the server would hold: a `none` policy holds no lists.
    pub fn between(before: &Policy, after: &Policy) -> Self {
        let (b, a) = (before.as_stored(), after.as_stored());
        PolicyDiff {
            method: (b.method != a.method).then_some((b.method, a.method)),
            trusted_ips: ListChange::between(&b.trusted_ips, &a.trusted_ips),
            mandatory_users: ListChange::between(&b.mandatory_users, &a.mandatory_users),
            mandatory_groups: ListChange::between(&b.mandatory_groups, &a.mandatory_groups),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.method.is_none()
            && self.trusted_ips.is_empty()
            && self.mandatory_users.is_empty()
            && self.mandatory_groups.is_empty()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::policy) fn uid(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// An app policy with these IPs and users `Uuid::from_u128(n)` (shared with `merge`'s tests).
    pub(in crate::policy) fn app(ips: &[&str], users: &[u128]) -> Policy {
        Policy {
            method: Method::App,
            trusted_ips: ips.iter().map(|s| s.to_string()).collect(),
            mandatory_users: users.iter().map(|n| uid(*n)).collect(),
            mandatory_groups: vec![],
        }
    }

    #[test]
    fn reports_added_and_removed_entries() {
        let d = PolicyDiff::between(
            &app(&["10.0.0.1", "10.0.0.2"], &[1]),
            &app(&["10.0.0.2", "10.0.0.3"], &[2]),
        );
        assert_eq!(d.method, None);
        assert_eq!(d.trusted_ips.added, vec!["10.0.0.3".to_string()]);
        assert_eq!(d.trusted_ips.removed, vec!["10.0.0.1".to_string()]);
        assert_eq!(d.mandatory_users.added, vec![uid(2)]);
        assert_eq!(d.mandatory_users.removed, vec![uid(1)]);
        assert!(!d.is_empty());
    }

    #[test]
    fn reordering_is_no_change() {
        let d = PolicyDiff::between(&app(&["a", "b"], &[1, 2]), &app(&["b", "a"], &[2, 1]));
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn disabling_removes_every_list_entry() {
        let d = PolicyDiff::between(&app(&["10.0.0.1"], &[1]), &Policy::disabled());
        assert_eq!(d.method, Some((Method::App, Method::None)));
        assert_eq!(d.trusted_ips.removed, vec!["10.0.0.1".to_string()]);
        assert_eq!(d.mandatory_users.removed, vec![uid(1)]);
    }

    #[test]
    fn lists_in_a_none_draft_are_not_counted_as_added() {
        let mut none = app(&["10.0.0.1"], &[1]);
        none.method = Method::None;
        let d = PolicyDiff::between(&Policy::disabled(), &none);
        assert!(d.is_empty(), "{d:?}");
    }
}
