//! The server's TFA rule (`TfaSettingsHelperBase<T>.TfaEnabledForUserAsync`, docs §5.4), for
//! "what-if": would this person need a second factor when signing in from that address?
//!
//! The order is the server's and it matters:
//! 1. the method is off → not required;
//! 2. the user is in any mandatory group → required;
//! 3. the user is a mandatory user → required;
//! 4. there are trusted IPs and the request IP matches one (list order) → not required;
//!    an entry that throws ends the sign-in with an HTTP 500;
//! 5. otherwise → required (so with no trusted IPs everyone needs TFA).

use serde::Serialize;
use uuid::Uuid;

use super::matcher::first_match;
use super::model::{Method, Policy};
use super::system_groups::{self, system_group_name};

/// The account type, which decides membership of the system groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum UserRole {
    Owner,
    DocSpaceAdmin,
    RoomAdmin,
    User,
    Guest,
}

/// The person a "what-if" is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub user_id: Uuid,
    pub role: UserRole,
    /// The user's ordinary group ids.
    pub groups: Vec<Uuid>,
}

impl Subject {
    /// `UserManager.IsUserInGroupAsync`: ordinary membership, or a system group by role.
    /// Everyone: everybody. DocSpace admins: admins and the owner. Room admins: every account
    /// that is neither a User nor a Guest, so admins and the owner too (the server's test for
    /// this group is "not in User, not in Guest"; it is also how it counts paid seats).
    /// Users and Guests: that type only.
    pub fn is_in_group(&self, group: Uuid) -> bool {
        use UserRole::*;
        let by_role = match group {
            g if g == system_groups::EVERYONE => true,
            g if g == system_groups::DOCSPACE_ADMIN => matches!(self.role, Owner | DocSpaceAdmin),
            g if g == system_groups::ROOM_ADMIN => {
                matches!(self.role, Owner | DocSpaceAdmin | RoomAdmin)
            }
            g if g == system_groups::USER => self.role == User,
            g if g == system_groups::GUEST => self.role == Guest,
            _ => false,
        };
        by_role || self.groups.contains(&group)
    }
}

/// Why TFA is or is not required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "camelCase")]
pub enum Reason {
    /// The portal's method is `none`.
    TfaOff,
    /// The first mandatory group (list order) the user is in.
    MandatoryGroup(Uuid),
    MandatoryUser,
    /// The first trusted-IP entry that matches the request IP.
    TrustedIp {
        index: usize,
        entry: String,
    },
    /// There are trusted IPs and none matches.
    NotOnTrustedIp,
    /// TFA is on and the trusted-IP list is empty: everyone needs it.
    NoTrustedIps,
    /// This entry makes the server throw before any entry matched: the sign-in fails (HTTP 500).
    ServerError {
        index: usize,
        entry: String,
        detail: String,
    },
}

/// The outcome for one person at one address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// TFA would be asked for. For [`Reason::ServerError`] this is `true` (the person is not
    /// exempted) but the sign-in actually fails; check [`Verdict::is_server_error`].
    pub required: bool,
    pub reason: Reason,
    /// The address the verdict is for, as given.
    pub request_ip: String,
}

impl Verdict {
    pub fn is_server_error(&self) -> bool {
        matches!(self.reason, Reason::ServerError { .. })
    }

    /// A sentence for a person, with ids and system group names ("this user", "the group <id>").
    pub fn explain(&self) -> String {
        self.explain_with("This user", |_| None)
    }

    /// A sentence for a person: `user` is how to call the subject ("Anna"), `group_name` names
    /// ordinary groups (system groups are named already; unknown ids are shown as ids).
    pub fn explain_with(&self, user: &str, group_name: impl Fn(Uuid) -> Option<String>) -> String {
        self.explain_for(Who::Named(user), group_name)
    }

