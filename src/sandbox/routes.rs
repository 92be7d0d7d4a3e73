//! The DocSpace API routes: thin handlers over binding, state and DTOs.
//!
//! Order inside a handler follows ASP.NET: authentication (extractor, 401), then model binding
//! (400/415, before the action runs), then the action's own permission checks (403).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use uuid::Uuid;

use super::auth::Caller;
use super::binding::{self, Query};
use super::directory::{GroupRef, PageRequest, User};
use super::dto::{EmployeeFullDto, GroupDto, GroupSummaryDto, TfaSettingsDto};
use super::envelope::{ok, ok_list, ApiError, Failure, Problem, RequestInfo};
use super::shared::Shared;
use super::state::PutOutcome;

type AppState = Arc<Shared>;
type Reply = Result<Response, Failure>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/2.0/settings/tfaapp", get(get_tfa).put(put_tfa))
        .route("/api/2.0/settings/tfaappwithlink", put(put_tfa_with_link))
        .route("/api/2.0/people/@self", get(people_self))
        .route("/api/2.0/people/filter", get(people_filter))
        .route("/api/2.0/people/{id}", get(person))
        .route("/api/2.0/group", get(group_list))
        .route("/api/2.0/group/{id}", get(group_one))
        .route("/api/2.0/group/user/{userid}", get(groups_of_user))
}

/// Any unknown path: the JSON error envelope with 404.
pub async fn not_found() -> Response {
    ApiError::no_route().into_response()
}

async fn get_tfa(State(s): State<AppState>, _caller: Caller, req: RequestInfo) -> Response {
    let (views, spelling) = {
        let portal = s.portal();
        (portal.tfa_view(), portal.flags.spelling)
    };
    let items = views
        .into_iter()
        .map(|v| TfaSettingsDto::new(v, spelling))
        .collect();
    ok_list(&req, items, None)
}

async fn put_tfa(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let outcome = save_tfa(&s, caller, &req, &headers, &body)?;
    Ok(ok(&req, outcome.answer))
}

/// Same save; answers the caller's confirm URL after enabling, `""` after disabling.
async fn put_tfa_with_link(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let outcome = save_tfa(&s, caller, &req, &headers, &body)?;
    let link = if outcome.answer {
        format!(
            "{}/confirm/TfaActivation?type=TfaActivation&uid={}",
            req.base, caller.id
        )
    } else {
        String::new()
    };
    Ok(ok(&req, link))
}

