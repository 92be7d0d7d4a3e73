//! The HTTP client: one method per endpoint, typed answers, typed errors.

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Method as HttpMethod, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

use super::error::ApiError;
use super::models::{
    Employee, Envelope, ErrorEnvelope, Group, GroupSummary, Page, TfaRequest, TfaSettingsDto,
};
use super::portal_url::PortalUrl;
use crate::policy::PortalPolicy;
use crate::redact::Redactor;
use crate::secrets::ApiKey;

mod signins;
pub use signins::{LoginEventDto, LoginPage};

/// The fields of a group the app reads: never its members or manager.
const GROUP_FIELDS: &str = "id,name,isSystem,membersCount";

#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// For one request, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// Answers larger than this are refused: no TFA answer is anywhere near it.
    pub max_body_bytes: usize,
    /// Extra attempts for idempotent GETs after 429/502/503/504 or a dropped connection.
    pub get_retries: u32,
    /// Longest total wait between GET attempts, so a retry loop never looks like a hang.
    pub retry_budget: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 4 * 1024 * 1024,
            get_retries: 3,
            retry_budget: Duration::from_secs(8),
        }
    }
}

/// A client for one portal and one API key.
#[derive(Clone)]
pub struct DocSpaceClient {
    http: reqwest::Client,
    portal: PortalUrl,
    opts: ClientOptions,
    /// Scrubs the key from everything the server says before it becomes an error's text.
    redactor: Redactor,
}

impl std::fmt::Debug for DocSpaceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocSpaceClient")
            .field("portal", &self.portal)
            .finish_non_exhaustive()
    }
}

