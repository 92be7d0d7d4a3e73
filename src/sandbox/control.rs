//! The loopback-only control API under `/sandbox/`: lets tests and other processes look at and
//! change the portal behind the app's back. No authentication, because the listener is only
//! ever bound to 127.0.0.1. Plain JSON (no DocSpace envelope), nulls written.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::config::Spelling;
use super::distance::{waves, LoggedRequest};
use super::faults::FaultRule;
use super::shared::Shared;
use super::state::{AuditEvent, PortalState, TfaSettings};

type AppState = Arc<Shared>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sandbox/state", get(get_state))
        .route("/sandbox/state/tfa", put(put_tfa))
        .route("/sandbox/config", put(put_config))
        .route(
            "/sandbox/faults",
            get(get_faults).put(put_faults).delete(delete_faults),
        )
        .route("/sandbox/requests", get(get_requests))
        .route("/sandbox/log", get(get_log).delete(delete_log))
}

/// `GET`/`PUT /sandbox/faults`: the fault table (see `faults.rs` for the rule format).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultTableBody {
    pub faults: Vec<FaultRule>,
}

/// `GET /sandbox/state`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateSnapshot {
    pub sms: TfaSettings,
    pub app: TfaSettings,
    pub sign_out_count: u64,
    pub audit: Vec<AuditEvent>,
    pub spelling: Spelling,
    pub sms_listed: bool,
    pub sms_provider: bool,
    pub app_listed: bool,
    pub owner_id: Uuid,
    pub admin_id: Uuid,
    pub user_id: Uuid,
    pub users: usize,
    pub groups: usize,
}

impl StateSnapshot {
    pub fn of(shared: &Shared) -> Self {
        let d = &shared.directory;
        let p: PortalState = shared.portal().clone();
        StateSnapshot {
            sms: p.sms,
            app: p.app,
            sign_out_count: p.sign_out_count,
            audit: p.audit,
            spelling: p.flags.spelling,
            sms_listed: p.flags.sms_listed,
            sms_provider: p.flags.sms_provider,
            app_listed: p.flags.app_listed,
            owner_id: d.owner().id,
            admin_id: d.admin().id,
            user_id: d.user().id,
            users: d.users().len(),
            groups: d.groups().len(),
        }
    }
}

/// `PUT /sandbox/state/tfa`: a method left out keeps its stored settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetTfa {
    sms: Option<TfaSettings>,
    app: Option<TfaSettings>,
}

/// `PUT /sandbox/config`: only the given fields change.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetConfig {
    spelling: Option<Spelling>,
    sms_listed: Option<bool>,
    sms_provider: Option<bool>,
    app_listed: Option<bool>,
    /// Delay of every API answer from now on (ms, at most `distance::MAX_LATENCY_MS`).
    latency_ms: Option<u64>,
    jitter_ms: Option<u64>,
}

async fn get_state(State(s): State<AppState>) -> Json<StateSnapshot> {
    Json(StateSnapshot::of(&s))
}

/// Sets the stored settings directly, as if someone saved them elsewhere: no audit, no sign-out.
async fn put_tfa(State(s): State<AppState>, body: Bytes) -> Response {
    let change: SetTfa = match parse(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e),
    };
    {
        let mut portal = s.portal();
        if let Some(sms) = change.sms {
            portal.sms = sms;
        }
        if let Some(app) = change.app {
            portal.app = app;
        }
    }
    Json(StateSnapshot::of(&s)).into_response()
}

async fn put_config(State(s): State<AppState>, body: Bytes) -> Response {
    let change: SetConfig = match parse(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e),
    };
    {
        let mut portal = s.portal();
        let flags = &mut portal.flags;
        flags.spelling = change.spelling.unwrap_or(flags.spelling);
        flags.sms_listed = change.sms_listed.unwrap_or(flags.sms_listed);
        flags.sms_provider = change.sms_provider.unwrap_or(flags.sms_provider);
        flags.app_listed = change.app_listed.unwrap_or(flags.app_listed);
    }
    s.distance().set(change.latency_ms, change.jitter_ms);
    Json(StateSnapshot::of(&s)).into_response()
}

/// The rules that can still fire (exhausted `times` rules are gone).
async fn get_faults(State(s): State<AppState>) -> Json<FaultTableBody> {
    Json(FaultTableBody {
        faults: s.faults().remaining(),
    })
}

/// Replaces the whole table.
async fn put_faults(State(s): State<AppState>, body: Bytes) -> Response {
    let table: FaultTableBody = match parse(&body) {
        Ok(t) => t,
        Err(e) => return bad_request(&e),
    };
    s.faults().set(table.faults);
    get_faults(State(s)).await.into_response()
}

async fn delete_faults(State(s): State<AppState>) -> Json<FaultTableBody> {
    s.faults().clear();
    get_faults(State(s)).await
}

/// `GET /sandbox/requests`: how many API requests arrived, by `"METHOD /path"` (faulted or not).
async fn get_requests(State(s): State<AppState>) -> Json<BTreeMap<String, u64>> {
    Json(s.faults().requests())
}

/// `GET /sandbox/log`: every API request with its times, and the waves they make.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LogBody {
    latency_ms: u64,
    jitter_ms: u64,
    waves: usize,
    requests: Vec<LoggedRequest>,
}

async fn get_log(State(s): State<AppState>) -> Json<LogBody> {
    let d = s.distance();
    let requests = d.log();
    Json(LogBody {
        latency_ms: d.latency_ms,
        jitter_ms: d.jitter_ms,
        waves: waves(&requests),
        requests,
    })
}

/// Empties the log; answers like `GET` (an empty log), so every control answer is JSON.
async fn delete_log(State(s): State<AppState>) -> Json<LogBody> {
    s.distance().clear_log();
    get_log(State(s)).await
}

/// Strict parsing (unknown fields refused) so a typo in a test fails loudly instead of
/// silently changing nothing.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(body)
}

/// `400 {"error": "..."}`.
fn bad_request(error: &serde_json::Error) -> Response {
    let message = serde_json::json!({ "error": error.to_string() });
    (StatusCode::BAD_REQUEST, Json(message)).into_response()
}
