//! API-key authentication (docspace-api.md §6.4): `Authorization: Bearer sk-…` → a caller.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use uuid::Uuid;

use super::directory::Role;
use super::shared::Shared;
use super::{ADMIN_KEY, OWNER_KEY, USER_KEY};

/// The authenticated user of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub id: Uuid,
    pub role: Role,
}

/// The key part of an `Authorization` value, if its scheme is Bearer (any case).
pub fn bearer_key(value: &str) -> Option<&str> {
    let (scheme, key) = value.trim().split_once(char::is_whitespace)?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

impl FromRequestParts<Arc<Shared>> for Caller {
    /// The default ASP.NET challenge: 401 with an empty body.
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_key)
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let directory = &shared.directory;
        let user = match key {
            OWNER_KEY => directory.owner(),
            ADMIN_KEY => directory.admin(),
            USER_KEY => directory.user(),
            _ => return Err(StatusCode::UNAUTHORIZED),
        };
        Ok(Caller {
            id: user.id,
            role: user.role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer_key("Bearer sk-x"), Some("sk-x"));
        assert_eq!(bearer_key("bearer   sk-x "), Some("sk-x"));
        assert_eq!(bearer_key("BEARER sk-x"), Some("sk-x"));
        assert_eq!(bearer_key("Basic abc"), None);
        assert_eq!(bearer_key("sk-x"), None);
        assert_eq!(bearer_key(""), None);
    }
}
