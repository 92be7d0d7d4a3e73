//! Errors of the REST client. Each says what happened, on which portal, and what to do; the
//! sentences are in [`crate::messages`]. None of them can carry the API key: they are built from
//! the portal URL, the status and the server's own `error.message`.

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
