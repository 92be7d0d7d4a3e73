//! The sign-in insight commands through Tauri's real IPC path (capability file and command ACL
//! enforced), against a real in-process sandbox portal over HTTP.

mod common;

use common::*;
use docspace_tfa::sandbox::{ADMIN_KEY, OWNER_KEY};
use serde_json::json;

#[test]
fn impact_people_reset_and_forget_through_ipc() {
    let sb = sandbox();
    let h = harness();
    set_app_policy(&sb, &["198.51.100.0/24"], &[sb.admin_id()]);
    connect(&h, &sb, OWNER_KEY, false).unwrap();

    let live = h.ok("load_policy", json!({}))["policy"].clone();
    let mut draft = live.clone();
    draft["trustedIps"] = json!([]);
    let v = h.ok("insight_impact", json!({ "draft": draft, "days": 30 }));
    assert!(v["signIns"].as_u64().unwrap() > 100, "{v}");
    assert!(v["pages"].as_u64().unwrap() > 1);
    assert!(v["draft"]["askedSignIns"].as_u64() >= v["live"]["askedSignIns"].as_u64());
    assert_eq!(
        v["draft"]["askedSignIns"], v["signIns"],
        "no trusted IPs: everyone is asked"
    );
    assert!(!v["newlyAsked"].as_array().unwrap().is_empty());
    // The second look reads only what is new.
    let again = h.ok("insight_impact", json!({ "draft": live }));
    assert_eq!(again["pages"], 1, "{again}");
    assert_eq!(again["newlyAsked"], json!([]));
    let p = h.ok("insight_progress", json!({}));
    assert_eq!(
        (p["running"].as_bool(), p["pages"].as_u64()),
        (Some(false), Some(1))
    );

    let s = h.ok(
        "insight_suggestions",
        json!({ "trustedIps": ["10.20.0.0/23"] }),
    );
    let campus = s
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["network"] == "10.20.0.0/22")
        .unwrap();
    assert_eq!(campus["trusted"], "partly");

    let people = h.ok("insight_people", json!({}));
    assert_eq!(people["canReset"], true);
    let admin = people["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == sb.admin_id().to_string())
        .unwrap();
    assert_eq!(admin["mandatory"], "listed");
    assert!(people["csv"]
        .as_str()
        .unwrap()
        .starts_with("id,name,email,"));

    let linked = people["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["hasApp"] == true);
    if let Some(target) = linked {
        h.ok("reset_app", json!({ "userId": target["id"] }));
        let id: uuid::Uuid = target["id"].as_str().unwrap().parse().unwrap();
        assert!(!sb.app_linked(id));
    }
    let e = h.err("insight_impact", json!({ "draft": live, "days": 0 }));
    assert_eq!(
        (e["kind"].as_str(), e["details"]["field"].as_str()),
        (Some("validation"), Some("days"))
    );

    let csv_file = h.dir.path().join("people.csv");
    *h.files.save.lock().unwrap() = Some(csv_file.clone());
    let written = h.ok("export_people_csv", json!({}));
    assert_eq!(written["path"], csv_file.display().to_string());
    let text = std::fs::read_to_string(&csv_file).unwrap();
    assert!(
        text.starts_with("id,name,email,mandatory,hasApp,"),
        "{text}"
    );
    assert!(text.contains(&sb.admin_id().to_string()));

    assert_eq!(h.ok("forget_signins", json!({}))["removed"], true);
    assert_eq!(h.ok("forget_signins", json!({}))["removed"], false);
}

#[test]
fn admins_are_told_only_the_owner_resets() {
    let sb = sandbox();
    let h = harness();
    set_app_policy(&sb, &[], &[]);
    connect(&h, &sb, ADMIN_KEY, false).unwrap();
    let people = h.ok("insight_people", json!({ "days": 7 }));
    assert_eq!(people["canReset"], false);
    let e = h.err("reset_app", json!({ "userId": sb.owner_id() }));
    assert_eq!(e["kind"], "forbidden");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Only the portal owner"),
        "{e}"
    );
}
