//! The workflows both front-ends share: connect, load with names, review, save and verify.
//! The CLI and the Tauri commands are thin adapters over this module.

use futures::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use thiserror::Error;
use uuid::Uuid;

use crate::docspace::models::TfaRequest;
use crate::history::{HistoryStore, Snapshot};
use crate::policy_file::{GroupEntry, PolicyFile, UserEntry};
use crate::docspace::{ApiError, ClientOptions, DocSpaceClient, Employee, PortalUrl, PortalUrlError};
use crate::policy::review::{review, Review, ReviewContext};
use crate::policy::system_groups::{system_group_name, SYSTEM_GROUPS};
use crate::policy::{Method, Policy, PolicyDiff, PortalPolicy};
use crate::secrets::{ApiKey, SecretError};

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    PortalUrl(#[from] PortalUrlError),
    #[error("{name} is signed in to {portal} but is neither the owner nor a DocSpace admin, so the TFA policy cannot be changed with this key. Use a key of the owner or an admin.")]
    NotAdmin { portal: String, name: String },
    #[error("No API key is stored for {portal}. Connect with a key first (CLI: `docspace-tfa --portal {portal} login`).")]
    NoKey { portal: String },
    #[error("The policy was not saved: {}", .problems.join(" "))]
    Refused { problems: Vec<String> },
    #[error("Someone changed the TFA policy on {portal} after it was loaded ({}). Nothing was saved. Reload to see the new policy, or review again and overwrite it.", describe(.theirs))]
    Conflict { portal: String, theirs: Box<PolicyDiff>, live: Box<PortalPolicy> },
    #[error("The save request to {portal} failed ({cause}). {landed}")]
    SaveFailed { portal: String, cause: ApiError, landed: Landed },
    #[error("{portal} accepted the save but now holds a different policy than was sent ({}). Check the policy on the portal and save again.", describe(.difference))]
    NotVerified { portal: String, difference: Box<PolicyDiff> },
}

impl ServiceError {
    /// A stable name for front-ends.
    pub fn kind(&self) -> &'static str {
        match self {
            ServiceError::Api(e) => e.kind(),
            ServiceError::Secret(e) => e.kind(),
            ServiceError::PortalUrl(_) => "validation",
            ServiceError::NotAdmin { .. } => "notAdmin",
            ServiceError::NoKey { .. } => "noKey",
            ServiceError::Refused { .. } => "refused",
            ServiceError::Conflict { .. } => "conflict",
            ServiceError::SaveFailed { .. } => "saveFailed",
            ServiceError::NotVerified { .. } => "notVerified",
        }
    }
}

/// After a save request failed, what the portal holds now (read again to find out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Landed {
    /// The portal still holds the policy from before: nothing changed.
    No,
    /// The portal holds the policy that was sent: the change landed although the answer was lost.
    Yes,
    /// The portal holds a third policy, or could not be read.
    Unknown,
}

impl std::fmt::Display for Landed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Landed::No => "The portal still holds the previous policy; nothing changed. Try again.",
            Landed::Yes => "The portal does hold the new policy: the change landed although the answer was lost.",
            Landed::Unknown => "It is not known whether the change landed: reload the policy and check it before trying again.",
        })
    }
}

/// A short one-line summary of a diff for messages.
pub fn describe(d: &PolicyDiff) -> String {
    let mut parts = Vec::new();
    if let Some((from, to)) = d.method {
        parts.push(format!("method {} → {}", from.label(), to.label()));
    }
    let mut list = |name: &str, added: usize, removed: usize| {
        if added + removed > 0 {
            parts.push(format!("{name} +{added} −{removed}"));
        }
    };
    list("trusted IPs", d.trusted_ips.added.len(), d.trusted_ips.removed.len());
    list("mandatory users", d.mandatory_users.added.len(), d.mandatory_users.removed.len());
    list("mandatory groups", d.mandatory_groups.added.len(), d.mandatory_groups.removed.len());
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(", ")
    }
}

