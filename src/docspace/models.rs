//! Wire format of the DocSpace REST API (shared/docspace-api.md), nothing else.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::policy::{Method, Policy};

/// `{response, count, total, links, status, statusCode}`. `response` is omitted when null.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    #[serde(default = "Option::default")]
    pub response: Option<T>,
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub total: Option<i64>,
    #[serde(default)]
    pub status: Option<i64>,
}

/// The error envelope `{error: {message, type, stack, hresult}, status, statusCode}`.
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
}

/// One entry of `GET settings/tfaapp`: `sms` or `app`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TfaSettingsDto {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub enabled: bool,
    /// Spelled `avaliable` up to v3.6.x, `available` from v3.7.1.
    #[serde(default, alias = "avaliable")]
    pub available: bool,
    /// `None` when the list was never saved (the server omits null lists).
    #[serde(default)]
    pub trusted_ips: Option<Vec<String>>,
    #[serde(default)]
    pub mandatory_users: Option<Vec<Uuid>>,
    #[serde(default)]
    pub mandatory_groups: Option<Vec<Uuid>>,
}

/// Body of `PUT settings/tfaapp`. Always every field: the PUT is a full replace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TfaRequest {
    /// Lowercase string, as the official UI sends; accepted by every server version.
    #[serde(rename = "type")]
    pub method: Method,
    /// The caller's own id: required when the owner puts themselves in `mandatoryUsers`.
    pub id: Uuid,
    pub trusted_ips: Vec<String>,
    pub mandatory_users: Vec<Uuid>,
    pub mandatory_groups: Vec<Uuid>,
}

impl TfaRequest {
    pub fn new(policy: &Policy, caller: Uuid) -> Self {
        TfaRequest {
            method: policy.method,
            id: caller,
            trusted_ips: policy.trusted_ips.clone(),
            mandatory_users: policy.mandatory_users.clone(),
            mandatory_groups: policy.mandatory_groups.clone(),
        }
    }
}

/// The subset of `EmployeeFullDto` the app uses.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Employee {
    pub id: Uuid,
    /// HTML-encoded on the wire; decoded by the client before anyone sees it.
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// What people type to sign in besides the e-mail (failed sign-ins record it as `login`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_owner: bool,
    #[serde(default)]
    pub is_room_admin: bool,
    #[serde(default)]
    pub is_visitor: bool,
    #[serde(default)]
    pub is_collaborator: bool,
    /// Only sent to admins, and only while app TFA is on: whether this user linked an app.
    #[serde(default)]
    pub tfa_app_enabled: Option<bool>,
    #[serde(default)]
    pub groups: Option<Vec<GroupSummary>>,
}

impl Employee {
    /// Owner and DocSpace admins may edit portal settings. The owner has `isAdmin:false` since v3.7.1.
    pub fn can_manage_tfa(&self) -> bool {
        self.is_owner || self.is_admin
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_system: Option<bool>,
}

/// The subset of `GroupDto` the app uses.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub is_system: Option<bool>,
    #[serde(default)]
    pub members_count: Option<i64>,
}

/// One page of a paged list: the items and the number of all matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub start_index: u32,
    pub total: u64,
}
