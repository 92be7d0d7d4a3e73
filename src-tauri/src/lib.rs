//! The desktop shell of DocSpace TFA Policy: thin Tauri commands over the `docspace_tfa` core.
//!
//! - [`commands`]: one `#[tauri::command]` per row of docs/commands.md;
//! - [`error`]: the `{kind, message, details?}` error every command rejects with;
//! - [`safe_change`]: history, drift, what-if, policy files and profiles;
//! - [`state`]: the current connection, the in-process sandbox, profiles and the key store.
//!
//! [`builder`] is generic over the runtime, so tests drive the real command set and the real
//! capability file through `tauri::test::mock_builder()`.

mod command_names;
pub mod commands;
pub mod error;
pub mod insight;
pub mod safe_change;
pub mod state;

use tauri::Manager;

pub use command_names::COMMANDS;
pub use state::AppState;

/// The app's commands, in the order of docs/commands.md (build.rs lists the same names for the ACL).
#[macro_export]
macro_rules! app_handler {
    () => {
        tauri::generate_handler![
            $crate::commands::app_state,
            $crate::commands::connect,
            $crate::commands::connect_saved,
            $crate::commands::start_sandbox,
            $crate::commands::disconnect,
            $crate::commands::forget_key,
            $crate::commands::load_policy,
            $crate::commands::check_ips,
            $crate::commands::search_people,
            $crate::commands::search_groups,
            $crate::commands::review_draft,
            $crate::commands::save_policy,
            $crate::safe_change::list_history,
            $crate::safe_change::accept_drift,
            $crate::safe_change::what_if,
            $crate::safe_change::export_policy,
            $crate::safe_change::import_policy,
            $crate::safe_change::list_profiles,
            $crate::safe_change::switch_profile,
            $crate::safe_change::copy_from_profile,
            $crate::insight::insight_impact,
            $crate::insight::insight_suggestions,
            $crate::insight::insight_people,
            $crate::insight::insight_progress,
            $crate::insight::cancel_insight,
            $crate::insight::reset_app,
            $crate::insight::forget_signins,
            $crate::insight::export_people_csv,
        ]
    };
}

/// Registers the state and the commands: everything except the plugins that need a real desktop.
pub fn builder<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    state: AppState,
) -> tauri::Builder<R> {
    builder.manage(state).invoke_handler(app_handler!())
}

/// The logger: the app's log folder and stdout, level Info. Commands log hosts and outcome kinds only.
fn log_plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{Target, TargetKind};
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            Target::new(TargetKind::LogDir {
                file_name: Some("docspace-tfa".into()),
            }),
            Target::new(TargetKind::Stdout),
        ])
        .level(log::LevelFilter::Info)
        // Dependencies log request URLs and headers at debug level; keep them quiet.
        .level_for("reqwest", log::LevelFilter::Warn)
        .level_for("hyper", log::LevelFilter::Warn)
        .level_for("hyper_util", log::LevelFilter::Warn)
        .build()
}

/// The desktop app.
pub fn run() {
    let state = match AppState::new_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let app = tauri::Builder::default()
        // First, so a second launch hands over before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(log_plugin())
        // Native save/open dialogs for export and import, used from Rust only: the webview gets
        // no dialog permission.
        .plugin(tauri_plugin_dialog::init());
    builder(app, state)
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running the DocSpace TFA Policy app");
}