/// A user as the app shows it: never a bare id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRef {
    pub id: Uuid,
    pub display_name: String,
    pub email: Option<String>,
    /// False when the portal does not know this id (deleted user, typo in a file).
    pub known: bool,
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
            is_owner: e.is_owner,
            is_admin: e.is_admin,
        }
    }
    fn unknown(id: Uuid) -> Self {
        PersonRef { id, display_name: format!("unknown user {id}"), email: None, known: false, is_owner: false, is_admin: false }
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
    pub is_system: bool,
}

impl GroupRef {
    fn unknown(id: Uuid) -> Self {
        GroupRef { id, name: format!("unknown group {id}"), known: false, is_system: false }
    }
}

/// The policy with the names of everyone it mentions.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadedPolicy {
    pub portal: String,
    #[serde(flatten)]
    pub live: PortalPolicy,
    pub users: Vec<PersonRef>,
    pub groups: Vec<GroupRef>,
}

/// The outcome of a verified save.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub before: Policy,
    pub after: PortalPolicy,
    pub diff: PolicyDiff,
    /// Every session was signed out (sms/app saves).
    pub signed_out: bool,
    /// The PUT's answer was lost, but reading back showed the change had landed.
    pub recovered: bool,
}

/// How many name look-ups run at once: fast on a real portal, gentle on its rate limits.
const LOOKUP_CONCURRENCY: usize = 8;

/// A signed-in connection to one portal, checked to be an admin or the owner.
pub struct Connection {
    client: DocSpaceClient,
    me: Employee,
    people: Mutex<HashMap<Uuid, PersonRef>>,
    groups: Mutex<HashMap<Uuid, GroupRef>>,
}

impl Connection {
    /// Checks the key with `people/@self`; only the owner and DocSpace admins get a connection.
    pub async fn open(portal: PortalUrl, key: &ApiKey, opts: ClientOptions) -> Result<Connection, ServiceError> {
        let client = DocSpaceClient::new(portal, key, opts)?;
        let me = client.me().await?;
        if !me.can_manage_tfa() {
            return Err(ServiceError::NotAdmin { portal: client.portal().to_string(), name: me.display_name.clone() });
        }
        let conn = Connection { client, me, people: Mutex::default(), groups: Mutex::default() };
        conn.remember_people(std::slice::from_ref(&conn.me));
        Ok(conn)
    }

    pub fn client(&self) -> &DocSpaceClient {
        &self.client
    }
    pub fn portal(&self) -> &PortalUrl {
        self.client.portal()
    }
    pub fn me(&self) -> &Employee {
        &self.me
    }

    /// Reads the live policy and names everyone it mentions.
    pub async fn load(&self) -> Result<LoadedPolicy, ServiceError> {
        let live = self.client.policy().await?;
        self.with_names(live).await
    }

    pub async fn with_names(&self, live: PortalPolicy) -> Result<LoadedPolicy, ServiceError> {
        let users = self.people(&live.policy.mandatory_users).await?;
        let groups = self.groups(&live.policy.mandatory_groups).await?;
        Ok(LoadedPolicy { portal: self.portal().to_string(), live, users, groups })
    }

