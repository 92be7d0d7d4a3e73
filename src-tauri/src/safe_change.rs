//! The safe-change commands of docs/commands.md (history, drift, what-if, policy files, profiles),
//! as thin adapters over the core like those in [`crate::commands`].

use std::path::PathBuf;
use std::sync::Arc;

use docspace_tfa::docspace::{ClientOptions, PortalUrl};
use docspace_tfa::history::{HistoryStore, Snapshot};
use docspace_tfa::policy::{Policy, PolicyDiff};
use docspace_tfa::policy_file::PolicyFile;
use docspace_tfa::profiles::{write_atomically, Profile};
use docspace_tfa::service::{
    describe, stored_key, Connection, Drift, GroupRef, PersonRef, Resolution, ServiceError, WhatIf,
};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use uuid::Uuid;

use crate::commands::{
    blocking, connection_info, logged, remember_portal, require, ConnectionInfo,
};
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

/// A policy from a file or another portal, resolved against this portal, as a draft:
/// `{ draft, unresolved, unknownIds, users, groups, source }`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    #[serde(flatten)]
    pub resolution: Resolution,
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

/// The save history the current portal's saves go into; the in-process sandbox has none.
async fn history_of(state: &AppState) -> Option<HistoryStore> {
    (!state.on_sandbox().await).then(|| state.history.clone())
}

/// The drift of `live` from this app's last save to the current portal. A damaged history must
/// not hide the policy: it is logged and there is no drift check.
pub(crate) async fn drift_of(
    state: &AppState,
    conn: &Arc<Connection>,
    live: &Policy,
) -> Option<Drift> {
    let store = history_of(state).await?;
    let (c, live) = (conn.clone(), live.clone());
    match blocking(move || Ok(c.drift(&store, &live)?)).await {
        Ok(drift) => drift,
        Err(e) => {
            log::warn!(
                "cannot read the save history of {}: {e}",
                conn.portal().host()
            );
            None
        }
    }
}

/// A saved portal's connection, with its key from the keychain.
async fn open_profile(state: &AppState, name: &str) -> CommandResult<Connection> {
    let portal = profile_portal(state, name).await?;
    Ok(
        Connection::open_saved_loaded(portal, state.secrets.clone(), ClientOptions::default())
            .await?,
    )
}

async fn profile_portal(state: &AppState, name: &str) -> CommandResult<PortalUrl> {
    let (store, wanted) = (state.profiles.clone(), name.to_string());
    let profile = blocking(move || Ok(store.load()?.find(&wanted)?.clone())).await?;
    Ok(PortalUrl::parse(&profile.portal)?)
}

pub(crate) enum Dialog {
    /// Export the policy (JSON) under this suggested name.
    Save(String),
    /// Export the People list (CSV) under this suggested name.
    SaveCsv(String),
    Open,
}

