//! The commands through Tauri's real IPC path: `mock_builder()` with the REAL
//! `generate_context!` (so the capability file and the command ACL are enforced), against a real
//! in-process sandbox portal over HTTP.

mod common;

use common::*;
use docspace_tfa::history::HistoryStore;
use docspace_tfa::sandbox::{ADMIN_KEY, OWNER_KEY, USER_KEY};
use docspace_tfa::secrets::SecretStore;
use docspace_tfa_desktop::COMMANDS;
use serde_json::{json, Value};
use std::sync::Arc;

#[test]
fn connect_load_review_save_and_load_again() {
    let sb = sandbox();
    let h = harness();

    let state = h.ok("app_state", json!({}));
    assert_eq!(state["connection"], Value::Null);
    assert_eq!(state["savedPortal"], Value::Null);

    let info = connect(&h, &sb, ADMIN_KEY, true).unwrap();
    assert_eq!(info["portal"], sb.url());
    assert_eq!(info["role"], "admin");
    assert_eq!(info["keyStorage"], "keychain");
    assert_eq!(info["sandbox"], false);
    assert_eq!(info["user"]["displayName"], "Adam Admin");
    assert_eq!(
        h.secrets.get(&sb.url()).unwrap().unwrap().expose(),
        ADMIN_KEY,
        "remember:true stores the key"
    );

    let state = h.ok("app_state", json!({}));
    assert_eq!(state["connection"]["portal"], sb.url());
    assert_eq!(state["savedPortal"], sb.url());
    assert!(state["version"].as_str().is_some());

    let loaded = h.ok("load_policy", json!({}));
    assert_eq!(loaded["portal"], sb.url());
    assert_eq!(loaded["policy"]["method"], "none");
    assert_eq!(loaded["app"]["listed"], true);
    let base = loaded["policy"].clone();

    // Pick a person through the search, as the UI's picker does.
    let page = h.ok("search_people", json!({ "query": "", "start": 0 }));
    assert!(page["total"].as_u64().unwrap() >= 25);
    assert_eq!(page["items"].as_array().unwrap().len(), 25);
    assert_eq!(page["startIndex"], 0);
    let person = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["isOwner"] == false && p["known"] == true)
        .unwrap()
        .clone();
    let groups = h.ok("search_groups", json!({ "query": "", "start": 0 }));
    let group = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["isSystem"] == false)
        .unwrap()
        .clone();

    let draft = json!({
        "method": "app",
        "trustedIps": ["10.0.0.0/8", "192.168.1.10"],
        "mandatoryUsers": [person["id"]],
        "mandatoryGroups": [group["id"]],
    });
    // The admin names their address: outside the trusted IPs the lockout warning names it,
    // inside it the server's rule exempts them; a typo is a validation error on `myIp`.
    let lockout = |r: &serde_json::Value| {
        r["problems"].as_array().unwrap().iter().any(|p| {
            p["message"]
                .as_str()
                .unwrap()
                .contains("you would need a second factor")
        })
    };
    assert!(lockout(&h.ok(
        "review_draft",
        json!({ "draft": draft, "myIp": "203.0.113.9" })
    )));
    assert!(!lockout(&h.ok(
        "review_draft",
        json!({ "draft": draft, "myIp": "10.1.2.3" })
    )));
    let typo = h.err("review_draft", json!({ "draft": draft, "myIp": "home" }));
    assert_eq!(
        (typo["kind"].as_str(), typo["details"]["field"].as_str()),
        (Some("validation"), Some("myIp")),
        "{typo}"
    );
    let review = h.ok("review_draft", json!({ "draft": draft }));
    assert_eq!(review["canSave"], true, "{review}");
    assert_eq!(review["diff"]["method"], json!(["none", "app"]));
    assert_eq!(
        review["diff"]["trustedIps"]["added"],
        json!(["10.0.0.0/8", "192.168.1.10"])
    );
    assert!(!review["sideEffects"].as_array().unwrap().is_empty());
    assert_eq!(review["users"][0]["displayName"], person["displayName"]);
    assert_eq!(review["groups"][0]["name"], group["name"]);

    let saved = h.ok(
        "save_policy",
        json!({ "base": base, "draft": draft, "overwrite": false }),
    );
    assert_eq!(saved["signedOut"], true);
    assert_eq!(saved["recovered"], false);
    assert_eq!(saved["policy"]["policy"]["method"], "app");
    assert_eq!(saved["policy"]["users"][0]["id"], person["id"]);

    let again = h.ok("load_policy", json!({}));
    assert_eq!(again["policy"], draft);
    assert_eq!(again["users"][0]["displayName"], person["displayName"]);
    // And the portal itself holds it.
    let snap = sb.snapshot();
    assert!(snap.app.enable);
    assert_eq!(
        snap.app.trusted_ips.as_deref().unwrap(),
        ["10.0.0.0/8", "192.168.1.10"]
    );
    assert_eq!(sb.sign_out_count(), 1);
    // Recorded in the history the CLI reads, so its drift check does not flag this save.
    let history = HistoryStore::in_dir(&h.dir.path().join("history"));
    let last = history
        .last(&sb.url())
        .unwrap()
        .expect("the save is in the history");
    assert_eq!(serde_json::to_value(&last.after).unwrap(), draft);
    assert_eq!(last.by, "Adam Admin");

    // A draft with a bad IP: the review shows the error on its field, and a save is refused.
    let bad = json!({ "method": "app", "trustedIps": ["192.168.1.10/24"], "mandatoryUsers": [], "mandatoryGroups": [] });
    let review = h.ok("review_draft", json!({ "draft": bad }));
    assert_eq!(review["canSave"], false);
    assert!(
        review["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["level"] == "error" && p["field"] == "trustedIps[0]"),
        "{review}"
    );
    let e = h.err(
        "save_policy",
        json!({ "base": draft, "draft": bad, "overwrite": false }),
    );
    assert_eq!(e["kind"], "refused", "{e}");

    h.ok("disconnect", json!({}));
    assert_eq!(h.err("load_policy", json!({}))["kind"], "notConnected");
    assert!(
        h.secrets.get(&sb.url()).unwrap().is_some(),
        "disconnect keeps the key"
    );
    h.assert_no_key_on_disk();
    let profiles = std::fs::read_to_string(h.dir.path().join("profiles.json")).unwrap();
    assert!(profiles.contains(&sb.url()));
    tauri::async_runtime::block_on(sb.shutdown());
}

