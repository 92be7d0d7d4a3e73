//! Fault injection: a table of rules (method + path → fault) that a middleware layer applies to
//! the DocSpace API routes, so tests can make the portal misbehave the way real networks, proxies
//! and servers do. The `/sandbox/` control API is never faulted.
//!
//! What reaches the portal: `delayMs`, `drop: "after"` and `truncatedJson` run the request for
//! real (a PUT changes the policy) and then spoil the answer; every other fault answers in place
//! of the portal, as a proxy would, and the request changes nothing. A delayed request is
//! handled to the end even when its client gives up waiting, as a real server does.
//!
//! Wire form (`PUT /sandbox/faults`):
//! `{"faults":[{"method":"GET"|"PUT"|"*","path":"/api/2.0/settings/tfaapp","fault":{...},"times":N|null,"skip"?:N}]}`
//! where the fault is exactly one of
//! `{"status":401..599,"retryAfter"?:secs}`, `{"delayMs":N}`, `{"drop":"before"|"after"}`,
//! `{"truncatedJson":true}`, `{"htmlLogin":true}`, `{"empty200":true}`, `{"hugeBody":true}` or
//! `{"body":"...","status"?:200,"contentType"?:"..."}`. A `path` ending in `*` is a prefix.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::envelope::ApiError;
use super::shared::Shared;

/// Size of the `hugeBody` answer: far above any client's sane limit.
pub const HUGE_BODY_BYTES: usize = 50 * 1024 * 1024;
const HUGE_CHUNK: usize = 64 * 1024;
/// Cap on how much of a real answer `truncatedJson` and `drop: "after"` read back in.
const MAX_REAL_ANSWER: usize = 64 * 1024 * 1024;

/// One rule of the fault table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// `GET`, `PUT`, … or `*` for any method.
    pub method: String,
    /// The exact request path (no query), or a prefix ending in `*`.
    pub path: String,
    pub fault: Fault,
    /// How many matching requests still get the fault; `None` means forever.
    #[serde(default)]
    pub times: Option<u32>,
    /// How many matching requests pass untouched before the fault arms (e.g. `1` to spare the
    /// read that comes before a save and hit only the read after it).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl FaultRule {
    /// A rule that fires forever; see [`FaultRule::times`].
    pub fn new(method: &str, path: &str, fault: Fault) -> Self {
        FaultRule {
            method: method.to_string(),
            path: path.to_string(),
            fault,
            times: None,
            skip: 0,
        }
    }

    /// Fires for the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Lets the next `n` matching requests through first.
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        let method_ok = self.method == "*" || self.method.eq_ignore_ascii_case(method.as_str());
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        };
        method_ok && path_ok && self.times != Some(0)
    }
}

/// When a dropped connection is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DropWhen {
    /// Before the portal sees the request: nothing is applied.
    Before,
    /// After the portal handled the request (a PUT has landed): only the answer is lost.
    After,
}

/// What a matching request gets instead of (or on top of) the normal answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawFault", into = "RawFault")]
pub enum Fault {
    /// This HTTP status with the DocSpace error envelope (401: empty body, as the server's
    /// challenge; 502/504: the reverse proxy's HTML page). Not applied.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Waits, then handles the request normally.
    Delay { ms: u64 },
    /// Closes the connection without any answer.
    Drop(DropWhen),
    /// Handles the request, then answers 200 with the first half of the JSON body.
    TruncatedJson,
    /// A 200 `text/html` sign-in page, as a portal behind SSO or a captive proxy answers.
    HtmlLogin,
    /// A 200 with an empty body.
    Empty200,
    /// A 200 JSON-looking body of [`HUGE_BODY_BYTES`], streamed, without a Content-Length.
    HugeBody,
    /// Exactly this answer. Not applied.
    Body {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    },
}

impl Fault {
    /// `{"status": status}`.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
        }
    }

    /// A 200 with this body and content type.
    pub fn body(body: impl Into<Vec<u8>>, content_type: Option<&str>) -> Self {
        Fault::Body {
            status: 200,
            content_type: content_type.map(str::to_string),
            body: body.into(),
        }
    }
}

/// The JSON shape: every fault's fields side by side; exactly one kind must be given.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawFault {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    drop: Option<DropWhen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated_json: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    html_login: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    empty200: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    huge_body: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
}

impl TryFrom<RawFault> for Fault {
    type Error = String;

