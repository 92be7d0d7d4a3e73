//! The Linux packages install the app's binary also as `docspace-tfa` (a symlink, scripts/bundle):
//! under that name it is the whole command line.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn cli_link(dir: &std::path::Path) -> std::path::PathBuf {
    let link = dir.join("docspace-tfa");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_docspace-tfa-desktop"), &link).unwrap();
    link
}

#[test]
fn the_app_binary_named_docspace_tfa_is_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let link = cli_link(dir.path());
    let out = Command::new(&link).arg("--help").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Usage: docspace-tfa [OPTIONS] <COMMAND>"),
        "{help}"
    );

    // A command that does real work: the sandbox portal answers on its printed address.
    let mut sandbox = Command::new(&link)
        .args(["sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    assert!(line.contains("http://127.0.0.1:"), "{line}");

    // Bad input is the CLI's usage error (exit 2), not the app starting.
    let out = Command::new(&link).arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
