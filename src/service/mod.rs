//! The workflows both front-ends share: connect, load with names, review, save and verify,
//! policy files, what-if. The CLI and the Tauri commands are thin adapters over this module.

mod error;
mod names;
mod resolve;
mod save;
mod what_if;

pub use error::{describe, Landed, ServiceError};
pub use names::{GroupRef, PersonRef};
pub use resolve::Resolution;
pub use save::{SaveReport, Saved};
pub use what_if::{role_of, Outcome, WhatIf};

use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

use crate::docspace::{ClientOptions, DocSpaceClient, Employee, PortalUrl};
use crate::policy::PortalPolicy;
use crate::secrets::ApiKey;

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
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
