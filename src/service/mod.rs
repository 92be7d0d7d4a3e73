//! The workflows both front-ends share: connect, load with names, review, save and verify,
//! policy files, drift, what-if. The CLI and the Tauri commands are thin adapters over this module.

mod drift;
mod error;
mod names;
mod resolve;
mod save;
mod what_if;

pub use drift::{Drift, ACCEPTED_NOTE};
pub use error::{describe, Landed, ServiceError};
pub use names::{GroupRef, NameBook, PersonRef};
pub use resolve::{export_file, Resolution};
pub use save::{NamedReview, SaveReport, Saved};
pub use what_if::{role_of, Outcome, WhatIf};

use serde::Serialize;
use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::docspace::{ClientOptions, DocSpaceClient, Employee, PortalUrl};
use crate::policy::PortalPolicy;
use crate::secrets::{off_runtime, ApiKey, SecretStore};

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

/// What the key's user may do with the policy. Anyone signed in may read it (`GET
/// settings/tfaapp` has no permission check); only the owner and DocSpace admins may change it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    /// Any other signed-in user: sees the policy, what-if and export; no changes.
    Reader,
}

impl Role {
    pub fn of(me: &Employee) -> Role {
        if me.is_owner {
            Role::Owner
        } else if me.can_manage_tfa() {
            Role::Admin
        } else {
            Role::Reader
        }
    }

    pub fn can_edit(self) -> bool {
        self != Role::Reader
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Reader => "reader",
        }
    }
}

/// A signed-in connection to one portal, for any user; [`Connection::require_editor`] guards
/// every change.
pub struct Connection {
    client: DocSpaceClient,
    me: Employee,
    book: NameBook,
    /// The policy read while connecting, for the first load only (see [`Connection::open_loaded`]).
    preloaded: Mutex<Option<LoadedPolicy>>,
}

/// The address the admin says they sign in from (for the self-lockout check), checked: blank is
/// none, anything else must be an IP address. It is an argument of each review and save, never
/// state of the connection, so one call can never leave it behind for another.
pub fn my_ip(ip: Option<&str>) -> Result<Option<String>, ServiceError> {
    let ip = ip.map(str::trim).filter(|s| !s.is_empty());
    if let Some(text) = ip {
        if text.parse::<std::net::IpAddr>().is_err() {
            return Err(ServiceError::Invalid { field: "myIp".into(), message: format!("\"{text}\" is not an IP address. Give the IPv4 or IPv6 address you sign in from, such as 203.0.113.7.") });
        }
    }
    Ok(ip.map(str::to_string))
}

impl Connection {
    /// Checks the key with `people/@self`. Every signed-in user gets a connection; its
    /// [`Connection::role`] says whether it may change the policy.
    pub async fn open(
        portal: PortalUrl,
        key: &ApiKey,
        opts: ClientOptions,
    ) -> Result<Connection, ServiceError> {
        let client = DocSpaceClient::new(portal, key, opts)?;
        let me = client.me().await?;
        Connection::admit(client, me)
    }

    /// [`Connection::open`] with `along` running at the same time on the same client, so the
    /// request that checks the key costs no round trip of its own. `along`'s error counts only
    /// when the key was good.
    pub async fn open_along<T, F, Fut>(
        portal: PortalUrl,
        key: &ApiKey,
        opts: ClientOptions,
        along: F,
    ) -> Result<(Connection, T), ServiceError>
    where
        F: FnOnce(DocSpaceClient) -> Fut,
        Fut: Future<Output = Result<T, ServiceError>>,
    {
        let client = DocSpaceClient::new(portal, key, opts)?;
        let (me, other) = tokio::join!(client.me(), along(client.clone()));
        let conn = Connection::admit(client, me?)?;
        Ok((conn, other?))
    }

    /// [`Connection::open`], reading the policy in the same round trip and naming everyone in
    /// it in the next: the first [`Connection::load_first`] then needs no request. A policy that
    /// cannot be read here does not stop the connection; the first load reads it again and
    /// reports what is wrong.
    pub async fn open_loaded(
        portal: PortalUrl,
        key: &ApiKey,
        opts: ClientOptions,
    ) -> Result<Connection, ServiceError> {
        let (conn, live) = Connection::open_along(portal, key, opts, |client| async move {
            Ok(client.policy().await)
        })
        .await?;
        if let Ok(live) = live {
            if let Ok(loaded) = conn.with_names(live).await {
                *lock(&conn.preloaded) = Some(loaded);
            }
        }
        Ok(conn)
    }

