//! A portal that misbehaves at the HTTP level: a raw-socket server on 127.0.0.1 answers with
//! odd Retry-After values, foreign redirects, dripping, silent, endless or oversized bodies,
//! garbage, the key echoed back, a self-signed certificate, dropped connections, 1xx answers,
//! conflicting lengths and header floods. Every case must end in a clear error within the
//! request timeout: never a panic, never a hang, never the key.

mod common;

use common::cli;
use docspace_tfa::docspace::{ApiError, ClientOptions, DocSpaceClient, PortalUrl};
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::secrets::ApiKey;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk-hostile-0123456789abcdef";
/// What the tests give the client: short, so a hang shows up quickly.
const TIMEOUT: Duration = Duration::from_secs(2);
/// A case may take the request timeout plus this (connect, one retry pause, scheduling).
const SLACK: Duration = Duration::from_secs(3);

/// A raw server: `handler(n, stream)` answers the n-th connection (0-based) however it likes.
struct Raw {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Raw {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn serve<F, Fut>(handler: F) -> Raw
where
    F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handler(n, stream));
        }
    });
    Raw { addr, connections }
}

/// Reads one request (head and a Content-Length body) and returns it as text.
async fn read_request(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&buf).to_string(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A whole HTTP/1.1 answer with a JSON body.
fn answer(status: &str, headers: &[&str], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

/// A server that reads each request and sends `bytes`, the same for every connection.
async fn always(bytes: Vec<u8>) -> Raw {
    let bytes = Arc::new(bytes);
    serve(move |_, mut s| {
        let bytes = bytes.clone();
        async move {
            read_request(&mut s).await;
            let _ = s.write_all(&bytes).await;
            let _ = s.shutdown().await;
        }
    })
    .await
}

fn options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(1),
        request_timeout: TIMEOUT,
        max_body_bytes: 256 * 1024,
        get_retries: 3,
        retry_budget: Duration::from_secs(1),
    }
}

fn client_for(url: &str) -> DocSpaceClient {
    DocSpaceClient::new(
        PortalUrl::parse(url).unwrap(),
        &ApiKey::new(KEY).unwrap(),
        options(),
    )
    .unwrap()
}

/// GETs the policy from `url` and checks the common promise: a typed error, in time, no key in
/// its Display or Debug. Returns the error for case-specific checks.
async fn get_fails(url: &str) -> ApiError {
    let started = Instant::now();
    let result = tokio::time::timeout(TIMEOUT + SLACK, client_for(url).tfa_settings()).await;
    let elapsed = started.elapsed();
    let err = match result {
        Err(_) => panic!("the client hung for {elapsed:?}"),
        Ok(Ok(v)) => panic!("a hostile answer was accepted: {v:?}"),
        Ok(Err(e)) => e,
    };
    assert_clean(&err);
    err
}

fn assert_clean(err: &ApiError) {
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(KEY), "the key leaked: {shown}");
    assert!(
        !shown.contains("0123456789abcdef"),
        "part of the key leaked: {shown}"
    );
    assert!(err.to_string().len() > 20, "not a clear message: {err}");
}

#[tokio::test]
async fn retry_after_one_then_u64_max_is_a_rate_limit_error_not_a_panic() {
    let raw = serve(|n, mut s| async move {
        read_request(&mut s).await;
        let after = if n == 0 { "1" } else { "18446744073709551615" };
        let _ = s
            .write_all(&answer(
                "429 Too Many Requests",
                &[&format!("Retry-After: {after}")],
                "",
            ))
            .await;
    })
    .await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::RateLimited { .. }), "{err:?}");
    assert_eq!(raw.connections.load(Ordering::SeqCst), 2);
    assert!(
        err.to_string().contains("Wait 86400 s"),
        "an absurd wait is capped in the message: {err}"
    );
}

#[tokio::test]
async fn retry_after_dates_garbage_and_huge_numbers_end_within_the_budget() {
    for value in [
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "not a number",
        "-5",
        "3.5",
        "99999999999999999999999999999999",
    ] {
        let header = format!("Retry-After: {value}");
        let raw = always(answer("429 Too Many Requests", &[&header], "")).await;
        let err = get_fails(&raw.url()).await;
        assert!(
            matches!(err, ApiError::RateLimited { .. }),
            "{value}: {err:?}"
        );
    }
    // A byte no header may hold: the answer is refused as a whole.
    let raw = always(answer(
        "429 Too Many Requests",
        &["Retry-After: \u{7f}"],
        "",
    ))
    .await;
    get_fails(&raw.url()).await;
    // The same for 503, which is retried too.
    let raw = always(answer(
        "503 Service Unavailable",
        &["Retry-After: 18446744073709551615"],
        "",
    ))
    .await;
    assert!(matches!(
        get_fails(&raw.url()).await,
        ApiError::Server { status: 503, .. }
    ));
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_reported_not_followed() {
    let elsewhere = serve(|_, mut s| async move {
        read_request(&mut s).await;
    })
    .await;
    let location = format!("Location: {}/steal?token={KEY}", elsewhere.url());
    let raw = always(answer("302 Found", &[&location], "")).await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::Redirected { .. }), "{err:?}");
    assert!(err.to_string().contains("/steal?token=[redacted]"), "{err}");
    assert_eq!(
        elsewhere.connections.load(Ordering::SeqCst),
        0,
        "the key was sent to the other origin"
    );
}