/// Asks for a file: through the test chooser, or the native dialog over the main window.
pub(crate) async fn choose_file<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    dialog: Dialog,
) -> CommandResult<Option<PathBuf>> {
    if let Some(files) = state.files.clone() {
        return blocking(move || {
            Ok(match dialog {
                Dialog::Save(name) | Dialog::SaveCsv(name) => files.save_path(&name),
                Dialog::Open => files.open_path(),
            })
        })
        .await;
    }
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (title, filter, ext) = match &dialog {
        Dialog::Save(_) => ("Export the TFA policy", "TFA policy (JSON)", "json"),
        Dialog::SaveCsv(_) => ("Export the People list", "People list (CSV)", "csv"),
        Dialog::Open => ("Import a TFA policy", "TFA policy (JSON)", "json"),
    };
    let mut builder = app
        .dialog()
        .file()
        .add_filter(filter, &[ext])
        .set_title(title);
    if let Some(window) = app.get_webview_window("main") {
        builder = builder.set_parent(&window);
    }
    match dialog {
        Dialog::Save(name) | Dialog::SaveCsv(name) => {
            builder.set_file_name(name).save_file(move |p| {
                let _ = tx.send(p);
            })
        }
        Dialog::Open => builder.pick_file(move |p| {
            let _ = tx.send(p);
        }),
    }
    let picked = rx
        .await
        .map_err(|_| CommandError::Internal("The file dialog closed without an answer.".into()))?;
    picked
        .map(|p| {
            p.into_path().map_err(|e| {
                CommandError::Internal(format!("The chosen file cannot be used: {e}."))
            })
        })
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Commands

#[tauri::command]
pub async fn list_history(state: State<'_, AppState>) -> CommandResult<HistoryList> {
    let conn = require(&state).await?;
    let result = async {
        let entries = match history_of(&state).await {
            Some(store) => {
                let portal = conn.portal().to_string();
                blocking(move || Ok(store.list(&portal).map_err(ServiceError::from)?)).await?
            }
            None => Vec::new(),
        };
        let policies: Vec<&Policy> = entries.iter().flat_map(|e| [&e.before, &e.after]).collect();
        let (users, groups) = conn.names_for(&policies).await?;
        Ok(HistoryList {
            entries: entries.iter().map(SnapshotView::from).collect(),
            users,
            groups,
        })
    }
    .await;
    logged("list_history", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn accept_drift(state: State<'_, AppState>) -> CommandResult<Accepted> {
    let conn = require(&state).await?;
    let result = async {
        let store = history_of(&state)
            .await
            .ok_or_else(|| ServiceError::NoHistory {
                portal: conn.portal().to_string(),
            })?;
        let live = conn.client().policy().await?.policy;
        let c = conn.clone();
        let s = blocking(move || Ok(c.accept_drift(&store, &live, None)?)).await?;
        Ok(Accepted { number: s.number })
    }
    .await;
    logged("accept_drift", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn what_if(
    state: State<'_, AppState>,
    user: Option<Uuid>,
    groups: Vec<Uuid>,
    ip: String,
    draft: Option<Policy>,
) -> CommandResult<WhatIf> {
    let conn = require(&state).await?;
    let result = async {
        // The person and the live policy in the same round trip.
        let who = async {
            match user {
                Some(id) => Ok(Some(conn.find_person(&id.to_string()).await?)),
                None => Ok::<_, ServiceError>(None),
            }
        };
        let live = async { Ok::<_, ServiceError>(conn.client().policy().await?.policy) };
        let (who, live) = tokio::try_join!(who, live)?;
        Ok(conn
            .what_if(who.as_ref(), &groups, &ip, &live, draft.as_ref())
            .await?)
    }
    .await;
    logged("what_if", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn export_policy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    draft: Option<Policy>,
) -> CommandResult<Exported> {
    let conn = require(&state).await?;
    let result = async {
        let policy = match draft {
            Some(d) => d,
            None => conn.client().policy().await?.policy,
        };
        let file = conn.export_file(&policy).await?;
        let Some(path) = choose_file(
            &app,
            &state,
            Dialog::Save(format!("tfa-policy-{}.json", conn.portal().host())),
        )
        .await?
        else {
            return Ok(Exported::Cancelled { cancelled: true });
        };
        let shown = path.display().to_string();
        let text = file.to_json() + "\n";
        let (target, detail_path) = (path.clone(), shown.clone());
        blocking(move || {
            write_atomically(&target, text.as_bytes()).map_err(|e| CommandError::File {
                action: "write",
                path: detail_path,
                detail: e.to_string(),
            })
        })
        .await?;
        log::info!("exported the TFA policy of {}", conn.portal().host());
        Ok(Exported::Written { path: shown })
    }
    .await;
    logged("export_policy", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn import_policy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<ImportOutcome> {
    let conn = require(&state).await?;
    let result = async {
        let Some(path) = choose_file(&app, &state, Dialog::Open).await? else {
            return Ok(ImportOutcome::Cancelled { cancelled: true });
        };
        let shown = path.display().to_string();
        let detail_path = shown.clone();
        let text = blocking(move || {
            std::fs::read_to_string(&path).map_err(|e| CommandError::File {
                action: "read",
                path: detail_path,
                detail: e.to_string(),
            })
        })
        .await?;
        let file = PolicyFile::parse(&text).map_err(ServiceError::from)?;
        let resolution = conn.resolve_file(&file).await?;
        Ok(ImportOutcome::Imported(Box::new(Imported {
            resolution,
            source: shown,
        })))
    }
    .await;
    logged("import_policy", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> CommandResult<ProfileList> {
    let store = state.profiles.clone();
    let profiles = blocking(move || Ok(store.load()?)).await?;
    Ok(ProfileList {
        current: profiles.current.clone(),
        profiles: profiles.profiles,
    })
}

/// Gives a saved portal another name; the list afterwards.
#[tauri::command]
pub async fn rename_profile(
    state: State<'_, AppState>,
    name: String,
    new_name: String,
) -> CommandResult<ProfileList> {
    let store = state.profiles.clone();
    let profiles = blocking(move || {
        store.rename(&name, &new_name)?;
        Ok(store.load()?)
    })
    .await?;
    Ok(ProfileList {
        current: profiles.current.clone(),
        profiles: profiles.profiles,
    })
}

#[tauri::command]
pub async fn switch_profile(
    state: State<'_, AppState>,
    name: String,
) -> CommandResult<ConnectionInfo> {
    let switching = async {
        let _session = state.session.lock().await;
        let conn = open_profile(&state, &name).await?;
        // The switched-to portal is the one to open at the next launch.
        remember_portal(&state, conn.portal()).await;
        let info = connection_info(&conn, KeyStorage::Keychain, false);
        log::info!(
            "switched to the saved portal {} as {}",
            conn.portal().host(),
            info.role
        );
        state
            .replace(Some(Current {
                conn: Arc::new(conn),
                key_storage: KeyStorage::Keychain,
                sandbox: None,
            }))
            .await;
        Ok(info)
    };
    let result = state
        .waits
        .run(crate::waits::Wait::Connect, switching)
        .await;
    logged("switch_profile", None, result)
}

#[tauri::command]
pub async fn copy_from_profile(
    state: State<'_, AppState>,
    name: String,
) -> CommandResult<Imported> {
    let conn = require(&state).await?;
    let result = async {
        // The other portal's key check and its live policy in the same round trip.
        let portal = profile_portal(&state, &name).await?;
        let key = stored_key(state.secrets.clone(), &portal).await?;
        let (source, live) =
            Connection::open_along(portal, &key, ClientOptions::default(), |c| async move {
                Ok(c.policy().await?.policy)
            })
            .await?;
        let resolution = conn.copy_policy(&source, &live).await?;
        Ok(Imported {
            resolution,
            source: source.portal().to_string(),
        })
    }
    .await;
    logged("copy_from_profile", Some(&conn.portal().host()), result)
}