    /// [`Verdict::explain_with`] for any grammatical person.
    pub fn explain_for(&self, who: Who, group_name: impl Fn(Uuid) -> Option<String>) -> String {
        match &self.reason {
            Reason::ServerError { index, entry, detail } => format!(
                "Sign-in fails: trusted IP entry {} ({entry}) makes the server fail with an error (HTTP 500) for {} signing in from {}: {detail}. Fix or remove that entry.",
                index + 1,
                who.object(),
                self.request_ip
            ),
            _ => {
                let verdict = if self.required { "Required" } else { "Not required" };
                let clause = self.clause(who, group_name);
                format!("{verdict}: {clause}.")
            }
        }
    }

    /// Why, as a clause without the verdict and the full stop: "you are in the mandatory group
    /// Finance, which applies from any address". Group ids are named through `group_name`.
    pub fn clause(&self, who: Who, group_name: impl Fn(Uuid) -> Option<String>) -> String {
        let ip = &self.request_ip;
        let (subj, obj) = (who.subject(), who.object());
        let be = who.be();
        match &self.reason {
            Reason::TfaOff => "two-factor authentication is off on this portal".to_string(),
            Reason::MandatoryGroup(group) => {
                let name = system_group_name(*group)
                    .map(str::to_string)
                    .or_else(|| group_name(*group))
                    .unwrap_or_else(|| group.to_string());
                format!("{subj} {be} in the mandatory group {name}, which applies from any address")
            }
            Reason::MandatoryUser => format!("{subj} {be} on the list of mandatory users, which applies from any address"),
            Reason::TrustedIp { index, entry } => format!(
                "{subj} {} in from {ip}, which matches trusted IP entry {} ({entry})",
                who.verb("sign", "signs"),
                index + 1
            ),
            Reason::NotOnTrustedIp => format!("{ip} matches none of the trusted IPs, so {obj} must use a second factor"),
            Reason::NoTrustedIps => format!("two-factor authentication is on and there are no trusted IPs, so {obj} must use it from any address"),
            Reason::ServerError { index, entry, detail } => format!(
                "trusted IP entry {} ({entry}) makes the server fail with an error (HTTP 500) for {obj} signing in from {ip}: {detail}",
                index + 1
            ),
        }
    }
}

/// Whom a verdict is explained to: the admin themself ("you are"), or someone named ("Anna is").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who<'a> {
    You,
    Named(&'a str),
}

impl Who<'_> {
    fn subject(&self) -> &str {
        match self {
            Who::You => "you",
            Who::Named(n) => n,
        }
    }
    fn object(&self) -> &str {
        self.subject()
    }
    fn be(&self) -> &'static str {
        self.verb("are", "is")
    }
    fn verb(&self, plural: &'static str, singular: &'static str) -> &'static str {
        match self {
            Who::You => plural,
            Who::Named(_) => singular,
        }
    }
}

