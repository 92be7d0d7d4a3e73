//! Errors of the sign-in insight: which call or file, what is wrong, what to do.

use thiserror::Error;

use crate::docspace::ApiError;
use crate::service::ServiceError;

#[derive(Debug, Error)]
pub enum InsightError {
    #[error(transparent)]
    Api(ApiError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("{portal} refused to show its sign-in history (HTTP 403: {message}). Only the portal owner and DocSpace admins can read it; connect with the key of one of them.")]
    Forbidden { portal: String, message: String },
    #[error("{portal}'s pricing plan does not include the sign-in history (HTTP 402). Upgrade the plan, or use the portal's own reports.")]
    Plan { portal: String },
    #[error(
        "The sign-in scan was cancelled. The local copy of the sign-in data was left as it was."
    )]
    Cancelled,
    #[error("The sign-in history of {portal} kept moving under the scan ({restarts} restarts). Try again when fewer people are signing in.")]
    Unstable { portal: String, restarts: u32 },
    #[error("{portal} sent more than {limit} sign-in events without reaching the requested period; the scan was stopped. Check the portal address.")]
    Runaway { portal: String, limit: u64 },
    #[error("Cannot use the local sign-in data {path}: {detail}. Remove it with `docspace-tfa forget-signins` (it is only a copy) and try again.")]
    Cache { path: String, detail: String },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("Only the portal owner can reset someone's authenticator app; {name} is a DocSpace admin, and the server refuses admins (HTTP 403). Ask the owner to do it.")]
    NotOwner { name: String },
    #[error("{name} has no authenticator app linked (or app TFA is off on {portal}), so there is nothing to reset.")]
    NothingToReset { portal: String, name: String },
}

impl From<ApiError> for InsightError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Forbidden {
                portal, message, ..
            } => InsightError::Forbidden { portal, message },
            ApiError::UnexpectedStatus {
                portal,
                status: 402,
                ..
            } => InsightError::Plan { portal },
            other => InsightError::Api(other),
        }
    }
}

impl InsightError {
    /// A stable short name front-ends switch on.
    pub fn kind(&self) -> &'static str {
        match self {
            InsightError::Api(e) => e.kind(),
            InsightError::Service(e) => e.kind(),
            InsightError::Forbidden { .. } | InsightError::NotOwner { .. } => "forbidden",
            InsightError::Plan { .. } => "plan",
            InsightError::Cancelled => "cancelled",
            InsightError::Unstable { .. } | InsightError::Runaway { .. } => "server",
            InsightError::Cache { .. } => "file",
            InsightError::Invalid { .. } => "validation",
            InsightError::NothingToReset { .. } => "notFound",
        }
    }
}
