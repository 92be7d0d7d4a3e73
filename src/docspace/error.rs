//! Errors of the REST client. Each says what happened, on which portal, and what to do.
//! None of them can carry the API key: they are built from the portal URL, the status and the
//! server's own `error.message`, which the client scrubs ([`ApiError::map_text`], `crate::redact`).

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    #[error("{portal} did not accept the API key (HTTP 401): it is wrong, expired or revoked. Create a new key in DocSpace (Developer Tools > API keys) and connect again.")]
    Unauthorized { portal: String },

    #[error("{portal} refused the request (HTTP {status}): {message}. Only the portal owner and DocSpace admins can change the TFA policy; only the owner can make TFA mandatory for the owner.")]
    Forbidden {
        portal: String,
        status: u16,
        message: String,
    },

    #[error("{portal} has no {what} (HTTP 404): {message}. Check the portal address; an older DocSpace version may not have this part of the API.")]
    NotFound {
        portal: String,
        what: String,
        message: String,
    },

    #[error("{portal} rejected the request as invalid (HTTP 400): {message}. This is a bug in the app or an unsupported server version; please report it.")]
    BadRequest { portal: String, message: String },

    #[error("{portal} is busy (HTTP 429) and asked to slow down. Wait {retry_after_secs} s and try again.")]
    RateLimited {
        portal: String,
        retry_after_secs: u64,
    },

    #[error("{portal} failed with a server error (HTTP {status}): {message}. Try again later; if it persists, check the portal's logs.")]
    Server {
        portal: String,
        status: u16,
        message: String,
    },

    #[error("{portal} answered with unexpected HTTP {status}: {message}.")]
    UnexpectedStatus {
        portal: String,
        status: u16,
        message: String,
    },

    #[error("{portal} did not answer within {secs} s. Check the address and your network, then try again.")]
    Timeout { portal: String, secs: u64 },

    #[error("Cannot reach {portal}: {detail}. Check the address, your network and any proxy or firewall, then try again.")]
    Connect { portal: String, detail: String },

    #[error("The secure connection to {portal} failed: {detail}. The portal's certificate is not trusted or not valid for this address; certificate checks stay on, so fix the certificate or use the portal's correct https address.")]
    Tls { portal: String, detail: String },

    #[error("{portal} redirected the request to {location}. Use that address as the portal address (or check that the address points at DocSpace).")]
    Redirected { portal: String, location: String },

    #[error("{portal} does not look like a DocSpace API: {detail}. Check the portal address.")]
    NotDocSpace { portal: String, detail: String },

    #[error("The answer from {portal} was larger than {limit_mib} MiB and was not read. Check the portal address.")]
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
