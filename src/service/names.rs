//! Names for ids: people and groups as the app shows them, never bare GUIDs.

use futures::stream::{self, StreamExt};
use serde::Serialize;
use uuid::Uuid;

use super::{lock, Connection, ServiceError};
use crate::docspace::{ApiError, Employee, Group};
use crate::policy::system_groups::system_group_name;
use crate::policy::Policy;

/// How many name look-ups run at once: fast on a real portal, gentle on its rate limits.
const LOOKUP_CONCURRENCY: usize = 8;

/// A user as the app shows it: never a bare id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRef {
    pub id: Uuid,
    pub display_name: String,
    pub email: Option<String>,
    /// False when the portal does not know this id (deleted user, typo in a file), or does not
    /// show it to this account (`hidden`).
    pub known: bool,
    /// The portal refused to name this user to the signed-in account (403: not an admin).
    pub hidden: bool,
    pub is_owner: bool,
    pub is_admin: bool,
}

impl PersonRef {
    pub fn from_employee(e: &Employee) -> Self {
        PersonRef {
            id: e.id,
            display_name: e.display_name.clone(),
            email: e.email.clone(),
            known: true,
            hidden: false,
            is_owner: e.is_owner,
            is_admin: e.is_admin,
        }
    }
    fn unknown(id: Uuid) -> Self {
        PersonRef {
            id,
            display_name: format!("unknown user {id}"),
            email: None,
            known: false,
            hidden: false,
            is_owner: false,
            is_admin: false,
        }
    }
    fn hidden(id: Uuid) -> Self {
        PersonRef {
            display_name: format!("user {id} (name not visible to your account)"),
            hidden: true,
            ..PersonRef::unknown(id)
        }
    }
    /// The id alone, when the name look-up failed (the policy itself is known).
    pub(crate) fn unnamed(id: Uuid) -> Self {
        PersonRef {
            display_name: format!("user {id} (name could not be looked up)"),
            ..PersonRef::unknown(id)
        }
    }
    /// "Name <email>" or the name alone.
    pub fn label(&self) -> String {
        match &self.email {
            Some(e) if !e.is_empty() => format!("{} <{e}>", self.display_name),
            _ => self.display_name.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRef {
    pub id: Uuid,
    pub name: String,
    pub known: bool,
    /// The portal refused to name this group to the signed-in account (403: not an admin).
    pub hidden: bool,
    pub is_system: bool,
}

impl GroupRef {
    fn unknown(id: Uuid) -> Self {
        GroupRef {
            id,
            name: format!("unknown group {id}"),
            known: false,
            hidden: false,
            is_system: false,
        }
    }
    fn hidden(id: Uuid) -> Self {
        GroupRef {
            name: format!("group {id} (name not visible to your account)"),
            hidden: true,
            ..GroupRef::unknown(id)
        }
    }
    pub(crate) fn unnamed(id: Uuid) -> Self {
        GroupRef {
            name: format!("group {id} (name could not be looked up)"),
            ..GroupRef::unknown(id)
        }
    }
}

/// Every id of `lists`, each once, in first-seen order.
fn ids_of<'a>(lists: impl IntoIterator<Item = &'a [Uuid]>) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = Vec::new();
    for id in lists.into_iter().flatten() {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

impl Connection {
    /// Names for every mandatory user and group of several policies (live and draft, the
    /// entries of a history...), each id once, in first-seen order.
    pub async fn names_for(
        &self,
        policies: &[&Policy],
    ) -> Result<(Vec<PersonRef>, Vec<GroupRef>), ServiceError> {
        let users = self
            .people(&ids_of(policies.iter().map(|p| &p.mandatory_users[..])))
            .await?;
        let groups = self
            .groups(&ids_of(policies.iter().map(|p| &p.mandatory_groups[..])))
            .await?;
        Ok((users, groups))
    }

    /// Names for user ids, from the cache or the portal; ids the portal does not know come back
    /// as "unknown user <id>".
    pub async fn people(&self, ids: &[Uuid]) -> Result<Vec<PersonRef>, ServiceError> {
        let missing: Vec<Uuid> = {
            let cache = lock(&self.people);
            ids.iter()
                .filter(|id| !cache.contains_key(id))
                .copied()
                .collect()
        };
        let fetched: Vec<Result<PersonRef, ApiError>> = stream::iter(missing)
            .map(|id| async move {
                match self.client.user(id).await {
                    Ok(e) => Ok(PersonRef::from_employee(&e)),
                    Err(ApiError::NotFound { .. }) => Ok(PersonRef::unknown(id)),
                    // Ordinary users may not read other people: show the id, plainly labelled.
                    Err(ApiError::Forbidden { .. }) => Ok(PersonRef::hidden(id)),
                    Err(e) => Err(e),
                }
            })
            .buffer_unordered(LOOKUP_CONCURRENCY)
            .collect()
            .await;
        let mut cache = lock(&self.people);
        for p in fetched {
            let p = p?;
            cache.insert(p.id, p);
        }
        Ok(ids.iter().filter_map(|id| cache.get(id).cloned()).collect())
    }

    /// Names for group ids; the system groups are named locally.
    pub async fn groups(&self, ids: &[Uuid]) -> Result<Vec<GroupRef>, ServiceError> {
        let missing: Vec<Uuid> = {
            let cache = lock(&self.groups);
            ids.iter()
                .filter(|id| !cache.contains_key(id))
                .copied()
                .collect()
        };
        let fetched: Vec<Result<GroupRef, ApiError>> = stream::iter(missing)
            .map(|id| async move {
                if let Some(name) = system_group_name(id) {
                    return Ok(GroupRef {
                        id,
                        name: name.to_string(),
                        known: true,
                        hidden: false,
                        is_system: true,
                    });
                }
                match self.client.group(id).await {
                    Ok(g) => Ok(GroupRef {
                        id,
                        name: g.name,
                        known: true,
                        hidden: false,
                        is_system: g.is_system.unwrap_or(false),
                    }),
                    Err(ApiError::NotFound { .. }) => Ok(GroupRef::unknown(id)),
                    Err(ApiError::Forbidden { .. }) => Ok(GroupRef::hidden(id)),
                    Err(e) => Err(e),
                }
            })
            .buffer_unordered(LOOKUP_CONCURRENCY)
            .collect()
            .await;
        let mut cache = lock(&self.groups);
        for g in fetched {
            let g = g?;
            cache.insert(g.id, g);
        }
        Ok(ids.iter().filter_map(|id| cache.get(id).cloned()).collect())
    }

    /// Adds search results to the name cache, so chips never need another request.
    pub fn remember_people(&self, people: &[Employee]) {
        let mut cache = lock(&self.people);
        for e in people {
            cache.insert(e.id, PersonRef::from_employee(e));
        }
    }

    pub fn remember_groups(&self, groups: &[Group]) {
        let mut cache = lock(&self.groups);
        for g in groups {
            cache.insert(
                g.id,
                GroupRef {
                    id: g.id,
                    name: g.name.clone(),
                    known: true,
                    hidden: false,
                    is_system: g.is_system.unwrap_or(false),
                },
            );
        }
    }
}