    /// Every signed-in user gets a connection; its [`Connection::role`] says whether it may
    /// change the policy ([`Connection::require_editor`] guards every change).
    fn admit(client: DocSpaceClient, me: Employee) -> Result<Connection, ServiceError> {
        let conn = Connection {
            client,
            me,
            book: NameBook::default(),
            preloaded: Mutex::default(),
        };
        conn.remember_people(std::slice::from_ref(&conn.me));
        Ok(conn)
    }

    /// [`Connection::open`] with the key `secrets` holds for the portal (`NoKey` without one).
    pub async fn open_saved(
        portal: PortalUrl,
        secrets: Arc<dyn SecretStore>,
        opts: ClientOptions,
    ) -> Result<Connection, ServiceError> {
        let key = stored_key(secrets, &portal).await?;
        Connection::open(portal, &key, opts).await
    }

    /// [`Connection::open_loaded`] with the key `secrets` holds for the portal.
    pub async fn open_saved_loaded(
        portal: PortalUrl,
        secrets: Arc<dyn SecretStore>,
        opts: ClientOptions,
    ) -> Result<Connection, ServiceError> {
        let key = stored_key(secrets, &portal).await?;
        Connection::open_loaded(portal, &key, opts).await
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

    pub fn role(&self) -> Role {
        Role::of(&self.me)
    }

    /// Refuses, before any request, what only the owner and DocSpace admins may do.
    pub fn require_editor(&self) -> Result<(), ServiceError> {
        if self.role().can_edit() {
            return Ok(());
        }
        Err(ServiceError::NotAdmin {
            portal: self.portal().to_string(),
            name: self.me.display_name.clone(),
        })
    }

    /// Reads the live policy and names everyone it mentions.
    pub async fn load(&self) -> Result<LoadedPolicy, ServiceError> {
        let live = self.client.policy().await?;
        self.with_names(live).await
    }

    /// [`Connection::with_names`] that cannot fail: after a verified save the policy is known,
    /// so a failed name look-up leaves ids with a plain label and its error beside them.
    pub async fn with_names_or_ids(&self, live: PortalPolicy) -> (LoadedPolicy, Option<String>) {
        let (users, groups, error) = match self.names_for(&[&live.policy]).await {
            Ok((users, groups)) => (users, groups, None),
            Err(e) => (
                live.policy
                    .mandatory_users
                    .iter()
                    .map(|id| PersonRef::unnamed(*id))
                    .collect(),
                live.policy
                    .mandatory_groups
                    .iter()
                    .map(|id| GroupRef::unnamed(*id))
                    .collect(),
                Some(e.to_string()),
            ),
        };
        let loaded = LoadedPolicy {
            portal: self.portal().to_string(),
            live,
            users,
            groups,
        };
        (loaded, error)
    }

    /// The policy read while connecting, if this is the first load after
    /// [`Connection::open_loaded`]; else a fresh [`Connection::load`].
    pub async fn load_first(&self) -> Result<LoadedPolicy, ServiceError> {
        let preloaded = lock(&self.preloaded).take();
        match preloaded {
            Some(loaded) => Ok(loaded),
            None => self.load().await,
        }
    }

    pub async fn with_names(&self, live: PortalPolicy) -> Result<LoadedPolicy, ServiceError> {
        self.book.named(&self.client, live).await
    }
}

impl NameBook {
    /// `live` with the names of everyone it mentions: one wave at most.
    pub async fn named(
        &self,
        client: &DocSpaceClient,
        live: PortalPolicy,
    ) -> Result<LoadedPolicy, ServiceError> {
        let (users, groups) = self.names_for(client, &[&live.policy]).await?;
        Ok(LoadedPolicy {
            portal: client.portal().to_string(),
            live,
            users,
            groups,
        })
    }
}

/// The key stored for `portal` (its URL is the account), read off the async runtime's threads.
pub async fn stored_key(
    secrets: Arc<dyn SecretStore>,
    portal: &PortalUrl,
) -> Result<ApiKey, ServiceError> {
    let account = portal.to_string();
    let stored = off_runtime(move || secrets.get(&account)).await?;
    stored.ok_or_else(|| ServiceError::NoKey {
        portal: portal.to_string(),
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