/// The server's rule for `subject` signing in from `request_ip` under `policy`.
pub fn evaluate(policy: &Policy, subject: &Subject, request_ip: &str) -> Verdict {
    let verdict = |required, reason| Verdict {
        required,
        reason,
        request_ip: request_ip.to_string(),
    };
    if policy.method == Method::None {
        return verdict(false, Reason::TfaOff);
    }
    if let Some(&group) = policy
        .mandatory_groups
        .iter()
        .find(|&&g| subject.is_in_group(g))
    {
        return verdict(true, Reason::MandatoryGroup(group));
    }
    if policy.mandatory_users.contains(&subject.user_id) {
        return verdict(true, Reason::MandatoryUser);
    }
    if policy.trusted_ips.is_empty() {
        return verdict(true, Reason::NoTrustedIps);
    }
    match first_match(request_ip, &policy.trusted_ips) {
        Ok(Some(index)) => verdict(
            false,
            Reason::TrustedIp {
                index,
                entry: policy.trusted_ips[index].clone(),
            },
        ),
        Ok(None) => verdict(true, Reason::NotOnTrustedIp),
        Err((index, e)) => verdict(
            true,
            Reason::ServerError {
                index,
                entry: policy.trusted_ips[index].clone(),
                detail: e.to_string(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::system_groups::{DOCSPACE_ADMIN, EVERYONE, GUEST, ROOM_ADMIN, USER};

    const ANNA: Uuid = Uuid::from_u128(0xA);
    const BOB: Uuid = Uuid::from_u128(0xB);
    const FINANCE: Uuid = Uuid::from_u128(0xF);
    const SALES: Uuid = Uuid::from_u128(0x5);

    fn subject(role: UserRole, groups: &[Uuid]) -> Subject {
        Subject {
            user_id: ANNA,
            role,
            groups: groups.to_vec(),
        }
    }

    fn policy(method: Method, ips: &[&str], users: &[Uuid], groups: &[Uuid]) -> Policy {
        Policy {
            method,
            trusted_ips: ips.iter().map(|s| s.to_string()).collect(),
            mandatory_users: users.to_vec(),
            mandatory_groups: groups.to_vec(),
        }
    }

    #[test]
    fn system_group_membership_by_role() {
        use UserRole::*;
        // (role, everyone, docspace admin, room admin, user, guest)
        let table = [
            (Owner, true, true, true, false, false),
            (DocSpaceAdmin, true, true, true, false, false),
            (RoomAdmin, true, false, true, false, false),
            (User, true, false, false, true, false),
            (Guest, true, false, false, false, true),
        ];
        for (role, everyone, admin, room_admin, user, guest) in table {
            let s = subject(role, &[]);
            assert_eq!(
                [EVERYONE, DOCSPACE_ADMIN, ROOM_ADMIN, USER, GUEST].map(|g| s.is_in_group(g)),
                [everyone, admin, room_admin, user, guest],
                "{role:?}"
            );
        }
        let s = subject(User, &[FINANCE]);
        assert!(s.is_in_group(FINANCE));
        assert!(!s.is_in_group(SALES));
    }

    /// (policy, role, groups, request ip, required, reason)
    type Case<'a> = (Policy, UserRole, Vec<Uuid>, &'a str, bool, Reason);

    #[test]
    fn rule_table() {
        use Method::*;
        use UserRole::*;
        let office = ["10.0.0.0/8", "203.0.113.10-203.0.113.20"];
        let cases: Vec<Case> = vec![
            // Off: nothing else counts, not even an entry that would throw.
            (
                policy(None, &["192.168.1.10/24"], &[ANNA], &[EVERYONE]),
                User,
                vec![],
                "8.8.8.8",
                false,
                Reason::TfaOff,
            ),
            // On with no trusted IPs: everyone, mandatory lists change nothing.
            (
                policy(App, &[], &[], &[]),
                User,
                vec![],
                "10.0.0.1",
                true,
                Reason::NoTrustedIps,
            ),
            (
                policy(Sms, &[], &[], &[]),
                Guest,
                vec![],
                "10.0.0.1",
                true,
                Reason::NoTrustedIps,
            ),
            (
                policy(App, &[], &[ANNA], &[]),
                User,
                vec![],
                "10.0.0.1",
                true,
                Reason::MandatoryUser,
            ),
            // Trusted IPs exempt...
            (
                policy(App, &office, &[], &[]),
                User,
                vec![],
                "10.1.2.3",
                false,
                Reason::TrustedIp {
                    index: 0,
                    entry: "10.0.0.0/8".into(),
                },
            ),
            (
                policy(App, &office, &[], &[]),
                User,
                vec![],
                "203.0.113.15:5000",
                false,
                Reason::TrustedIp {
                    index: 1,
                    entry: "203.0.113.10-203.0.113.20".into(),
                },
            ),
            (
                policy(App, &office, &[], &[]),
                User,
                vec![],
                "8.8.8.8",
                true,
                Reason::NotOnTrustedIp,
            ),
            // ...unless a mandatory group or user overrides them; groups are checked first.
            (
                policy(App, &office, &[ANNA], &[FINANCE]),
                User,
                vec![FINANCE],
                "10.1.2.3",
                true,
                Reason::MandatoryGroup(FINANCE),
            ),
            (
                policy(App, &office, &[ANNA], &[SALES]),
                User,
                vec![FINANCE],
                "10.1.2.3",
                true,
                Reason::MandatoryUser,
            ),
            (
                policy(App, &office, &[BOB], &[SALES]),
                User,
                vec![FINANCE],
                "10.1.2.3",
                false,
                Reason::TrustedIp {
                    index: 0,
                    entry: "10.0.0.0/8".into(),
                },
            ),
            (
                policy(App, &office, &[], &[SALES, FINANCE]),
                User,
                vec![FINANCE],
                "10.1.2.3",
                true,
                Reason::MandatoryGroup(FINANCE),
            ),
            // System groups by role: the owner is a DocSpace admin and a room admin.
            (
                policy(App, &office, &[], &[DOCSPACE_ADMIN]),
                Owner,
                vec![],
                "10.1.2.3",
                true,
                Reason::MandatoryGroup(DOCSPACE_ADMIN),
            ),
            (
                policy(App, &office, &[], &[DOCSPACE_ADMIN]),
                RoomAdmin,
                vec![],
                "10.1.2.3",
                false,
                Reason::TrustedIp {
                    index: 0,
                    entry: "10.0.0.0/8".into(),
                },
            ),
            (
                policy(App, &office, &[], &[ROOM_ADMIN]),
                DocSpaceAdmin,
                vec![],
                "10.1.2.3",
                true,
                Reason::MandatoryGroup(ROOM_ADMIN),
            ),
            (
                policy(App, &office, &[], &[EVERYONE]),
                Guest,
                vec![],
                "10.1.2.3",
                true,
                Reason::MandatoryGroup(EVERYONE),
            ),
            (
                policy(App, &office, &[], &[GUEST]),
                User,
                vec![],
                "10.1.2.3",
                false,
                Reason::TrustedIp {
                    index: 0,
                    entry: "10.0.0.0/8".into(),
                },
            ),
            (
                policy(App, &office, &[], &[USER, GUEST]),
                Guest,
                vec![],
                "10.1.2.3",
                true,
                Reason::MandatoryGroup(GUEST),
            ),
            // The server's quirks decide: 0.0.0.0/0 trusts nobody, IPv6 /48 over-matches.
            (
                policy(App, &["0.0.0.0/0"], &[], &[]),
                User,
                vec![],
                "8.8.8.8",
                true,
                Reason::NotOnTrustedIp,
            ),
            (
                policy(App, &["2001:db8::/48"], &[], &[]),
                User,
                vec![],
                "2001:db8:1::5",
                false,
                Reason::TrustedIp {
                    index: 0,
                    entry: "2001:db8::/48".into(),
                },
            ),
            (
                policy(App, &[" 10.0.0.5"], &[], &[]),
                User,
                vec![],
                "10.0.0.5",
                true,
                Reason::NotOnTrustedIp,
            ),
            // A throwing entry before any match fails the sign-in; after a match it is never reached.
            (
                policy(App, &["192.168.1.10/24", "10.0.0.0/8"], &[], &[]),
                User,
                vec![],
                "10.1.2.3",
                true,
                Reason::ServerError {
                    index: 0,
                    entry: "192.168.1.10/24".into(),
                    detail: crate::policy::matcher::MatchError::BadNetwork {
                        entry: "192.168.1.10/24".into(),
                    }
                    .to_string(),
                },
            ),
            (
                policy(App, &["10.0.0.0/8", "192.168.1.10/24"], &[], &[]),
                User,
                vec![],
                "10.1.2.3",
                false,
                Reason::TrustedIp {
                    index: 0,
                    entry: "10.0.0.0/8".into(),
                },
            ),
            // Mandatory people never reach the throwing entry either.
            (
                policy(App, &["192.168.1.10/24"], &[ANNA], &[]),
                User,
                vec![],
                "10.1.2.3",
                true,
                Reason::MandatoryUser,
            ),
        ];
        for (i, (p, role, groups, ip, required, reason)) in cases.into_iter().enumerate() {
            let v = evaluate(
                &p,
                &Subject {
                    user_id: ANNA,
                    role,
                    groups,
                },
                ip,
            );
            assert_eq!(
                (v.required, &v.reason),
                (required, &reason),
                "case {i}: {p:?} from {ip}"
            );
            assert_eq!(v.request_ip, ip);
        }
    }

    #[test]
    fn explanations() {
        let names = |g: Uuid| (g == FINANCE).then(|| "Finance".to_string());
        let office = policy(
            Method::App,
            &["10.0.0.0/8"],
            &[BOB],
            &[FINANCE, DOCSPACE_ADMIN],
        );
        let anna = subject(UserRole::User, &[FINANCE]);
        let say =
            |p: &Policy, s: &Subject, ip: &str| evaluate(p, s, ip).explain_with("Anna", names);
        assert_eq!(
            say(&office, &anna, "10.0.0.1"),
            "Required: Anna is in the mandatory group Finance, which applies from any address."
        );
        assert_eq!(
            say(&office, &subject(UserRole::Owner, &[]), "10.0.0.1"),
            "Required: Anna is in the mandatory group DocSpace admins, which applies from any address."
        );
        assert_eq!(
            say(&office, &subject(UserRole::User, &[]), "10.0.0.1"),
            "Not required: Anna signs in from 10.0.0.1, which matches trusted IP entry 1 (10.0.0.0/8)."
        );
        assert_eq!(
            say(&office, &subject(UserRole::User, &[]), "8.8.8.8"),
            "Required: 8.8.8.8 matches none of the trusted IPs, so Anna must use a second factor."
        );
        assert_eq!(
            say(&Policy::disabled(), &anna, "8.8.8.8"),
            "Not required: two-factor authentication is off on this portal."
        );
        let broken = policy(Method::App, &["192.168.1.10/24"], &[], &[]);
        let text = say(&broken, &anna, "8.8.8.8");
        assert!(
            text.starts_with("Sign-in fails: trusted IP entry 1 (192.168.1.10/24)"),
            "{text}"
        );
        assert!(evaluate(&broken, &anna, "8.8.8.8").is_server_error());
        // Without names: ids, and "This user".
        let unnamed = evaluate(&office, &anna, "10.0.0.1").explain();
        assert!(
            unnamed.contains(&FINANCE.to_string()) && unnamed.contains("This user"),
            "{unnamed}"
        );
    }

    #[test]
    fn explained_to_the_admin_in_the_second_person() {
        let names = |g: Uuid| (g == FINANCE).then(|| "Finance".to_string());
        let office = policy(Method::App, &["10.0.0.0/8"], &[ANNA], &[FINANCE]);
        let say =
            |p: &Policy, s: &Subject, ip: &str| evaluate(p, s, ip).explain_for(Who::You, names);
        assert_eq!(
            say(&office, &subject(UserRole::User, &[FINANCE]), "10.0.0.1"),
            "Required: you are in the mandatory group Finance, which applies from any address."
        );
        assert_eq!(
            say(&office, &subject(UserRole::User, &[]), "10.0.0.1"),
            "Required: you are on the list of mandatory users, which applies from any address."
        );
        let open = policy(Method::App, &["10.0.0.0/8"], &[], &[]);
        assert_eq!(
            say(&open, &subject(UserRole::User, &[]), "10.0.0.1"),
            "Not required: you sign in from 10.0.0.1, which matches trusted IP entry 1 (10.0.0.0/8)."
        );
    }

    #[test]
    fn verdict_json() {
        let v = evaluate(
            &policy(Method::App, &["10.0.0.0/8"], &[], &[]),
            &subject(UserRole::User, &[]),
            "10.0.0.1",
        );
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({"required": false, "reason": {"kind": "trustedIp", "detail": {"index": 0, "entry": "10.0.0.0/8"}}, "requestIp": "10.0.0.1"})
        );
    }
}
