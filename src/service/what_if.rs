//! What-if: would this person need TFA from that address, under the live policy and a draft?
//! The rule itself is pure (`policy::rule`); this module finds the person and their groups.

use serde::Serialize;
use std::net::IpAddr;
use uuid::Uuid;

use super::{Connection, GroupRef, PersonRef, ServiceError};
use crate::docspace::Employee;
use crate::policy::rule::{evaluate, Subject, UserRole, Verdict};
use crate::policy::Policy;

/// One verdict with its explanation in words.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    #[serde(flatten)]
    pub verdict: Verdict,
    pub explanation: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIf {
    /// The person asked about, or `None` for "a member of these groups".
    pub person: Option<PersonRef>,
    pub role: UserRole,
    pub groups: Vec<GroupRef>,
    pub ip: String,
    pub live: Outcome,
    pub draft: Option<Outcome>,
}

/// The account type as the server's system groups see it.
pub fn role_of(e: &Employee) -> UserRole {
    if e.is_owner {
        UserRole::Owner
    } else if e.is_admin {
        UserRole::DocSpaceAdmin
    } else if e.is_visitor {
        UserRole::Guest
    } else if e.is_room_admin {
        UserRole::RoomAdmin
    } else {
        UserRole::User
    }
}

impl Connection {
    /// A person by id, exact email, exact name, or a search with exactly one match.
    pub async fn find_person(&self, query: &str) -> Result<Employee, ServiceError> {
        let q = query.trim();
        let portal = self.portal().to_string();
        if let Ok(id) = Uuid::parse_str(q) {
            return match self.client().user(id).await {
                Err(crate::docspace::ApiError::NotFound { .. }) => {
                    Err(ServiceError::NoSuchPerson {
                        portal,
                        query: q.into(),
                    })
                }
                other => {
                    let person = other?;
                    self.remember_people(std::slice::from_ref(&person));
                    Ok(person)
                }
            };
        }
        let page = match self.client().people(q, 0, 100).await {
            // Ordinary users may read the policy but not search people: say what still works.
            Err(crate::docspace::ApiError::Forbidden { .. }) if !self.role().can_edit() => {
                return Err(ServiceError::Invalid {
                    field: "user".into(),
                    message: format!("{portal} does not let your account search people, so \"{q}\" cannot be looked up by name or email. Give the person's id instead (the policy lists the ids of its mandatory users)."),
                });
            }
            other => other?,
        };
        self.remember_people(&page.items);
        let exact: Vec<&Employee> = page
            .items
            .iter()
            .filter(|p| {
                p.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(q))
                    || p.display_name.eq_ignore_ascii_case(q)
            })
            .collect();
        let pick = match (exact.as_slice(), page.items.as_slice()) {
            ([one], _) => *one,
            ([], [one]) => one,
            ([], []) => {
                return Err(ServiceError::NoSuchPerson {
                    portal,
                    query: q.into(),
                })
            }
            (many, all) => {
                let list = if many.is_empty() {
                    all.iter().collect::<Vec<_>>()
                } else {
                    many.to_vec()
                };
                let candidates = list
                    .iter()
                    .take(5)
                    .map(|p| PersonRef::from_employee(p).label())
                    .collect();
                return Err(ServiceError::Ambiguous {
                    portal,
                    query: q.into(),
                    candidates,
                });
            }
        };
        // The search answer is the full record, groups included; only a portal that leaves
        // them out costs the narrow question, the person's own groups.
        let mut person = pick.clone();
        if person.groups.is_none() {
            person.groups = Some(self.client().groups_of_user(person.id).await?);
            self.remember_people(std::slice::from_ref(&person));
        }
        Ok(person)
    }

    /// The server's rule for `who` (or a member of `groups`) signing in from `ip`.
    pub async fn what_if(
        &self,
        who: Option<&Employee>,
        groups: &[Uuid],
        ip: &str,
        live: &Policy,
        draft: Option<&Policy>,
    ) -> Result<WhatIf, ServiceError> {
        let ip = ip.trim();
        if ip.parse::<IpAddr>().is_err() {
            return Err(ServiceError::Invalid { field: "ip".into(), message: format!("\"{ip}\" is not an IP address. Give an IPv4 or IPv6 address such as 203.0.113.7.") });
        }
        let mut group_ids: Vec<Uuid> = who
            .and_then(|e| e.groups.as_ref())
            .map(|g| g.iter().map(|g| g.id).collect())
            .unwrap_or_default();
        for g in groups {
            if !group_ids.contains(g) {
                group_ids.push(*g);
            }
        }
        let subject = Subject {
            user_id: who.map(|e| e.id).unwrap_or_else(Uuid::nil),
            role: who.map(role_of).unwrap_or(UserRole::User),
            groups: group_ids.clone(),
        };
        let mut named: Vec<Uuid> = group_ids.clone();
        named.extend(
            live.mandatory_groups
                .iter()
                .chain(
                    draft
                        .map(|d| d.mandatory_groups.iter())
                        .into_iter()
                        .flatten(),
                )
                .copied(),
        );
        let names = self.groups(&named).await?;
        let group_name = |id: Uuid| names.iter().find(|g| g.id == id).map(|g| g.name.clone());
        let who_name = who
            .map(|e| e.display_name.clone())
            .unwrap_or_else(|| "a member of these groups".into());
        let outcome = |policy: &Policy| {
            let verdict = evaluate(policy, &subject, ip);
            let explanation = verdict.explain_with(&who_name, group_name);
            Outcome {
                verdict,
                explanation,
            }
        };
        Ok(WhatIf {
            person: who.map(PersonRef::from_employee),
            role: subject.role,
            groups: names
                .iter()
                .filter(|g| group_ids.contains(&g.id))
                .cloned()
                .collect(),
            ip: ip.to_string(),
            live: outcome(live),
            draft: draft.map(outcome),
        })
    }
}