/// The raw answer of one request, before it is judged.
struct RawAnswer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl DocSpaceClient {
    pub fn new(portal: PortalUrl, key: &ApiKey, opts: ClientOptions) -> Result<Self, ApiError> {
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                ApiError::Connect {
                    portal: portal.to_string(),
                    detail: "the API key contains characters that cannot be sent in a header"
                        .into(),
                }
            })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout)
            // A redirect usually means a wrong address or a login page; following it would send the
            // key elsewhere or hide the problem. It is reported instead.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!portal.is_loopback())
            .user_agent(concat!("docspace-tfa/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Connect {
                portal: portal.to_string(),
                detail: root_cause(&e),
            })?;
        Ok(DocSpaceClient {
            http,
            portal,
            opts,
            redactor: Redactor::for_key(key.expose()),
        })
    }

    pub fn portal(&self) -> &PortalUrl {
        &self.portal
    }

    /// `GET settings/tfaapp`: the raw list, `sms` first then `app`, either may be missing.
    pub async fn tfa_settings(&self) -> Result<Vec<TfaSettingsDto>, ApiError> {
        self.get_json("settings/tfaapp", &[]).await
    }

    /// The policy as the portal holds it, built from the list by entry id.
    pub async fn policy(&self) -> Result<PortalPolicy, ApiError> {
        Ok(PortalPolicy::from_settings(&self.tfa_settings().await?))
    }

    /// `PUT settings/tfaapp` with the whole policy. The answer is `true` for sms/app and `false`
    /// for none: both are success; failures are HTTP errors.
    pub async fn put_tfa(&self, request: &TfaRequest) -> Result<bool, ApiError> {
        let answer = async {
            let raw = self
                .send(HttpMethod::PUT, "settings/tfaapp", &[], Some(request))
                .await?;
            self.parse_response(raw, "a true/false answer")
        };
        answer.await.map_err(|e| self.scrubbed(e))
    }

    /// `GET people/@self`: who the key belongs to.
    pub async fn me(&self) -> Result<Employee, ApiError> {
        self.get_json::<Employee>("people/@self", &[])
            .await
            .map(|e| self.decode_employee(e))
    }

    /// `GET people/{id}`.
    pub async fn user(&self, id: Uuid) -> Result<Employee, ApiError> {
        self.get_json::<Employee>(&format!("people/{id}"), &[])
            .await
            .map(|e| self.decode_employee(e))
    }

    /// `GET group/{id}`, without its members: the server embeds every member by default
    /// (megabytes for a big group), and a name is all the app needs.
    pub async fn group(&self, id: Uuid) -> Result<Group, ApiError> {
        let query = [("includeMembers", "false"), ("fields", GROUP_FIELDS)];
        self.get_json(&format!("group/{id}"), &query)
            .await
            .map(|g| self.scrub_group(g))
    }

    /// `GET group/user/{id}`: the groups one person belongs to (the narrow membership question).
    pub async fn groups_of_user(&self, id: Uuid) -> Result<Vec<GroupSummary>, ApiError> {
        let groups: Vec<GroupSummary> = self.get_json(&format!("group/user/{id}"), &[]).await?;
        Ok(groups
            .into_iter()
            .map(|mut g| {
                g.name = self.redactor.scrub(&g.name);
                g
            })
            .collect())
    }

    /// `GET people/filter`: one page of users matching `filter` (name or email).
    pub async fn people(
        &self,
        filter: &str,
        start: u32,
        count: u32,
    ) -> Result<Page<Employee>, ApiError> {
        let page: Page<Employee> = self.get_page("people/filter", filter, start, count).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|e| self.decode_employee(e))
                .collect(),
            ..page
        })
    }

    /// `GET group`: one page of groups matching `filter`.
    pub async fn groups(
        &self,
        filter: &str,
        start: u32,
        count: u32,
    ) -> Result<Page<Group>, ApiError> {
        let page: Page<Group> = self.get_page("group", filter, start, count).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|g| self.scrub_group(g))
                .collect(),
            ..page
        })
    }

    async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
        filter: &str,
        start: u32,
        count: u32,
    ) -> Result<Page<T>, ApiError> {
        // The server refuses count outside 1..=100 with a 400.
        let count = count.clamp(1, 100).to_string();
        let start_s = start.to_string();
        let mut query = vec![
            ("count", count.as_str()),
            ("startIndex", start_s.as_str()),
            ("sortBy", "displayname"),
        ];
        if path == "group" {
            query.pop();
            // List items embed every member unless the fields filter leaves them out.
            query.push(("fields", GROUP_FIELDS));
        }
        if !filter.trim().is_empty() {
            query.push(("filterValue", filter.trim()));
        }
        let env: Envelope<Vec<T>> = async {
            let raw = self.send_get_with_retry(path, &query).await?;
            self.parse_envelope(raw)
        }
        .await
        .map_err(|e| self.scrubbed(e))?;
        let items = env.response.unwrap_or_default();
        let total = env
            .total
            .and_then(|t| u64::try_from(t).ok())
            .unwrap_or_else(|| u64::from(start).saturating_add(items.len() as u64));
        Ok(Page {
            items,
            start_index: start,
            total,
        })
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        let answer = async {
            let raw = self.send_get_with_retry(path, query).await?;
            self.parse_response(raw, "data")
        };
        answer.await.map_err(|e| self.scrubbed(e))
    }

    /// GETs are idempotent, so passing faults (429, 502-504, dropped connections) are retried
    /// with backoff inside a bounded time. PUTs never come through here. The server's
    /// `Retry-After` is obeyed only when it fits in what is left of `retry_budget`; a longer (or
    /// absurd) wait ends the loop at once with the server's answer.
    async fn send_get_with_retry(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<RawAnswer, ApiError> {
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        loop {
            let result = self.send::<()>(HttpMethod::GET, path, query, None).await;
            let retry_after = match &result {
                Ok(raw) if matches!(raw.status.as_u16(), 429 | 502 | 503 | 504) => {
                    Some(retry_after(&raw.headers).unwrap_or_else(|| backoff(attempt)))
                }
                Err(ApiError::Connect { .. }) => Some(backoff(attempt)),
                _ => None,
            };
            let next = retry_after.and_then(|wait| {
                let total = waited.checked_add(wait)?;
                (attempt < self.opts.get_retries && total <= self.opts.retry_budget)
                    .then_some((wait, total))
            });
            match next {
                Some((wait, total)) => {
                    tokio::time::sleep(wait).await;
                    waited = total;
                    attempt = attempt.saturating_add(1);
                }
                None => return result,
            }
        }
    }

    async fn send<B: Serialize>(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<RawAnswer, ApiError> {
        let mut url = self.portal.endpoint(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }
        let mut req = self.http.request(method, url);
        if let Some(body) = body {
            req = req.json(body);
        }
        let mut resp = req.send().await.map_err(|e| self.transport_error(&e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if let Some(len) = resp.content_length() {
            if usize::try_from(len).map_or(true, |len| len > self.opts.max_body_bytes) {
                return Err(self.too_large());
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport_error(&e))? {
            if body.len().saturating_add(chunk.len()) > self.opts.max_body_bytes {
                return Err(self.too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawAnswer {
            status,
            headers,
            body,
        })
    }

    fn parse_response<T: DeserializeOwned>(
        &self,
        raw: RawAnswer,
        what: &str,
    ) -> Result<T, ApiError> {
        let env: Envelope<T> = self.parse_envelope(raw)?;
        env.response.ok_or_else(|| {
            self.not_docspace(format!(
                "the answer has no \"response\" where {what} was expected"
            ))
        })
    }

    fn parse_envelope<T: DeserializeOwned>(&self, raw: RawAnswer) -> Result<Envelope<T>, ApiError> {
        if !raw.status.is_success() {
            return Err(self.status_error(&raw));
        }
        if raw.body.iter().all(u8::is_ascii_whitespace) {
            return Err(self.not_docspace("the answer is empty".into()));
        }
        if looks_like_html(&raw) {
            return Err(self.not_docspace("the answer is a web page (HTML), not JSON".into()));
        }
        let value: serde_json::Value = serde_json::from_slice(&raw.body)
            .map_err(|e| self.not_docspace(format!("the answer is not valid JSON ({e})")))?;
        if !value.is_object() || value.get("response").is_none() && value.get("status").is_none() {
            return Err(
                self.not_docspace("the answer is JSON but not a DocSpace API envelope".into())
            );
        }
        if value
            .get("status")
            .and_then(|s| s.as_i64())
            .is_some_and(|s| s != 0)
        {
            return Err(ApiError::BadRequest {
                portal: self.portal.to_string(),
                message: validation_message(&value),
            });
        }
        serde_json::from_value(value).map_err(|e| {
            self.not_docspace(format!(
                "the answer has an unexpected shape ({})",
                without_quoted(&e.to_string())
            ))
        })
    }

    fn status_error(&self, raw: &RawAnswer) -> ApiError {
        let portal = self.portal.to_string();
        let status = raw.status.as_u16();
        let message = server_message(&raw.body);
        match status {
            401 => ApiError::Unauthorized { portal },
            // Versions differ: 405 where others say 403 for the same refusal.
            403 | 405 => ApiError::Forbidden {
                portal,
                status,
                message: message.unwrap_or_else(|| "Access denied".into()),
            },
            404 => ApiError::NotFound {
                portal,
                what: "such item".into(),
                message: message.unwrap_or_else(|| "Not found".into()),
            },
            400 => ApiError::BadRequest {
                portal,
                message: serde_json::from_slice::<serde_json::Value>(&raw.body)
                    .map(|v| validation_message(&v))
                    .unwrap_or_else(|_| "no details given".into()),
            },
            429 => ApiError::RateLimited {
                portal,
                retry_after_secs: retry_after(&raw.headers)
                    .map(|d| d.as_secs().clamp(1, MAX_SHOWN_WAIT_SECS))
                    .unwrap_or(5),
            },
            300..=399 => ApiError::Redirected {
                portal,
                location: raw
                    .headers
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("another address")
                    .to_string(),
            },
            500..=599 => ApiError::Server {
                portal,
                status,
                message: message.unwrap_or_else(|| "no details given".into()),
            },
            _ => ApiError::UnexpectedStatus {
                portal,
                status,
                message: message.unwrap_or_else(|| "no details given".into()),
            },
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> ApiError {
        let portal = self.portal.to_string();
        let detail = root_cause(e);
        if e.is_timeout() {
            return ApiError::Timeout {
                portal,
                secs: self.opts.request_timeout.as_secs().max(1),
            };
        }
        let lower = detail.to_ascii_lowercase();
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            return ApiError::Tls { portal, detail };
        }
        if e.is_body() || e.is_decode() {
            return self.not_docspace(format!("the answer was cut off ({detail})"));
        }
        ApiError::Connect { portal, detail }
    }

    fn not_docspace(&self, detail: String) -> ApiError {
        ApiError::NotDocSpace {
            portal: self.portal.to_string(),
            detail,
        }
    }

    fn too_large(&self) -> ApiError {
        ApiError::TooLarge {
            portal: self.portal.to_string(),
            limit_mib: (self.opts.max_body_bytes >> 20).max(1) as u64,
        }
    }

    /// The error with every server-provided text scrubbed (the key, tokens, control characters).
    fn scrubbed(&self, e: ApiError) -> ApiError {
        e.map_text(|t| self.redactor.scrub(t))
    }

    /// Names are server text too: shown, logged and written to the history.
    fn decode_employee(&self, mut e: Employee) -> Employee {
        e.display_name = self
            .redactor
            .scrub(&html_escape::decode_html_entities(&e.display_name));
        e.email = e.email.map(|m| self.redactor.scrub(&m));
        e
    }

    fn scrub_group(&self, mut g: Group) -> Group {
        g.name = self.redactor.scrub(&g.name);
        g
    }
}

/// Longest wait a "try again in N s" message names: a server may ask for years.
const MAX_SHOWN_WAIT_SECS: u64 = 24 * 60 * 60;

/// 250 ms, doubling per attempt, capped: the client's own pause between GET attempts.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1u64 << attempt.min(8)))
}

fn looks_like_html(raw: &RawAnswer) -> bool {
    let ct = raw
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let start = raw
        .body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| raw.body[i]);
    ct.contains("text/html") || start == Some(b'<')
}

/// `error.message` of the error envelope, if the body is one.
fn server_message(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<ErrorEnvelope>(body)
        .ok()
        .and_then(|e| e.error.message)
        .filter(|m| !m.trim().is_empty())
}

/// The text of a 400: the error envelope's message or the ValidationProblemDetails' errors.
fn validation_message(v: &serde_json::Value) -> String {
    if let Some(m) = v.pointer("/error/message").and_then(|m| m.as_str()) {
        return m.to_string();
    }
    let problem = v.get("response").unwrap_or(v);
    let mut parts: Vec<String> = Vec::new();
    if let Some(errors) = problem.get("errors").and_then(|e| e.as_object()) {
        for (field, msgs) in errors {
            let text = msgs
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            parts.push(format!("{field}: {text}"));
        }
    }
    if parts.is_empty() {
        problem
            .get("title")
            .and_then(|t| t.as_str())
            .unwrap_or("no details given")
            .to_string()
    } else {
        parts.join("; ")
    }
}

/// serde's messages quote the offending value ("invalid type: string \"…\""); a hostile or broken
/// server could echo anything there, the key included, so quoted text is left out.
fn without_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3). Any number (huge ones
/// included) or date is accepted without overflow; garbage is `None`; a date in the past is zero.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than u64 holds: as good as forever.
        return Some(Duration::from_secs(text.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let wait = when.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The innermost cause: reqwest's own message names only the URL, the cause says what failed.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::{retry_after, without_quoted};
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use std::time::Duration;

    fn after(value: &str) -> Option<Duration> {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        retry_after(&h)
    }

    #[test]
    fn retry_after_takes_any_number_or_date_without_overflow() {
        assert_eq!(after("1"), Some(Duration::from_secs(1)));
        assert_eq!(
            after("18446744073709551615"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            after("99999999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a past date is no wait"
        );
        let future = after("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
        assert!(future > Duration::from_secs(86_400 * 365 * 1000));
        for garbage in ["-1", "1.5", "soon", "", "0x10", "Wed, 99 Foo"] {
            assert_eq!(after(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn quoted_values_are_left_out_of_shape_errors() {
        assert_eq!(
            without_quoted("invalid type: string \"sk-secret\", expected a sequence"),
            "invalid type: string \"…\", expected a sequence"
        );
        assert_eq!(
            without_quoted("missing field `response`"),
            "missing field `response`"
        );
    }
}
