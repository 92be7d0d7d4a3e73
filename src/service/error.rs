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
    #[error("{name} is signed in to {portal} with read-only access: only the owner and DocSpace admins can change the TFA policy. Nothing was changed. Use a key of the owner or a DocSpace admin to change it.")]
    NotAdmin { portal: String, name: String },
    #[error("No API key is stored for {portal}. Connect with a key first (CLI: `docspace-tfa --portal {portal} login`).")]
    NoKey { portal: String },
    #[error("The policy was not saved: {}", .problems.join(" "))]
    Refused { problems: Vec<String> },
    #[error("Someone changed the TFA policy on {portal} after it was loaded ({}). Nothing was saved. Reload to see the new policy, or review again and overwrite it.", describe(.theirs))]
    Conflict {
        portal: String,
        theirs: Box<PolicyDiff>,
        live: Box<PortalPolicy>,
    },
    #[error("The save request to {portal} failed ({cause}). {landed}")]
    SaveFailed {
        portal: String,
        cause: ApiError,
        landed: Landed,
    },
    #[error("{portal} accepted the save but now holds a different policy than was sent ({}). Check the policy on the portal and save again.", describe(.difference))]
    NotVerified {
        portal: String,
        difference: Box<PolicyDiff>,
    },
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("This app has not saved a policy to {portal} yet, so there is nothing to compare with. Drift is checked against this app's last save.")]
    NoHistory { portal: String },
    #[error(transparent)]
    PolicyFile(#[from] PolicyFileError),
    #[error("The policy file names entries that do not exist on {portal}: {}. Fix the file (add ids, or correct the emails and names) and try again.", .entries.join("; "))]
    Unresolved {
        portal: String,
        entries: Vec<String>,
    },
    #[error("Nobody on {portal} matches \"{query}\". Use the person's email or id (`docspace-tfa users {query}` lists matches).")]
    NoSuchPerson { portal: String, query: String },
    #[error("\"{query}\" matches several people on {portal} ({}). Use the email or id instead.", .candidates.join(", "))]
    Ambiguous {
        portal: String,
        query: String,
        candidates: Vec<String>,
    },
    #[error("{field}: {message}")]
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
        f.write_str(match self {
            Landed::No => "The portal still holds the previous policy; nothing changed. Try again.",
            Landed::Yes => "The portal does hold the new policy: the change landed although the answer was lost.",
            Landed::Unknown => "It is not known whether the change landed: reload the policy and check it before trying again.",
        })
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
