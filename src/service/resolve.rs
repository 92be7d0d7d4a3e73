//! Policy files resolved against a portal: ids first, then email, then exact name.

use serde::Serialize;
use uuid::Uuid;

use super::{Connection, ServiceError};
use crate::docspace::Employee;
use crate::policy::system_groups::SYSTEM_GROUPS;
use crate::policy::Policy;
use crate::policy_file::{GroupEntry, PolicyFile, UserEntry};

/// A policy file resolved against a portal.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub policy: Policy,
    /// Entries that name nobody on this portal (no id, and no unique email or name match).
    pub unresolved: Vec<String>,
    /// Entries kept by id although the portal does not know the id.
    pub unknown_ids: Vec<String>,
}

impl Connection {
    /// knows it, else by email, else by exact name (only when exactly one matches).
    pub async fn resolve_file(&self, file: &PolicyFile) -> Result<Resolution, ServiceError> {
        let mut res = Resolution {
            policy: Policy { method: file.method, trusted_ips: file.trusted_ips.clone(), mandatory_users: vec![], mandatory_groups: vec![] },
            unresolved: vec![],
            unknown_ids: vec![],
        };
        for entry in &file.mandatory_users {
            match self.resolve_user(entry).await? {
                Some(id) => res.policy.mandatory_users.push(id),
                None => match entry.id() {
                    Some(id) => {
                        res.unknown_ids.push(format!("user {}", entry.describe()));
                        res.policy.mandatory_users.push(id);
                    }
                    None => res.unresolved.push(format!("user {}", entry.describe())),
                },
            }
        }
        for entry in &file.mandatory_groups {
            match self.resolve_group(entry).await? {
                Some(id) => res.policy.mandatory_groups.push(id),
                None => match entry.id() {
                    Some(id) => {
                        res.unknown_ids.push(format!("group {}", entry.describe()));
                        res.policy.mandatory_groups.push(id);
                    }
                    None => res.unresolved.push(format!("group {}", entry.describe())),
                },
            }
        }
        Ok(res)
    }

    async fn resolve_user(&self, entry: &UserEntry) -> Result<Option<Uuid>, ServiceError> {
        if let Some(id) = entry.id() {
            if self.people(&[id]).await?.first().is_some_and(|p| p.known) {
                return Ok(Some(id));
            }
        }
        let UserEntry::Ref { name, email, .. } = entry else { return Ok(None) };
        if let Some(email) = email.as_deref().filter(|e| !e.trim().is_empty()) {
            let page = self.client.people(email.trim(), 0, 100).await?;
            self.remember_people(&page.items);
            let hits: Vec<&Employee> = page.items.iter().filter(|p| p.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email.trim()))).collect();
            if let [one] = hits.as_slice() {
                return Ok(Some(one.id));
            }
        }
        if let Some(name) = name.as_deref().filter(|n| !n.trim().is_empty()) {
            let page = self.client.people(name.trim(), 0, 100).await?;
            self.remember_people(&page.items);
            let hits: Vec<&Employee> = page.items.iter().filter(|p| p.display_name.eq_ignore_ascii_case(name.trim())).collect();
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
        let GroupEntry::Ref { name: Some(name), .. } = entry else { return Ok(None) };
        let name = name.trim();
        if let Some((id, _)) = SYSTEM_GROUPS.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)) {
            return Ok(Some(*id));
        }
        let page = self.client.groups(name, 0, 100).await?;
        self.remember_groups(&page.items);
        let hits: Vec<_> = page.items.iter().filter(|g| g.name.eq_ignore_ascii_case(name)).collect();
        Ok(match hits.as_slice() {
            [one] => Some(one.id),
            _ => None,
        })
    }
}
