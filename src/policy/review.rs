//! Everything an admin must see before a save: the diff, the side effects, and the problems that
//! block the save or deserve a second look. Pure: the caller supplies what it knows of the portal.

use serde::Serialize;
use uuid::Uuid;

use super::diff::PolicyDiff;
use super::model::{Method, Policy, PortalPolicy};
use super::rule::{evaluate, Subject, UserRole, Who};
use super::trusted_ip::check_list;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The save is refused until it is fixed.
    Error,
    /// The save may go ahead, but the admin should read this.
    Warning,
}

/// One finding about the draft: which field, what is wrong, what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub level: Level,
    /// `method`, `trustedIps[3]`, `mandatoryUsers`, ...
    pub field: String,
    pub message: String,
}

impl Problem {
    fn error(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            level: Level::Error,
            field: field.into(),
            message: message.into(),
        }
    }
    fn warning(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            level: Level::Warning,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// What the review needs to know about the people involved.
#[derive(Clone, Debug, Default)]
pub struct ReviewContext {
    pub caller_id: Uuid,
    pub caller_is_owner: bool,
    /// The portal owner's id, when known (the caller's own id if the caller is the owner).
    pub owner_id: Option<Uuid>,
    /// `tfaAppEnabled` of the caller, where the portal reports it.
    pub caller_has_app: Option<bool>,
    /// The caller's account type and groups, for the server's rule.
    pub caller_role: Option<UserRole>,
    pub caller_groups: Vec<Uuid>,
    /// Names of the caller's groups, so the lockout warning never shows a bare id.
    pub caller_group_names: Vec<(Uuid, String)>,
    /// The address the caller signs in from, if they named it: then the lockout check uses the
    /// server's rule for that address instead of assuming the worst.
    pub caller_ip: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub diff: PolicyDiff,
    pub side_effects: Vec<String>,
    pub problems: Vec<Problem>,
    /// There are changes and no error-level problem.
    pub can_save: bool,
}

impl Review {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.level == Level::Error)
    }
}

pub fn review(live: &PortalPolicy, draft: &Policy, ctx: &ReviewContext) -> Review {
    let diff = PolicyDiff::between(&live.policy, draft);
    let mut problems = validate(draft, live, ctx);
    if diff.is_empty() {
        problems.push(Problem::warning(
            "policy",
            "Nothing to save: the draft is the same as the portal's policy.",
        ));
    }
    let side_effects = side_effects(&live.policy, draft);
    let can_save = !diff.is_empty() && problems.iter().all(|p| p.level != Level::Error);
    Review {
        diff,
        side_effects,
        problems,
        can_save,
    }
}

