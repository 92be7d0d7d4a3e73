//! The sandbox portal: a local DocSpace simulation on 127.0.0.1.
//!
//! An independent re-implementation of the server's TFA settings, people and group endpoints
//! (see `docspace-api.md`), quirks included, so the client can be tested against the server's
//! rules rather than its own assumptions. The demo mode runs it in-process, the CLI as
//! `docspace-tfa sandbox`, and the integration tests and benchmarks start one each.
//!
//! Modules, one job each:
//! - [`config`]: [`SandboxConfig`], [`Spelling`], [`SandboxError`];
//! - `directory`: seeded users and groups, paged search;
//! - `state`: portal state and the TFA save rules (pure);
//! - `binding`: ASP.NET-style binding of bodies and query strings;
//! - `auth`, `envelope`, `dto`: the wire conventions;
//! - `routes`: the DocSpace API; `control`: the `/sandbox/` control API;
//! - [`distance`]: latency on every API answer, and the request log with times;
//! - [`faults`]: fault injection (errors, delays, dropped connections, broken bodies), a
//!   middleware layer over the API routes driven by `/sandbox/faults` or [`Sandbox::set_faults`].

mod auth;
mod binding;
pub mod config;
mod control;
mod directory;
pub mod distance;
mod dto;
mod envelope;
pub mod faults;
mod routes;
mod shared;
mod signin_routes;
mod signins;
mod state;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use config::{SandboxConfig, SandboxError, Spelling};
pub use control::{FaultTableBody, StateSnapshot};
pub use distance::{waves, LoggedRequest};
pub use faults::{DropWhen, Fault, FaultRule};
pub use signins::{SigninEvent, GUEST_ID as SIGNIN_GUEST_ID};
pub use state::{AuditEvent, TfaSettings, AUDIT_TFA_APP, AUDIT_TFA_DISABLED, AUDIT_TFA_SMS};

use shared::Shared;

/// API key of the portal owner.
pub const OWNER_KEY: &str = "sk-sandbox-owner";
/// API key of a DocSpace admin (not the owner).
pub const ADMIN_KEY: &str = "sk-sandbox-admin";
/// API key of an ordinary user (type "User"): may read `tfaapp`, gets 403 on saving it and
/// on the people and group lists.
pub const USER_KEY: &str = "sk-sandbox-user";

/// How long [`Sandbox::shutdown`] waits for open requests before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox portal. Dropping it stops the server too.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// Dropping or firing this stops the server.
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts on an ephemeral port of 127.0.0.1.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Sandbox::start_on_port(config, 0).await
    }

    /// Starts on `127.0.0.1:port` (0 picks a free port).
    pub async fn start_on_port(config: SandboxConfig, port: u16) -> Result<Sandbox, SandboxError> {
        if config.users < config::MIN_USERS {
            return Err(SandboxError::TooFewUsers(config.users));
        }
        // Loopback only: the control API has no authentication.
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| SandboxError::Bind { port, source })?;
        let addr = listener.local_addr().map_err(SandboxError::LocalAddr)?;
        let shared = Arc::new(Shared::new(&config));
        let app = app(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // A fired or dropped sender both mean "stop". serve only fails on accept errors
            // it cannot retry; there is nobody to report them to, and the task ends either way.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Sandbox {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn owner_id(&self) -> Uuid {
        self.shared.directory.owner().id
    }

    pub fn admin_id(&self) -> Uuid {
        self.shared.directory.admin().id
    }

    pub fn user_id(&self) -> Uuid {
        self.shared.directory.user().id
    }

    /// How many times every session was signed out (each PUT that answered `true`).
    pub fn sign_out_count(&self) -> u64 {
        self.shared.portal().sign_out_count
    }

    pub fn set_spelling(&self, spelling: Spelling) {
        self.shared.portal().flags.spelling = spelling;
    }

    /// Audit events of every accepted PUT, oldest first.
    pub fn audit(&self) -> Vec<AuditEvent> {
        self.shared.portal().audit.clone()
    }

    /// (users, groups), system groups not counted.
    pub fn directory_sizes(&self) -> (usize, usize) {
        let d = &self.shared.directory;
        (d.users().len(), d.groups().len())
    }

    /// Replaces the fault table (as `PUT /sandbox/faults`).
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.shared.faults().set(rules);
    }

    /// Empties the fault table (as `DELETE /sandbox/faults`).
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// The fault rules that can still fire (as `GET /sandbox/faults`).
    pub fn faults(&self) -> Vec<FaultRule> {
        self.shared.faults().remaining()
    }

    /// How many API requests with this method and path arrived so far, faulted or not.
    pub fn request_count(&self, method: &str, path: &str) -> u64 {
        let key = format!("{} {path}", method.to_ascii_uppercase());
        self.shared
            .faults()
            .requests()
            .get(&key)
            .copied()
            .unwrap_or(0)
    }

    /// Sets the delay of every API answer (as `PUT /sandbox/config` with `latencyMs`/`jitterMs`).
    pub fn set_latency(&self, latency_ms: u64, jitter_ms: u64) {
        self.shared
            .distance()
            .set(Some(latency_ms), Some(jitter_ms));
    }

    /// Every API request so far with its start and end times (as `GET /sandbox/log`).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.shared.distance().log()
    }

    /// Empties the request log (as `DELETE /sandbox/log`).
    pub fn clear_request_log(&self) {
        self.shared.distance().clear_log();
    }

    /// Round trips one after the other in the request log: see [`waves`].
    pub fn waves(&self) -> usize {
        waves(&self.request_log())
    }

    /// Everything `GET /sandbox/state` reports.
    pub fn snapshot(&self) -> StateSnapshot {
        StateSnapshot::of(&self.shared)
    }

    /// The sign-in history, oldest first (after the retention job ran).
    pub fn signins(&self) -> Vec<SigninEvent> {
        let mut log = self.shared.signins();
        log.prune(chrono::Utc::now().timestamp());
        log.events().to_vec()
    }

    /// The free plan: `login/filter` answers the 20 newest events whatever was asked.
    pub fn set_free_plan(&self, on: bool) {
        self.shared.signins().free_plan = on;
    }

    /// Appends `n` sign-ins before every `login/filter` answer (0 stops it).
    pub fn set_signin_arrivals(&self, n: u32) {
        self.shared.signins().arrivals_per_request = n;
    }

    /// Days of sign-in history kept (1..=180); older events are deleted now.
    pub fn set_signin_retention(&self, days: u32) {
        let mut log = self.shared.signins();
        log.retention_days = days.clamp(1, signins::MAX_RETENTION_DAYS);
        log.prune(chrono::Utc::now().timestamp());
    }

    /// Whether this person has a linked authenticator app now (resets included).
    pub fn app_linked(&self, id: Uuid) -> bool {
        self.shared.signins().app_linked(&self.shared.directory, id)
    }

    /// Stops accepting, lets open requests finish (up to a few seconds), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    /// Runs until the server stops. Dropping this future (e.g. the losing `select!` branch
    /// after Ctrl-C) drops the sandbox, which stops the server.
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

/// The whole HTTP surface. Cross-cutting behaviour goes in as a layer here, with its table in
/// [`Shared`] and its switch in `control`: fault injection wraps every route (it lets the
/// `/sandbox/` control API through untouched).
fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(routes::router())
        .merge(control::router())
        .merge(signin_routes::router())
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            distance::far_away,
        ))
        .with_state(shared)
}
