//! Names for ids: people and groups as the app shows them, never bare GUIDs.

use futures::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

use super::{lock, Connection, ServiceError};
use crate::docspace::models::GroupSummary;
use crate::docspace::{ApiError, DocSpaceClient, Employee, Group};
use crate::policy::system_groups::system_group_name;
use crate::policy::Policy;

/// How many name look-ups run at once: enough that a policy with 100 mandatory users and a
/// handful of groups is named in one round trip, and still a bound on what hits the portal.
/// A 429 backs off (Retry-After, within the client's bounded retry budget).
pub(super) const LOOKUP_CONCURRENCY: usize = 128;

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
    fn from_summary(g: &GroupSummary) -> Self {
        GroupRef {
            id: g.id,
            name: g.name.clone(),
            known: true,
            hidden: false,
            is_system: g.is_system.unwrap_or(false),
        }
    }

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

/// Names already looked up, by id, so the chips, the review and the files never ask twice.
#[derive(Debug, Default)]
pub struct NameBook {
    people: Mutex<HashMap<Uuid, PersonRef>>,
    groups: Mutex<HashMap<Uuid, GroupRef>>,
}

/// One name to look up.
enum Lookup {
    Person(Uuid),
    Group(Uuid),
}

/// One looked-up name.
enum Found {
    Person(PersonRef),
    Group(GroupRef),
}

impl NameBook {
    /// Names for user and group ids, from the book or the portal: every missing name in one
    /// wave of concurrent requests (bounded; 429s back off inside the client's retry budget).
    /// Ids the portal does not know come back as "unknown user/group <id>"; system groups are
    /// named locally.
    pub async fn names(
        &self,
        client: &DocSpaceClient,
        users: &[Uuid],
        groups: &[Uuid],
    ) -> Result<(Vec<PersonRef>, Vec<GroupRef>), ServiceError> {
        let mut missing: Vec<Lookup> = Vec::new();
        {
            let people = lock(&self.people);
            let known = lock(&self.groups);
            for id in ids_of([users]) {
                if !people.contains_key(&id) {
                    missing.push(Lookup::Person(id));
                }
            }
            for id in ids_of([groups]) {
                if !known.contains_key(&id) {
                    missing.push(Lookup::Group(id));
                }
            }
        }
        let found: Vec<Result<Found, ApiError>> = stream::iter(missing)
            .map(|lookup| look_up(client, lookup))
            .buffer_unordered(LOOKUP_CONCURRENCY)
            .collect()
            .await;
        for f in found {
            match f? {
                Found::Person(p) => {
                    lock(&self.people).insert(p.id, p);
                }
                Found::Group(g) => {
                    lock(&self.groups).insert(g.id, g);
                }
            }
        }
        let people = lock(&self.people);
        let known = lock(&self.groups);
        Ok((
            users
                .iter()
                .filter_map(|id| people.get(id).cloned())
                .collect(),
            groups
                .iter()
                .filter_map(|id| known.get(id).cloned())
                .collect(),
        ))
    }

    /// Names for every mandatory user and group of several policies, each id once.
    pub async fn names_for(
        &self,
        client: &DocSpaceClient,
        policies: &[&Policy],
    ) -> Result<(Vec<PersonRef>, Vec<GroupRef>), ServiceError> {
        let users = ids_of(policies.iter().map(|p| &p.mandatory_users[..]));
        let groups = ids_of(policies.iter().map(|p| &p.mandatory_groups[..]));
        self.names(client, &users, &groups).await
    }

    /// Adds search results to the book, so chips never need another request.
    pub fn remember_people(&self, people: &[Employee]) {
        let mut cache = lock(&self.people);
        for e in people {
            cache.insert(e.id, PersonRef::from_employee(e));
        }
        drop(cache);
        // A full record names the person's groups too.
        let summaries: Vec<&GroupSummary> = people
            .iter()
            .flat_map(|e| e.groups.iter().flatten())
            .collect();
        let mut groups = lock(&self.groups);
        for g in summaries {
            groups
                .entry(g.id)
                .or_insert_with(|| GroupRef::from_summary(g));
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

async fn look_up(client: &DocSpaceClient, lookup: Lookup) -> Result<Found, ApiError> {
    match lookup {
        Lookup::Person(id) => match client.user(id).await {
            Ok(e) => Ok(Found::Person(PersonRef::from_employee(&e))),
            Err(ApiError::NotFound { .. }) => Ok(Found::Person(PersonRef::unknown(id))),
            // Ordinary users may not read other people: show the id, plainly labelled.
            Err(ApiError::Forbidden { .. }) => Ok(Found::Person(PersonRef::hidden(id))),
            Err(e) => Err(e),
        },
        Lookup::Group(id) => {
            if let Some(name) = system_group_name(id) {
                return Ok(Found::Group(GroupRef {
                    id,
                    name: name.to_string(),
                    known: true,
                    hidden: false,
                    is_system: true,
                }));
            }
            match client.group(id).await {
                Ok(g) => Ok(Found::Group(GroupRef {
                    id,
                    name: g.name,
                    known: true,
                    hidden: false,
                    is_system: g.is_system.unwrap_or(false),
                })),
                Err(ApiError::NotFound { .. }) => Ok(Found::Group(GroupRef::unknown(id))),
                Err(ApiError::Forbidden { .. }) => Ok(Found::Group(GroupRef::hidden(id))),
                Err(e) => Err(e),
            }
        }
    }
}

impl Connection {
    /// Names for every mandatory user and group of several policies (live and draft, the
    /// entries of a history...), each id once, in first-seen order: one wave at most.
    pub async fn names_for(
        &self,
        policies: &[&Policy],
    ) -> Result<(Vec<PersonRef>, Vec<GroupRef>), ServiceError> {
        self.book.names_for(&self.client, policies).await
    }

    /// Names for user ids, from the cache or the portal; ids the portal does not know come back
    /// as "unknown user <id>".
    pub async fn people(&self, ids: &[Uuid]) -> Result<Vec<PersonRef>, ServiceError> {
        Ok(self.book.names(&self.client, ids, &[]).await?.0)
    }

    /// Names for group ids; the system groups are named locally.
    pub async fn groups(&self, ids: &[Uuid]) -> Result<Vec<GroupRef>, ServiceError> {
        Ok(self.book.names(&self.client, &[], ids).await?.1)
    }

    /// Adds search results to the name cache, so chips never need another request.
    pub fn remember_people(&self, people: &[Employee]) {
        self.book.remember_people(people);
    }

    pub fn remember_groups(&self, groups: &[Group]) {
        self.book.remember_groups(groups);
    }
}
