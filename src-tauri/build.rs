//! tauri-build with the config at the repository's top level and the command ACL on: every app
//! command gets an `allow-<command>` permission, and only `capabilities/main.json` grants them
//! (to the main window).

include!("src/command_names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/command_names.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .config_path("../tauri.conf.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
