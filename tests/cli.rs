//! The `docspace-tfa` binary end to end against an in-process sandbox portal.
//! The key comes from DOCSPACE_API_KEY here; the keychain path is in tests/keychain.rs.

mod common;

use common::cli::{home, run, run_async, Run, BIN};
use common::*;
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::sandbox::{Sandbox, ADMIN_KEY, OWNER_KEY};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

async fn show_json(home: &Path, sb: &Sandbox) -> serde_json::Value {
    let run = run_async(home, sb, ADMIN_KEY, &["show", "--json"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("show --json prints JSON")
}

fn policy_file(p: &Policy) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(serde_json::to_string_pretty(p).unwrap().as_bytes())
        .unwrap();
    f
}

fn four_keys(v: &serde_json::Value) -> Policy {
    serde_json::from_value(v.clone()).expect("show --json has the four policy keys")
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_then_show_round_trips_for_app_and_none() {
    let sb = sandbox().await;
    let h = home();
    assert_eq!(
        four_keys(&show_json(h.path(), &sb).await),
        Policy::disabled()
    );

    let want = policy(
        Method::App,
        &["10.0.0.0/8", "198.51.100.7"],
        &[sb.user_id()],
        &[],
    );
    let file = policy_file(&want);
    let run = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", file.path().to_str().unwrap(), "--yes"],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("method: disabled -> authenticator app"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("+ trusted IP 10.0.0.0/8"));
    assert!(
        run.stdout.contains("+ mandatory user Uma User"),
        "names, not ids: {}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("Every session on the portal is signed out"));
    assert!(run.stdout.contains("Saved and verified"));
    let shown = show_json(h.path(), &sb).await;
    assert_eq!(four_keys(&shown), want);
    assert!(shown.get("users").is_none(), "names only with --names");
    let named = run_async(h.path(), &sb, ADMIN_KEY, &["show", "--json", "--names"], "").await;
    let named: serde_json::Value = serde_json::from_str(&named.stdout).unwrap();
    assert_eq!(four_keys(&named), want);
    assert_eq!(named["users"][0]["displayName"], "Uma User");

    let off = policy_file(&Policy::disabled());
    let run = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", off.path().to_str().unwrap(), "--yes"],
        "",
    )
    .await;
    assert_eq!(
        run.code, 0,
        "none answers false and that is success: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains("wipes the trusted IPs"),
        "{}",
        run.stdout
    );
    assert_eq!(
        four_keys(&show_json(h.path(), &sb).await),
        Policy::disabled()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_needs_yes_without_a_terminal_and_dry_run_changes_nothing() {
    let sb = sandbox().await;
    let h = home();
    let file = policy_file(&policy(Method::App, &["10.0.0.1"], &[], &[]));
    let path = file.path().to_str().unwrap();

    let run = run_async(h.path(), &sb, ADMIN_KEY, &["apply", path], "y\n").await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);

    let run = run_async(h.path(), &sb, ADMIN_KEY, &["apply", path, "--dry-run"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Dry run: nothing was changed"));
    assert!(sb.audit().is_empty(), "no PUT was sent");
    assert_eq!(
        four_keys(&show_json(h.path(), &sb).await),
        Policy::disabled()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_files_and_refused_policies_fail_with_a_clear_message() {
    let sb = sandbox().await;
    let h = home();
    let mut missing = tempfile::NamedTempFile::new().unwrap();
    missing
        .write_all(br#"{"method":"app","trustedIps":[]}"#)
        .unwrap();
    let run = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", missing.path().to_str().unwrap(), "--yes"],
        "",
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("mandatoryUsers"),
        "names the missing key: {}",
        run.stderr
    );

    let bad_ip = policy_file(&policy(Method::App, &["192.168.1.10/24"], &[], &[]));
    let run = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", bad_ip.path().to_str().unwrap(), "--yes"],
        "",
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("192.168.1.10/24"), "{}", run.stderr);

    let owner = policy_file(&policy(Method::App, &["10.0.0.1"], &[sb.owner_id()], &[]));
    let run = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", owner.path().to_str().unwrap(), "--yes"],
        "",
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("Only the portal owner"),
        "{}",
        run.stderr
    );
    assert!(sb.audit().is_empty(), "refused before any request");

    let run = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["apply", owner.path().to_str().unwrap(), "--yes"],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "the owner may add themselves: {}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_key_insecure_url_and_missing_portal_are_explained() {
    let sb = sandbox().await;
    let h = home();
    let wrong = run_async(h.path(), &sb, "sk-wrong-key-1234", &["show"], "").await;
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("401") && wrong.stderr.contains("new key"),
        "{}",
        wrong.stderr
    );

    let insecure = run(
        h.path(),
        Some("http://docspace.example.com"),
        ADMIN_KEY,
        &["show"],
        "",
    );
    assert_ne!(insecure.code, 0);
    assert!(insecure.stderr.contains("https://"), "{}", insecure.stderr);

    let none = run(h.path(), None, ADMIN_KEY, &["show"], "");
    assert_ne!(none.code, 0);
    assert!(none.stderr.contains("--portal"), "{}", none.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn show_prints_names_and_the_rule_for_a_person() {
    let sb = sandbox().await;
    let h = home();
    let conn = connection(&sb, OWNER_KEY).await;
    let groups = conn.client().groups("", 0, 1).await.unwrap();
    let p = policy(
        Method::App,
        &["10.0.0.0/8"],
        &[sb.user_id()],
        &[groups.items[0].id],
    );
    conn.save(&Policy::disabled(), &p, false, None)
        .await
        .unwrap();
    let run = run_async(h.path(), &sb, ADMIN_KEY, &["show"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Two-factor auth:   authenticator app"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Uma User <"), "{}", run.stdout);
    assert!(run.stdout.contains(&groups.items[0].name));
    assert!(run.stdout.contains("10.0.0.0/8"));
    assert!(
        !run.stdout.contains(&sb.user_id().to_string()),
        "no bare ids for a person"
    );
}

#[test]
fn sandbox_subcommand_serves_until_killed() {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--port", "0", "--users", "100"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let h = home();
    let shown: Run = run(h.path(), Some(&url), OWNER_KEY, &["show", "--json"], "");
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let v: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(v["method"], "none");
}
