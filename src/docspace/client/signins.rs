//! The sign-in history and authenticator-reset calls (`docspace-signins-api.md`).

use reqwest::Method as HttpMethod;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiError, DocSpaceClient};
use crate::docspace::models::Envelope;

/// One event of `security/audit/login/*`: only what the app reads. Everything but `id` may be
/// missing (the server omits nulls), and nothing here is trusted: the caller checks each field.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginEventDto {
    pub id: i64,
    /// An offset date-time: `2026-06-30T13:05:41.0000000+03:00` or `…Z`.
    #[serde(default)]
    pub date: String,
    /// A GUID; the Guest id on failed sign-ins.
    #[serde(default)]
    pub user_id: Option<String>,
    /// What was typed, on failures.
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub action_id: Option<i64>,
    /// IPv6 addresses arrive mangled ("2001", ""), only IPv4 is usable.
    #[serde(default)]
    pub ip: Option<String>,
}

/// One answer of `login/filter`: the rows and the envelope's `count` (rows in this page; the
/// server sends no `total`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginPage {
    pub start: u32,
    pub rows: Vec<LoginEventDto>,
}

#[derive(Serialize)]
struct ResetBody {
    id: Uuid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lifetime {
    login_history_life_time: Option<i64>,
}

impl DocSpaceClient {
    /// `GET security/audit/login/filter?startIndex=S&count=C` with no filters: the server cuts
    /// the page before it filters, so filters would silently drop rows (§2).
    pub async fn login_events(&self, start: u32, count: u32) -> Result<LoginPage, ApiError> {
        let count = count.clamp(1, 100).to_string();
        let start_s = start.to_string();
        let raw = self
            .send_get_with_retry(
                "security/audit/login/filter",
                &[("startIndex", start_s.as_str()), ("count", count.as_str())],
            )
            .await?;
        let env: Envelope<Vec<LoginEventDto>> = self.parse_envelope(raw)?;
        Ok(LoginPage {
            start,
            rows: env.response.unwrap_or_default(),
        })
    }

    /// `GET security/audit/login/last`: the 20 newest events.
    pub async fn login_last(&self) -> Result<Vec<LoginEventDto>, ApiError> {
        self.get_json("security/audit/login/last", &[]).await
    }

    /// `GET security/audit/settings/lifetime`: days of sign-in history the portal keeps, if it says.
    pub async fn login_retention_days(&self) -> Result<Option<u32>, ApiError> {
        let l: Lifetime = self
            .get_json("security/audit/settings/lifetime", &[])
            .await?;
        Ok(l.login_history_life_time
            .and_then(|d| u32::try_from(d).ok())
            .filter(|d| (1..=3650).contains(d)))
    }

    /// `PUT settings/tfaappnewapp` with the id always sent (an omitted id gives 403): wipes the
    /// person's authenticator; they are signed out everywhere and enrol again (§6).
    pub async fn reset_tfa_app(&self, id: Uuid) -> Result<String, ApiError> {
        let raw = self
            .send(
                HttpMethod::PUT,
                "settings/tfaappnewapp",
                &[],
                Some(&ResetBody { id }),
            )
            .await?;
        self.parse_response(raw, "the reset's answer")
    }
}
