//! Policy files: written with the names of everyone they mention, and resolved against a portal
//! (ids first, then email, then exact name).

use serde::Serialize;
use uuid::Uuid;

use super::{Connection, GroupRef, PersonRef, ServiceError};
use crate::docspace::Employee;
use crate::policy::system_groups::SYSTEM_GROUPS;
use crate::policy::Policy;
use crate::policy_file::{GroupEntry, PolicyFile, UserEntry};

/// A policy file resolved against a portal: the draft it makes there, what did not resolve, and
/// the names of the draft's users and groups.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub draft: Policy,
    /// Entries that name nobody on this portal (no id, and no unique email or name match).
    pub unresolved: Vec<String>,
    /// Entries kept by id although the portal does not know the id.
    pub unknown_ids: Vec<String>,
    /// The draft's mandatory users by name, same order.
    pub users: Vec<PersonRef>,
    /// The draft's mandatory groups by name, same order.
    pub groups: Vec<GroupRef>,
}

impl Connection {
    /// The reviewable file for `policy`: every user and group by id, plus the name (and email)
    /// this portal knows for it.
    pub async fn export_file(&self, policy: &Policy) -> Result<PolicyFile, ServiceError> {
        let users: Vec<(Uuid, String, Option<String>)> = self
            .people(&policy.mandatory_users)
            .await?
            .into_iter()
            .filter(|u| u.known)
            .map(|u| (u.id, u.display_name, u.email))
            .collect();
        let groups: Vec<(Uuid, String)> = self
            .groups(&policy.mandatory_groups)
            .await?
            .into_iter()
            .filter(|g| g.known)
            .map(|g| (g.id, g.name))
            .collect();
        Ok(PolicyFile::export(
            policy,
            self.portal().as_str(),
            &users,
            &groups,
        ))
    }

    /// The live policy of `source` (another portal) as a draft for this one: exported with its
    /// names there, then resolved here by email and name (the ids of one portal mean nobody on
    /// another).
    pub async fn copy_from(&self, source: &Connection) -> Result<Resolution, ServiceError> {
        let live = source.client().policy().await?.policy;
        let file = source.export_file(&live).await?;
        self.resolve_file(&file).await
    }

    /// The file's policy on this portal. Each user and group is taken by id when the portal
    /// knows it, else by email, else by exact name (only when exactly one matches).
    pub async fn resolve_file(&self, file: &PolicyFile) -> Result<Resolution, ServiceError> {
        let mut res = Resolution {
            draft: Policy {
                method: file.method,
                trusted_ips: file.trusted_ips.clone(),
                mandatory_users: vec![],
                mandatory_groups: vec![],
            },
            unresolved: vec![],
            unknown_ids: vec![],
            users: vec![],
            groups: vec![],
        };
        for entry in &file.mandatory_users {
            match self.resolve_user(entry).await? {
                Some(id) => res.draft.mandatory_users.push(id),
                None => match entry.id() {
                    Some(id) => {
                        res.unknown_ids.push(format!("user {}", entry.describe()));
                        res.draft.mandatory_users.push(id);
                    }
                    None => res.unresolved.push(format!("user {}", entry.describe())),
                },
            }
        }
        for entry in &file.mandatory_groups {
            match self.resolve_group(entry).await? {
                Some(id) => res.draft.mandatory_groups.push(id),
                None => match entry.id() {
                    Some(id) => {
                        res.unknown_ids.push(format!("group {}", entry.describe()));
                        res.draft.mandatory_groups.push(id);
                    }
                    None => res.unresolved.push(format!("group {}", entry.describe())),
                },
            }
        }
        // Resolving looked everyone up already: these come from the name cache.
        res.users = self.people(&res.draft.mandatory_users).await?;
        res.groups = self.groups(&res.draft.mandatory_groups).await?;
        Ok(res)
    }

    async fn resolve_user(&self, entry: &UserEntry) -> Result<Option<Uuid>, ServiceError> {
        if let Some(id) = entry.id() {
            if self.people(&[id]).await?.first().is_some_and(|p| p.known) {
                return Ok(Some(id));
            }
        }
        let UserEntry::Ref { name, email, .. } = entry else {
            return Ok(None);
        };
        if let Some(email) = email.as_deref().filter(|e| !e.trim().is_empty()) {
            let page = self.client.people(email.trim(), 0, 100).await?;
            self.remember_people(&page.items);
            let hits: Vec<&Employee> = page
                .items
                .iter()
                .filter(|p| {
                    p.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(email.trim()))
                })
                .collect();
            if let [one] = hits.as_slice() {
                return Ok(Some(one.id));
            }
        }
        if let Some(name) = name.as_deref().filter(|n| !n.trim().is_empty()) {
            let page = self.client.people(name.trim(), 0, 100).await?;
            self.remember_people(&page.items);
            let hits: Vec<&Employee> = page
                .items
                .iter()
                .filter(|p| p.display_name.eq_ignore_ascii_case(name.trim()))
                .collect();
            if let [one] = hits.as_slice() {
                return Ok(Some(one.id));
            }
        }
        Ok(None)
    }

    /// A group by id (if the portal knows it), else by exact name; system groups by their names.
    pub async fn resolve_group(&self, entry: &GroupEntry) -> Result<Option<Uuid>, ServiceError> {
        if let Some(id) = entry.id() {
            if self.groups(&[id]).await?.first().is_some_and(|g| g.known) {
                return Ok(Some(id));
            }
        }
        let GroupEntry::Ref {
            name: Some(name), ..
        } = entry
        else {
            return Ok(None);
        };
        let name = name.trim();
        if let Some((id, _)) = SYSTEM_GROUPS
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
        {
            return Ok(Some(*id));
        }
        let page = self.client.groups(name, 0, 100).await?;
        self.remember_groups(&page.items);
        let hits: Vec<_> = page
            .items
            .iter()
            .filter(|g| g.name.eq_ignore_ascii_case(name))
            .collect();
        Ok(match hits.as_slice() {
            [one] => Some(one.id),
            _ => None,
        })
    }
}
