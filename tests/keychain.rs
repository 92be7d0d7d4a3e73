//! The real OS keychain. Tests marked `#[ignore]` need a Secret Service; `scripts/test` runs them
//! inside their own `dbus-run-session` with an unlocked gnome-keyring and a temporary XDG_DATA_HOME,
//! so they never touch the user's keychain. On macOS and Windows the release workflow runs the
//! first two against the login keychain and Credential Manager of its throwaway runners. Each of
//! them first checks that it is inside such a session ([`require_private_session`]) and fails
//! loudly anywhere else.

mod common;

use common::*;
use docspace_tfa::sandbox::ADMIN_KEY;
use docspace_tfa::secrets::{ApiKey, KeyringStore, SecretError, SecretStore};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_docspace-tfa");
const SERVICE: &str = "dev.docspacetfa.desktop.tests";

/// Panics unless this process runs inside the private session `scripts/test` makes: the marker
/// `DOCSPACE_TFA_TEST_SESSION` names a temporary folder, HOME and the XDG folders are inside it,
/// and the D-Bus session bus is a new one (not the one `scripts/test` was started from).
fn require_private_session() {
    let refuse = |why: String| -> ! {
        panic!(
            "refusing to run a keychain test: {why}. These tests write to the Secret Service and \
             the home folder, so they run only inside the private D-Bus session with its own \
             keyring and temporary HOME that scripts/test makes. Run them with scripts/test."
        )
    };
    // macOS and Windows have no private keychain a test could make: only the release workflow's
    // throwaway runners, which say so with this variable, may run these tests there.
    if cfg!(not(target_os = "linux")) {
        if std::env::var("DOCSPACE_TFA_THROWAWAY_KEYCHAIN").as_deref() == Ok("1") {
            return;
        }
        refuse("this is not the release workflow's throwaway runner".into());
    }
    let root = match std::env::var_os("DOCSPACE_TFA_TEST_SESSION") {
        Some(r) if !r.is_empty() => std::path::PathBuf::from(r),
        _ => refuse("DOCSPACE_TFA_TEST_SESSION is not set".into()),
    };
    if !root.starts_with(std::env::temp_dir()) || !root.is_dir() {
        refuse(format!("{} is not a temporary folder", root.display()));
    }
    for var in [
        "HOME",
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
        "XDG_RUNTIME_DIR",
    ] {
        let inside = std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .is_some_and(|p| p.starts_with(&root));
        if !inside {
            refuse(format!("{var} is not inside {}", root.display()));
        }
    }
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    let outer = std::env::var("DOCSPACE_TFA_OUTER_BUS").unwrap_or_default();
    if bus.is_empty() || bus == outer {
        refuse("the D-Bus session bus is not a private one".into());
    }
}

#[test]
fn keychain_tests_refuse_to_run_outside_the_private_session() {
    let me = std::env::current_exe().unwrap();
    for test in [
        "keyring_set_get_delete",
        "cli_login_stores_the_key_and_logout_removes_it",
        "locked_keychain_is_reported_not_hung",
    ] {
        let out = Command::new(&me)
            .args(["--ignored", "--exact", test, "--test-threads=1"])
            .env_remove("DOCSPACE_TFA_TEST_SESSION")
            .env_remove("DOCSPACE_TFA_THROWAWAY_KEYCHAIN")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success(),
            "{test} ran outside scripts/test: {text}"
        );
        assert!(
            text.contains("refusing to run a keychain test") && text.contains("scripts/test"),
            "{test}: {text}"
        );
    }
}

fn account() -> String {
    format!("https://keychain-test-{}.example", uuid::Uuid::new_v4())
}

