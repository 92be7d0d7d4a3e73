//! The three response shapes of the DocSpace API (docspace-api.md §1): the success envelope,
//! the error envelope and the model-binding failure, plus the request facts they echo back.

use std::collections::BTreeMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::state::Refusal;

/// `links[0]` of every envelope: the full request URL and its method.
#[derive(Clone, Debug, Serialize)]
pub struct Link {
    pub href: String,
    pub action: String,
}

/// What the envelope echoes back about the request, plus the portal's base URL as the caller
/// sees it (the Host header), which confirm and profile URLs are built on.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub base: String,
    pub link: Link,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "127.0.0.1".to_string());
        let base = format!("http://{host}");
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        Ok(RequestInfo {
            link: Link {
                href: format!("{base}{path}"),
                action: parts.method.to_string(),
            },
            base,
        })
    }
}

/// `SuccessApiResponse`: nulls omitted, properties in the server's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<T>,
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<usize>,
    links: [Link; 1],
    status: u8,
    status_code: u16,
}

fn envelope<T: Serialize>(
    req: &RequestInfo,
    http: StatusCode,
    response: Option<T>,
    count: usize,
    total: Option<usize>,
) -> Response {
    let status = u8::from(!http.is_success());
    let body = Envelope {
        response,
        count,
        total,
        links: [req.link.clone()],
        status,
        status_code: http.as_u16(),
    };
    (http, Json(body)).into_response()
}

/// A scalar or object answer: `count` is 1 (also for `false` and `""`).
pub fn ok<T: Serialize>(req: &RequestInfo, value: T) -> Response {
    envelope(req, StatusCode::OK, Some(value), 1, None)
}

/// A list answer: `count` is its length; `total` only for paged lists.
pub fn ok_list<T: Serialize>(req: &RequestInfo, items: Vec<T>, total: Option<usize>) -> Response {
    let count = items.len();
    envelope(req, StatusCode::OK, Some(items), count, total)
}

/// A `null` answer: `response` omitted, `count` 0.
#[allow(dead_code)] // part of the envelope contract; no current route returns null
pub fn ok_null(req: &RequestInfo) -> Response {
    envelope::<()>(req, StatusCode::OK, None, 0, None)
}

/// An exception turned into the error envelope by `CustomExceptionHandler`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub type_name: Option<&'static str>,
    pub hresult: i32,
}

const HRESULT_EXCEPTION: i32 = -2146233088;
const HRESULT_INVALID_OPERATION: i32 = -2146233079;

impl ApiError {
    /// `AuthorizingException`: always "Access denied".
    pub fn access_denied() -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            message: "Access denied".into(),
            type_name: Some("ASC.Common.Security.Authorizing.AuthorizingException"),
            hresult: HRESULT_EXCEPTION,
        }
    }

    /// `InvalidOperationException`: 403 with its own message.
    pub fn invalid_operation(message: &str) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
            type_name: Some("System.InvalidOperationException"),
            hresult: HRESULT_INVALID_OPERATION,
        }
    }

    /// `ItemNotFoundException`: 404.
    pub fn not_found(message: &str) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            type_name: Some("ASC.Common.Web.ItemNotFoundException"),
            hresult: HRESULT_EXCEPTION,
        }
    }

    /// An injected fault (`sandbox::faults`): the status with a plain message, no exception type.
    pub fn fault(status: StatusCode, message: &str) -> Self {
        ApiError {
            status,
            message: message.into(),
            type_name: None,
            hresult: 0,
        }
    }

    /// No such route: no exception behind it, so no type and no stack.
    pub fn no_route() -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: "The requested resource was not found".into(),
            type_name: None,
            hresult: 0,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::AccessDenied => ApiError::access_denied(),
            other => ApiError::invalid_operation(other.message()),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorEnvelope<'a> {
    error: ErrorBody<'a>,
    status: u8,
    status_code: u16,
}

/// Written with the minimal-API JSON options: nulls are kept.
#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    type_name: Option<&'a str>,
    stack: Option<String>,
    hresult: i32,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A plausible .NET stack line: clients must show `message`, never parse this.
        let stack = self
            .type_name
            .map(|t| format!("   at {t}..ctor(String message)"));
        let body = ErrorEnvelope {
            error: ErrorBody {
                message: &self.message,
                type_name: self.type_name,
                stack,
                hresult: self.hresult,
            },
            status: 1,
            status_code: self.status.as_u16(),
        };
        (self.status, Json(body)).into_response()
    }
}

