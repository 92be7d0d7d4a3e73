//! The `docspace-tfa` binary end to end against an in-process sandbox portal.
//! The key comes from DOCSPACE_API_KEY here; the keychain path is in tests/keychain.rs.

mod common;

use common::*;
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::sandbox::{Sandbox, ADMIN_KEY, OWNER_KEY};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_docspace-tfa");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cli(portal: &str, key: &str, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(BIN)
        .args(["--portal", portal])
        .args(args)
        .env("DOCSPACE_API_KEY", key)
        // Never reach a real keychain from these tests.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let Output { status, stdout, stderr } = child.wait_with_output().unwrap();
    let run = Run { code: status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&stdout).into(), stderr: String::from_utf8_lossy(&stderr).into() };
    assert!(!run.stdout.contains(key) && !run.stderr.contains(key), "the key must never be printed: {} {}", run.stdout, run.stderr);
    run
}

/// Runs the CLI on a blocking thread so the in-process sandbox keeps serving.
async fn cli_async(sb: &Sandbox, key: &'static str, args: &[&str], stdin: &str) -> Run {
    let (url, args, stdin) = (sb.url(), args.iter().map(|s| s.to_string()).collect::<Vec<_>>(), stdin.to_string());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&url, key, &args, &stdin)
    })
    .await
    .unwrap()
}

async fn show_json(sb: &Sandbox) -> serde_json::Value {
    let run = cli_async(sb, ADMIN_KEY, &["show", "--json"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("show --json prints JSON")
}

fn policy_file(p: &Policy) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(serde_json::to_string_pretty(p).unwrap().as_bytes()).unwrap();
    f
}

fn four_keys(v: &serde_json::Value) -> Policy {
    serde_json::from_value(v.clone()).expect("show --json has the four policy keys")
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_then_show_round_trips_for_app_and_none() {
    let sb = sandbox().await;
    assert_eq!(four_keys(&show_json(&sb).await), Policy::disabled());

    let want = policy(Method::App, &["10.0.0.0/8", "198.51.100.7"], &[sb.user_id()], &[]);
    let file = policy_file(&want);
    let run = cli_async(&sb, ADMIN_KEY, &["apply", file.path().to_str().unwrap(), "--yes"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("method: disabled -> authenticator app"), "{}", run.stdout);
    assert!(run.stdout.contains("+ trusted IP 10.0.0.0/8"));
    assert!(run.stdout.contains("+ mandatory user Uma User"), "names, not ids: {}", run.stdout);
    assert!(run.stdout.contains("Every session on the portal is signed out"));
    assert!(run.stdout.contains("Saved and verified"));
    let shown = show_json(&sb).await;
    assert_eq!(four_keys(&shown), want);
    assert_eq!(shown["users"][0]["displayName"], "Uma User");

    let off = policy_file(&Policy::disabled());
    let run = cli_async(&sb, ADMIN_KEY, &["apply", off.path().to_str().unwrap(), "--yes"], "").await;
    assert_eq!(run.code, 0, "none answers false and that is success: {}", run.stderr);
    assert!(run.stdout.contains("wipes the trusted IPs"), "{}", run.stdout);
    assert_eq!(four_keys(&show_json(&sb).await), Policy::disabled());
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_needs_yes_without_a_terminal_and_dry_run_changes_nothing() {
    let sb = sandbox().await;
    let file = policy_file(&policy(Method::App, &["10.0.0.1"], &[], &[]));
    let path = file.path().to_str().unwrap();

    let run = cli_async(&sb, ADMIN_KEY, &["apply", path], "y\n").await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);

    let run = cli_async(&sb, ADMIN_KEY, &["apply", path, "--dry-run"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Dry run: nothing was changed"));
    assert!(sb.audit().is_empty(), "no PUT was sent");
    assert_eq!(four_keys(&show_json(&sb).await), Policy::disabled());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_files_and_refused_policies_fail_with_a_clear_message() {
    let sb = sandbox().await;
    let mut missing = tempfile::NamedTempFile::new().unwrap();
    missing.write_all(br#"{"method":"app","trustedIps":[]}"#).unwrap();
    let run = cli_async(&sb, ADMIN_KEY, &["apply", missing.path().to_str().unwrap(), "--yes"], "").await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("mandatoryUsers"), "names the missing key: {}", run.stderr);

    let bad_ip = policy_file(&policy(Method::App, &["192.168.1.10/24"], &[], &[]));
    let run = cli_async(&sb, ADMIN_KEY, &["apply", bad_ip.path().to_str().unwrap(), "--yes"], "").await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("192.168.1.10/24"), "{}", run.stderr);

    let owner = policy_file(&policy(Method::App, &["10.0.0.1"], &[sb.owner_id()], &[]));
    let run = cli_async(&sb, ADMIN_KEY, &["apply", owner.path().to_str().unwrap(), "--yes"], "").await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("Only the portal owner"), "{}", run.stderr);
    assert!(sb.audit().is_empty(), "refused before any request");

    let run = cli_async(&sb, OWNER_KEY, &["apply", owner.path().to_str().unwrap(), "--yes"], "").await;
    assert_eq!(run.code, 0, "the owner may add themselves: {}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_key_insecure_url_and_missing_portal_are_explained() {
    let sb = sandbox().await;
    let run = cli_async(&sb, "sk-wrong-key-1234", &["show"], "").await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("401") && run.stderr.contains("new key"), "{}", run.stderr);

    let run = cli("http://docspace.example.com", ADMIN_KEY, &["show"], "");
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("https://"), "{}", run.stderr);

    let out = Command::new(BIN).args(["show"]).env_remove("DOCSPACE_PORTAL").output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--portal"));
}

#[tokio::test(flavor = "multi_thread")]
async fn show_prints_names_and_the_rule_for_a_person() {
    let sb = sandbox().await;
    let conn = connection(&sb, OWNER_KEY).await;
    let groups = conn.client().groups("", 0, 1).await.unwrap();
    let p = policy(Method::App, &["10.0.0.0/8"], &[sb.user_id()], &[groups.items[0].id]);
    conn.save(&Policy::disabled(), &p, false).await.unwrap();
    let run = cli_async(&sb, ADMIN_KEY, &["show"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Two-factor auth:  authenticator app"), "{}", run.stdout);
    assert!(run.stdout.contains("Uma User <"), "{}", run.stdout);
    assert!(run.stdout.contains(&groups.items[0].name));
    assert!(run.stdout.contains("10.0.0.0/8"));
    assert!(!run.stdout.contains(&sb.user_id().to_string()), "no bare ids for a person");
}

#[test]
fn sandbox_subcommand_serves_until_killed() {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--port", "0", "--users", "100"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let run = cli(&url, OWNER_KEY, &["show", "--json"], "");
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["method"], "none");
}