#[test]
fn wrong_keys_and_bad_input_are_typed_errors() {
    let sb = sandbox();
    let h = harness();

    let e = connect(&h, &sb, "sk-not-a-real-key", true).unwrap_err();
    assert_eq!(e["kind"], "unauthorized", "{e}");
    assert!(e["message"].as_str().unwrap().contains("API key"));

    let e = h.err(
        "connect",
        json!({ "portal": "", "apiKey": ADMIN_KEY, "remember": false }),
    );
    assert_eq!(
        (e["kind"].as_str(), e["details"]["field"].as_str()),
        (Some("validation"), Some("portal")),
        "{e}"
    );
    let e = h.err(
        "connect",
        json!({ "portal": "http://portal.example.com", "apiKey": ADMIN_KEY, "remember": false }),
    );
    assert_eq!(
        (e["kind"].as_str(), e["details"]["field"].as_str()),
        (Some("validation"), Some("portal")),
        "{e}"
    );
    let e = h.err(
        "connect",
        json!({ "portal": sb.url(), "apiKey": "  ", "remember": false }),
    );
    assert_eq!(
        (e["kind"].as_str(), e["details"]["field"].as_str()),
        (Some("validation"), Some("apiKey")),
        "{e}"
    );
    let e = h.err(
        "connect",
        json!({ "portal": sb.url(), "apiKey": "sk a b", "remember": false }),
    );
    assert_eq!(e["details"]["field"], "apiKey", "{e}");

    // Nothing is connected after failures; a portal nobody listens on is a network error.
    assert_eq!(h.ok("app_state", json!({}))["connection"], Value::Null);
    let e = h.err(
        "connect",
        json!({ "portal": "http://127.0.0.1:9", "apiKey": ADMIN_KEY, "remember": false }),
    );
    assert_eq!(e["kind"], "network", "{e}");
    h.assert_no_key_on_disk();
    tauri::async_runtime::block_on(sb.shutdown());
}

