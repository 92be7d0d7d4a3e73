//! Errors of the shared workflows, and how a failed save left the portal.

use serde::Serialize;
use thiserror::Error;

use crate::docspace::{ApiError, PortalUrlError};
use crate::history::HistoryError;
use crate::policy::{PolicyDiff, PortalPolicy};
use crate::policy_file::PolicyFileError;
use crate::secrets::SecretError;

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    PortalUrl(#[from] PortalUrlError),
    #[error("{}", crate::messages::service(self))]
    NotAdmin { portal: String, name: String },
    #[error("{}", crate::messages::service(self))]
    NoKey { portal: String },
    #[error("{}", crate::messages::service(self))]
    Refused { problems: Vec<String> },
    #[error("{}", crate::messages::service(self))]
    Conflict {
        portal: String,
        theirs: Box<PolicyDiff>,
        live: Box<PortalPolicy>,
    },
    #[error("{}", crate::messages::service(self))]
    SaveFailed {
        portal: String,
        cause: ApiError,
        landed: Landed,
    },
    #[error("{}", crate::messages::service(self))]
    NotVerified {
        portal: String,
        difference: Box<PolicyDiff>,
    },
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("{}", crate::messages::service(self))]
    NoHistory { portal: String },
    #[error(transparent)]
    PolicyFile(#[from] PolicyFileError),
    #[error("{}", crate::messages::service(self))]
    Unresolved {
        portal: String,
        entries: Vec<String>,
    },
    #[error("{}", crate::messages::service(self))]
    NoSuchPerson { portal: String, query: String },
    #[error("{}", crate::messages::service(self))]
    Ambiguous {
        portal: String,
        query: String,
        candidates: Vec<String>,
    },
    #[error("{}", crate::messages::service(self))]
    Invalid { field: String, message: String },
}

impl ServiceError {
    /// A stable name for front-ends.
    pub fn kind(&self) -> &'static str {
        match self {
            ServiceError::Api(e) => e.kind(),
            ServiceError::Secret(e) => e.kind(),
            ServiceError::PortalUrl(_) => "validation",
            ServiceError::NotAdmin { .. } => "notAdmin",
            ServiceError::NoKey { .. } => "noKey",
            ServiceError::Refused { .. } => "refused",
            ServiceError::Conflict { .. } => "conflict",
            ServiceError::SaveFailed { .. } => "saveFailed",
            ServiceError::NotVerified { .. } => "notVerified",
            ServiceError::History(_) | ServiceError::NoHistory { .. } => "history",
            ServiceError::PolicyFile(_)
            | ServiceError::Unresolved { .. }
            | ServiceError::Invalid { .. } => "validation",
            ServiceError::NoSuchPerson { .. } | ServiceError::Ambiguous { .. } => "notFound",
        }
    }
}

/// After a save request failed, what the portal holds now (read again to find out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Landed {
    /// The portal still holds the policy from before: nothing changed.
    No,
    /// The portal holds the policy that was sent: the change landed although the answer was lost.
    Yes,
    /// The portal holds a third policy, or could not be read.
    Unknown,
}

impl std::fmt::Display for Landed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::messages::landed(self))
    }
}

/// A short one-line summary of a diff for messages.
pub fn describe(d: &PolicyDiff) -> String {
    let mut parts = Vec::new();
    if let Some((from, to)) = d.method {
        parts.push(format!("method {} → {}", from.label(), to.label()));
    }
    let mut list = |name: &str, added: usize, removed: usize| {
        if added + removed > 0 {
            parts.push(format!("{name} +{added} −{removed}"));
        }
    };
    list(
        "trusted IPs",
        d.trusted_ips.added.len(),
        d.trusted_ips.removed.len(),
    );
    list(
        "mandatory users",
        d.mandatory_users.added.len(),
        d.mandatory_users.removed.len(),
    );
    list(
        "mandatory groups",
        d.mandatory_groups.added.len(),
        d.mandatory_groups.removed.len(),
    );
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(", ")
    }
}