/// Problems in the draft itself, independent of what changes.
pub fn validate(draft: &Policy, live: &PortalPolicy, ctx: &ReviewContext) -> Vec<Problem> {
    let mut out = Vec::new();
    check_method(draft.method, live, &mut out);
    if draft.method == Method::None {
        if !draft.trusted_ips.is_empty()
            || !draft.mandatory_users.is_empty()
            || !draft.mandatory_groups.is_empty()
        {
            out.push(Problem::warning(
                "method",
                "With TFA disabled the portal keeps no lists: the trusted IPs and mandatory users and groups in this draft will not be saved.",
            ));
        }
        return out;
    }
    for check in check_list(&draft.trusted_ips) {
        let field = format!("trustedIps[{}]", check.index);
        match &check.result {
            Err(e) => out.push(Problem::error(&field, format!("\"{}\": {e}", check.text))),
            Ok(entry) => {
                for w in &entry.warnings {
                    out.push(Problem::warning(&field, format!("\"{}\": {w}", check.text)));
                }
            }
        }
        if let Some(first) = check.duplicate_of {
            out.push(Problem::warning(
                &field,
                format!(
                    "\"{}\" repeats entry {} of the list; remove one of them.",
                    check.text,
                    first + 1
                ),
            ));
        }
    }
    check_repeats(&draft.mandatory_users, "mandatoryUsers", "user", &mut out);
    check_repeats(
        &draft.mandatory_groups,
        "mandatoryGroups",
        "group",
        &mut out,
    );
    if let Some(owner) = ctx.owner_id {
        if draft.mandatory_users.contains(&owner) && !ctx.caller_is_owner {
            out.push(Problem::error(
                "mandatoryUsers",
                "Only the portal owner can make TFA mandatory for the owner. Remove the owner from the mandatory users, or ask the owner to make this change.",
            ));
        }
    }
    if (!draft.mandatory_users.is_empty() || !draft.mandatory_groups.is_empty())
        && draft.trusted_ips.is_empty()
    {
        out.push(Problem::warning(
            "mandatoryUsers",
            "Without trusted IPs everyone must use TFA anyway, so the mandatory users and groups change nothing yet.",
        ));
    }
    // Self-lockout: the change starts asking the caller for a second factor they may not have set up.
    let newly_mandatory = draft.mandatory_users.contains(&ctx.caller_id)
        && !live.policy.mandatory_users.contains(&ctx.caller_id);
    let at_risk = live.policy.method == Method::None || newly_mandatory;
    if let (true, Some(ip), Some(role), false) = (
        at_risk,
        ctx.caller_ip.as_deref(),
        ctx.caller_role,
        ctx.caller_has_app == Some(true),
    ) {
        let me = Subject {
            user_id: ctx.caller_id,
            role,
            groups: ctx.caller_groups.clone(),
        };
        let verdict = evaluate(draft, &me, ip);
        if verdict.required {
            out.push(Problem::warning(
                "method",
                format!(
                    "From {ip} you would need a second factor after this change: {}, and the portal does not report an authenticator app linked to your account. Set one up before your next sign-in (this app keeps working with its API key).",
                    verdict.clause(Who::You, |id| ctx
                        .caller_group_names
                        .iter()
                        .find(|(g, _)| *g == id)
                        .map(|(_, name)| name.clone()))
                ),
            ));
        }
    } else if ctx.caller_has_app != Some(true) {
        if live.policy.method == Method::None {
            out.push(Problem::warning(
                "method",
                "You will be signed out of the portal's web sessions and must set up two-factor authentication at your next sign-in (this app keeps working with its API key).",
            ));
        } else if newly_mandatory {
            out.push(Problem::warning(
                "mandatoryUsers",
                "You are making TFA mandatory for yourself, and the portal does not report an authenticator app linked to your account: set one up before your next sign-in, even from a trusted IP (this app keeps working with its API key).",
            ));
        }
    }
    out
}

fn check_method(method: Method, live: &PortalPolicy, out: &mut Vec<Problem>) {
    let Some(offer) = live.offer(method) else {
        return;
    };
    let name = method.label();
    if !offer.listed {
        out.push(Problem::error("method", format!("This portal does not offer {name} two-factor authentication (it is hidden in the portal's settings). Choose another method.")));
    } else if !offer.available && method == Method::Sms {
        out.push(Problem::error("method", "This portal has no SMS provider configured, so SMS two-factor authentication cannot be turned on. Configure an SMS provider in DocSpace, or choose the authenticator app."));
    } else if !offer.available {
        out.push(Problem::error("method", format!("This portal says {name} two-factor authentication is not available. Choose another method.")));
    }
}

fn check_repeats(ids: &[Uuid], field: &str, what: &str, out: &mut Vec<Problem>) {
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            out.push(Problem::warning(
                format!("{field}[{i}]"),
                format!("The same {what} ({id}) is listed twice; it will be saved once."),
            ));
        }
    }
}

