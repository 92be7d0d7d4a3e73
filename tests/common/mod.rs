//! Helpers shared by the integration tests: a sandbox portal over real HTTP on 127.0.0.1.
#![allow(dead_code)] // each test binary uses a different subset

pub mod cli;

use docspace_tfa::docspace::{ClientOptions, DocSpaceClient, PortalUrl};
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::sandbox::{Sandbox, SandboxConfig};
use docspace_tfa::secrets::ApiKey;
use docspace_tfa::service::Connection;
use uuid::Uuid;

pub async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::default()).await
}

pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config)
        .await
        .expect("sandbox starts on 127.0.0.1")
}

pub fn portal(sb: &Sandbox) -> PortalUrl {
    PortalUrl::parse(&sb.url()).expect("sandbox URL is valid")
}

pub fn client(sb: &Sandbox, key: &str) -> DocSpaceClient {
    DocSpaceClient::new(
        portal(sb),
        &ApiKey::new(key).unwrap(),
        ClientOptions::default(),
    )
    .unwrap()
}

pub async fn connection(sb: &Sandbox, key: &str) -> Connection {
    Connection::open(
        portal(sb),
        &ApiKey::new(key).unwrap(),
        ClientOptions::default(),
    )
    .await
    .expect("connects")
}

pub fn policy(method: Method, ips: &[&str], users: &[Uuid], groups: &[Uuid]) -> Policy {
    Policy {
        method,
        trusted_ips: ips.iter().map(|s| s.to_string()).collect(),
        mandatory_users: users.to_vec(),
        mandatory_groups: groups.to_vec(),
    }
}

/// Raw JSON from the sandbox's control API.
pub async fn control_get(sb: &Sandbox, path: &str) -> serde_json::Value {
    reqwest::get(format!("{}{path}", sb.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn control_put(sb: &Sandbox, path: &str, body: serde_json::Value) -> serde_json::Value {
    let resp = reqwest::Client::new()
        .put(format!("{}{path}", sb.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "control PUT {path} failed: {}",
        resp.status()
    );
    resp.json().await.unwrap()
}
