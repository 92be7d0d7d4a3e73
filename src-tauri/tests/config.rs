//! The security-relevant parts of the configuration, checked as data: the CSP stays strict and
//! the capability file grants exactly the app's commands (plus the few core calls the UI needs).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn read_json(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csp() -> String {
    read_json("../tauri.conf.json")["app"]["security"]["csp"]
        .as_str()
        .expect("app.security.csp is a string")
        .to_string()
}

/// The directive's sources, e.g. `script-src` -> ["'self'"].
fn directive(csp: &str, name: &str) -> Option<Vec<String>> {
    csp.split(';').map(str::trim).find_map(|d| {
        let mut parts = d.split_whitespace();
        (parts.next() == Some(name)).then(|| parts.map(str::to_string).collect())
    })
}

#[test]
fn csp_has_no_inline_eval_or_remote_origins() {
    let csp = csp();
    for bad in [
        "'unsafe-inline'",
        "'unsafe-eval'",
        "'unsafe-hashes'",
        "'wasm-unsafe-eval'",
        "*",
        "https:",
        "http:",
    ] {
        assert!(
            !csp.split_whitespace().any(|t| t == bad),
            "CSP contains {bad}: {csp}"
        );
    }
    // The only http origin allowed is Tauri's own IPC endpoint; nothing https at all.
    for token in csp.split(|c: char| c.is_whitespace() || c == ';') {
        if token.starts_with("https://") {
            panic!("CSP names a remote origin {token}");
        }
        if token.starts_with("http://") {
            assert_eq!(
                token, "http://ipc.localhost",
                "CSP names a remote origin {token}"
            );
        }
    }
    assert_eq!(directive(&csp, "default-src").unwrap(), ["'self'"]);
    assert_eq!(directive(&csp, "script-src").unwrap(), ["'self'"]);
    assert_eq!(directive(&csp, "style-src").unwrap(), ["'self'"]);
    assert_eq!(directive(&csp, "object-src").unwrap(), ["'none'"]);
    assert_eq!(directive(&csp, "base-uri").unwrap(), ["'none'"]);
    assert_eq!(directive(&csp, "frame-ancestors").unwrap(), ["'none'"]);
    assert_eq!(directive(&csp, "form-action").unwrap(), ["'none'"]);
    assert_eq!(
        directive(&csp, "connect-src").unwrap(),
        ["ipc:", "http://ipc.localhost"]
    );
}

#[test]
fn config_matches_the_design() {
    let conf = read_json("../tauri.conf.json");
    assert_eq!(conf["identifier"], docspace_tfa::APP_ID);
    assert_eq!(conf["productName"], "DocSpace TFA Policy");
    assert_eq!(conf["build"]["frontendDist"], "ui");
    assert_eq!(conf["app"]["withGlobalTauri"], true);
    assert!(
        conf["build"].get("devUrl").is_none(),
        "a devUrl would load the UI from a server"
    );
    let windows = conf["app"]["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 1);
    let w = &windows[0];
    assert_eq!(
        (
            w["label"].as_str(),
            w["width"].as_u64(),
            w["height"].as_u64()
        ),
        (Some("main"), Some(1100), Some(760))
    );
    assert_eq!(
        (w["minWidth"].as_u64(), w["minHeight"].as_u64()),
        (Some(800), Some(600))
    );
    assert_eq!(
        conf["app"]["security"]["capabilities"],
        serde_json::json!(["main"])
    );
    let targets: BTreeSet<&str> = conf["bundle"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(targets, BTreeSet::from(["deb", "appimage"]));
    for icon in conf["bundle"]["icon"].as_array().unwrap() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(icon.as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&bytes[1..4], b"PNG");
        // IHDR colour type 6 = RGBA, which tauri-build requires.
        assert_eq!(bytes[25], 6, "{} is not an RGBA PNG", path.display());
    }
}

#[test]
fn capability_grants_exactly_the_app_commands() {
    let cap = read_json("capabilities/main.json");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert!(cap.get("remote").is_none(), "no remote URL may use the IPC");
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission ids").to_string())
        .collect();
    let app: BTreeSet<String> = granted
        .iter()
        .filter(|p| !p.contains(':'))
        .cloned()
        .collect();
    let expected: BTreeSet<String> = docspace_tfa_desktop::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(
        app, expected,
        "the capability must allow every app command and nothing else of the app"
    );
    // Core: only the three calls of the unsaved-changes guard on window close (ui/js/closeguard.js),
    // and the window-state plugin (size and position remembered).
    let core: BTreeSet<&str> = granted
        .iter()
        .filter(|p| p.contains(':'))
        .map(String::as_str)
        .collect();
    assert_eq!(
        core,
        BTreeSet::from([
            "core:event:allow-listen",
            "core:event:allow-unlisten",
            "core:window:allow-destroy",
            "window-state:default"
        ])
    );
}

#[test]
fn the_ui_has_no_inline_code() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let html = std::fs::read_to_string(ui.join("index.html")).unwrap();
    let lower = html.to_ascii_lowercase();
    assert!(
        !lower.contains(" onclick=") && !lower.contains(" onload=") && !lower.contains(" style="),
        "inline handlers or styles would be blocked by the CSP"
    );
    for (i, _) in lower.match_indices("<script") {
        let tag_end = lower[i..].find('>').unwrap() + i;
        assert!(
            lower[i..tag_end].contains(" src="),
            "inline <script> would be blocked by the CSP"
        );
    }
    assert!(
        !lower.contains("<style"),
        "inline <style> would be blocked by the CSP"
    );
}
