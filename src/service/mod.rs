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

/// A signed-in connection to one portal, checked to be an admin or the owner.
pub struct Connection {
    client: DocSpaceClient,
    me: Employee,
    book: NameBook,
    /// The policy read while connecting, for the first load only (see [`Connection::open_loaded`]).
    preloaded: Mutex<Option<LoadedPolicy>>,
    /// The address the admin says they sign in from, for the self-lockout check.
    my_ip: Mutex<Option<String>>,
}

impl Connection {
    /// The address the admin signs in from, so reviews can tell whether a change locks them out.
    /// Must be an IP address; `None` forgets it.
    pub fn set_my_ip(&self, ip: Option<&str>) -> Result<(), ServiceError> {
        let ip = ip.map(str::trim).filter(|s| !s.is_empty());
        if let Some(text) = ip {
            if text.parse::<std::net::IpAddr>().is_err() {
                return Err(ServiceError::Invalid { field: "myIp".into(), message: format!("\"{text}\" is not an IP address. Give the IPv4 or IPv6 address you sign in from, such as 203.0.113.7.") });
            }
        }
        *lock(&self.my_ip) = ip.map(str::to_string);
        Ok(())
    }

    pub fn my_ip(&self) -> Option<String> {
        lock(&self.my_ip).clone()
    }

    /// Checks the key with `people/@self`; only the owner and DocSpace admins get a connection.
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

    /// The role check, one step of its own: only the owner and DocSpace admins get a connection.
    fn admit(client: DocSpaceClient, me: Employee) -> Result<Connection, ServiceError> {
        if !me.can_manage_tfa() {
            return Err(ServiceError::NotAdmin {
                portal: client.portal().to_string(),
                name: me.display_name.clone(),
            });
        }
        let conn = Connection {
            client,
            me,
            book: NameBook::default(),
            preloaded: Mutex::default(),
            my_ip: Mutex::default(),
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

    /// Reads the live policy and names everyone it mentions.
    pub async fn load(&self) -> Result<LoadedPolicy, ServiceError> {
        let live = self.client.policy().await?;
        self.with_names(live).await
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