#[test]
fn the_acl_refuses_what_the_capability_does_not_grant() {
    let h = harness();
    // Every app command is registered and allowed: a call with no args reaches the command
    // (and fails on its arguments or on "not connected"), never "not allowed" / "not found".
    for cmd in COMMANDS.iter().filter(|c| **c != "start_sandbox") {
        if let Err(e) = h.invoke(cmd, json!({})) {
            let text = e.to_string();
            assert!(
                !text.contains("not allowed") && !text.contains("not found"),
                "{cmd}: {text}"
            );
        }
    }
    // A command nobody registered, core commands the capability does not grant, and the log
    // plugin (not granted; the UI does not log through it).
    for cmd in [
        "greet",
        "plugin:window|close",
        "plugin:event|emit",
        "plugin:webview|print",
        "plugin:log|log",
        "plugin:app|version",
    ] {
        let e = h.invoke(cmd, json!({})).unwrap_err();
        assert!(
            e.to_string().contains("not allowed") || e.to_string().contains("not found"),
            "{cmd}: {e}"
        );
    }
    // A remote page in the window may call nothing at all.
    let e = h
        .invoke_from("https://evil.example", "app_state", json!({}))
        .unwrap_err();
    assert!(e.to_string().contains("not allowed"), "{e}");
}

#[test]
fn someone_else_changing_the_policy_is_a_conflict() {
    let sb = sandbox();
    let h = harness();
    connect(&h, &sb, OWNER_KEY, false).unwrap();
    assert!(
        h.secrets.get(&sb.url()).unwrap().is_none(),
        "remember:false keeps the key out of the keychain"
    );
    let base = h.ok("load_policy", json!({}))["policy"].clone();

    // Behind the app's back: someone turns on app TFA with one trusted IP.
    http_put(
        &format!("{}/sandbox/state/tfa", sb.url()),
        json!({ "app": { "enable": true, "trustedIps": ["203.0.113.7"], "mandatoryUsers": [], "mandatoryGroups": [] } }),
    );

    let draft = json!({ "method": "app", "trustedIps": ["10.1.0.0/16"], "mandatoryUsers": [], "mandatoryGroups": [] });
    let e = h.err(
        "save_policy",
        json!({ "base": base, "draft": draft, "overwrite": false }),
    );
    assert_eq!(e["kind"], "conflict", "{e}");
    assert_eq!(
        e["details"]["theirs"]["method"],
        json!(["none", "app"]),
        "{e}"
    );
    assert_eq!(
        e["details"]["theirs"]["trustedIps"]["added"],
        json!(["203.0.113.7"])
    );
    assert_eq!(
        e["details"]["live"]["policy"]["trustedIps"],
        json!(["203.0.113.7"])
    );
    assert!(
        !sb.snapshot()
            .app
            .trusted_ips
            .unwrap()
            .contains(&"10.1.0.0/16".to_string()),
        "nothing was saved"
    );

    // The admin chose to overwrite.
    let saved = h.ok(
        "save_policy",
        json!({ "base": base, "draft": draft, "overwrite": true }),
    );
    assert_eq!(
        saved["policy"]["policy"]["trustedIps"],
        json!(["10.1.0.0/16"])
    );
    tauri::async_runtime::block_on(sb.shutdown());
}

