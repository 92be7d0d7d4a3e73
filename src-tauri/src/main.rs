// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    // The Linux packages ship one binary for both: installed as `docspace-tfa` (a symlink to the
    // app), it is the command line. Two binaries would make the .deb about twice the size.
    let invoked_as = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_stem().map(|s| s.to_os_string()));
    if invoked_as.as_deref() == Some(std::ffi::OsStr::new("docspace-tfa")) {
        return docspace_tfa::cli::main();
    }
    docspace_tfa_desktop::run();
    ExitCode::SUCCESS
}
