//! Errors of the REST client. Each says what happened, on which portal, and what to do; the
//! sentences are in [`crate::messages`]. None of them can carry the API key: they are built from
//! the portal URL, the status and the server's own `error.message`, which the client scrubs
//! ([`ApiError::map_text`], `crate::redact`).

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    #[error("{}", crate::messages::api(self))]
    Unauthorized { portal: String },

    #[error("{}", crate::messages::api(self))]
    Forbidden {
        portal: String,
        status: u16,
        message: String,
    },

    #[error("{}", crate::messages::api(self))]
    NotFound {
        portal: String,
        what: String,
        message: String,
    },

    #[error("{}", crate::messages::api(self))]
    BadRequest { portal: String, message: String },

    #[error("{}", crate::messages::api(self))]
    RateLimited {
        portal: String,
        retry_after_secs: u64,
    },

    #[error("{}", crate::messages::api(self))]
    Server {
        portal: String,
        status: u16,
        message: String,
    },

    #[error("{}", crate::messages::api(self))]
    UnexpectedStatus {
        portal: String,
        status: u16,
        message: String,
    },

    #[error("{}", crate::messages::api(self))]
    Timeout { portal: String, secs: u64 },

    #[error("{}", crate::messages::api(self))]
    Connect { portal: String, detail: String },

    #[error("{}", crate::messages::api(self))]
    Tls { portal: String, detail: String },

    #[error("{}", crate::messages::api(self))]
    Redirected { portal: String, location: String },

    #[error("{}", crate::messages::api(self))]
    NotDocSpace { portal: String, detail: String },

    #[error("{}", crate::messages::api(self))]
    TooLarge { portal: String, limit_mib: u64 },
}

impl ApiError {
    /// A stable, short name of the kind of error: what front-ends switch on.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::NotFound { .. } => "notFound",
            ApiError::BadRequest { .. } => "badRequest",
            ApiError::RateLimited { .. } => "rateLimited",
            ApiError::Server { .. } | ApiError::UnexpectedStatus { .. } => "server",
            ApiError::Timeout { .. } => "timeout",
            ApiError::Connect { .. } => "network",
            ApiError::Tls { .. } => "tls",
            ApiError::Redirected { .. }
            | ApiError::NotDocSpace { .. }
            | ApiError::TooLarge { .. } => "notDocSpace",
        }
    }

    /// The HTTP status, when the server answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::Forbidden { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::UnexpectedStatus { status, .. } => Some(*status),
            ApiError::NotFound { .. } => Some(404),
            ApiError::BadRequest { .. } => Some(400),
            ApiError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The same error with `f` applied to every text that came from the server or the network
    /// (messages, details, the redirect target): the client scrubs them here before anyone
    /// can show, log or record them.
    pub fn map_text(self, f: impl Fn(&str) -> String) -> ApiError {
        match self {
            ApiError::Forbidden {
                portal,
                status,
                message,
            } => ApiError::Forbidden {
                portal,
                status,
                message: f(&message),
            },
            ApiError::NotFound {
                portal,
                what,
                message,
            } => ApiError::NotFound {
                portal,
                what,
                message: f(&message),
            },
            ApiError::BadRequest { portal, message } => ApiError::BadRequest {
                portal,
                message: f(&message),
            },
            ApiError::Server {
                portal,
                status,
                message,
            } => ApiError::Server {
                portal,
                status,
                message: f(&message),
            },
            ApiError::UnexpectedStatus {
                portal,
                status,
                message,
            } => ApiError::UnexpectedStatus {
                portal,
                status,
                message: f(&message),
            },
            ApiError::Connect { portal, detail } => ApiError::Connect {
                portal,
                detail: f(&detail),
            },
            ApiError::Tls { portal, detail } => ApiError::Tls {
                portal,
                detail: f(&detail),
            },
            ApiError::Redirected { portal, location } => ApiError::Redirected {
                portal,
                location: f(&location),
            },
            ApiError::NotDocSpace { portal, detail } => ApiError::NotDocSpace {
                portal,
                detail: f(&detail),
            },
            other @ (ApiError::Unauthorized { .. }
            | ApiError::RateLimited { .. }
            | ApiError::Timeout { .. }
            | ApiError::TooLarge { .. }) => other,
        }
    }

    /// True when the request may not have reached the server, or its answer was lost: after a
    /// PUT fails this way, the only way to know whether it landed is to read the policy again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout { .. }
                | ApiError::Connect { .. }
                | ApiError::Server { .. }
                | ApiError::UnexpectedStatus { .. }
                | ApiError::NotDocSpace { .. }
                | ApiError::TooLarge { .. }
        )
    }
}