#[test]
fn saved_portal_reconnects_and_forget_key_removes_it() {
    let sb = sandbox();
    let h = harness();
    assert_eq!(h.err("connect_saved", json!({}))["kind"], "noKey");

    connect(&h, &sb, ADMIN_KEY, true).unwrap();
    h.ok("disconnect", json!({}));
    let info = h.ok("connect_saved", json!({}));
    assert_eq!(
        (info["portal"].as_str(), info["keyStorage"].as_str()),
        (Some(sb.url().as_str()), Some("keychain"))
    );

    assert_eq!(h.ok("forget_key", json!({})), json!({ "removed": true }));
    assert_eq!(
        h.ok("app_state", json!({}))["connection"],
        Value::Null,
        "forget_key disconnects"
    );
    assert!(h.secrets.get(&sb.url()).unwrap().is_none());
    let e = h.err("connect_saved", json!({}));
    assert_eq!(e["kind"], "noKey", "{e}");
    assert_eq!(h.ok("forget_key", json!({})), json!({ "removed": false }));
    tauri::async_runtime::block_on(sb.shutdown());
}

/// At launch the app opens the remembered portal before its page asks (`open_saved_early`): the
/// page's `connect_saved` and first `load_policy` take that connection and add no request.
#[test]
fn the_remembered_portal_is_opened_once_at_launch_before_the_page_asks() {
    let sb = sandbox();
    set_app_policy(&sb, &["10.0.0.0/8"], &[sb.admin_id(), sb.owner_id()]);
    let h = harness();
    connect(&h, &sb, ADMIN_KEY, true).unwrap();
    h.ok("disconnect", json!({}));
    sb.clear_request_log();

    h.state().open_saved_early();
    let started = std::time::Instant::now();
    while sb.request_log().len() < 3 && started.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let early: Vec<String> = sb.request_log().into_iter().map(|r| r.path).collect();
    assert_eq!(
        early.len(),
        3,
        "people/@self and the policy, then the names: {early:?}"
    );

    let info = h.ok("connect_saved", json!({}));
    assert_eq!(info["keyStorage"], "keychain");
    let loaded = h.ok("load_policy", json!({}));
    assert_eq!(loaded["policy"]["trustedIps"], json!(["10.0.0.0/8"]));
    let names: Vec<String> = sb.request_log().into_iter().map(|r| r.path).collect();
    assert_eq!(
        names, early,
        "the page's connect and load made no request of their own"
    );

    // An early connection nobody picked up is dropped by the next connect and never used.
    h.ok("disconnect", json!({}));
    h.state().open_saved_early();
    connect(&h, &sb, ADMIN_KEY, false).unwrap();
    sb.clear_request_log();
    h.ok("disconnect", json!({}));
    h.ok("connect_saved", json!({}));
    assert!(
        sb.request_log()
            .iter()
            .any(|r| r.path.ends_with("people/@self")),
        "connect_saved after another connect opens afresh: {:?}",
        sb.request_log()
    );
    stop(sb);
}

#[test]
fn a_locked_keychain_is_a_keychain_error_and_session_only_still_works() {
    let sb = sandbox();
    let h = harness_with(Some(Arc::new(LockedStore)));
    let e = connect(&h, &sb, ADMIN_KEY, true).unwrap_err();
    assert_eq!(e["kind"], "keychain", "{e}");
    assert!(e["message"].as_str().unwrap().contains("locked"), "{e}");
    assert_eq!(
        h.ok("app_state", json!({}))["connection"],
        Value::Null,
        "not connected after a keychain failure"
    );

    // What the UI offers then: the same key for this session only.
    let info = connect(&h, &sb, ADMIN_KEY, false).unwrap();
    assert_eq!(info["keyStorage"], "session");
    h.ok("load_policy", json!({}));
    // The next launch finds the portal remembered, and the keychain still locked.
    h.ok("disconnect", json!({}));
    assert_eq!(h.ok("app_state", json!({}))["savedPortal"], sb.url());
    assert_eq!(h.err("connect_saved", json!({}))["kind"], "keychain");
    assert_eq!(h.err("forget_key", json!({}))["kind"], "keychain");
    tauri::async_runtime::block_on(sb.shutdown());
}

