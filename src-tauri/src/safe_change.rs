//! The safe-change commands of docs/commands.md (history, drift, what-if, policy files, profiles),
//! as thin adapters over the core like those in [`crate::commands`].

use std::path::PathBuf;
use std::sync::Arc;

use docspace_tfa::docspace::{ClientOptions, PortalUrl};
use docspace_tfa::history::{drift, HistoryStore, Snapshot};
use docspace_tfa::policy::{Policy, PolicyDiff};
use docspace_tfa::policy_file::PolicyFile;
use docspace_tfa::profiles::{write_atomically, Profile};
use docspace_tfa::secrets::off_runtime;
use docspace_tfa::service::{describe, Connection, GroupRef, PersonRef, Resolution, ServiceError, WhatIf};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use uuid::Uuid;

use crate::commands::{connection_info, logged, require, ConnectionInfo};
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Current, KeyStorage};

// ---------------------------------------------------------------------------------------------
// Types of the contract

/// A history entry as the UI shows it: the stored snapshot plus its diff and a one-line summary.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotView {
    pub number: usize,
    pub portal: String,
    pub time: String,
    pub by: String,
    pub before: Policy,
    pub after: Policy,
    pub note: Option<String>,
    pub diff: PolicyDiff,
    pub summary: String,
}

impl From<&Snapshot> for SnapshotView {
    fn from(s: &Snapshot) -> Self {
        let diff = s.diff();
        SnapshotView {
            number: s.number,
            portal: s.portal.clone(),
            time: s.time.to_rfc3339(),
            by: s.by.clone(),
            before: s.before.clone(),
            after: s.after.clone(),
            note: s.note.clone(),
            summary: describe(&diff),
            diff,
        }
    }
}

/// The live policy differs from this app's last save: `diff` goes from `ours` to the live policy.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub since: usize,
    pub ours: Policy,
    pub diff: PolicyDiff,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryList {
    pub entries: Vec<SnapshotView>,
    pub users: Vec<PersonRef>,
    pub groups: Vec<GroupRef>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub number: usize,
}

/// A policy from a file or another portal, resolved against this portal, as a draft.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    pub draft: Policy,
    pub unresolved: Vec<String>,
    pub unknown_ids: Vec<String>,
    pub users: Vec<PersonRef>,
    pub groups: Vec<GroupRef>,
    /// The file's path (import) or the other portal's address (copy).
    pub source: String,
}

/// `{ path }` after an export, `{ cancelled: true }` when the admin closed the dialog.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Exported {
    Written { path: String },
    Cancelled { cancelled: bool },
}

