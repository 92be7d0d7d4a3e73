//! Running the `docspace-tfa` binary from tests, with its own HOME/XDG folders.

use docspace_tfa::sandbox::Sandbox;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_docspace-tfa");

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A private HOME for one test: profiles and history go here, never to the user's folders.
pub fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Runs the CLI; `portal` None leaves --portal out. Asserts the key never appears in the output.
pub fn run(home: &Path, portal: Option<&str>, key: &str, args: &[&str], stdin: &str) -> Run {
    let mut cmd = Command::new(BIN);
    if let Some(p) = portal {
        cmd.args(["--portal", p]);
    }
    cmd.args(args)
        .env("DOCSPACE_API_KEY", key)
        .env_remove("DOCSPACE_PORTAL")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        // Never reach a real keychain from these tests.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the CLI binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into(),
        stderr: String::from_utf8_lossy(&stderr).into(),
    };
    assert!(
        !run.stdout.contains(key) && !run.stderr.contains(key),
        "the key must never be printed: {} {}",
        run.stdout,
        run.stderr
    );
    run
}

/// [`run`] against the sandbox, on a blocking thread so the in-process sandbox keeps serving.
pub async fn run_async(
    home: &Path,
    sb: &Sandbox,
    key: &'static str,
    args: &[&str],
    stdin: &str,
) -> Run {
    let (url, home): (String, PathBuf) = (sb.url(), home.to_path_buf());
    let (args, stdin) = (
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        stdin.to_string(),
    );
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&home, Some(&url), key, &args, &stdin)
    })
    .await
    .unwrap()
}
