//! Policy files: written with the names of everyone they mention, and resolved against a portal
//! (ids first, then email, then exact name).

use serde::Serialize;
use uuid::Uuid;

use futures::stream::{self, StreamExt, TryStreamExt};

use super::names::LOOKUP_CONCURRENCY;
use super::{Connection, GroupRef, NameBook, PersonRef, ServiceError};
use crate::docspace::{DocSpaceClient, Employee};
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

/// The reviewable file for `policy`: every user and group by id, plus the name (and email)
/// the portal knows for it. One wave at most (the book may know every name already).
pub async fn export_file(
    client: &DocSpaceClient,
    book: &NameBook,
    policy: &Policy,
) -> Result<PolicyFile, ServiceError> {
    let (users, groups) = book.names_for(client, &[policy]).await?;
    let users: Vec<(Uuid, String, Option<String>)> = users
        .into_iter()
        .filter(|u| u.known)
        .map(|u| (u.id, u.display_name, u.email))
        .collect();
    let groups: Vec<(Uuid, String)> = groups
        .into_iter()
        .filter(|g| g.known)
        .map(|g| (g.id, g.name))
        .collect();
    Ok(PolicyFile::export(
        policy,
        client.portal().as_str(),
        &users,
        &groups,
    ))
}

impl Connection {
    /// The reviewable file for `policy`: see [`export_file`].
    pub async fn export_file(&self, policy: &Policy) -> Result<PolicyFile, ServiceError> {
        export_file(&self.client, &self.book, policy).await
    }

    /// The live policy of `source` (another portal) as a draft for this one: exported with its
    /// names there, then resolved here by email and name (the ids of one portal mean nobody on
    /// another).
    pub async fn copy_from(&self, source: &Connection) -> Result<Resolution, ServiceError> {
        let live = source.client().policy().await?.policy;
        self.copy_policy(source, &live).await
    }

    /// [`Connection::copy_from`] with `source`'s live policy already read.
    pub async fn copy_policy(
        &self,
        source: &Connection,
        live: &Policy,
    ) -> Result<Resolution, ServiceError> {
        let file = source.export_file(live).await?;
        self.resolve_file(&file).await
    }

    /// The file's policy on this portal. Each user and group is taken by id when the portal
    /// knows it, else by email, else by exact name (only when exactly one matches). Two waves at
    /// most: every id at once, then every search at once.
    pub async fn resolve_file(&self, file: &PolicyFile) -> Result<Resolution, ServiceError> {
        let user_ids: Vec<Uuid> = file
            .mandatory_users
            .iter()
            .filter_map(UserEntry::id)
            .collect();
        let group_ids: Vec<Uuid> = file
            .mandatory_groups
            .iter()
            .filter_map(GroupEntry::id)
            .collect();
        self.book.names(&self.client, &user_ids, &group_ids).await?;
        // The futures are made first: a stream over a borrowing closure would not be `Send`
        // for every lifetime, which the Tauri commands need.
        let users: Vec<_> = file
            .mandatory_users
            .iter()
            .map(|e| self.resolve_user(e))
            .collect();
        let groups: Vec<_> = file
            .mandatory_groups
            .iter()
            .map(|e| self.resolve_group(e))
            .collect();
        let users = stream::iter(users)
            .buffered(LOOKUP_CONCURRENCY)
            .try_collect::<Vec<_>>();
        let groups = stream::iter(groups)
            .buffered(LOOKUP_CONCURRENCY)
            .try_collect::<Vec<_>>();
        let (users, groups) = futures::try_join!(users, groups)?;
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
        for (entry, found) in file.mandatory_users.iter().zip(users) {
            match found {
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
        for (entry, found) in file.mandatory_groups.iter().zip(groups) {
            match found {
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
        (res.users, res.groups) = self
            .book
            .names(
                &self.client,
                &res.draft.mandatory_users,
                &res.draft.mandatory_groups,
            )
            .await?;
        Ok(res)
    }

    /// A user by id (when the portal knows it), else by email, else by exact name. The email
    /// and the name are searched at once, so an entry costs one round trip at most.
    async fn resolve_user(&self, entry: &UserEntry) -> Result<Option<Uuid>, ServiceError> {
        if let Some(id) = entry.id() {
            if self.people(&[id]).await?.first().is_some_and(|p| p.known) {
                return Ok(Some(id));
            }
        }
        let UserEntry::Ref { name, email, .. } = entry else {
            return Ok(None);
        };
        let email = email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        let name = name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let (by_email, by_name) =
            futures::try_join!(self.search_people(email), self.search_people(name))?;
        self.remember_people(&by_email);
        self.remember_people(&by_name);
        let only = |hits: Vec<&Employee>| match hits.as_slice() {
            [one] => Some(one.id),
            _ => None,
        };
        let email_hit = email.and_then(|email| {
            only(
                by_email
                    .iter()
                    .filter(|p| {
                        p.email
                            .as_deref()
                            .is_some_and(|e| e.eq_ignore_ascii_case(email))
                    })
                    .collect(),
            )
        });
        let name_hit = || {
            name.and_then(|name| {
                only(
                    by_name
                        .iter()
                        .filter(|p| p.display_name.eq_ignore_ascii_case(name))
                        .collect(),
                )
            })
        };
        Ok(email_hit.or_else(name_hit))
    }
    /// Up to 100 people matching `text`; nobody for no text.
    async fn search_people(&self, text: Option<&str>) -> Result<Vec<Employee>, ServiceError> {
        match text {
            Some(t) => Ok(self.client.people(t, 0, 100).await?.items),
            None => Ok(Vec::new()),
        }
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
