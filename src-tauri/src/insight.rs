//! Sign-in insight commands (docs/commands.md, issue 11): thin adapters over
//! `docspace_tfa::insight`. A scan reports its progress into the state, where
//! `insight_progress` reads it (the UI polls it for its progress bar), and `cancel_insight`
//! stops it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use docspace_tfa::insight::impact::impact;
use docspace_tfa::insight::people::{csv, statuses};
use docspace_tfa::insight::suggest::suggest;
use docspace_tfa::insight::{
    self, CacheStore, Gathered, Impact, InsightError, PersonStatus, Progress, Suggestion,
    DEFAULT_DAYS,
};
use docspace_tfa::policy::Policy;
use docspace_tfa::service::Connection;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use uuid::Uuid;

use crate::commands::{blocking, logged, require, ForgetKey};
use crate::error::{CommandError, CommandResult};
use crate::safe_change::{choose_file, Dialog, Exported};
use crate::state::AppState;

/// What the insight commands keep between calls.
pub struct InsightState {
    /// The local copies of sign-in histories; `None` when the app has no data folder.
    pub store: Option<CacheStore>,
    cancel: AtomicBool,
    running: AtomicBool,
    pages: AtomicU64,
    events: AtomicU64,
}

impl InsightState {
    pub fn new(store: Option<CacheStore>) -> Self {
        InsightState {
            store,
            cancel: AtomicBool::new(false),
            running: AtomicBool::new(false),
            pages: AtomicU64::new(0),
            events: AtomicU64::new(0),
        }
    }

    /// Drops a portal's sign-in data (logout, forget key, a closed sandbox).
    pub fn forget(&self, portal: &str) -> Result<bool, InsightError> {
        match &self.store {
            Some(store) => store.forget(portal),
            None => Ok(false),
        }
    }
}

/// `insight_progress`: the running scan's counts.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressView {
    pub running: bool,
    pub pages: u64,
    pub events: u64,
}

/// `insight_impact`: the CLI's `impact --json` object.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactView {
    #[serde(flatten)]
    pub impact: Impact,
    /// History pages read by this look (few when the local copy was fresh).
    pub pages: u64,
}

/// `insight_people`: the People view, its CSV, and whether this admin may reset apps.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeopleView {
    pub rows: Vec<PersonStatus>,
    pub csv: String,
    /// Only the portal owner may reset someone's authenticator (the server refuses admins).
    pub can_reset: bool,
    pub partial: bool,
}

/// Updates the local copy and counts the period, reporting progress into the state.
async fn look(state: &AppState, conn: &Connection, days: Option<u32>) -> CommandResult<Gathered> {
    let ins = &state.insight;
    let store = ins.store.as_ref().ok_or_else(|| {
        CommandError::Internal(
            "This computer has no data folder for the app, so sign-in data cannot be kept.".into(),
        )
    })?;
    ins.cancel.store(false, Ordering::Relaxed);
    ins.pages.store(0, Ordering::Relaxed);
    ins.events.store(0, Ordering::Relaxed);
    ins.running.store(true, Ordering::Relaxed);
    let progress = |p: Progress| {
        ins.pages.store(p.pages, Ordering::Relaxed);
        ins.events.store(p.events, Ordering::Relaxed);
    };
    let result = insight::gather(
        conn,
        store,
        days.unwrap_or(DEFAULT_DAYS),
        &progress,
        &ins.cancel,
    )
    .await;
    ins.running.store(false, Ordering::Relaxed);
    Ok(result?)
}

#[tauri::command]
pub async fn insight_impact(
    state: State<'_, AppState>,
    draft: Policy,
    days: Option<u32>,
) -> CommandResult<ImpactView> {
    let conn = require(&state).await?;
    let result = async {
        let g = look(&state, &conn, days).await?;
        Ok(ImpactView {
            impact: impact(
                &g.tally,
                &g.roster,
                &g.live.policy,
                &draft,
                g.me,
                g.days,
                g.partial,
            ),
            pages: g.scan.pages,
        })
    }
    .await;
    logged("insight_impact", Some(&conn.portal().host()), result)
}

