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
pub use names::{GroupRef, PersonRef};
pub use resolve::Resolution;
pub use save::{NamedReview, SaveReport, Saved};
pub use what_if::{role_of, Outcome, WhatIf};

use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

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
    people: Mutex<HashMap<Uuid, PersonRef>>,
    groups: Mutex<HashMap<Uuid, GroupRef>>,
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
        if !me.can_manage_tfa() {
            return Err(ServiceError::NotAdmin {
                portal: client.portal().to_string(),
                name: me.display_name.clone(),
            });
        }
        let conn = Connection {
            client,
            me,
            people: Mutex::default(),
            groups: Mutex::default(),
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
        Ok(LoadedPolicy {
            portal: self.portal().to_string(),
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
