//! The commands the webview may call (docs/commands.md), as thin adapters over the core.
//!
//! Rules kept here: the API key arrives in `connect` only, becomes an `ApiKey` at once, and is
//! never returned, logged or written to a file; logs name the portal's host and outcome kinds only.

use std::sync::Arc;

use docspace_tfa::docspace::{ClientOptions, PortalUrl};
use docspace_tfa::policy::trusted_ip::check_list;
use docspace_tfa::policy::Policy;
use docspace_tfa::sandbox::{Sandbox, SandboxConfig, OWNER_KEY};
use docspace_tfa::secrets::{off_runtime, ApiKey};
use docspace_tfa::service::{Connection, Drift, GroupRef, LoadedPolicy, NamedReview, PersonRef};
use serde::{Deserialize, Serialize};
use tauri::State;
use uuid::Uuid;
use zeroize::Zeroize;

use crate::error::{CommandError, CommandResult};
use crate::safe_change::{drift_of, SnapshotView};
use crate::state::{AppState, Current, KeyStorage};
use crate::waits::Wait;

/// Page size of the people and group pickers.
pub const PAGE_SIZE: u32 = 25;

// ---------------------------------------------------------------------------------------------
// Types of the contract

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub portal: String,
    pub user: PersonRef,
    /// "owner", "admin" or "reader" (any other signed-in user).
    pub role: &'static str,
    /// Only the owner and DocSpace admins may change the policy; readers see it, what-if and export.
    pub can_edit: bool,
    pub key_storage: KeyStorage,
    pub sandbox: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStateInfo {
    pub version: &'static str,
    pub connection: Option<ConnectionInfo>,
    pub saved_portal: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgetKey {
    pub removed: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpCheck {
    pub index: usize,
    pub text: String,
    pub error: Option<String>,
    pub warnings: Vec<String>,
    pub canonical: Option<String>,
    pub duplicate_of: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage<T> {
    pub items: Vec<T>,
    pub start_index: u32,
    pub total: u64,
}

/// LoadedPolicy plus `drift` (null without history for the portal, or when it holds our last save).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadedWithDrift {
    #[serde(flatten)]
    pub loaded: LoadedPolicy,
    pub drift: Option<Drift>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveResult {
    /// Right after our own verified save there is no drift.
    pub policy: LoadedWithDrift,
    pub signed_out: bool,
    pub recovered: bool,
    /// The history entry of this save (null for the sandbox, or when the history failed).
    pub snapshot: Option<SnapshotView>,
    pub history_error: Option<String>,
    /// The save is verified, but naming its users and groups failed: they are shown by id.
    pub names_error: Option<String>,
}

/// The API key as it arrives from the webview: wiped from memory when dropped, redacted in Debug.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct KeyInput(String);

impl std::fmt::Debug for KeyInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyInput(<redacted>)")
    }
}

impl Drop for KeyInput {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

pub(crate) fn connection_info(
    conn: &Connection,
    key_storage: KeyStorage,
    sandbox: bool,
) -> ConnectionInfo {
    let me = conn.me();
    ConnectionInfo {
        portal: conn.portal().to_string(),
        user: PersonRef::from_employee(me),
        role: conn.role().as_str(),
        can_edit: conn.role().can_edit(),
        key_storage,
        sandbox,
    }
}

pub(crate) async fn require(state: &AppState) -> CommandResult<Arc<Connection>> {
    state.connection().await.ok_or(CommandError::NotConnected)
}

/// Runs blocking work (files, the history) off the async runtime's worker threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::Internal(format!("A background task failed: {e}.")))?
}

/// Logs a failed command by kind and portal host only (messages may name people).
pub(crate) fn logged<T>(
    command: &str,
    host: Option<&str>,
    result: CommandResult<T>,
) -> CommandResult<T> {
    if let Err(e) = &result {
        match host {
            Some(h) => log::warn!("{command} on {h} failed: {}", e.kind()),
            None => log::warn!("{command} failed: {}", e.kind()),
        }
    }
    result
}

fn host_of(conn: &Connection) -> String {
    conn.portal().host()
}

/// Remembers the portal as the one to open at the next launch. Failing to write the small
/// settings file must not undo a working connection: it is logged instead.
pub(crate) async fn remember_portal(state: &AppState, portal: &PortalUrl) {
    let (store, portal) = (state.profiles.clone(), portal.clone());
    if let Err(e) = blocking(move || Ok(store.remember(&portal, None)?)).await {
        log::warn!("could not remember the portal: {e}");
    }
}

/// The remembered portal, if any. A damaged settings file is an error (it is left as it is).
async fn saved_portal(state: &AppState) -> CommandResult<Option<String>> {
    let store = state.profiles.clone();
    let profiles = blocking(move || Ok(store.load()?)).await?;
    Ok(profiles.current_profile().map(|p| p.portal.clone()))
}

// ---------------------------------------------------------------------------------------------
// Commands

#[tauri::command]
pub async fn app_state(state: State<'_, AppState>) -> CommandResult<AppStateInfo> {
    let connection = state
        .current
        .read()
        .await
        .as_ref()
        .map(|c| connection_info(&c.conn, c.key_storage, c.sandbox.is_some()));
    // At launch a damaged settings file must not stop the app from starting: log and go on.
    let saved_portal = match saved_portal(&state).await {
        Ok(p) => p,
        Err(e) => {
            log::warn!("cannot read the saved portals: {e}");
            None
        }
    };
    Ok(AppStateInfo {
        version: env!("CARGO_PKG_VERSION"),
        connection,
        saved_portal,
    })
}

#[tauri::command]
pub async fn connect(
    state: State<'_, AppState>,
    portal: String,
    api_key: KeyInput,
    remember: bool,
) -> CommandResult<ConnectionInfo> {
    let portal = PortalUrl::parse(&portal)?;
    let key = ApiKey::new(&api_key.0)?;
    drop(api_key);
    let host = portal.host();
    let connecting = async {
        let _session = state.session.lock().await;
        // The policy and its names come along, so the UI's first load costs no round trip.
        let conn = Connection::open_loaded(portal.clone(), &key, ClientOptions::default()).await?;
        let key_storage = if remember {
            let (secrets, account) = (state.secrets.clone(), portal.to_string());
            off_runtime(move || secrets.set(&account, &key)).await?;
            KeyStorage::Keychain
        } else {
            KeyStorage::Session
        };
        remember_portal(&state, &portal).await;
        let info = connection_info(&conn, key_storage, false);
        state
            .replace(Some(Current {
                conn: Arc::new(conn),
                key_storage,
                sandbox: None,
            }))
            .await;
        log::info!(
            "connected to {host} as {} (key: {})",
            info.role,
            if remember { "keychain" } else { "session" }
        );
        Ok(info)
    };
    let result = state.waits.run(Wait::Connect, connecting).await;
    logged("connect", Some(&host), result)
}

#[tauri::command]
pub async fn connect_saved(state: State<'_, AppState>) -> CommandResult<ConnectionInfo> {
    let connecting = async {
        let _session = state.session.lock().await;
        let saved = saved_portal(&state)
            .await?
            .ok_or(CommandError::NoSavedPortal)?;
        let portal = PortalUrl::parse(&saved)?;
        let early = match state.take_early(&saved) {
            Some(early) => early.outcome().await,
            None => None,
        };
        let conn = match early {
            Some(outcome) => outcome?,
            None => {
                Connection::open_saved_loaded(
                    portal.clone(),
                    state.secrets.clone(),
                    ClientOptions::default(),
                )
                .await?
            }
        };
        let info = connection_info(&conn, KeyStorage::Keychain, false);
        state
            .replace(Some(Current {
                conn: Arc::new(conn),
                key_storage: KeyStorage::Keychain,
                sandbox: None,
            }))
            .await;
        log::info!(
            "connected to the saved portal {} as {}",
            portal.host(),
            info.role
        );
        Ok(info)
    };
    let result = state.waits.run(Wait::Connect, connecting).await;
    logged("connect_saved", None, result)
}

#[tauri::command]
pub async fn start_sandbox(state: State<'_, AppState>) -> CommandResult<ConnectionInfo> {
    let starting = async {
        let _session = state.session.lock().await;
        // One sandbox at a time: stop the previous connection (and its sandbox) first.
        state.replace(None).await;
        let sandbox = Sandbox::start(SandboxConfig::default()).await?;
        let portal = PortalUrl::parse(&sandbox.url())?;
        let key = ApiKey::new(OWNER_KEY)?;
        let conn = match Connection::open_loaded(portal, &key, ClientOptions::default()).await {
            Ok(conn) => conn,
            Err(e) => {
                sandbox.shutdown().await;
                return Err(e.into());
            }
        };
        let info = connection_info(&conn, KeyStorage::Session, true);
        log::info!(
            "started the sandbox portal on {} and connected as {}",
            sandbox.url(),
            info.role
        );
        state
            .replace(Some(Current {
                conn: Arc::new(conn),
                key_storage: KeyStorage::Session,
                sandbox: Some(sandbox),
            }))
            .await;
        Ok(info)
    };
    let result = state.waits.run(Wait::Connect, starting).await;
    logged("start_sandbox", None, result)
}

#[tauri::command]
pub async fn disconnect(state: State<'_, AppState>) -> CommandResult<()> {
    let _session = state.session.lock().await;
    state.replace(None).await;
    log::info!("disconnected");
    Ok(())
}

#[tauri::command]
pub async fn forget_key(state: State<'_, AppState>) -> CommandResult<ForgetKey> {
    let result = async {
        let _session = state.session.lock().await;
        // The current portal, unless it is the sandbox (whose key is never stored); else the remembered one.
        let current = state
            .current
            .read()
            .await
            .as_ref()
            .filter(|c| c.sandbox.is_none())
            .map(|c| c.conn.portal().to_string());
        let account = match current {
            Some(p) => Some(p),
            None => saved_portal(&state).await?,
        };
        state.replace(None).await;
        let Some(account) = account else {
            return Ok(ForgetKey { removed: false });
        };
        let host = PortalUrl::parse(&account)
            .map(|p| p.host())
            .unwrap_or_default();
        // The portal's sign-in data goes with its key.
        if let Err(e) = state.insight.forget(&account) {
            log::warn!(
                "forget key for {host}: the sign-in data stays: {}",
                e.kind()
            );
        }
        let secrets = state.secrets.clone();
        let removed = off_runtime(move || secrets.delete(&account)).await?;
        log::info!(
            "forget key for {host}: {}",
            if removed { "removed" } else { "there was none" }
        );
        Ok(ForgetKey { removed })
    }
    .await;
    logged("forget_key", None, result)
}

#[tauri::command]
pub async fn load_policy(state: State<'_, AppState>) -> CommandResult<LoadedWithDrift> {
    let conn = require(&state).await?;
    let loading = async {
        let loaded = conn.load_first().await?;
        let drift = drift_of(&state, &conn, &loaded.live.policy).await;
        Ok(LoadedWithDrift { loaded, drift })
    };
    let result = state.waits.run(Wait::Load, loading).await;
    logged("load_policy", Some(&host_of(&conn)), result)
}

#[tauri::command]
pub async fn check_ips(entries: Vec<String>) -> CommandResult<Vec<IpCheck>> {
    Ok(check_list(&entries)
        .into_iter()
        .map(|c| {
            let (error, warnings, canonical) = match &c.result {
                Ok(entry) => (
                    None,
                    entry.warnings.iter().map(|w| w.to_string()).collect(),
                    Some(entry.canonical()),
                ),
                // A refused entry still gets the core's proposal when the intent is clear
                // (`192.168.1.10/24` -> `192.168.1.0/24`), so the UI can offer a one-click fix.
                Err(e) => (
                    Some(e.to_string()),
                    Vec::new(),
                    e.suggestion().map(str::to_string),
                ),
            };
            IpCheck {
                index: c.index,
                text: c.text,
                error,
                warnings,
                canonical,
                duplicate_of: c.duplicate_of,
            }
        })
        .collect())
}

#[tauri::command]
pub async fn search_people(
    state: State<'_, AppState>,
    query: String,
    start: u32,
) -> CommandResult<SearchPage<PersonRef>> {
    let conn = require(&state).await?;
    let result = async {
        let page = conn.client().people(&query, start, PAGE_SIZE).await?;
        // Into the name cache first, so the chips of picked people never need a request.
        conn.remember_people(&page.items);
        let ids: Vec<Uuid> = page.items.iter().map(|e| e.id).collect();
        let items = conn.people(&ids).await?;
        Ok(SearchPage {
            items,
            start_index: page.start_index,
            total: page.total,
        })
    }
    .await;
    logged("search_people", Some(&host_of(&conn)), result)
}

#[tauri::command]
pub async fn search_groups(
    state: State<'_, AppState>,
    query: String,
    start: u32,
) -> CommandResult<SearchPage<GroupRef>> {
    let conn = require(&state).await?;
    let result = async {
        let page = conn.client().groups(&query, start, PAGE_SIZE).await?;
        conn.remember_groups(&page.items);
        let ids: Vec<Uuid> = page.items.iter().map(|g| g.id).collect();
        let items = conn.groups(&ids).await?;
        Ok(SearchPage {
            items,
            start_index: page.start_index,
            total: page.total,
        })
    }
    .await;
    logged("search_groups", Some(&host_of(&conn)), result)
}

#[tauri::command]
pub async fn review_draft(
    state: State<'_, AppState>,
    draft: Policy,
    my_ip: Option<String>,
    base: Option<Policy>,
) -> CommandResult<NamedReview> {
    let conn = require(&state).await?;
    let result = async {
        // The admin's own address, when named, lets the review apply the server's rule to them.
        let live = conn.client().policy().await?;
        // With the draft's base, a portal that moved since is shown as their change, not mine.
        Ok(match base {
            Some(base) => {
                conn.review_since(&base, &live, &draft, my_ip.as_deref())
                    .await?
            }
            None => conn.review_named(&live, &draft, my_ip.as_deref()).await?,
        })
    }
    .await;
    logged("review_draft", Some(&host_of(&conn)), result)
}

#[tauri::command]
pub async fn save_policy(
    state: State<'_, AppState>,
    base: Policy,
    draft: Policy,
    overwrite: bool,
    note: Option<String>,
    my_ip: Option<String>,
) -> CommandResult<SaveResult> {
    let conn = require(&state).await?;
    let host = host_of(&conn);
    // Saves to a real portal go into the local history the CLI reads too; the throwaway
    // in-process sandbox (a new port each time) is not recorded.
    let sandbox = state.on_sandbox().await;
    let saving = async {
        let (saved, snapshot, history_error) = if sandbox {
            (
                conn.save(&base, &draft, overwrite, my_ip.as_deref())
                    .await?,
                None,
                None,
            )
        } else {
            let report = conn
                .save_recorded(
                    &state.history,
                    &base,
                    &draft,
                    overwrite,
                    note,
                    my_ip.as_deref(),
                )
                .await?;
            if report.history_error.is_some() {
                log::warn!("saved on {host}, but the local history could not be written");
            }
            (report.saved, report.snapshot, report.history_error)
        };
        // A verified save is a save: failing to name its people afterwards must not report it
        // as failed.
        let (policy, names_error) = conn.with_names_or_ids(saved.after).await;
        if names_error.is_some() {
            log::warn!("saved on {host}, but the names could not be looked up");
        }
        Ok(SaveResult {
            policy: LoadedWithDrift {
                loaded: policy,
                drift: None,
            },
            signed_out: saved.signed_out,
            recovered: saved.recovered,
            snapshot: snapshot.as_ref().map(SnapshotView::from),
            history_error,
            names_error,
        })
    };
    let result = state.waits.run(Wait::Save, saving).await;
    if result.is_ok() {
        log::info!(
            "saved the TFA policy on {host}{}",
            if overwrite { " (overwrite)" } else { "" }
        );
    }
    logged("save_policy", Some(&host), result)
}

/// Stops the running waits of one kind (`connect`, `load`, `save`); resolves with how many.
#[tauri::command]
pub async fn cancel_wait(state: State<'_, AppState>, what: Wait) -> CommandResult<usize> {
    let n = state.waits.cancel(what);
    log::info!("cancelled {n} {what:?} wait(s)");
    Ok(n)
}