#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum ImportOutcome {
    Imported(Box<Imported>),
    Cancelled { cancelled: bool },
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileList {
    pub profiles: Vec<Profile>,
    pub current: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with `commands`

/// Ids of every list, in first-seen order.
pub(crate) fn ids_of<'a>(lists: impl IntoIterator<Item = &'a [Uuid]>) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = Vec::new();
    for id in lists.into_iter().flatten() {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// The history of the current portal; the in-process sandbox has none.
async fn history_of(state: &AppState, conn: &Connection) -> Option<(HistoryStore, String)> {
    (!state.on_sandbox().await).then(|| (state.history.clone(), conn.portal().to_string()))
}

/// The drift of `live` from this app's last save to the current portal. A damaged history must
/// not hide the policy: it is logged and there is no drift check.
pub(crate) async fn drift_of(state: &AppState, conn: &Connection, live: &Policy) -> Option<Drift> {
    let (store, portal) = history_of(state, conn).await?;
    let last = match tokio::task::spawn_blocking(move || store.last(&portal)).await {
        Ok(Ok(last)) => last?,
        Ok(Err(e)) => {
            log::warn!("cannot read the save history of {}: {e}", conn.portal().host());
            return None;
        }
        Err(_) => return None,
    };
    drift(live, Some(&last)).map(|diff| Drift { since: last.number, ours: last.after.clone(), diff })
}

async fn imported(conn: &Connection, resolution: Resolution, source: String) -> CommandResult<Imported> {
    let users = conn.people(&resolution.draft.mandatory_users).await?;
    let groups = conn.groups(&resolution.draft.mandatory_groups).await?;
    Ok(Imported { draft: resolution.draft, unresolved: resolution.unresolved, unknown_ids: resolution.unknown_ids, users, groups, source })
}

/// The reviewable file for `policy`: ids plus the names and emails the portal knows.
async fn policy_file(conn: &Connection, policy: &Policy) -> CommandResult<PolicyFile> {
    let users: Vec<(Uuid, String, Option<String>)> =
        conn.people(&policy.mandatory_users).await?.into_iter().filter(|u| u.known).map(|u| (u.id, u.display_name, u.email)).collect();
    let groups: Vec<(Uuid, String)> = conn.groups(&policy.mandatory_groups).await?.into_iter().filter(|g| g.known).map(|g| (g.id, g.name)).collect();
    Ok(PolicyFile::export(policy, conn.portal().as_str(), &users, &groups))
}

/// A saved portal's connection, with its key from the keychain.
async fn open_profile(state: &AppState, name: &str) -> CommandResult<Connection> {
    let store = state.profiles.clone();
    let wanted = name.to_string();
    let profile = tokio::task::spawn_blocking(move || store.load().and_then(|p| p.find(&wanted).cloned()))
        .await
        .map_err(|e| CommandError::Internal(format!("Reading the saved portals failed: {e}.")))??;
    let portal = PortalUrl::parse(&profile.portal)?;
    let (secrets, account) = (state.secrets.clone(), portal.to_string());
    let key = off_runtime(move || secrets.get(&account)).await?.ok_or_else(|| ServiceError::NoKey { portal: portal.to_string() })?;
    Ok(Connection::open(portal, &key, ClientOptions::default()).await?)
}

enum Dialog {
    Save(String),
    Open,
}

/// Asks for a file: through the test chooser, or the native dialog over the main window.
async fn choose_file<R: Runtime>(app: &AppHandle<R>, state: &AppState, dialog: Dialog) -> CommandResult<Option<PathBuf>> {
    if let Some(files) = state.files.clone() {
        return tokio::task::spawn_blocking(move || match dialog {
            Dialog::Save(name) => files.save_path(&name),
            Dialog::Open => files.open_path(),
        })
        .await
        .map_err(|e| CommandError::Internal(format!("The file chooser failed: {e}.")));
    }
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut builder = app.dialog().file().add_filter("TFA policy (JSON)", &["json"]);
    if let Some(window) = app.get_webview_window("main") {
        builder = builder.set_parent(&window);
    }
    match dialog {
        Dialog::Save(name) => builder.set_title("Export the TFA policy").set_file_name(name).save_file(move |p| {
            let _ = tx.send(p);
        }),
        Dialog::Open => builder.set_title("Import a TFA policy").pick_file(move |p| {
            let _ = tx.send(p);
        }),
    }
    let picked = rx.await.map_err(|_| CommandError::Internal("The file dialog closed without an answer.".into()))?;
    picked
        .map(|p| p.into_path().map_err(|e| CommandError::Internal(format!("The chosen file cannot be used: {e}."))))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Commands

#[tauri::command]
pub async fn list_history(state: State<'_, AppState>) -> CommandResult<HistoryList> {
    let conn = require(&state).await?;
    let result = async {
        let entries = match history_of(&state, &conn).await {
            Some((store, portal)) => tokio::task::spawn_blocking(move || store.list(&portal))
                .await
                .map_err(|e| CommandError::Internal(e.to_string()))?
                .map_err(ServiceError::from)?,
            None => Vec::new(),
        };
        let users = conn.people(&ids_of(entries.iter().flat_map(|e| [&e.before.mandatory_users[..], &e.after.mandatory_users[..]]))).await?;
        let groups = conn.groups(&ids_of(entries.iter().flat_map(|e| [&e.before.mandatory_groups[..], &e.after.mandatory_groups[..]]))).await?;
        Ok(HistoryList { entries: entries.iter().map(SnapshotView::from).collect(), users, groups })
    }
    .await;
    logged("list_history", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn accept_drift(state: State<'_, AppState>) -> CommandResult<Accepted> {
    let conn = require(&state).await?;
    let result = async {
        let (store, portal) = history_of(&state, &conn).await.ok_or_else(|| CommandError::NoHistory { portal: conn.portal().to_string() })?;
        let live = conn.client().policy().await?.policy;
        let by = conn.me().display_name.clone();
        tokio::task::spawn_blocking(move || -> CommandResult<Accepted> {
            let last = store.last(&portal).map_err(ServiceError::from)?.ok_or(CommandError::NoHistory { portal: portal.clone() })?;
            if drift(&live, Some(&last)).is_none() {
                return Ok(Accepted { number: last.number });
            }
            let s = store
                .record(&portal, &by, &last.after, &live, Some("accepted changes made outside this app".into()))
                .map_err(ServiceError::from)?;
            Ok(Accepted { number: s.number })
        })
        .await
        .map_err(|e| CommandError::Internal(e.to_string()))?
    }
    .await;
    logged("accept_drift", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn what_if(state: State<'_, AppState>, user: Option<Uuid>, groups: Vec<Uuid>, ip: String, draft: Option<Policy>) -> CommandResult<WhatIf> {
    let conn = require(&state).await?;
    let result = async {
        let who = match user {
            Some(id) => Some(conn.find_person(&id.to_string()).await?),
            None => None,
        };
        let live = conn.client().policy().await?.policy;
        Ok(conn.what_if(who.as_ref(), &groups, &ip, &live, draft.as_ref()).await?)
    }
    .await;
    logged("what_if", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn export_policy<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, draft: Option<Policy>) -> CommandResult<Exported> {
    let conn = require(&state).await?;
    let result = async {
        let policy = match draft {
            Some(d) => d,
            None => conn.client().policy().await?.policy,
        };
        let file = policy_file(&conn, &policy).await?;
        let Some(path) = choose_file(&app, &state, Dialog::Save(format!("tfa-policy-{}.json", conn.portal().host()))).await? else {
            return Ok(Exported::Cancelled { cancelled: true });
        };
        let shown = path.display().to_string();
        let text = file.to_json() + "\n";
        let target = path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&target, text.as_bytes()))
            .await
            .map_err(|e| CommandError::Internal(e.to_string()))?
            .map_err(|e| CommandError::File { action: "write", path: shown.clone(), detail: e.to_string() })?;
        log::info!("exported the TFA policy of {}", conn.portal().host());
        Ok(Exported::Written { path: shown })
    }
    .await;
    logged("export_policy", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn import_policy<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CommandResult<ImportOutcome> {
    let conn = require(&state).await?;
    let result = async {
        let Some(path) = choose_file(&app, &state, Dialog::Open).await? else {
            return Ok(ImportOutcome::Cancelled { cancelled: true });
        };
        let shown = path.display().to_string();
        let text = tokio::task::spawn_blocking(move || std::fs::read_to_string(&path))
            .await
            .map_err(|e| CommandError::Internal(e.to_string()))?
            .map_err(|e| CommandError::File { action: "read", path: shown.clone(), detail: e.to_string() })?;
        let file = PolicyFile::parse(&text).map_err(ServiceError::from)?;
        let resolution = conn.resolve_file(&file).await?;
        Ok(ImportOutcome::Imported(Box::new(imported(&conn, resolution, shown).await?)))
    }
    .await;
    logged("import_policy", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> CommandResult<ProfileList> {
    let store = state.profiles.clone();
    let profiles = tokio::task::spawn_blocking(move || store.load()).await.map_err(|e| CommandError::Internal(e.to_string()))??;
    Ok(ProfileList { current: profiles.current.clone(), profiles: profiles.profiles })
}

#[tauri::command]
pub async fn switch_profile(state: State<'_, AppState>, name: String) -> CommandResult<ConnectionInfo> {
    let result = async {
        let _session = state.session.lock().await;
        let conn = open_profile(&state, &name).await?;
        // The switched-to portal is the one to open at the next launch.
        let (store, portal) = (state.profiles.clone(), conn.portal().clone());
        let saved = tokio::task::spawn_blocking(move || {
            let mut profiles = store.load()?;
            profiles.remember(&portal);
            store.save(&profiles)
        })
        .await;
        if !matches!(saved, Ok(Ok(()))) {
            log::warn!("could not make {} the remembered portal", conn.portal().host());
        }
        let info = connection_info(&conn, KeyStorage::Keychain, false);
        log::info!("switched to the saved portal {} as {}", conn.portal().host(), info.role);
        state.replace(Some(Current { conn: Arc::new(conn), key_storage: KeyStorage::Keychain, sandbox: None })).await;
        Ok(info)
    }
    .await;
    logged("switch_profile", None, result)
}

#[tauri::command]
pub async fn copy_from_profile(state: State<'_, AppState>, name: String) -> CommandResult<Imported> {
    let conn = require(&state).await?;
    let result = async {
        let source = open_profile(&state, &name).await?;
        let live = source.client().policy().await?.policy;
        let file = policy_file(&source, &live).await?;
        let resolution = conn.resolve_file(&file).await?;
        imported(&conn, resolution, source.portal().to_string()).await
    }
    .await;
    logged("copy_from_profile", Some(&conn.portal().host()), result)
}