fn save_tfa(
    s: &Shared,
    caller: Caller,
    req: &RequestInfo,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<PutOutcome, Failure> {
    if !is_json(headers) {
        return Err(Failure::Problem(
            Problem::unsupported_media_type(),
            req.clone(),
        ));
    }
    let request = binding::tfa_request(body)
        .map_err(|e| Failure::Problem(Problem::validation(e), req.clone()))?;
    let outcome = s
        .portal()
        .put_tfa(caller.id, caller.role.is_portal_admin(), request)?;
    Ok(outcome)
}

/// The JSON input formatter's media types.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence == "text/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `tfaAppEnabled` is shown to admins (and the owner) only while app TFA is on.
fn shows_tfa(s: &Shared, caller: Caller) -> bool {
    caller.role.is_portal_admin() && s.portal().app_enabled()
}

fn page_request(query: Option<String>, req: &RequestInfo) -> Result<PageRequest, Failure> {
    Query::parse(query.as_deref())
        .page_request()
        .map_err(|e| Failure::Problem(Problem::validation(e), req.clone()))
}

async fn people_self(State(s): State<AppState>, caller: Caller, req: RequestInfo) -> Reply {
    user_reply(&s, caller, &req, s.directory.user_by_id(caller.id))
}

/// One user as `EmployeeFullDto`, or the server's 404.
fn user_reply(s: &AppState, caller: Caller, req: &RequestInfo, user: Option<&User>) -> Reply {
    let user = user.ok_or_else(|| ApiError::not_found("The user could not be found"))?;
    Ok(ok(
        req,
        with_resets(
            s,
            EmployeeFullDto::new(&s.directory, user, shows_tfa(s, caller), &req.base),
        ),
    ))
}

async fn people_filter(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    RawQuery(query): RawQuery,
) -> Reply {
    let page = page_request(query, &req)?;
    if !caller.role.can_read_directory() {
        return Err(ApiError::access_denied().into());
    }
    let show_tfa = shows_tfa(&s, caller);
    let found = s.directory.search_users(&page);
    let items = found
        .items
        .into_iter()
        .map(|u| {
            with_resets(
                &s,
                EmployeeFullDto::new(&s.directory, u, show_tfa, &req.base),
            )
        })
        .collect();
    Ok(ok_list(&req, items, Some(found.total)))
}

async fn person(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    Path(id): Path<String>,
) -> Reply {
    user_reply(&s, caller, &req, s.directory.find_user(&id))
}

async fn group_list(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    RawQuery(query): RawQuery,
) -> Reply {
    let fields = Fields::of(query.as_deref());
    let page = page_request(query, &req)?;
    // Action_ReadGroups is denied to the "User" type and to guests by the default ACL.
    if !caller.role.can_read_directory() {
        return Err(ApiError::access_denied().into());
    }
    let show_tfa = shows_tfa(&s, caller);
    let found = s.directory.search_groups(&page);
    // Like the server, list items embed the manager and every member unless `fields` leaves
    // them out: the weight a client must avoid on a big portal.
    let items = found
        .items
        .into_iter()
        .map(|g| {
            let group = GroupRef::Ordinary(g);
            let dto = GroupDto::full(
                &s.directory,
                group,
                fields.wants("members"),
                show_tfa,
                &req.base,
            );
            fields.project(&dto)
        })
        .collect();
    Ok(ok_list(&req, items, Some(found.total)))
}

async fn group_one(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    let parsed = Query::parse(query.as_deref());
    // The server's default is to embed every member.
    let members = parsed.get("includeMembers").is_none()
        || parsed
            .flag("includeMembers")
            .map_err(|e| Failure::Problem(Problem::validation(e), req.clone()))?;
    let fields = Fields::of(query.as_deref());
    if !caller.role.can_read_directory() {
        return Err(ApiError::access_denied().into());
    }
    let group = Uuid::try_parse(&id)
        .ok()
        .and_then(|id| s.directory.group_by_id(id))
        .ok_or_else(|| ApiError::not_found("Group not found"))?;
    let show_tfa = shows_tfa(&s, caller);
    let mut dto = GroupDto::full(
        &s.directory,
        group,
        members && fields.wants("members"),
        show_tfa,
        &req.base,
    );
    dto.manager = dto.manager.map(|m| with_resets(&s, m));
    dto.members = dto
        .members
        .map(|all| all.into_iter().map(|m| with_resets(&s, m)).collect());
    Ok(ok(&req, fields.project(&dto)))
}

/// `group/user/{userid}`: the groups one person belongs to, as `GroupSummaryDto`s (an unknown
/// person has none).
async fn groups_of_user(
    State(s): State<AppState>,
    caller: Caller,
    req: RequestInfo,
    Path(userid): Path<String>,
) -> Reply {
    if !caller.role.can_read_directory() {
        return Err(ApiError::access_denied().into());
    }
    let items: Vec<GroupSummaryDto> = match s.directory.find_user(&userid) {
        Some(user) => s
            .directory
            .groups_of(user)
            .into_iter()
            .map(|g| GroupSummaryDto::of(&s.directory, g))
            .collect(),
        None => Vec::new(),
    };
    Ok(ok_list(&req, items, None))
}

/// The server's `fields` filter: only the named top-level fields of each item are sent.
struct Fields(Option<Vec<String>>);

impl Fields {
    fn of(query: Option<&str>) -> Fields {
        let parsed = Query::parse(query);
        Fields(parsed.get("fields").map(|f| {
            f.split(',')
                .map(|n| n.trim().to_ascii_lowercase())
                .filter(|n| !n.is_empty())
                .collect()
        }))
    }

    fn wants(&self, field: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(field)))
    }

    fn project<T: serde::Serialize>(&self, item: &T) -> serde_json::Value {
        let mut value = serde_json::to_value(item).unwrap_or_default();
        if let (Some(names), Some(map)) = (&self.0, value.as_object_mut()) {
            map.retain(|k, _| names.iter().any(|n| n.eq_ignore_ascii_case(k)));
        }
        value
    }
}

/// A person whose authenticator was reset (`settings/tfaappnewapp`) has no linked app any more.
fn with_resets(s: &Shared, mut dto: EmployeeFullDto) -> EmployeeFullDto {
    if dto.tfa_app_enabled == Some(true)
        && s.signins_if_seeded()
            .is_some_and(|log| !log.app_linked(&s.directory, dto.id))
    {
        dto.tfa_app_enabled = Some(false);
    }
    dto
}