#[test]
#[ignore = "needs a Secret Service (run by scripts/test inside dbus-run-session)"]
fn keyring_set_get_delete() {
    require_private_session();
    let store = KeyringStore::new(SERVICE, Duration::from_secs(10));
    let acct = account();
    assert!(store.get(&acct).unwrap().is_none());
    store
        .set(&acct, &ApiKey::new("sk-keychain-test-1").unwrap())
        .unwrap();
    assert_eq!(
        store.get(&acct).unwrap().unwrap().expose(),
        "sk-keychain-test-1"
    );
    // A fresh store object reads the same entry: it is really in the keychain.
    let again = KeyringStore::new(SERVICE, Duration::from_secs(10));
    assert_eq!(
        again.get(&acct).unwrap().unwrap().expose(),
        "sk-keychain-test-1"
    );
    store
        .set(&acct, &ApiKey::new("sk-keychain-test-2").unwrap())
        .unwrap();
    assert_eq!(
        again.get(&acct).unwrap().unwrap().expose(),
        "sk-keychain-test-2",
        "set replaces"
    );
    assert!(store.delete(&acct).unwrap());
    assert!(store.get(&acct).unwrap().is_none());
    assert!(
        !store.delete(&acct).unwrap(),
        "deleting twice is not an error"
    );
}

fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DOCSPACE_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service (run by scripts/test inside dbus-run-session)"]
async fn cli_login_stores_the_key_and_logout_removes_it() {
    require_private_session();
    let sb = sandbox().await;
    let url = sb.url();
    let (code, out, err) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || run(&["--portal", &url, "login"], &[], &format!("{ADMIN_KEY}\n"))
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Adam Admin") && out.contains("stored in the keychain"),
        "{out}"
    );
    assert!(!out.contains(ADMIN_KEY) && !err.contains(ADMIN_KEY));

    // The key really is in the keychain, under the app id and the normalized portal URL.
    let stored = KeyringStore::new(docspace_tfa::APP_ID, Duration::from_secs(10))
        .get(&portal(&sb).to_string())
        .unwrap();
    assert_eq!(stored.unwrap().expose(), ADMIN_KEY);

    let (code, out, err) = tokio::task::spawn_blocking({
        let url = format!("{url}/");
        move || run(&["--portal", &url, "show", "--json"], &[], "")
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "show finds the stored key (URL normalized): {err}");
    assert!(out.contains("\"method\""));

    let (code, out, _) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || run(&["--portal", &url, "logout"], &[], "")
    })
    .await
    .unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("removed"), "{out}");
    let (code, _, err) =
        tokio::task::spawn_blocking(move || run(&["--portal", &url, "show"], &[], ""))
            .await
            .unwrap();
    assert_eq!(code, 1);
    assert!(
        err.contains("No API key is stored") && err.contains("login"),
        "{err}"
    );
}

/// Linux only: without a session bus there is no Secret Service (macOS and Windows always have
/// their store).
#[cfg(target_os = "linux")]
#[test]
fn no_secret_service_gives_a_clear_message() {
    let bogus = [
        (
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/docspace-tfa-test-bus",
        ),
        ("DISPLAY", ""),
    ];
    let (code, _, err) = run(
        &["--portal", "https://portal.example.com", "logout"],
        &bogus,
        "",
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("No keychain is available") && err.contains("Secret Service"),
        "{err}"
    );
}

#[test]
fn keychain_errors_say_what_to_do() {
    let locked = SecretError::Locked.to_string();
    assert!(locked.contains("Unlock"), "{locked}");
    let timeout = SecretError::Timeout { secs: 10 }.to_string();
    assert!(timeout.contains("10 s"), "{timeout}");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dbus-run-session and gnome-keyring (run by scripts/test)"]
async fn locked_keychain_is_reported_not_hung() {
    require_private_session();
    let sb = sandbox().await;
    let url = sb.url();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    // A new session bus whose gnome-keyring is started by D-Bus activation, never unlocked.
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("dbus-run-session")
            .args([
                "--",
                "env",
                "-u",
                "DISPLAY",
                &format!("XDG_DATA_HOME={data_dir}"),
                BIN,
                "--portal",
                &url,
                "login",
            ])
            .env_remove("DOCSPACE_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{ADMIN_KEY}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("locked") || err.contains("did not answer"),
        "{err}"
    );
    assert!(!err.contains(ADMIN_KEY));
}
