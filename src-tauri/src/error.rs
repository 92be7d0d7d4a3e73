//! The one error type of every command, as the UI receives it:
//! `{ "kind": string, "message": string, "details"?: any }` (docs/commands.md).
//!
//! `kind` comes from the core's own `kind()`; `message` is the core's sentence for the admin.
//! None of the wrapped errors can hold the API key (the core builds them from the portal URL,
//! HTTP status and server message only), so serializing one never reveals it.

use docspace_tfa::docspace::{ApiError, PortalUrlError};
use docspace_tfa::insight::InsightError;
use docspace_tfa::profiles::ProfileError;
use docspace_tfa::sandbox::SandboxError;
use docspace_tfa::secrets::SecretError;
use docspace_tfa::service::ServiceError;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

/// The input field a validation error is about, as the UI names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Portal,
    ApiKey,
}

impl Field {
    fn as_str(self) -> &'static str {
        match self {
            Field::Portal => "portal",
            Field::ApiKey => "apiKey",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    PortalUrl(#[from] PortalUrlError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("The sandbox portal could not start: {0}. Restart the app and try again.")]
    Sandbox(#[from] SandboxError),
    #[error("The app is not connected to a portal. Connect to a portal first.")]
    NotConnected,
    #[error("No portal is remembered on this computer. Enter the portal's address and an API key to connect.")]
    NoSavedPortal,
    #[error("Cannot {action} {path}: {detail}.")]
    File {
        action: &'static str,
        path: String,
        detail: String,
    },
    #[error("{0}")]
    Internal(String),
    #[error("{}", cancelled_message(*.0))]
    Cancelled(crate::waits::Wait),
    #[error(transparent)]
    Insight(#[from] InsightError),
}

/// A stopped save may still land (the PUT may be on the server already): never "nothing changed".
fn cancelled_message(what: crate::waits::Wait) -> &'static str {
    use crate::waits::Wait;
    match what {
        Wait::Connect => "You stopped connecting. Connect again when you are ready.",
        Wait::Load => "You stopped reading the policy. Read it again when the portal answers.",
        Wait::Save => "You stopped waiting for the save. The portal may have applied your change: read the policy again to see what it holds before you save again.",
    }
}

impl CommandError {
    pub fn kind(&self) -> &'static str {
        match self {
            CommandError::Service(e) => e.kind(),
            CommandError::Api(e) => e.kind(),
            CommandError::Secret(e) => e.kind(),
            CommandError::PortalUrl(_) => "validation",
            CommandError::Profile(ProfileError::Unknown(_)) => "notFound",
            CommandError::Profile(ProfileError::BadName | ProfileError::NameTaken(_)) => {
                "validation"
            }
            // A damaged or unwritable settings file: nothing the admin can fix by retrying input.
            CommandError::Profile(_) => "internal",
            CommandError::File { .. } => "file",
            CommandError::Sandbox(_) => "sandbox",
            CommandError::NotConnected => "notConnected",
            CommandError::NoSavedPortal => "noKey",
            CommandError::Internal(_) => "internal",
            CommandError::Cancelled(_) => "cancelled",
            CommandError::Insight(e) => e.kind(),
        }
    }

    /// The field a validation error is about.
    fn field(&self) -> Option<&str> {
        match self {
            CommandError::PortalUrl(_) | CommandError::Service(ServiceError::PortalUrl(_)) => {
                Some(Field::Portal.as_str())
            }
            CommandError::Secret(SecretError::EmptyKey | SecretError::MalformedKey)
            | CommandError::Service(ServiceError::Secret(
                SecretError::EmptyKey | SecretError::MalformedKey,
            )) => Some(Field::ApiKey.as_str()),
            CommandError::Service(ServiceError::Invalid { field, .. })
            | CommandError::Insight(InsightError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    pub fn details(&self) -> Option<Value> {
        if let Some(field) = self.field() {
            return Some(json!({ "field": field }));
        }
        match self {
            CommandError::Service(ServiceError::Conflict { theirs, live, .. }) => {
                Some(json!({ "theirs": theirs, "live": live }))
            }
            CommandError::Service(ServiceError::SaveFailed { landed, .. }) => {
                Some(json!({ "landed": landed }))
            }
            CommandError::Service(ServiceError::NotVerified { difference, .. }) => {
                Some(json!({ "difference": difference }))
            }
            CommandError::Service(ServiceError::Refused { problems }) => {
                Some(json!({ "problems": problems }))
            }
            CommandError::Cancelled(crate::waits::Wait::Save) => {
                Some(json!({ "landed": "unknown" }))
            }
            _ => None,
        }
    }
}

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let details = self.details();
        let mut s =
            serializer.serialize_struct("CommandError", if details.is_some() { 3 } else { 2 })?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        if let Some(details) = details {
            s.serialize_field("details", &details)?;
        }
        s.end()
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_kind_message_and_field() {
        let e = CommandError::from(PortalUrlError::Empty);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "validation");
        assert_eq!(v["details"]["field"], "portal");
        assert!(v["message"].as_str().unwrap().contains("empty"));

        let v = serde_json::to_value(CommandError::from(SecretError::EmptyKey)).unwrap();
        assert_eq!(v["details"]["field"], "apiKey");

        let v = serde_json::to_value(CommandError::NotConnected).unwrap();
        assert_eq!(v["kind"], "notConnected");
        assert!(v.get("details").is_none());
    }

    #[test]
    fn save_failed_carries_landed() {
        let e = CommandError::from(ServiceError::SaveFailed {
            portal: "https://p.example".into(),
            cause: ApiError::Timeout {
                portal: "https://p.example".into(),
                secs: 30,
            },
            landed: docspace_tfa::service::Landed::Unknown,
        });
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "saveFailed");
        assert_eq!(v["details"]["landed"], "unknown");
    }
}
