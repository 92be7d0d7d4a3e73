//! The safe-change commands (history, drift, what-if, policy files, profiles) through the real IPC
//! path and ACL, against in-process sandbox portals.

mod common;

use common::*;
use docspace_tfa::sandbox::{SandboxConfig, ADMIN_KEY, OWNER_KEY};
use serde_json::{json, Value};

fn app_policy(ips: &[&str], users: &[Value]) -> Value {
    json!({ "method": "app", "trustedIps": ips, "mandatoryUsers": users, "mandatoryGroups": [] })
}

#[test]
fn saves_are_recorded_and_drift_is_detected_and_accepted() {
    let sb = sandbox();
    let h = harness();
    connect(&h, &sb, ADMIN_KEY, false).unwrap();
    let loaded = h.ok("load_policy", json!({}));
    assert_eq!(loaded["drift"], Value::Null, "no history yet");
    assert_eq!(h.ok("list_history", json!({}))["entries"], json!([]));
    let e = h.err("accept_drift", json!({}));
    assert_eq!(e["kind"], "history", "{e}");

    let user = json!(sb.user_id());
    let draft = app_policy(&["10.0.0.0/8"], std::slice::from_ref(&user));
    let saved = h.ok("save_policy", json!({ "base": loaded["policy"], "draft": draft, "overwrite": false, "note": "first rollout" }));
    assert_eq!(saved["historyError"], Value::Null);
    let snap = &saved["snapshot"];
    assert_eq!(snap["number"], 1);
    assert_eq!(snap["note"], "first rollout");
    assert_eq!(snap["by"], "Adam Admin");
    assert_eq!(snap["after"], draft);
    assert_eq!(snap["diff"]["method"], json!(["none", "app"]));
    assert!(
        snap["summary"].as_str().unwrap().contains("trusted IPs +1"),
        "{snap}"
    );
    assert!(snap["time"].as_str().unwrap().contains('T'));
    assert_eq!(saved["policy"]["drift"], Value::Null);

    let history = h.ok("list_history", json!({}));
    assert_eq!(history["entries"].as_array().unwrap().len(), 1);
    assert_eq!(history["users"][0]["displayName"], "Uma User");
    assert_eq!(
        h.ok("load_policy", json!({}))["drift"],
        Value::Null,
        "the portal holds our save"
    );

    // Someone changes it on the portal (DocSpace's own page, another admin...).
    set_app_policy(&sb, &["10.0.0.0/8", "203.0.113.5"], &[]);
    let loaded = h.ok("load_policy", json!({}));
    let drift = &loaded["drift"];
    assert_eq!(drift["since"], 1, "{loaded}");
    assert_eq!(drift["ours"], draft);
    assert_eq!(drift["diff"]["trustedIps"]["added"], json!(["203.0.113.5"]));
    assert_eq!(drift["diff"]["mandatoryUsers"]["removed"], json!([user]));

    assert_eq!(h.ok("accept_drift", json!({})), json!({ "number": 2 }));
    assert_eq!(
        h.ok("load_policy", json!({}))["drift"],
        Value::Null,
        "accepted: the banner goes away"
    );
    assert_eq!(
        h.ok("accept_drift", json!({})),
        json!({ "number": 2 }),
        "nothing new to accept"
    );
    let entries = h.ok("list_history", json!({}))["entries"].clone();
    assert_eq!(entries[1]["note"], "accepted changes made outside this app");
    stop(sb);
}

