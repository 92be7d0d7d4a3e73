//! The security-relevant parts of the configuration, checked as data: the CSP stays strict and
//! the capability file grants exactly the app's commands (plus the few core calls the UI needs).
//! Also the bundle settings each platform's installer needs.

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
}

/// A file named in the top-level config (paths there are relative to the repository root).
fn repo_file(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn bundles_are_declared_for_every_platform() {
    let conf = read_json("../tauri.conf.json");
    let bundle = &conf["bundle"];
    let targets: BTreeSet<&str> = bundle["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        BTreeSet::from(["deb", "rpm", "appimage", "nsis", "msi", "app", "dmg"])
    );

    // Icons: RGBA PNGs from 16 to 512 px (tauri-build needs RGBA), a .ico and a .icns. The first
    // PNG is the window icon compiled into the binary: keep it small.
    let icons: Vec<&str> = bundle["icon"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(icons[0].ends_with("32x32.png"), "{icons:?}");
    let mut sizes = BTreeSet::new();
    for icon in &icons {
        let bytes = repo_file(icon);
        if icon.ends_with(".png") {
            assert_eq!(&bytes[1..4], b"PNG", "{icon}");
            assert_eq!(bytes[25], 6, "{icon} is not an RGBA PNG");
            let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
            sizes.insert(width);
        } else if icon.ends_with(".ico") {
            assert_eq!(&bytes[..4], [0, 0, 1, 0], "{icon} is not an ICO file");
        } else {
            assert!(icon.ends_with(".icns") && &bytes[..4] == b"icns", "{icon}");
        }
    }
    for size in [16, 24, 32, 48, 64, 96, 128, 256, 512] {
        assert!(sizes.contains(&size), "no {size} px PNG in {sizes:?}");
    }

    let windows = &bundle["windows"];
    assert_eq!(windows["nsis"]["installMode"], "currentUser");
    assert_eq!(
        windows["webviewInstallMode"]["type"],
        "downloadBootstrapper"
    );
    assert!(icons.contains(&windows["nsis"]["installerIcon"].as_str().unwrap()));

    let mac = &bundle["macOS"];
    assert!(mac["minimumSystemVersion"].is_string());
    let entitlements = String::from_utf8(repo_file(mac["entitlements"].as_str().unwrap())).unwrap();
    assert!(entitlements.contains("<plist") && entitlements.contains("network.client"));
    assert!(
        !entitlements.contains("<key>keychain-access-groups</key>"),
        "keychain-access-groups needs a provisioning profile; without one the app does not start"
    );

    // Linux: every packaged file exists, and the Linux overlay gives the packages the lowercase
    // name Debian and RPM users expect (the deb/rpm name is the productName in kebab case).
    for kind in ["deb", "rpm", "appimage"] {
        let files = bundle["linux"][kind]["files"].as_object().unwrap();
        for (dest, src) in files {
            assert!(dest.starts_with("/usr/share/"), "{dest}");
            repo_file(src.as_str().unwrap());
        }
    }
    for kind in ["deb", "rpm"] {
        repo_file(bundle["linux"][kind]["desktopTemplate"].as_str().unwrap());
    }
    let linux = read_json("../tauri.linux.conf.json");
    assert_eq!(linux["productName"], "docspace-tfa-policy");
    assert_eq!(
        linux.as_object().unwrap().len(),
        1,
        "the Linux overlay only renames the packages"
    );
}

/// One project page: the About dialog's link (Cargo.toml's homepage), the packages' homepage and
/// the AppStream metainfo's.
#[test]
fn the_project_page_is_the_same_everywhere() {
    let homepage = env!("CARGO_PKG_HOMEPAGE");
    assert!(homepage.starts_with("https://"), "{homepage}");
    assert_eq!(
        read_json("../tauri.conf.json")["bundle"]["homepage"],
        homepage
    );
    let metainfo = String::from_utf8(repo_file(
        "src-tauri/linux/dev.docspacetfa.desktop.metainfo.xml",
    ))
    .unwrap();
    assert!(
        metainfo.contains(&format!("<url type=\"homepage\">{homepage}</url>")),
        "the metainfo's homepage is {homepage}"
    );
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