    fn try_from(r: RawFault) -> Result<Self, String> {
        let flag = |f: Option<bool>| f == Some(true);
        let mut kinds: Vec<Fault> = Vec::new();
        if let Some(body) = r.body {
            let status = r.status.unwrap_or(200);
            if !(200..=599).contains(&status) {
                return Err(format!("status {status} is not between 200 and 599"));
            }
            kinds.push(Fault::Body {
                status,
                content_type: r.content_type.clone(),
                body: body.into_bytes(),
            });
        } else if let Some(status) = r.status {
            if !(400..=599).contains(&status) {
                return Err(format!(
                    "status {status} is not an error status (400..=599)"
                ));
            }
            kinds.push(Fault::Status {
                status,
                retry_after: r.retry_after,
            });
        }
        if let Some(ms) = r.delay_ms {
            kinds.push(Fault::Delay { ms });
        }
        if let Some(when) = r.drop {
            kinds.push(Fault::Drop(when));
        }
        if flag(r.truncated_json) {
            kinds.push(Fault::TruncatedJson);
        }
        if flag(r.html_login) {
            kinds.push(Fault::HtmlLogin);
        }
        if flag(r.empty200) {
            kinds.push(Fault::Empty200);
        }
        if flag(r.huge_body) {
            kinds.push(Fault::HugeBody);
        }
        let retry_ok = matches!(kinds.as_slice(), [Fault::Status { .. }]);
        if r.retry_after.is_some() && !retry_ok {
            return Err("retryAfter goes only with an error status".into());
        }
        let content_type_ok = matches!(kinds.as_slice(), [Fault::Body { .. }]);
        if r.content_type.is_some() && !content_type_ok {
            return Err("contentType goes only with body".into());
        }
        match kinds.len() {
            1 => Ok(kinds.remove(0)),
            0 => Err("no fault given: use one of status, delayMs, drop, truncatedJson, htmlLogin, empty200, hugeBody, body".into()),
            _ => Err("give exactly one fault per rule".into()),
        }
    }
}

impl From<Fault> for RawFault {
    fn from(f: Fault) -> Self {
        let mut r = RawFault::default();
        match f {
            Fault::Status {
                status,
                retry_after,
            } => {
                r.status = Some(status);
                r.retry_after = retry_after;
            }
            Fault::Delay { ms } => r.delay_ms = Some(ms),
            Fault::Drop(when) => r.drop = Some(when),
            Fault::TruncatedJson => r.truncated_json = Some(true),
            Fault::HtmlLogin => r.html_login = Some(true),
            Fault::Empty200 => r.empty200 = Some(true),
            Fault::HugeBody => r.huge_body = Some(true),
            Fault::Body {
                status,
                content_type,
                body,
            } => {
                r.status = Some(status);
                r.content_type = content_type;
                r.body = Some(String::from_utf8_lossy(&body).into_owned());
            }
        }
        r
    }
}

/// The fault table and a count of the API requests seen, by `"METHOD /path"`.
#[derive(Debug, Default)]
pub struct FaultTable {
    rules: Vec<FaultRule>,
    requests: BTreeMap<String, u64>,
}

impl FaultTable {
    pub fn set(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The rules that can still fire.
    pub fn remaining(&self) -> Vec<FaultRule> {
        self.rules.clone()
    }

    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.requests.clone()
    }

    /// Counts the request and takes one shot of the first rule that matches it.
    fn take(&mut self, method: &Method, path: &str) -> Option<Fault> {
        *self.requests.entry(format!("{method} {path}")).or_default() += 1;
        let i = self.rules.iter().position(|r| r.matches(method, path))?;
        if self.rules[i].skip > 0 {
            self.rules[i].skip -= 1;
            return None;
        }
        let fault = self.rules[i].fault.clone();
        if let Some(n) = self.rules[i].times.as_mut() {
            *n -= 1;
            if *n == 0 {
                self.rules.remove(i);
            }
        }
        Some(fault)
    }
}

/// The middleware: looks the request up in the table and misbehaves accordingly.
pub async fn inject(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        return next.run(request).await;
    }
    let fault = shared.faults().take(request.method(), &path);
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let mut response = status_answer(status);
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Fault::Delay { ms } => {
            // A real server finishes a request whose client gave up (ASP.NET does not abort a
            // save when the connection goes): the delayed handling runs on its own task, so a
            // timed-out PUT still lands, later.
            let handling = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                next.run(request).await
            });
            handling
                .await
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        Fault::Drop(DropWhen::Before) => cut_connection(),
        Fault::Drop(DropWhen::After) => {
            let response = next.run(request).await;
            // Let the whole answer be produced, so the request is fully handled, then lose it.
            let _ = axum::body::to_bytes(response.into_body(), MAX_REAL_ANSWER).await;
            cut_connection()
        }
        Fault::TruncatedJson => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_REAL_ANSWER)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            parts.status = StatusCode::OK;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(half))
        }
        Fault::HtmlLogin => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            LOGIN_PAGE,
        )
            .into_response(),
        Fault::Empty200 => StatusCode::OK.into_response(),
        Fault::HugeBody => huge_body(),
        Fault::Body {
            status,
            content_type,
            body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            // `Vec<u8>` answers default to octet-stream; the rule says what to claim, if anything.
            response.headers_mut().remove(header::CONTENT_TYPE);
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                response.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            response
        }
    }
}