#[test]
fn the_sandbox_keeps_no_history() {
    let h = harness();
    let info = h.ok("start_sandbox", json!({}));
    assert_eq!(info["sandbox"], true);
    let loaded = h.ok("load_policy", json!({}));
    let saved = h.ok("save_policy", json!({ "base": loaded["policy"], "draft": app_policy(&["10.0.0.1"], &[]), "overwrite": false }));
    assert_eq!(
        (saved["snapshot"].clone(), saved["historyError"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(h.ok("list_history", json!({}))["entries"], json!([]));
    assert_eq!(h.err("accept_drift", json!({}))["kind"], "history");
    assert!(!h.dir.path().join("history").exists());
    h.ok("disconnect", json!({}));
}

#[test]
fn what_if_answers_for_a_person_and_checks_the_address() {
    let sb = sandbox();
    let h = harness();
    connect(&h, &sb, OWNER_KEY, false).unwrap();
    set_app_policy(&sb, &["10.0.0.0/8"], &[]);
    let draft = app_policy(&["10.0.0.0/8"], &[json!(sb.user_id())]);

    let r = h.ok(
        "what_if",
        json!({ "user": sb.user_id(), "groups": [], "ip": "10.1.2.3", "draft": draft }),
    );
    assert_eq!(r["person"]["displayName"], "Uma User");
    assert_eq!(r["ip"], "10.1.2.3");
    assert_eq!(
        r["live"]["required"], false,
        "a trusted IP: no TFA today {r}"
    );
    assert_eq!(r["draft"]["required"], true, "mandatory in the draft {r}");
    assert!(
        r["draft"]["explanation"]
            .as_str()
            .unwrap()
            .contains("Uma User"),
        "{r}"
    );

    let r = h.ok(
        "what_if",
        json!({ "user": null, "groups": [], "ip": "198.51.100.1", "draft": null }),
    );
    assert_eq!(r["person"], Value::Null);
    assert_eq!(r["live"]["required"], true);
    assert_eq!(r["draft"], Value::Null);

    let e = h.err(
        "what_if",
        json!({ "user": null, "groups": [], "ip": "10.0.0.0/8", "draft": null }),
    );
    assert_eq!(
        (e["kind"].as_str(), e["details"]["field"].as_str()),
        (Some("validation"), Some("ip")),
        "{e}"
    );
    let e = h.err(
        "what_if",
        json!({ "user": uuid_nil(), "groups": [], "ip": "10.0.0.1", "draft": null }),
    );
    assert_eq!(e["kind"], "notFound", "{e}");
    stop(sb);
}

fn uuid_nil() -> String {
    "00000000-0000-0000-0000-00000000abcd".into()
}

#[test]
fn export_writes_a_reviewable_file_and_import_resolves_it() {
    let sb = sandbox();
    let h = harness();
    connect(&h, &sb, OWNER_KEY, false).unwrap();
    set_app_policy(&sb, &["10.0.0.0/8"], &[sb.admin_id()]);

    // Cancelled dialog.
    assert_eq!(
        h.ok("export_policy", json!({ "draft": null })),
        json!({ "cancelled": true })
    );
    assert_eq!(
        h.ok("import_policy", json!({})),
        json!({ "cancelled": true })
    );

    // The live policy.
    let live_file = h.dir.path().join("exports").join("live.json");
    *h.files.save.lock().unwrap() = Some(live_file.clone());
    let r = h.ok("export_policy", json!({ "draft": null }));
    assert_eq!(r, json!({ "path": live_file.display().to_string() }));
    assert!(h
        .files
        .suggested
        .lock()
        .unwrap()
        .as_deref()
        .unwrap()
        .starts_with("tfa-policy-127.0.0.1"));
    let text = std::fs::read_to_string(&live_file).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["method"], "app");
    assert_eq!(file["portal"], sb.url());
    assert_eq!(file["mandatoryUsers"][0]["name"], "Adam Admin", "{file}");
    assert_eq!(file["mandatoryUsers"][0]["id"], json!(sb.admin_id()));

    // A draft, then back in.
    let draft_file = h.dir.path().join("draft.json");
    *h.files.save.lock().unwrap() = Some(draft_file.clone());
    let draft = app_policy(&["192.0.2.0/24"], &[json!(sb.user_id())]);
    h.ok("export_policy", json!({ "draft": draft }));
    *h.files.open.lock().unwrap() = Some(draft_file.clone());
    let imported = h.ok("import_policy", json!({}));
    assert_eq!(imported["draft"], draft);
    assert_eq!(imported["source"], draft_file.display().to_string());
    assert_eq!(imported["users"][0]["displayName"], "Uma User");
    assert_eq!(
        (
            imported["unresolved"].clone(),
            imported["unknownIds"].clone()
        ),
        (json!([]), json!([]))
    );

    // A hand-written file that names people by email and a nobody.
    let hand = h.dir.path().join("hand.json");
    std::fs::write(
        &hand,
        r#"{"method":"app","trustedIps":[],"mandatoryUsers":[{"email":"admin@example.com"},{"name":"Nobody Here"}],"mandatoryGroups":[]}"#,
    )
    .unwrap();
    *h.files.open.lock().unwrap() = Some(hand);
    let imported = h.ok("import_policy", json!({}));
    assert_eq!(
        imported["draft"]["mandatoryUsers"],
        json!([sb.admin_id()]),
        "{imported}"
    );
    assert_eq!(
        imported["unresolved"].as_array().unwrap().len(),
        1,
        "{imported}"
    );

    // Not a policy file at all.
    let junk = h.dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    *h.files.open.lock().unwrap() = Some(junk);
    assert_eq!(h.err("import_policy", json!({}))["kind"], "validation");
    *h.files.open.lock().unwrap() = Some(h.dir.path().join("missing.json"));
    assert_eq!(h.err("import_policy", json!({}))["kind"], "file");
    h.assert_no_key_on_disk();
    stop(sb);
}

#[test]
fn profiles_switch_and_copy_between_portals() {
    // Two portals whose people have different ids: copying resolves them by email.
    let a = sandbox();
    let b = sandbox_with(SandboxConfig {
        seed: 7,
        ..SandboxConfig::default()
    });
    assert_ne!(a.admin_id(), b.admin_id());
    let h = harness();
    connect(&h, &a, OWNER_KEY, true).unwrap();
    connect(&h, &b, OWNER_KEY, true).unwrap();

    let list = h.ok("list_profiles", json!({}));
    let profiles = list["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2, "{list}");
    let name_of = |url: &str| {
        profiles.iter().find(|p| p["portal"] == url).unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (name_a, name_b) = (name_of(&a.url()), name_of(&b.url()));
    assert_eq!(list["current"], name_b);

    let info = h.ok("switch_profile", json!({ "name": name_a }));
    assert_eq!(
        (info["portal"].as_str(), info["keyStorage"].as_str()),
        (Some(a.url().as_str()), Some("keychain"))
    );
    assert_eq!(
        h.ok("list_profiles", json!({}))["current"],
        name_a,
        "the next launch opens A"
    );
    assert_eq!(h.ok("app_state", json!({}))["savedPortal"], a.url());

    set_app_policy(&b, &["10.9.0.0/16"], &[b.admin_id()]);
    let copied = h.ok("copy_from_profile", json!({ "name": name_b }));
    assert_eq!(copied["source"], b.url());
    assert_eq!(
        copied["draft"],
        app_policy(&["10.9.0.0/16"], &[json!(a.admin_id())]),
        "{copied}"
    );
    assert_eq!(copied["users"][0]["displayName"], "Adam Admin");
    // Only a draft: portal A is unchanged.
    assert_eq!(h.ok("load_policy", json!({}))["policy"]["method"], "none");

    let e = h.err("switch_profile", json!({ "name": "no-such-portal" }));
    assert_eq!(e["kind"], "notFound", "{e}");

    assert!(
        name_a.starts_with("This computer, port"),
        "readable: {name_a}"
    );
    let renamed = h.ok(
        "rename_profile",
        json!({ "name": name_a, "newName": "Staging" }),
    );
    assert_eq!(renamed["current"], "Staging", "{renamed}");
    assert!(renamed["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Staging" && p["portal"] == a.url()));
    let e = h.err(
        "rename_profile",
        json!({ "name": "Staging", "newName": name_b }),
    );
    assert_eq!(e["kind"], "validation", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("already named"),
        "{e}"
    );
    let name_a = "Staging".to_string();
    h.ok("switch_profile", json!({ "name": name_b }));
    h.ok("switch_profile", json!({ "name": name_a }));
    h.ok("forget_key", json!({}));
    let e = h.err("copy_from_profile", json!({ "name": name_a }));
    assert_eq!(e["kind"], "notConnected", "forget_key disconnected {e}");
    h.ok("switch_profile", json!({ "name": name_b }));
    let e = h.err("copy_from_profile", json!({ "name": name_a }));
    assert_eq!(e["kind"], "noKey", "A's key was forgotten {e}");
    stop(a);
    stop(b);
}
