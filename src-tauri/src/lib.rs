//! The desktop shell of DocSpace TFA Policy: thin Tauri commands over the `docspace_tfa` core.
//!
//! - [`commands`]: one `#[tauri::command]` per row of docs/commands.md;
//! - [`error`]: the `{kind, message, details?}` error every command rejects with;
//! - [`safe_change`]: history, drift, what-if, policy files and profiles;
//! - [`state`]: the current connection, the in-process sandbox, profiles and the key store.
//!
//! [`builder`] is generic over the runtime, so tests drive the real command set and the real
//! capability file through `tauri::test::mock_builder()`.

pub mod about;
mod command_names;
pub mod commands;
pub mod error;
pub mod insight;
pub mod safe_change;
#[cfg(target_os = "linux")]
mod single_instance;
pub mod state;
pub mod waits;
#[cfg(target_os = "linux")]
mod webkit_env;

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
            $crate::commands::cancel_wait,
            $crate::safe_change::rename_profile,
            $crate::about::open_link,
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

/// What of the window is remembered: everything but visibility (the window appears only once its
/// page is painted).
fn window_state_flags() -> tauri_plugin_window_state::StateFlags {
    use tauri_plugin_window_state::StateFlags;
    StateFlags::all() - StateFlags::VISIBLE
}

/// The plugin writes its file only when the app exits normally; saving half a second after the
/// last move or resize keeps the size and position even when the app is killed or crashes.
fn save_window_state_soon<R: tauri::Runtime>(
    window: &tauri::Window<R>,
    event: &tauri::WindowEvent,
) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tauri_plugin_window_state::AppHandleExt;
    static GENERATION: AtomicU64 = AtomicU64::new(0);
    if !matches!(
        event,
        tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
    ) {
        return;
    }
    let mine = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if GENERATION.load(Ordering::SeqCst) == mine {
            if let Err(e) = app.save_window_state(window_state_flags()) {
                log::warn!("cannot save the window's size and position: {e}");
            }
        }
    });
}

/// Shows, unminimizes and focuses the main window (a second launch asked for it).
fn bring_forward<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// The desktop app.
pub fn run() {
    // Before any thread starts: WebKit's web process inherits this environment.
    #[cfg(target_os = "linux")]
    webkit_env::apply();
    // Next, so a second launch hands over before anything else starts.
    #[cfg(target_os = "linux")]
    let next_launches = {
        use single_instance::{claim, folder, Launch};
        match folder().map(|dir| claim(&dir, docspace_tfa::APP_ID)) {
            Some(Launch::Handed) => return,
            Some(Launch::First(listener)) => listener,
            None => None,
        }
    };
    let state = match AppState::new_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let app = tauri::Builder::default();
    // On macOS and Windows the plugin (first, so a second launch hands over before anything
    // else starts); on Linux `single_instance`, above.
    #[cfg(not(target_os = "linux"))]
    let app = app.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
        bring_forward(app)
    }));
    let app = app
        .plugin(log_plugin())
        // Native save/open dialogs for export and import, used from Rust only: the webview gets
        // no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        // Size, position and maximized state of the window, saved on close and restored at launch.
        // Not its visibility: the window appears only once its page is painted (below).
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(window_state_flags())
                .build(),
        );
    builder(app, state)
        // The window is created hidden (tauri.conf.json) and shown when its page has loaded, so
        // the first thing on screen is the app's frame, never a blank window.
        .on_window_event(save_window_state_soon)
        // Should the page never report that it loaded, the window still appears.
        .setup(move |app| {
            #[cfg(target_os = "linux")]
            if let Some(listener) = next_launches {
                let handle = app.handle().clone();
                single_instance::serve(listener, move || bring_forward(&handle));
            }
            // After the single-instance check (a second launch exits before this), before the
            // page has loaded: the remembered portal's round trips overlap the page's start-up.
            app.state::<AppState>().open_saved_early();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                if let Some(window) = handle.get_webview_window("main") {
                    let _ = window.show();
                }
            });
            Ok(())
        })
        .on_page_load(|webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                let _ = webview.window().show();
            }
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running the DocSpace TFA Policy app");
}