#[test]
fn the_built_in_sandbox_runs_while_connected() {
    let h = harness();
    let info = h.ok("start_sandbox", json!({}));
    assert_eq!(info["sandbox"], true);
    assert_eq!(info["role"], "owner");
    assert_eq!(info["keyStorage"], "session");
    let portal = info["portal"].as_str().unwrap().to_string();
    assert!(portal.starts_with("http://127.0.0.1:"));
    let loaded = h.ok("load_policy", json!({}));
    assert_eq!(loaded["policy"]["method"], "none");
    assert_eq!(
        h.ok("app_state", json!({}))["savedPortal"],
        Value::Null,
        "the sandbox is never remembered"
    );
    let draft = json!({ "method": "app", "trustedIps": ["10.0.0.1"], "mandatoryUsers": [], "mandatoryGroups": [] });
    let saved = h.ok(
        "save_policy",
        json!({ "base": loaded["policy"], "draft": draft, "overwrite": false }),
    );
    assert_eq!(saved["policy"]["policy"], draft);

    // A second start replaces the first sandbox.
    let second = h.ok("start_sandbox", json!({}))["portal"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(second, portal);
    let reachable = |url: &str| {
        tauri::async_runtime::block_on(async {
            reqwest::get(format!("{url}/sandbox/state")).await.is_ok()
        })
    };
    assert!(!reachable(&portal), "the first sandbox was stopped");
    assert!(reachable(&second));
    h.ok("disconnect", json!({}));
    assert!(!reachable(&second), "disconnect stops the sandbox");
    assert!(!h.dir.path().join("profiles.json").exists());
    assert!(
        !h.dir.path().join("history").exists(),
        "sandbox saves are not recorded"
    );
}

#[test]
fn check_ips_reports_each_entry() {
    let h = harness();
    let r = h.ok(
        "check_ips",
        json!({ "entries": ["10.0.0.1", "192.168.1.10/24", "nonsense", "10.0.0.1"] }),
    );
    let r = r.as_array().unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[0]["index"], 0);
    assert_eq!(r[0]["error"], Value::Null);
    assert_eq!(r[0]["canonical"], "10.0.0.1");
    assert!(r[1]["error"].as_str().is_some(), "{}", r[1]);
    // Refused, with the core's proposal of what was meant.
    assert_eq!(r[1]["canonical"], "192.168.1.0/24");
    assert!(r[2]["error"].as_str().is_some());
    assert_eq!(r[3]["duplicateOf"], 0);
    assert!(r.iter().all(|c| c["warnings"].is_array()));
}