/// Suggestions, with coverage by `trusted_ips` (the editor's list) or else the live list.
#[tauri::command]
pub async fn insight_suggestions(
    state: State<'_, AppState>,
    days: Option<u32>,
    all: Option<bool>,
    trusted_ips: Option<Vec<String>>,
) -> CommandResult<Vec<Suggestion>> {
    let conn = require(&state).await?;
    let result = async {
        let g = look(&state, &conn, days).await?;
        let trusted = trusted_ips.unwrap_or_else(|| g.live.policy.trusted_ips.clone());
        Ok(suggest(&g.tally, &trusted, all.unwrap_or(false)))
    }
    .await;
    logged("insight_suggestions", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn insight_people(
    state: State<'_, AppState>,
    days: Option<u32>,
) -> CommandResult<PeopleView> {
    let conn = require(&state).await?;
    let result = async {
        let g = look(&state, &conn, days).await?;
        let rows = statuses(&g.roster, &g.tally, &g.live.policy);
        Ok(PeopleView {
            csv: csv(&rows),
            rows,
            can_reset: conn.me().is_owner,
            partial: g.partial,
        })
    }
    .await;
    logged("insight_people", Some(&conn.portal().host()), result)
}

#[tauri::command]
pub async fn insight_progress(state: State<'_, AppState>) -> CommandResult<ProgressView> {
    let ins = &state.insight;
    Ok(ProgressView {
        running: ins.running.load(Ordering::Relaxed),
        pages: ins.pages.load(Ordering::Relaxed),
        events: ins.events.load(Ordering::Relaxed),
    })
}

#[tauri::command]
pub async fn cancel_insight(state: State<'_, AppState>) -> CommandResult<()> {
    state.insight.cancel.store(true, Ordering::Relaxed);
    Ok(())
}

/// Resets a person's authenticator (owner only): they are signed out everywhere and enrol again.
#[tauri::command]
pub async fn reset_app(state: State<'_, AppState>, user_id: Uuid) -> CommandResult<()> {
    let conn = require(&state).await?;
    let result = async {
        let person = conn.client().user(user_id).await?;
        Ok(insight::reset_app(&conn, &person).await?)
    }
    .await;
    logged("reset_app", Some(&conn.portal().host()), result)
}

/// "Forget sign-in data" for the current portal.
#[tauri::command]
pub async fn forget_signins(state: State<'_, AppState>) -> CommandResult<ForgetKey> {
    let conn = require(&state).await?;
    let result = state
        .insight
        .forget(conn.portal().as_str())
        .map(|removed| ForgetKey { removed })
        .map_err(CommandError::from);
    logged("forget_signins", Some(&conn.portal().host()), result)
}

/// The People view as a CSV file, where the admin chooses (kind `file` when it cannot be written).
#[tauri::command]
pub async fn export_people_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    days: Option<u32>,
) -> CommandResult<Exported> {
    let conn = require(&state).await?;
    let result = async {
        let g = look(&state, &conn, days).await?;
        let text = csv(&statuses(&g.roster, &g.tally, &g.live.policy));
        let name = format!("tfa-people-{}.csv", conn.portal().host());
        let Some(path) = choose_file(&app, &state, Dialog::SaveCsv(name)).await? else {
            return Ok(Exported::Cancelled { cancelled: true });
        };
        let shown = path.display().to_string();
        let detail_path = shown.clone();
        blocking(move || {
            docspace_tfa::profiles::write_atomically(&path, text.as_bytes()).map_err(|e| {
                CommandError::File {
                    action: "write",
                    path: detail_path,
                    detail: e.to_string(),
                }
            })
        })
        .await?;
        Ok(Exported::Written { path: shown })
    }
    .await;
    logged("export_people_csv", Some(&conn.portal().host()), result)
}