/// What happens on the portal beyond the policy itself, in plain words.
pub fn side_effects(live: &Policy, draft: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    if draft.method != Method::None {
        out.push("Every session on the portal is signed out, yours included; people sign in again (API keys keep working).".to_string());
        if live.method == Method::None {
            out.push(format!(
                "Two-factor authentication by {} becomes required for everyone who is not on a trusted IP.",
                draft.method.label()
            ));
        }
    } else if live.method != Method::None {
        out.push("Two-factor authentication is turned off for everyone.".to_string());
        out.push("The portal wipes the trusted IPs and the mandatory users and groups; turning TFA on again starts from empty lists.".to_string());
        out.push(
            "Turning TFA on again later may make every user link their authenticator app again."
                .to_string(),
        );
    }
    if live.method != Method::None && draft.method != Method::None && live.method != draft.method {
        out.push(format!(
            "The {} settings are reset: each method keeps its own lists.",
            live.method.label()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::MethodOffer;

    fn portal(policy: Policy, sms_available: bool) -> PortalPolicy {
        PortalPolicy {
            policy,
            sms: MethodOffer {
                listed: true,
                available: sms_available,
            },
            app: MethodOffer {
                listed: true,
                available: true,
            },
        }
    }

    fn app(ips: &[&str], users: &[Uuid]) -> Policy {
        Policy {
            method: Method::App,
            trusted_ips: ips.iter().map(|s| s.to_string()).collect(),
            mandatory_users: users.to_vec(),
            mandatory_groups: vec![],
        }
    }

    fn ctx(caller: u128, owner: bool, has_app: Option<bool>) -> ReviewContext {
        ReviewContext {
            caller_id: Uuid::from_u128(caller),
            caller_is_owner: owner,
            owner_id: Some(Uuid::from_u128(1)),
            caller_has_app: has_app,
            ..Default::default()
        }
    }

    fn messages(r: &Review, level: Level) -> Vec<String> {
        r.problems
            .iter()
            .filter(|p| p.level == level)
            .map(|p| p.message.clone())
            .collect()
    }

    #[test]
    fn owner_rule_blocks_an_admin_but_not_the_owner() {
        let live = portal(app(&["10.0.0.1"], &[]), false);
        let draft = app(&["10.0.0.1"], &[Uuid::from_u128(1)]);
        let admin = review(&live, &draft, &ctx(2, false, Some(true)));
        assert!(!admin.can_save);
        assert!(messages(&admin, Level::Error)[0].contains("Only the portal owner"));
        let owner = review(&live, &draft, &ctx(1, true, Some(true)));
        assert!(owner.can_save, "{:?}", owner.problems);
    }

    #[test]
    fn sms_needs_a_provider() {
        let draft = Policy {
            method: Method::Sms,
            ..app(&[], &[])
        };
        let r = review(
            &portal(Policy::disabled(), false),
            &draft,
            &ctx(2, false, Some(true)),
        );
        assert!(!r.can_save);
        assert!(messages(&r, Level::Error)[0].contains("no SMS provider"));
        assert!(
            review(
                &portal(Policy::disabled(), true),
                &draft,
                &ctx(2, false, Some(true))
            )
            .can_save
        );
    }

    #[test]
    fn turning_tfa_on_or_becoming_mandatory_warns_about_lockout() {
        let on = review(
            &portal(Policy::disabled(), false),
            &app(&[], &[]),
            &ctx(2, false, None),
        );
        assert!(on.can_save);
        assert!(messages(&on, Level::Warning)
            .iter()
            .any(|m| m.contains("set up two-factor authentication")));
        let enrolled = review(
            &portal(Policy::disabled(), false),
            &app(&[], &[]),
            &ctx(2, false, Some(true)),
        );
        assert!(messages(&enrolled, Level::Warning)
            .iter()
            .all(|m| !m.contains("set up two-factor")));

        let live = portal(app(&["10.0.0.1"], &[]), false);
        let me = review(
            &live,
            &app(&["10.0.0.1"], &[Uuid::from_u128(2)]),
            &ctx(2, false, Some(false)),
        );
        assert!(me.can_save);
        assert!(messages(&me, Level::Warning)
            .iter()
            .any(|m| m.contains("mandatory for yourself")));
        let someone_else = review(
            &live,
            &app(&["10.0.0.1"], &[Uuid::from_u128(3)]),
            &ctx(2, false, Some(false)),
        );
        assert!(messages(&someone_else, Level::Warning)
            .iter()
            .all(|m| !m.contains("yourself")));
    }

    #[test]
    fn the_lockout_warning_names_the_group_and_speaks_to_the_admin() {
        let engineering = Uuid::from_u128(0xE);
        let ctx = ReviewContext {
            caller_role: Some(UserRole::DocSpaceAdmin),
            caller_ip: Some("10.1.2.3".into()),
            caller_groups: vec![engineering],
            caller_group_names: vec![(engineering, "Engineering".into())],
            ..ctx(2, false, Some(false))
        };
        let mut draft = app(&["10.0.0.0/8"], &[]);
        draft.mandatory_groups = vec![engineering];
        let r = review(&portal(Policy::disabled(), false), &draft, &ctx);
        let warning = messages(&r, Level::Warning)
            .into_iter()
            .find(|m| m.starts_with("From 10.1.2.3"))
            .expect("a lockout warning");
        assert!(
            warning.contains(
                "you are in the mandatory group Engineering, which applies from any address"
            ),
            "{warning}"
        );
        assert!(
            !warning.contains("you is") && !warning.contains(&engineering.to_string()),
            "{warning}"
        );
    }

    #[test]
    fn a_named_address_on_a_trusted_ip_clears_the_lockout_warning() {
        let named = |ip: &str| ReviewContext {
            caller_role: Some(UserRole::DocSpaceAdmin),
            caller_ip: Some(ip.into()),
            ..ctx(2, false, Some(false))
        };
        let draft = app(&["10.0.0.0/8"], &[]);
        let inside = review(
            &portal(Policy::disabled(), false),
            &draft,
            &named("10.1.2.3"),
        );
        assert!(
            messages(&inside, Level::Warning)
                .iter()
                .all(|m| !m.contains("second factor") && !m.contains("set up")),
            "{:?}",
            inside.problems
        );
        let outside = review(
            &portal(Policy::disabled(), false),
            &draft,
            &named("203.0.113.9"),
        );
        assert!(
            messages(&outside, Level::Warning)
                .iter()
                .any(|m| m.contains("From 203.0.113.9 you would need a second factor")),
            "{:?}",
            outside.problems
        );
        let mandatory = review(
            &portal(draft.clone(), false),
            &app(&["10.0.0.0/8"], &[Uuid::from_u128(2)]),
            &named("10.1.2.3"),
        );
        assert!(
            messages(&mandatory, Level::Warning)
                .iter()
                .any(|m| m.contains("From 10.1.2.3 you would need")),
            "mandatory beats the trusted IP: {:?}",
            mandatory.problems
        );
    }

    #[test]
    fn bad_ip_entries_are_errors_naming_the_entry() {
        let r = review(
            &portal(Policy::disabled(), false),
            &app(&["10.0.0.1", "192.168.1.10/24", "10.0.0.1"], &[]),
            &ctx(2, false, Some(true)),
        );
        assert!(!r.can_save);
        assert!(r.problems.iter().any(|p| p.level == Level::Error
            && p.field == "trustedIps[1]"
            && p.message.contains("192.168.1.0/24")));
        assert!(r.problems.iter().any(|p| p.level == Level::Warning
            && p.field == "trustedIps[2]"
            && p.message.contains("repeats entry 1")));
    }

    #[test]
    fn side_effects_say_who_is_signed_out_and_what_is_wiped() {
        let live = app(&["10.0.0.1"], &[]);
        let off = side_effects(&live, &Policy::disabled());
        assert!(off.iter().any(|s| s.contains("wipes the trusted IPs")));
        let edit = side_effects(&live, &app(&["10.0.0.2"], &[]));
        assert!(edit[0].contains("Every session on the portal is signed out"));
        let nothing = review(
            &portal(live.clone(), false),
            &live,
            &ctx(2, false, Some(true)),
        );
        assert!(!nothing.can_save);
        assert!(messages(&nothing, Level::Warning)
            .iter()
            .any(|m| m.contains("Nothing to save")));
    }

    #[test]
    fn lists_in_a_disabled_draft_are_flagged_not_sent() {
        let draft = Policy {
            method: Method::None,
            ..app(&["10.0.0.1"], &[])
        };
        let r = review(
            &portal(app(&[], &[]), false),
            &draft,
            &ctx(2, false, Some(true)),
        );
        assert!(r.can_save);
        assert!(messages(&r, Level::Warning)
            .iter()
            .any(|m| m.contains("will not be saved")));
    }
}
