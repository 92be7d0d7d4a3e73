//! The API key never leaks: not into errors (Display or Debug), debug output, CLI output, or any
//! file the CLI writes, over a whole session that includes failures of every kind.

mod common;

use common::cli::{home, run_async};
use common::*;
use docspace_tfa::docspace::ClientOptions;
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::sandbox::{DropWhen, Fault, FaultRule, OWNER_KEY};
use docspace_tfa::secrets::ApiKey;
use docspace_tfa::service::Connection;
use std::path::Path;
use std::time::Duration;

/// The marker: the sandbox owner's key, used for the whole session.
const MARKER: &str = OWNER_KEY;

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(MARKER), "the key leaked into {what}: {text}");
}

fn scan_tree(dir: &Path) -> usize {
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files += scan_tree(&path);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(MARKER),
                "the key leaked into {}",
                path.display()
            );
            files += 1;
        }
    }
    files
}

fn faults() -> Vec<Fault> {
    vec![
        Fault::status(401),
        Fault::status(403),
        Fault::status(404),
        Fault::Status {
            status: 429,
            retry_after: Some(60),
        },
        Fault::status(500),
        Fault::status(502),
        Fault::Drop(DropWhen::Before),
        Fault::Drop(DropWhen::After),
        Fault::TruncatedJson,
        Fault::HtmlLogin,
        Fault::Empty200,
        Fault::Delay { ms: 1500 },
        // A server that echoes the key where a list belongs.
        Fault::body(
            format!("{{\"response\":\"{MARKER}\",\"status\":0}}").into_bytes(),
            Some("application/json"),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_and_debug_output_never_contain_the_key() {
    let sb = sandbox().await;
    let opts = ClientOptions {
        request_timeout: Duration::from_millis(700),
        get_retries: 0,
        ..ClientOptions::default()
    };
    let key = ApiKey::new(MARKER).unwrap();
    assert_clean("ApiKey's Debug", &format!("{key:?}"));
    let conn = Connection::open(portal(&sb), &key, opts).await.unwrap();
    assert_clean("the client's Debug", &format!("{:?}", conn.client()));
    let mut seen = 0;
    for fault in faults() {
        for method in ["GET", "PUT"] {
            let base = conn
                .client()
                .policy()
                .await
                .map(|p| p.policy)
                .unwrap_or_else(|_| Policy::disabled());
            sb.set_faults(vec![FaultRule {
                method: method.into(),
                path: "/api/2.0/settings/tfaapp".into(),
                fault: fault.clone(),
                times: Some(1),
                skip: 0,
            }]);
            let draft = policy(Method::App, &[&format!("10.0.{}.1", seen % 250)], &[], &[]);
            if let Err(e) = conn.save(&base, &draft, true, None).await {
                assert_clean("an error message", &e.to_string());
                assert_clean("an error's Debug", &format!("{e:?}"));
                seen += 1;
            }
            sb.clear_faults();
        }
    }
    assert!(seen >= 10, "the faults produced errors to scan ({seen})");
    let wrong = Connection::open(
        portal(&sb),
        &ApiKey::new("sk-wrong-marker").unwrap(),
        ClientOptions::default(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        !wrong.to_string().contains("sk-wrong-marker")
            && !format!("{wrong:?}").contains("sk-wrong-marker")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cli_session_with_failures_writes_the_key_nowhere() {
    let (sb, h) = (sandbox().await, home());
    let f = h.path().join("p.json");
    std::fs::write(
        &f,
        serde_json::to_string(&policy(Method::App, &["10.0.0.1"], &[sb.user_id()], &[])).unwrap(),
    )
    .unwrap();
    let f = f.to_str().unwrap();
    // `run_async` itself asserts that stdout and stderr never contain the key.
    run_async(h.path(), &sb, MARKER, &["show", "--json"], "").await;
    run_async(
        h.path(),
        &sb,
        MARKER,
        &["apply", f, "--yes", "--note", "scan"],
        "",
    )
    .await;
    for fault in [
        Fault::status(500),
        Fault::Drop(DropWhen::After),
        Fault::HtmlLogin,
        Fault::status(401),
    ] {
        sb.set_faults(vec![FaultRule {
            method: "*".into(),
            path: "/api/2.0/*".into(),
            fault,
            times: Some(1),
            skip: 0,
        }]);
        run_async(h.path(), &sb, MARKER, &["show"], "").await;
        sb.clear_faults();
    }
    run_async(h.path(), &sb, MARKER, &["history"], "").await;
    run_async(
        h.path(),
        &sb,
        MARKER,
        &["export", h.path().join("export.json").to_str().unwrap()],
        "",
    )
    .await;
    run_async(h.path(), &sb, MARKER, &["rollback", "1", "--yes"], "").await;
    let files = scan_tree(h.path());
    assert!(
        files >= 3,
        "history, export and the policy file were written and scanned ({files})"
    );
}
