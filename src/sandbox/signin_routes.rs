//! The sign-in history endpoints (`docspace-signins-api.md` §1, §2, §6) and their control calls
//! under `/sandbox/signins`. Thin handlers over `signins`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Caller;
use super::binding::Query;
use super::directory::Role;
use super::envelope::{
    field_error, ok, ok_list, ApiError, Failure, FieldErrors, Problem, RequestInfo,
};
use super::shared::Shared;
use super::signins::{
    action, LoginFilter, NewSignin, ResetOutcome, SigninEvent, GUEST_ID, MAX_RETENTION_DAYS, NEWEST,
};

type AppState = Arc<Shared>;
type Reply = Result<Response, Failure>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/2.0/security/audit/login/filter", get(login_filter))
        .route("/api/2.0/security/audit/login/last", get(login_last))
        .route(
            "/api/2.0/security/audit/settings/lifetime",
            get(get_lifetime).post(post_lifetime),
        )
        .route("/api/2.0/settings/tfaappnewapp", put(reset_app))
        .route(
            "/sandbox/signins",
            get(control_summary).post(control_append),
        )
        .route("/sandbox/signins/config", put(control_config))
}

/// `LoginEventDto`, nulls omitted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginEventDto {
    id: u64,
    date: String,
    user: String,
    user_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    login: Option<String>,
    action: &'static str,
    action_id: u16,
    ip: String,
    country: &'static str,
    city: &'static str,
    browser: &'static str,
    platform: &'static str,
}

fn dto(s: &Shared, e: SigninEvent) -> LoginEventDto {
    let person = e.user.and_then(|id| s.directory.user_by_id(id));
    let user = match (person, &e.login) {
        (Some(p), _) => p.display_name(),
        (None, Some(login)) => login.clone(),
        (None, None) => "Anonymous".to_string(),
    };
    LoginEventDto {
        id: e.id,
        date: super::signins::wire_date(e.at),
        user,
        user_id: e.user.unwrap_or(GUEST_ID),
        login: e.login,
        action: action_text(e.action),
        action_id: e.action,
        ip: e.ip,
        country: "",
        city: "",
        browser: "Firefox 128",
        platform: "Linux",
    }
}

/// (code, enum name, localized text).
const ACTIONS: [(u16, &str, &str); 9] = [
    (action::LOGIN_SUCCESS, "LoginSuccess", "Logged in"),
    (action::LOGOUT, "Logout", "Logged out"),
    (action::VIA_API, "LoginSuccessViaApi", "Logged in via API"),
    (
        action::FAIL_VIA_API,
        "LoginFailViaApi",
        "Login failed via API",
    ),
    (action::VIA_SSO, "LoginSuccessViaSSO", "Logged in via SSO"),
    (
        action::VIA_TFA_APP,
        "LoginSuccesViaTfaApp",
        "Logged in with an authenticator app",
    ),
    (
        action::VIA_API_TFA,
        "LoginSuccessViaApiTfa",
        "Logged in via API with an authenticator app",
    ),
    (
        action::FAIL_VIA_API_TFA,
        "LoginFailViaApiTfa",
        "Wrong authenticator code via API",
    ),
    (
        action::VIA_PASSWORD,
        "LoginSuccessViaPassword",
        "Logged in with a password",
    ),
];

fn action_text(code: u16) -> &'static str {
    ACTIONS
        .iter()
        .find(|a| a.0 == code)
        .map_or("Login event", |a| a.2)
}

/// Every endpoint demands `EditPortalSettings`: owner and DocSpace admins.
fn require_admin(caller: Caller) -> Result<(), Failure> {
    if caller.role.is_portal_admin() {
        Ok(())
    } else {
        Err(ApiError::access_denied().into())
    }
}

fn validation(req: &RequestInfo, errors: FieldErrors) -> Failure {
    Failure::Problem(Problem::validation(errors), req.clone())
}