#[test]
fn a_reader_connects_sees_the_policy_and_cannot_save() {
    let sb = sandbox();
    let h = harness();
    let info = connect(&h, &sb, USER_KEY, false).expect("a reader connects");
    assert_eq!(
        (info["role"].as_str(), info["canEdit"].as_bool()),
        (Some("reader"), Some(false)),
        "{info}"
    );
    let owner = connect(&h, &sb, OWNER_KEY, false).unwrap();
    assert_eq!(
        (owner["role"].as_str(), owner["canEdit"].as_bool()),
        (Some("owner"), Some(true))
    );
    let group = h.ok("search_groups", json!({ "query": "", "start": 0 }))["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["isSystem"] == false)
        .unwrap()["id"]
        .clone();
    let draft = json!({ "method": "app", "trustedIps": [], "mandatoryUsers": [], "mandatoryGroups": [group] });
    h.ok(
        "save_policy",
        json!({ "base": null_policy(), "draft": draft, "overwrite": false }),
    );

    connect(&h, &sb, USER_KEY, false).unwrap();
    let loaded = h.ok("load_policy", json!({}));
    assert_eq!(loaded["policy"], draft);
    assert_eq!(loaded["groups"][0]["hidden"], true, "{loaded}");
    assert!(loaded["groups"][0]["name"]
        .as_str()
        .unwrap()
        .contains("name not visible to your account"));
    let puts = sb.request_count("PUT", "/api/2.0/settings/tfaapp");
    let e = h.err(
        "save_policy",
        json!({ "base": draft, "draft": null_policy(), "overwrite": false }),
    );
    assert_eq!(e["kind"], "notAdmin", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("only the owner and DocSpace admins"),
        "{e}"
    );
    assert_eq!(sb.request_count("PUT", "/api/2.0/settings/tfaapp"), puts);
    tauri::async_runtime::block_on(sb.shutdown());
}

#[test]
fn a_verified_save_is_reported_saved_when_the_names_fail_afterwards() {
    use docspace_tfa::sandbox::{Fault, FaultRule};
    let sb = sandbox();
    let h = harness();
    connect(&h, &sb, ADMIN_KEY, false).unwrap();
    let group = h.ok("search_groups", json!({ "query": "", "start": 0 }))["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["isSystem"] == false)
        .unwrap()["id"]
        .clone();
    // Reconnect: a fresh name cache, so the group must be looked up after the save.
    connect(&h, &sb, ADMIN_KEY, false).unwrap();
    sb.set_faults(vec![FaultRule::new(
        "GET",
        "/api/2.0/group/*",
        Fault::Status {
            status: 500,
            retry_after: None,
        },
    )]);
    let draft = json!({ "method": "app", "trustedIps": [], "mandatoryUsers": [], "mandatoryGroups": [group] });
    let saved = h.ok(
        "save_policy",
        json!({ "base": null_policy(), "draft": draft, "overwrite": false }),
    );
    assert_eq!(saved["policy"]["policy"], draft);
    assert!(
        saved["namesError"].as_str().unwrap().contains("500"),
        "{saved}"
    );
    assert!(saved["policy"]["groups"][0]["name"]
        .as_str()
        .unwrap()
        .contains(group.as_str().unwrap()));
    assert!(sb.snapshot().app.enable, "the portal holds the save");
    tauri::async_runtime::block_on(sb.shutdown());
}

#[test]
fn the_lockout_address_is_an_argument_of_save_too() {
    let sb = sandbox();
    let h = harness();
    connect(&h, &sb, ADMIN_KEY, false).unwrap();
    let draft = json!({ "method": "app", "trustedIps": ["10.0.0.0/8"], "mandatoryUsers": [], "mandatoryGroups": [] });
    // A review that names the address, then one without it (as the name-only paths call it):
    // the save still gets the address it is given, and checks it.
    h.ok(
        "review_draft",
        json!({ "draft": draft, "myIp": "10.1.2.3" }),
    );
    h.ok("review_draft", json!({ "draft": draft }));
    let typo = h.err(
        "save_policy",
        json!({ "base": null_policy(), "draft": draft, "overwrite": false, "myIp": "home" }),
    );
    assert_eq!(
        (typo["kind"].as_str(), typo["details"]["field"].as_str()),
        (Some("validation"), Some("myIp")),
        "{typo}"
    );
    assert_eq!(sb.request_count("PUT", "/api/2.0/settings/tfaapp"), 0);
    let saved = h.ok(
        "save_policy",
        json!({ "base": null_policy(), "draft": draft, "overwrite": false, "myIp": "10.1.2.3" }),
    );
    assert_eq!(saved["policy"]["policy"], draft);
    tauri::async_runtime::block_on(sb.shutdown());
}

fn null_policy() -> Value {
    json!({ "method": "none", "trustedIps": [], "mandatoryUsers": [], "mandatoryGroups": [] })
}
