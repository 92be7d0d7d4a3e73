//! The portal's people as the analysis needs them (the roster), and the "People" view: mandatory
//! users and members of mandatory groups with their authenticator status, last sign-in and
//! friction, exportable as CSV.

use std::collections::HashMap;

use chrono::DateTime;
use serde::Serialize;
use uuid::Uuid;

use super::tally::{Attempt, Friction, Tally};
use crate::docspace::Employee;
use crate::policy::rule::{Subject, UserRole};
use crate::policy::{system_group_name, Policy};
use crate::service::role_of;

/// One person of the portal.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub role: UserRole,
    pub groups: Vec<Uuid>,
    /// `tfaAppEnabled`: only given to admins while app TFA is on; `None` = unknown.
    pub has_app: Option<bool>,
}

/// Everyone, by id and by what they type to sign in.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    people: HashMap<Uuid, Person>,
    logins: HashMap<String, Uuid>,
    group_names: HashMap<Uuid, String>,
}

impl Roster {
    pub fn new(employees: Vec<Employee>) -> Roster {
        let mut r = Roster::default();
        for e in employees {
            for key in [e.email.as_deref(), e.user_name.as_deref()]
                .into_iter()
                .flatten()
            {
                r.logins.insert(key.trim().to_lowercase(), e.id);
            }
            let groups = e.groups.clone().unwrap_or_default();
            for g in &groups {
                r.group_names.insert(g.id, g.name.clone());
            }
            r.people.insert(
                e.id,
                Person {
                    id: e.id,
                    name: e.display_name.clone(),
                    email: e.email.clone(),
                    role: role_of(&e),
                    groups: groups.iter().map(|g| g.id).collect(),
                    has_app: e.tfa_app_enabled,
                },
            );
        }
        r
    }

    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    pub fn get(&self, id: Uuid) -> Option<&Person> {
        self.people.get(&id)
    }

    /// A name for output: the display name, or the id for someone the portal no longer lists.
    pub fn name(&self, id: Uuid) -> String {
        self.get(id)
            .map_or_else(|| format!("unknown user {id}"), |p| p.name.clone())
    }

    /// The rule's view of a person; someone no longer listed counts as a plain user.
    pub fn subject(&self, id: Uuid) -> Subject {
        let p = self.get(id);
        Subject {
            user_id: id,
            role: p.map_or(UserRole::User, |p| p.role),
            groups: p.map(|p| p.groups.clone()).unwrap_or_default(),
        }
    }

    pub fn group_name(&self, id: Uuid) -> String {
        system_group_name(id)
            .map(str::to_string)
            .or_else(|| self.group_names.get(&id).cloned())
            .unwrap_or_else(|| format!("group {id}"))
    }

    /// Failed attempts of a person: under their id, or typed as their e-mail or user name.
    pub fn friction(&self, tally: &Tally, id: Uuid) -> Friction {
        let mut total = tally
            .friction
            .get(&Attempt::User(id))
            .copied()
            .unwrap_or_default();
        for (attempt, f) in &tally.friction {
            if let Attempt::Login(login) = attempt {
                if self.logins.get(login) == Some(&id) {
                    total.passwords += f.passwords;
                    total.second_factor += f.second_factor;
                }
            }
        }
        total
    }
}

/// One row of the People view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonStatus {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    /// Why TFA is mandatory for them: "listed" or "group <name>".
    pub mandatory: String,
    pub has_app: Option<bool>,
    /// RFC 3339, UTC.
    pub last_sign_in: Option<String>,
    pub last_method: Option<String>,
    pub failed_passwords: u64,
    pub failed_second_factor: u64,
}

/// Mandatory users and members of mandatory groups under `policy`, by name.
pub fn statuses(roster: &Roster, tally: &Tally, policy: &Policy) -> Vec<PersonStatus> {
    let mut rows: Vec<PersonStatus> = roster
        .people
        .values()
        .filter_map(|p| {
            let subject = roster.subject(p.id);
            let mandatory = if policy.mandatory_users.contains(&p.id) {
                "listed".to_string()
            } else {
                let g = policy
                    .mandatory_groups
                    .iter()
                    .find(|g| subject.is_in_group(**g))?;
                format!("group {}", roster.group_name(*g))
            };
            let last = tally.last.get(&p.id);
            let f = roster.friction(tally, p.id);
            Some(PersonStatus {
                id: p.id,
                name: p.name.clone(),
                email: p.email.clone(),
                mandatory,
                has_app: p.has_app,
                last_sign_in: last
                    .and_then(|(at, _)| DateTime::from_timestamp(*at, 0))
                    .map(|d| d.to_rfc3339()),
                last_method: last.map(|(_, m)| m.label().to_string()),
                failed_passwords: f.passwords,
                failed_second_factor: f.second_factor,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    rows
}

/// The rows as CSV (RFC 4180), with cells that a spreadsheet would run as a formula defused.
pub fn csv(rows: &[PersonStatus]) -> String {
    let mut out = String::from(
        "id,name,email,mandatory,hasApp,lastSignIn,lastMethod,failedPasswords,failedSecondFactor\r\n",
    );
    for r in rows {
        let has_app = match r.has_app {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        let cells = [
            r.id.to_string(),
            r.name.clone(),
            r.email.clone().unwrap_or_default(),
            r.mandatory.clone(),
            has_app.to_string(),
            r.last_sign_in.clone().unwrap_or_default(),
            r.last_method.clone().unwrap_or_default(),
            r.failed_passwords.to_string(),
            r.failed_second_factor.to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