/// An error status as the portal or the proxy in front of it would answer it.
fn status_answer(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match status {
        // The ASP.NET authentication challenge: no body.
        401 => StatusCode::UNAUTHORIZED.into_response(),
        // nginx in front of the portal: the app server is down or slow.
        502 | 504 => {
            let reason = code.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            (code, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        _ => {
            let message = match status {
                403 => "Access denied",
                404 => "The requested resource was not found",
                429 => "Too many requests",
                503 => "Service is temporarily unavailable",
                _ => "An error occurred while processing the request",
            };
            ApiError::fault(code, message).into_response()
        }
    }
}

/// A response whose body fails at once: hyper then closes the connection without writing a
/// status line (checked by the raw-TCP test in `tests/sandbox_faults.rs`).
fn cut_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// 50 MB of `{"response":"xxxx…`, one shared 64 KiB chunk at a time, no Content-Length.
fn huge_body() -> Response {
    static CHUNK: [u8; HUGE_CHUNK] = [b'x'; HUGE_CHUNK];
    let head = Bytes::from_static(b"{\"response\":\"");
    let chunks = HUGE_BODY_BYTES / HUGE_CHUNK;
    let stream = futures::stream::iter(
        std::iter::once(head)
            .chain(std::iter::repeat_n(Bytes::from_static(&CHUNK), chunks))
            .map(Ok::<Bytes, Infallible>),
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        Body::from_stream(stream),
    )
        .into_response()
}

const LOGIN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - ONLYOFFICE DocSpace</title></head>
<body>
<form method="post" action="/login">
<h1>Sign in to DocSpace</h1>
<input type="email" name="login" placeholder="Email">
<input type="password" name="password" placeholder="Password">
<button type="submit">Sign in</button>
</form>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Fault, String> {
        serde_json::from_str::<Fault>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn wire_forms() {
        assert_eq!(
            parse(r#"{"status":429,"retryAfter":2}"#),
            Ok(Fault::Status {
                status: 429,
                retry_after: Some(2)
            })
        );
        assert_eq!(parse(r#"{"delayMs":10}"#), Ok(Fault::Delay { ms: 10 }));
        assert_eq!(
            parse(r#"{"drop":"after"}"#),
            Ok(Fault::Drop(DropWhen::After))
        );
        assert_eq!(parse(r#"{"truncatedJson":true}"#), Ok(Fault::TruncatedJson));
        assert_eq!(parse(r#"{"htmlLogin":true}"#), Ok(Fault::HtmlLogin));
        assert_eq!(parse(r#"{"empty200":true}"#), Ok(Fault::Empty200));
        assert_eq!(parse(r#"{"hugeBody":true}"#), Ok(Fault::HugeBody));
        assert_eq!(
            parse(r#"{"body":"x","contentType":"text/plain"}"#),
            Ok(Fault::body("x", Some("text/plain")))
        );
        for bad in [
            r#"{}"#,
            r#"{"status":200}"#,
            r#"{"status":500,"delayMs":1}"#,
            r#"{"delayMs":1,"retryAfter":1}"#,
            r#"{"drop":"sideways"}"#,
            r#"{"hugebody":true}"#,
            r#"{"empty200":true,"contentType":"text/html"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad} accepted");
        }
        for fault in [
            Fault::status(503),
            Fault::Delay { ms: 5 },
            Fault::Drop(DropWhen::Before),
            Fault::HugeBody,
            Fault::body("{}", None),
        ] {
            let json = serde_json::to_string(&fault).unwrap();
            assert_eq!(parse(&json), Ok(fault), "{json}");
        }
    }

    #[test]
    fn times_count_down_and_first_rule_wins() {
        let path = "/api/2.0/settings/tfaapp";
        let mut t = FaultTable::default();
        t.set(vec![
            FaultRule::new("PUT", path, Fault::status(502)).times(2),
            FaultRule::new("*", "/api/2.0/*", Fault::status(503)).times(1),
            FaultRule::new("GET", path, Fault::Empty200),
        ]);
        assert_eq!(
            t.take(&Method::GET, "/api/2.0/people/@self"),
            Some(Fault::status(503))
        );
        assert_eq!(t.take(&Method::PUT, path), Some(Fault::status(502)));
        assert_eq!(t.take(&Method::PUT, path), Some(Fault::status(502)));
        assert_eq!(t.take(&Method::PUT, path), None);
        assert_eq!(t.take(&Method::GET, path), Some(Fault::Empty200));
        assert_eq!(t.take(&Method::GET, path), Some(Fault::Empty200));
        assert_eq!(t.remaining().len(), 1);
        assert_eq!(t.requests()[&format!("PUT {path}")], 3);
        t.set(vec![FaultRule::new("GET", path, Fault::Empty200)
            .times(1)
            .skip(2)]);
        assert_eq!(t.take(&Method::GET, path), None);
        assert_eq!(t.take(&Method::GET, path), None);
        assert_eq!(t.take(&Method::GET, path), Some(Fault::Empty200));
        assert_eq!(t.take(&Method::GET, path), None);
        t.clear();
        assert_eq!(t.take(&Method::GET, path), None);
    }
}