/// Binds the filter query the server's way: `count` 1..100, dates with a zone.
fn bind_filter(query: &Query) -> Result<(usize, usize, LoginFilter), FieldErrors> {
    let bad = |name: &str, raw: &str| {
        field_error(name, format!("The value '{raw}' is not valid for {name}."))
    };
    let int = |name: &str| -> Result<Option<i64>, FieldErrors> {
        query
            .get(name)
            .map(|raw| {
                raw.trim()
                    .parse::<i32>()
                    .map(i64::from)
                    .map_err(|_| bad(name, raw))
            })
            .transpose()
    };
    let count = match int("count")? {
        None => 100,
        Some(n @ 1..=100) => n as usize,
        Some(_) => {
            return Err(field_error(
                "count",
                "The field count must be between 1 and 100.",
            ))
        }
    };
    let start = int("startIndex")?.map_or(0, |n| usize::try_from(n).unwrap_or(0));
    let user = query
        .get("userId")
        .map(|raw| Uuid::try_parse(raw.trim()).map_err(|_| bad("userId", raw)))
        .transpose()?;
    let action = query
        .get("action")
        .map(|raw| {
            let raw_t = raw.trim();
            raw_t
                .parse::<u16>()
                .ok()
                .or_else(|| {
                    ACTIONS
                        .iter()
                        .find(|a| a.1.eq_ignore_ascii_case(raw_t))
                        .map(|a| a.0)
                })
                .ok_or_else(|| bad("action", raw))
        })
        .transpose()?;
    // A bare date or a time without a zone is refused; "+" arrives as a space unless sent as %2B.
    let date = |name: &str| -> Result<Option<i64>, FieldErrors> {
        query
            .get(name)
            .map(|raw| {
                DateTime::parse_from_rfc3339(raw.trim())
                    .map(|d| d.timestamp())
                    .map_err(|_| bad(name, raw))
            })
            .transpose()
    };
    let filter = LoginFilter {
        user,
        action,
        from: date("from")?,
        to: date("to")?,
    };
    Ok((start, count, filter))
}

async fn login_filter(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    RawQuery(query): RawQuery,
) -> Reply {
    let (start, count, filter) =
        bind_filter(&Query::parse(query.as_deref())).map_err(|e| validation(&req, e))?;
    require_admin(caller)?;
    let now = Utc::now().timestamp();
    let rows = {
        let mut log = s.signins();
        let arrivals = log.arrivals_per_request;
        if arrivals > 0 {
            log.arrivals(&s.directory, now, arrivals);
        }
        log.prune(now);
        log.page(start, count, &filter)
    };
    let items = rows.into_iter().map(|e| dto(&s, e)).collect();
    // No `total`: the server does not count the filtered rows.
    Ok(ok_list(&req, items, None))
}

