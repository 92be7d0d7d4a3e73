//! The sandbox's fault injection over real HTTP (and raw TCP where the point is that no answer
//! arrives at all): the control API, each fault, and what each does to the portal's state.

use std::time::{Duration, Instant};

use docspace_tfa::sandbox::{
    DropWhen, Fault, FaultRule, Sandbox, SandboxConfig, AUDIT_TFA_APP, OWNER_KEY,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TFA: &str = "/api/2.0/settings/tfaapp";

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// An API request with the owner's key.
async fn api(sb: &Sandbox, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = http()
        .request(method, format!("{}{path}", sb.url()))
        .bearer_auth(OWNER_KEY);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("answered")
}

async fn control(
    sb: &Sandbox,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http().request(method, format!("{}{path}", sb.url()));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("control answered");
    let status = resp.status();
    (status, resp.json().await.expect("control json"))
}

async fn set_faults(sb: &Sandbox, faults: Value) {
    let (status, body) = control(
        sb,
        Method::PUT,
        "/sandbox/faults",
        Some(json!({ "faults": faults })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn enable_app() -> Value {
    json!({"type": "app", "trustedIps": ["10.0.0.1"], "mandatoryUsers": [], "mandatoryGroups": []})
}

/// Sends one raw HTTP/1.1 request and reads until the server closes: the bytes that came back.
async fn raw_exchange(sb: &Sandbox, method: &str, path: &str, body: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", sb.port())).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {OWNER_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        sb.port(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let read = read.expect("the server closed the connection within 5 s");
    // A reset is as good as a close: either way nothing was answered.
    if let Err(e) = read {
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
    }
    answer
}

#[tokio::test]
async fn control_api_sets_lists_counts_down_and_clears() {
    let sb = sandbox().await;
    let (status, v) = control(&sb, Method::GET, "/sandbox/faults", None).await;
    assert_eq!((status, v), (StatusCode::OK, json!({"faults": []})));

    set_faults(
        &sb,
        json!([
            {"method": "GET", "path": TFA, "fault": {"status": 503}, "times": 2},
            {"method": "*", "path": "/api/2.0/people/*", "fault": {"delayMs": 1}, "times": null},
        ]),
    )
    .await;
    let (_, v) = control(&sb, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(v["faults"][0]["times"], 2);
    assert_eq!(v["faults"][0]["fault"], json!({"status": 503}));
    assert_eq!(v["faults"][1]["times"], Value::Null);

    assert_eq!(api(&sb, Method::GET, TFA, None).await.status(), 503);
    let (_, v) = control(&sb, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(v["faults"][0]["times"], 1, "one shot left");
    assert_eq!(api(&sb, Method::GET, TFA, None).await.status(), 503);
    assert_eq!(
        api(&sb, Method::GET, TFA, None).await.status(),
        200,
        "disarmed after 2"
    );
    let (_, v) = control(&sb, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(
        v["faults"].as_array().unwrap().len(),
        1,
        "the exhausted rule is gone: {v}"
    );

    let (_, counts) = control(&sb, Method::GET, "/sandbox/requests", None).await;
    assert_eq!(counts[format!("GET {TFA}")], 3);
    assert_eq!(sb.request_count("get", TFA), 3);

    let (status, v) = control(&sb, Method::DELETE, "/sandbox/faults", None).await;
    assert_eq!((status, v), (StatusCode::OK, json!({"faults": []})));

    // Typos and impossible rules are refused, and leave the table alone.
    for bad in [
        json!({"faults": [{"method": "GET", "path": TFA, "fault": {}}]}),
        json!({"faults": [{"method": "GET", "path": TFA, "fault": {"status": 200}}]}),
        json!({"faults": [{"method": "GET", "path": TFA, "fault": {"status": 500, "drop": "before"}}]}),
        json!({"faults": [{"method": "GET", "path": TFA, "fault": {"dorp": "before"}}]}),
        json!({"faults": [{"method": "GET", "path": TFA, "fault": {"status": 500}, "time": 1}]}),
        json!({"rules": []}),
    ] {
        let (status, v) = control(&sb, Method::PUT, "/sandbox/faults", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad} → {v}");
        assert!(v["error"].is_string());
    }
    assert!(sb.faults().is_empty());
}

#[tokio::test]
async fn the_control_api_is_never_faulted() {
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule::new(
        "*",
        "/*",
        Fault::Drop(DropWhen::Before),
    )]);
    let (status, v) = control(&sb, Method::GET, "/sandbox/state", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["app"]["enable"], false);
    let (status, _) = control(&sb, Method::DELETE, "/sandbox/faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api(&sb, Method::GET, TFA, None).await.status(), 200);
}

#[tokio::test]
async fn status_faults_answer_like_the_portal_or_its_proxy_and_change_nothing() {
    let sb = sandbox().await;
    for status in [401u16, 403, 404, 429, 500, 502, 503, 504] {
        sb.set_faults(vec![FaultRule::new(
            "*",
            TFA,
            Fault::Status {
                status,
                retry_after: (status == 429).then_some(7),
            },
        )]);
        for method in [Method::GET, Method::PUT] {
            let resp = api(&sb, method.clone(), TFA, Some(enable_app())).await;
            assert_eq!(resp.status().as_u16(), status);
            let retry = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            assert_eq!(retry.as_deref(), (status == 429).then_some("7"), "{status}");
            let ct = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let body = resp.text().await.unwrap();
            match status {
                401 => assert_eq!(body, "", "the challenge has no body"),
                502 | 504 => {
                    assert!(ct.starts_with("text/html"), "{ct}");
                    assert!(body.contains(&format!("<h1>{status} ")), "{body}");
                }
                _ => {
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(v["statusCode"], status, "{v}");
                    assert_eq!(v["status"], 1);
                    assert!(v["error"]["message"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty()));
                }
            }
        }
    }
    let state = sb.snapshot();
    assert!(
        !state.app.enable && state.audit.is_empty(),
        "a refused PUT changed the portal"
    );
}

#[tokio::test]
async fn delay_then_normal_handling() {
    let sb = sandbox().await;
    sb.set_faults(vec![
        FaultRule::new("PUT", TFA, Fault::Delay { ms: 300 }).times(1)
    ]);
    let started = Instant::now();
    let resp = api(&sb, Method::PUT, TFA, Some(enable_app())).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["response"], true);
    assert_eq!(sb.audit().len(), 1);
    let started = Instant::now();
    assert_eq!(api(&sb, Method::GET, TFA, None).await.status(), 200);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "GET was not delayed"
    );
}

#[tokio::test]
async fn a_delayed_put_whose_client_gave_up_still_lands_later() {
    let sb = sandbox().await;
    sb.set_faults(vec![
        FaultRule::new("PUT", TFA, Fault::Delay { ms: 600 }).times(1)
    ]);
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let err = impatient
        .put(format!("{}{TFA}", sb.url()))
        .bearer_auth(OWNER_KEY)
        .json(&enable_app())
        .send()
        .await
        .expect_err("timed out");
    assert!(err.is_timeout(), "{err:?}");
    assert!(!sb.snapshot().app.enable, "not yet");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        sb.snapshot().app.enable,
        "the server finished the request anyway"
    );
    assert_eq!(sb.audit().len(), 1);
}

#[tokio::test]
async fn drop_before_closes_without_an_answer_and_applies_nothing() {
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule::new(
        "*",
        TFA,
        Fault::Drop(DropWhen::Before),
    )]);
    for method in ["GET", "PUT"] {
        let answer = raw_exchange(&sb, method, TFA, &enable_app().to_string()).await;
        assert!(
            answer.is_empty(),
            "{method}: expected no bytes, got {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
    let state = sb.snapshot();
    assert!(!state.app.enable && state.audit.is_empty());
    // And a real client sees a failed request, not an answer.
    let err = http()
        .get(format!("{}{TFA}", sb.url()))
        .bearer_auth(OWNER_KEY)
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
}

#[tokio::test]
async fn drop_after_applies_the_put_then_closes_without_an_answer() {
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule::new(
        "PUT",
        TFA,
        Fault::Drop(DropWhen::After),
    )
    .times(1)]);
    let answer = raw_exchange(&sb, "PUT", TFA, &enable_app().to_string()).await;
    assert!(
        !answer.starts_with(b"HTTP/"),
        "a status line arrived: {:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(answer.is_empty());
    let state = sb.snapshot();
    assert!(state.app.enable, "the PUT landed");
    assert_eq!(state.app.trusted_ips, Some(vec!["10.0.0.1".to_string()]));
    assert_eq!(state.audit.len(), 1);
    assert_eq!(state.audit[0].action, AUDIT_TFA_APP);
    assert!(sb.faults().is_empty());
}

#[tokio::test]
async fn truncated_json_is_the_first_half_of_the_real_answer() {
    let sb = sandbox().await;
    let whole = api(&sb, Method::GET, TFA, None).await.text().await.unwrap();
    sb.set_faults(vec![FaultRule::new("*", TFA, Fault::TruncatedJson)]);
    let resp = api(&sb, Method::GET, TFA, None).await;
    assert_eq!(resp.status(), 200);
    let cut = resp.text().await.unwrap();
    assert_eq!(cut.len(), whole.len() / 2);
    // Same bytes up to the cut, except the per-request trace of links[0] (none on a GET list).
    assert!(whole.starts_with(&cut), "{cut}\n{whole}");
    assert!(serde_json::from_str::<Value>(&cut).is_err());
    // A PUT is applied; only its answer is cut.
    let resp = api(&sb, Method::PUT, TFA, Some(enable_app())).await;
    assert_eq!(resp.status(), 200);
    assert!(serde_json::from_str::<Value>(&resp.text().await.unwrap()).is_err());
    assert!(sb.snapshot().app.enable);
}

#[tokio::test]
async fn html_login_empty_and_given_bodies() {
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule::new("GET", TFA, Fault::HtmlLogin).times(1)]);
    let resp = api(&sb, Method::GET, TFA, None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = resp.text().await.unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<form"),
        "{page}"
    );

    sb.set_faults(vec![FaultRule::new("*", TFA, Fault::Empty200)]);
    let resp = api(&sb, Method::PUT, TFA, Some(enable_app())).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "");
    assert!(!sb.snapshot().app.enable, "an empty200 PUT applied nothing");

    set_faults(
        &sb,
        json!([{"method": "GET", "path": TFA, "fault": {"body": "{\"nope\":1}", "status": 418, "contentType": "text/plain"}}]),
    )
    .await;
    let resp = api(&sb, Method::GET, TFA, None).await;
    assert_eq!(resp.status().as_u16(), 418);
    assert_eq!(resp.headers()["content-type"], "text/plain");
    assert_eq!(resp.text().await.unwrap(), "{\"nope\":1}");

    sb.set_faults(vec![FaultRule::new(
        "GET",
        TFA,
        Fault::body(vec![0xff, 0x00, 0xfe], None),
    )]);
    let resp = api(&sb, Method::GET, TFA, None).await;
    assert!(resp.headers().get("content-type").is_none());
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &[0xff, 0x00, 0xfe]);
}

#[tokio::test]
async fn huge_body_is_50_mb_streamed_without_a_length() {
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule::new("GET", TFA, Fault::HugeBody)]);
    let mut resp = api(&sb, Method::GET, TFA, None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("content-length").is_none());
    assert_eq!(resp.content_length(), None);
    let mut total = 0usize;
    let mut first = None;
    while let Some(chunk) = resp.chunk().await.unwrap() {
        first.get_or_insert_with(|| chunk.clone());
        total += chunk.len();
    }
    assert!(total >= 50 * 1024 * 1024, "{total}");
    assert!(first.unwrap().starts_with(b"{\"response\":\""));
    // A client that gives up early just closes; the sandbox keeps serving.
    let resp = api(&sb, Method::GET, TFA, None).await;
    drop(resp);
    sb.clear_faults();
    assert_eq!(api(&sb, Method::GET, TFA, None).await.status(), 200);
}