/// Field path → messages, as in `ValidationProblemDetails.errors`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Builds a one-entry [`FieldErrors`].
pub fn field_error(field: &str, message: impl Into<String>) -> FieldErrors {
    BTreeMap::from([(field.to_string(), vec![message.into()])])
}

/// A `ProblemDetails` / `ValidationProblemDetails` produced before the action ran.
#[derive(Clone, Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub errors: Option<FieldErrors>,
}

impl Problem {
    /// 400 from automatic model validation.
    pub fn validation(errors: FieldErrors) -> Self {
        Problem {
            status: StatusCode::BAD_REQUEST,
            errors: Some(errors),
        }
    }

    /// 415 when a JSON body arrives without a JSON content type.
    pub fn unsupported_media_type() -> Self {
        Problem {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            errors: None,
        }
    }

    /// The problem wrapped in the *success* envelope with `status: 1` (SuccessApiResponse).
    pub fn into_response(self, req: &RequestInfo) -> Response {
        let (section, title) = match self.status {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ("15.5.16", "Unsupported Media Type"),
            _ => ("15.5.1", "One or more validation errors occurred."),
        };
        let body = ProblemBody {
            type_uri: format!("https://tools.ietf.org/html/rfc9110#section-{section}"),
            title,
            status: self.status.as_u16(),
            errors: self.errors,
            trace_id: trace_id(),
        };
        envelope(req, self.status, Some(body), 1, None)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProblemBody {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<FieldErrors>,
    trace_id: String,
}

/// A W3C trace id like ASP.NET's `Activity.Current.Id`.
fn trace_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{a}-{}-00", &b[..16])
}

/// Either failure shape; handlers return `Result<Response, Failure>`.
#[derive(Debug)]
pub enum Failure {
    Api(ApiError),
    Problem(Problem, RequestInfo),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Self {
        Failure::Api(r.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(e) => e.into_response(),
            Failure::Problem(p, req) => p.into_response(&req),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> RequestInfo {
        RequestInfo {
            base: "http://h".into(),
            link: Link {
                href: "http://h/api/2.0/x".into(),
                action: "GET".into(),
            },
        }
    }

    fn body_json(r: Response) -> (StatusCode, serde_json::Value) {
        let status = r.status();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(r.into_body(), usize::MAX))
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn count_rules() {
        let (_, v) = body_json(ok(&req(), false));
        assert_eq!(v["response"], false);
        assert_eq!(v["count"], 1);
        assert!(v.get("total").is_none());
        let (_, v) = body_json(ok(&req(), ""));
        assert_eq!(
            (v["response"].as_str(), v["count"].as_u64()),
            (Some(""), Some(1))
        );
        let (_, v) = body_json(ok_list(&req(), vec![1, 2, 3], Some(57)));
        assert_eq!(
            (v["count"].as_u64(), v["total"].as_u64()),
            (Some(3), Some(57))
        );
        let (_, v) = body_json(ok_null(&req()));
        assert!(v.get("response").is_none());
        assert_eq!(v["count"], 0);
        assert_eq!(v["links"][0]["href"], "http://h/api/2.0/x");
        assert_eq!(
            (v["status"].as_u64(), v["statusCode"].as_u64()),
            (Some(0), Some(200))
        );
    }

    #[test]
    fn error_envelope_keeps_nulls() {
        let (status, v) = body_json(ApiError::no_route().into_response());
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(v["error"]["type"].is_null() && v["error"].get("type").is_some());
        assert!(v["error"].get("stack").is_some());
        assert_eq!(v["error"]["hresult"], 0);
        let (status, v) = body_json(ApiError::from(Refusal::OwnerProtected).into_response());
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(v["error"]["type"], "System.InvalidOperationException");
        assert_eq!(v["error"]["hresult"], -2146233079);
        assert_eq!(
            (v["status"].as_u64(), v["statusCode"].as_u64()),
            (Some(1), Some(403))
        );
    }

    #[test]
    fn validation_is_a_success_envelope_with_status_1() {
        let p = Problem::validation(field_error(
            "count",
            "The field count must be between 1 and 100.",
        ));
        let (status, v) = body_json(p.into_response(&req()));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            (v["status"].as_u64(), v["statusCode"].as_u64()),
            (Some(1), Some(400))
        );
        assert_eq!(v["response"]["status"], 400);
        assert_eq!(
            v["response"]["title"],
            "One or more validation errors occurred."
        );
        assert!(v["response"]["errors"]["count"].is_array());
        assert!(v["response"]["traceId"]
            .as_str()
            .is_some_and(|t| t.starts_with("00-")));
    }
}