#[tokio::test]
async fn a_dripping_body_times_out() {
    let raw = serve(|_, mut s| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
            .await;
        for _ in 0..1000 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if s.write_all(b" ").await.is_err() {
                return;
            }
        }
    })
    .await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn silence_after_the_status_line_times_out() {
    let raw = serve(|_, mut s| async move {
        read_request(&mut s).await;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n").await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_at_the_size_limit() {
    let raw = serve(|_, mut s| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "[".repeat(16 * 1024));
        loop {
            if s.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_claimed_10_gib_body_is_refused_before_reading() {
    let raw = always(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{\"response\":"
            .to_vec(),
    )
    .await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn deeply_nested_json_is_not_a_docspace_answer() {
    let body = format!(
        "{{\"response\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let raw = always(answer("200 OK", &[], &body)).await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::NotDocSpace { .. }), "{err:?}");
}

#[tokio::test]
async fn binary_garbage_is_not_a_docspace_answer() {
    let mut bytes =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"
            .to_vec();
    let mut x: u32 = 0x2545_f491;
    bytes.extend((0..4096).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x.to_le_bytes()[0]
    }));
    let raw = always(bytes).await;
    let err = get_fails(&raw.url()).await;
    assert!(matches!(err, ApiError::NotDocSpace { .. }), "{err:?}");
}

#[tokio::test]
async fn wrong_field_types_are_not_a_docspace_answer() {
    for body in [
        r#"{"response":[{"id":5,"enabled":"yes","trustedIps":"10.0.0.1"}],"status":0}"#,
        r#"{"response":{"id":"app"},"status":0}"#,
        r#"{"response":[{"id":"app","enabled":true,"mandatoryUsers":[42]}],"status":0}"#,
        r#"{"response":"sk-echoed-in-a-string","status":0}"#,
    ] {
        let raw = always(answer("200 OK", &[], body)).await;
        let err = get_fails(&raw.url()).await;
        assert!(
            matches!(err, ApiError::NotDocSpace { .. }),
            "{body}: {err:?}"
        );
    }
}

#[tokio::test]
async fn the_key_echoed_in_bodies_and_headers_never_reaches_an_error() {
    let echoes = [
        (
            "500 Internal Server Error",
            format!(r#"{{"error":{{"message":"Invalid token Bearer {KEY}"}},"status":1}}"#),
        ),
        (
            "403 Forbidden",
            format!(r#"{{"error":{{"message":"key {KEY} may not do this"}},"status":1}}"#),
        ),
        (
            "404 Not Found",
            format!(r#"{{"error":{{"message":"no {KEY}"}},"status":1}}"#),
        ),
        (
            "400 Bad Request",
            format!(
                r#"{{"response":{{"errors":{{"$.type":["Authorization: Bearer {KEY}"]}}}},"status":1}}"#
            ),
        ),
        (
            "418 I'm a teapot",
            format!(r#"{{"error":{{"message":"{KEY}"}}}}"#),
        ),
        (
            "200 OK",
            format!(r#"{{"status":1,"error":{{"message":"Bearer {KEY}"}}}}"#),
        ),
    ];
    for (status, body) in echoes {
        let raw = always(answer(
            status,
            &[
                &format!("X-Echo: Bearer {KEY}"),
                &format!("WWW-Authenticate: Bearer {KEY}"),
            ],
            &body,
        ))
        .await;
        let err = get_fails(&raw.url()).await;
        assert!(
            err.to_string().contains("[redacted]"),
            "{status}: the echo is shown redacted: {err}"
        );
    }
}

#[tokio::test]
async fn a_name_that_echoes_the_key_is_scrubbed() {
    let body = format!(
        r#"{{"response":{{"id":"8b1f4c7e-2d3a-4e5f-9a6b-1c2d3e4f5a6b","displayName":"Eve {KEY}","email":"Bearer {KEY}","isAdmin":true}},"status":0}}"#
    );
    let raw = always(answer("200 OK", &[], &body)).await;
    let me = client_for(&raw.url()).me().await.unwrap();
    assert_eq!(me.display_name, "Eve [redacted]");
    assert!(!format!("{me:?}").contains(KEY));
}

#[tokio::test]
async fn a_self_signed_certificate_is_a_tls_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rcgen::CertifiedKey { cert, key_pair } =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key_pair.serialize_der().into()),
            )
            .unwrap();
        let config = Arc::new(config);
        for stream in listener.incoming() {
            let Ok(mut tcp) = stream else { return };
            let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
            // The client refuses the certificate, so the handshake ends in an error here.
            let _ = conn.complete_io(&mut tcp);
        }
    });
    let err = get_fails(&format!("https://{addr}")).await;
    assert!(matches!(err, ApiError::Tls { .. }), "{err:?}");
    assert_eq!(err.kind(), "tls");
}

#[tokio::test]
async fn a_connection_dropped_after_the_put_leaves_the_outcome_unknown() {
    let raw = serve(|_, mut s| async move {
        let request = read_request(&mut s).await;
        assert!(request.starts_with("PUT "), "{request}");
        // The request arrived whole; the answer never comes.
        drop(s);
    })
    .await;
    let request = docspace_tfa::docspace::models::TfaRequest::new(
        &Policy {
            method: Method::App,
            trusted_ips: vec![],
            mandatory_users: vec![],
            mandatory_groups: vec![],
        },
        uuid::Uuid::nil(),
    );
    let started = Instant::now();
    let err = client_for(&raw.url())
        .put_tfa(&request)
        .await
        .expect_err("no answer is no success");
    assert!(started.elapsed() < TIMEOUT + SLACK);
    assert_clean(&err);
    assert!(
        err.outcome_unknown(),
        "a lost answer must send the save to read back: {err:?}"
    );
    assert_eq!(
        raw.connections.load(Ordering::SeqCst),
        1,
        "a PUT is never retried"
    );
}

#[tokio::test]
async fn endless_1xx_answers_end_in_an_error_and_1xx_before_an_answer_is_harmless() {
    let raw = serve(|_, mut s| async move {
        read_request(&mut s).await;
        loop {
            if s.write_all(b"HTTP/1.1 102 Processing\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    get_fails(&raw.url()).await;

    let mut bytes =
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n".to_vec();
    bytes.extend(answer(
        "200 OK",
        &[],
        r#"{"response":[{"id":"app","enabled":true,"available":true}],"status":0}"#,
    ));
    let raw = always(bytes).await;
    let result = tokio::time::timeout(TIMEOUT + SLACK, client_for(&raw.url()).tfa_settings()).await;
    match result.expect("no hang") {
        Ok(list) => assert_eq!(list[0].id, "app"),
        Err(e) => assert_clean(&e),
    }
}

#[tokio::test]
async fn conflicting_content_lengths_are_refused() {
    let raw = always(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 60\r\n\r\n{\"response\":[],\"status\":0}"
            .to_vec(),
    )
    .await;
    get_fails(&raw.url()).await;
}

#[tokio::test]
async fn a_header_flood_is_refused() {
    let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".to_vec();
    for i in 0..20_000 {
        bytes.extend(format!("X-Flood-{i}: {}\r\n", "v".repeat(20)).as_bytes());
    }
    bytes.extend(b"Content-Length: 2\r\n\r\n[]");
    let raw = always(bytes).await;
    get_fails(&raw.url()).await;
}

// --- the CLI: exit code 1, a sentence on stderr, never the key, never a panic (exit 101) ----

async fn cli_fails(raw: &Raw, expect: &str) {
    let url = raw.url();
    let expect = expect.to_string();
    let run = tokio::task::spawn_blocking(move || {
        let home = cli::home();
        cli::run(home.path(), Some(&url), KEY, &["show"], "")
    })
    .await
    .unwrap();
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains(&expect), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[tokio::test]
async fn cli_retry_after_u64_max_exits_1() {
    let raw = serve(|n, mut s| async move {
        read_request(&mut s).await;
        let after = if n == 0 { "1" } else { "18446744073709551615" };
        let _ = s
            .write_all(&answer(
                "429 Too Many Requests",
                &[&format!("Retry-After: {after}")],
                "",
            ))
            .await;
    })
    .await;
    cli_fails(&raw, "HTTP 429").await;
}

#[tokio::test]
async fn cli_never_prints_an_echoed_key() {
    let body = format!(r#"{{"error":{{"message":"Invalid token Bearer {KEY}"}},"status":1}}"#);
    let raw = always(answer("500 Internal Server Error", &[], &body)).await;
    cli_fails(&raw, "Invalid token Bearer [redacted]").await;
    let location = format!("Location: http://127.0.0.1:9/?k={KEY}");
    let raw = always(answer("307 Temporary Redirect", &[&location], "")).await;
    cli_fails(&raw, "redirected").await;
}

#[tokio::test]
async fn cli_garbage_and_oversized_answers_exit_1() {
    let raw = always(answer("200 OK", &[], "\u{1b}[2J\u{0}\u{1}garbage")).await;
    cli_fails(&raw, "not valid JSON").await;
    let raw = always(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n{".to_vec()).await;
    cli_fails(&raw, "larger than").await;
}