    /// Names for user ids, from the cache or the portal; ids the portal does not know come back
    /// as "unknown user <id>".
    pub async fn people(&self, ids: &[Uuid]) -> Result<Vec<PersonRef>, ServiceError> {
        let missing: Vec<Uuid> = {
            let cache = lock(&self.people);
            ids.iter().filter(|id| !cache.contains_key(id)).copied().collect()
        };
        let fetched: Vec<Result<PersonRef, ApiError>> = stream::iter(missing)
            .map(|id| async move {
                match self.client.user(id).await {
                    Ok(e) => Ok(PersonRef::from_employee(&e)),
                    Err(ApiError::NotFound { .. }) => Ok(PersonRef::unknown(id)),
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
            ids.iter().filter(|id| !cache.contains_key(id)).copied().collect()
        };
        let fetched: Vec<Result<GroupRef, ApiError>> = stream::iter(missing)
            .map(|id| async move {
                if let Some(name) = system_group_name(id) {
                    return Ok(GroupRef { id, name: name.to_string(), known: true, is_system: true });
                }
                match self.client.group(id).await {
                    Ok(g) => Ok(GroupRef { id, name: g.name, known: true, is_system: g.is_system.unwrap_or(false) }),
                    Err(ApiError::NotFound { .. }) => Ok(GroupRef::unknown(id)),
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

    pub fn remember_groups(&self, groups: &[crate::docspace::Group]) {
        let mut cache = lock(&self.groups);
        for g in groups {
            cache.insert(g.id, GroupRef { id: g.id, name: g.name.clone(), known: true, is_system: g.is_system.unwrap_or(false) });
        }
    }

    /// The review of a draft against the live policy: diff, side effects, problems.
    /// Looks up the draft's mandatory users to find the owner among them (the owner rule).
    pub async fn review(&self, live: &PortalPolicy, draft: &Policy) -> Result<Review, ServiceError> {
        let people = self.people(&draft.mandatory_users).await?;
        let owner_id = if self.me.is_owner { Some(self.me.id) } else { people.iter().find(|p| p.is_owner).map(|p| p.id) };
        let ctx = ReviewContext {
            caller_id: self.me.id,
            caller_is_owner: self.me.is_owner,
            owner_id,
            caller_has_app: self.me.tfa_app_enabled,
        };
        Ok(review(live, draft, &ctx))
    }

    /// Saves the whole draft: refuses what the review refuses, stops if the portal changed since
    /// `base` was loaded (unless `overwrite`), sends the full policy, and reads it back.
    pub async fn save(&self, base: &Policy, draft: &Policy, overwrite: bool) -> Result<Saved, ServiceError> {
        let portal = self.portal().to_string();
        let live = self.client.policy().await?;
        if !overwrite && !live.policy.same_as(base) {
            return Err(ServiceError::Conflict { portal, theirs: Box::new(PolicyDiff::between(base, &live.policy)), live: Box::new(live) });
        }
        let review = self.review(&live, draft).await?;
        let errors: Vec<String> = review.errors().map(|p| p.message.clone()).collect();
        if !errors.is_empty() {
            return Err(ServiceError::Refused { problems: errors });
        }
        let sent = draft.as_stored();
        let request = TfaRequest::new(&sent, self.me.id);
        let mut recovered = false;
        if let Err(cause) = self.client.put_tfa(&request).await {
            if !cause.outcome_unknown() {
                return Err(cause.into());
            }
            // The answer was lost or garbled: only a fresh read tells whether the change landed.
            let landed = match self.client.policy().await {
                Ok(now) if now.policy.same_as(&sent) => Landed::Yes,
                Ok(now) if now.policy.same_as(&live.policy) => Landed::No,
                _ => Landed::Unknown,
            };
            if landed != Landed::Yes {
                return Err(ServiceError::SaveFailed { portal, cause, landed });
            }
            recovered = true;
        }
        let after = self.client.policy().await?;
        if !after.policy.same_as(&sent) {
            return Err(ServiceError::NotVerified { portal, difference: Box::new(PolicyDiff::between(&sent, &after.policy)) });
        }
        Ok(Saved {
            before: live.policy.clone(),
            diff: PolicyDiff::between(&live.policy, &after.policy),
            signed_out: sent.method != Method::None,
            after,
            recovered,
        })
    }
}

/// A verified save and its history entry. A history that cannot be written does not undo the
/// save; it is reported instead.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveReport {
    #[serde(flatten)]
    pub saved: Saved,
    pub snapshot: Option<Snapshot>,
    pub history_error: Option<String>,
}

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
    /// [`Connection::save`], then a history entry for it.
    pub async fn save_recorded(&self, history: &HistoryStore, base: &Policy, draft: &Policy, overwrite: bool, note: Option<String>) -> Result<SaveReport, ServiceError> {
        let saved = self.save(base, draft, overwrite).await?;
        let (snapshot, history_error) =
            match history.record(self.portal().as_str(), &self.me.display_name, &saved.before, &saved.after.policy, note) {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(e.to_string())),
            };
        Ok(SaveReport { saved, snapshot, history_error })
    }

    /// Turns a policy file into a policy for this portal: users and groups by id when the portal
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

    async fn resolve_group(&self, entry: &GroupEntry) -> Result<Option<Uuid>, ServiceError> {
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