async fn login_last(State(s): State<AppState>, caller: Caller, req: RequestInfo) -> Reply {
    require_admin(caller)?;
    let rows = {
        let mut log = s.signins();
        log.prune(Utc::now().timestamp());
        log.newest(NEWEST)
    };
    let items = rows.into_iter().map(|e| dto(&s, e)).collect();
    Ok(ok_list(&req, items, None))
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lifetime {
    login_history_life_time: i64,
    audit_trail_life_time: i64,
    #[serde(default, skip_deserializing)]
    last_modified: String,
}

async fn get_lifetime(State(s): State<AppState>, caller: Caller, req: RequestInfo) -> Reply {
    require_admin(caller)?;
    let log = s.signins();
    Ok(ok(
        &req,
        Lifetime {
            login_history_life_time: i64::from(log.retention_days),
            audit_trail_life_time: i64::from(log.audit_retention_days),
            last_modified: super::signins::wire_date(0),
        },
    ))
}

#[derive(Deserialize)]
struct LifetimeBody {
    settings: Lifetime,
}

async fn post_lifetime(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    body: Bytes,
) -> Reply {
    let body: LifetimeBody = serde_json::from_slice(&body).map_err(|_| {
        validation(
            &req,
            field_error("settings", "The settings field is required."),
        )
    })?;
    let range = 1..=i64::from(MAX_RETENTION_DAYS);
    for (name, v) in [
        (
            "settings.loginHistoryLifeTime",
            body.settings.login_history_life_time,
        ),
        (
            "settings.auditTrailLifeTime",
            body.settings.audit_trail_life_time,
        ),
    ] {
        if !range.contains(&v) {
            return Err(validation(
                &req,
                field_error(
                    name,
                    format!("The field must be between 1 and {MAX_RETENTION_DAYS}."),
                ),
            ));
        }
    }
    require_admin(caller)?;
    let mut log = s.signins();
    if log.free_plan {
        return Err(payment_required().into());
    }
    // Both values are in 1..=180, so they fit.
    log.retention_days = body.settings.login_history_life_time as u32;
    log.audit_retention_days = body.settings.audit_trail_life_time as u32;
    log.prune(Utc::now().timestamp());
    Ok(ok(
        &req,
        Lifetime {
            last_modified: super::signins::wire_date(Utc::now().timestamp()),
            ..body.settings
        },
    ))
}

/// The plan lacks the `audit` feature.
fn payment_required() -> ApiError {
    ApiError {
        status: StatusCode::PAYMENT_REQUIRED,
        message: "Your pricing plan does not support this option".into(),
        type_name: Some("ASC.Core.Billing.BillingException"),
        hresult: -2146233088,
    }
}

#[derive(Deserialize)]
struct ResetBody {
    #[serde(default)]
    id: Option<String>,
}

async fn reset_app(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    body: Bytes,
) -> Reply {
    let body: ResetBody = serde_json::from_slice(&body).unwrap_or(ResetBody { id: None });
    let target = body.id.and_then(|id| Uuid::try_parse(id.trim()).ok());
    let app_on = s.portal().app_enabled();
    let outcome = s
        .signins()
        .reset_app(
            &s.directory,
            caller.id,
            caller.role == Role::Owner,
            app_on,
            target,
            &req.base,
        )
        .map_err(|r| ApiError::invalid_operation(r.message()))?;
    Ok(match outcome {
        ResetOutcome::Other => ok(&req, ""),
        ResetOutcome::OwnLink(link) => ok(&req, link),
    })
}

/// `POST /sandbox/signins`: `{"count": N}` random sign-ins, or exactly these `events`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Append {
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    events: Vec<AppendEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AppendEvent {
    #[serde(default)]
    user_id: Option<Uuid>,
    #[serde(default)]
    login: Option<String>,
    action_id: u16,
    ip: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    total: usize,
    newest_id: Option<u64>,
    added: Vec<u64>,
    free_plan: bool,
    retention_days: u32,
    arrivals_per_request: u32,
}

fn summary(s: &Shared, added: Vec<u64>) -> Json<Summary> {
    let log = s.signins();
    Json(Summary {
        total: log.events().len(),
        newest_id: log.events().last().map(|e| e.id),
        added,
        free_plan: log.free_plan,
        retention_days: log.retention_days,
        arrivals_per_request: log.arrivals_per_request,
    })
}

async fn control_summary(State(s): State<AppState>) -> Json<Summary> {
    summary(&s, Vec::new())
}

async fn control_append(State(s): State<AppState>, body: Bytes) -> Response {
    let append: Append = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => return bad_request(&e.to_string()),
    };
    let now = Utc::now().timestamp();
    let added = {
        let mut log = s.signins();
        let mut added = log.arrivals(&s.directory, now, append.count.unwrap_or(0));
        let exact = append
            .events
            .into_iter()
            .map(|e| NewSignin {
                user: e.user_id.filter(|id| *id != GUEST_ID),
                login: e.login,
                action: e.action_id,
                ip: e.ip,
            })
            .collect();
        added.extend(log.append(now, exact));
        added
    };
    summary(&s, added).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Config {
    #[serde(default)]
    free_plan: Option<bool>,
    #[serde(default)]
    arrivals_per_request: Option<u32>,
    #[serde(default)]
    retention_days: Option<u32>,
}

async fn control_config(State(s): State<AppState>, body: Bytes) -> Response {
    let config: Config = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    if config
        .retention_days
        .is_some_and(|d| !(1..=MAX_RETENTION_DAYS).contains(&d))
    {
        return bad_request("retentionDays must be 1..180");
    }
    {
        let mut log = s.signins();
        log.free_plan = config.free_plan.unwrap_or(log.free_plan);
        log.arrivals_per_request = config
            .arrivals_per_request
            .unwrap_or(log.arrivals_per_request);
        log.retention_days = config.retention_days.unwrap_or(log.retention_days);
        log.prune(Utc::now().timestamp());
    }
    summary(&s, Vec::new()).into_response()
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}
