// Shared by build.rs (`include!`, for the ACL's `allow-<command>` permissions) and the crate
// (tests compare it with the capability file and the invoke handler). Plain Rust only.

/// Every `#[tauri::command]` of the app, in the order of docs/commands.md.
pub const COMMANDS: &[&str] = &[
    "app_state",
    "connect",
    "connect_saved",
    "start_sandbox",
    "disconnect",
    "forget_key",
    "load_policy",
    "check_ips",
    "search_people",
    "search_groups",
    "review_draft",
    "save_policy",
    "list_history",
    "accept_drift",
    "what_if",
    "export_policy",
    "import_policy",
    "list_profiles",
    "switch_profile",
    "copy_from_profile",
    "insight_impact",
    "insight_suggestions",
    "insight_people",
    "insight_progress",
    "cancel_insight",
    "reset_app",
    "forget_signins",
    "export_people_csv",
];
