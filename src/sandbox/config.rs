//! Start-up configuration of the sandbox portal, and its start-up error.

use serde::{Deserialize, Serialize};

/// The JSON name of the "available" flag in `GET settings/tfaapp`.
///
/// The server renamed the C# property in v3.7.1, so both spellings are live on the wire
/// (docspace-api.md §2); the sandbox can speak either to prove the client reads both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Spelling {
    /// `"available"`: v3.7.1 and later.
    #[default]
    Available,
    /// `"avaliable"`: v3.6.x and earlier (and the public API docs).
    Avaliable,
}

impl Spelling {
    /// The field name as written on the wire.
    pub fn field_name(self) -> &'static str {
        match self {
            Spelling::Available => "available",
            Spelling::Avaliable => "avaliable",
        }
    }
}

/// How the sandbox portal is built.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Total number of users, including the owner, the admin and the user behind the three API keys.
    pub users: usize,
    /// Number of ordinary (non-system) groups.
    pub groups: usize,
    /// Seed of the directory generator: the same seed gives the same users, groups and ids.
    pub seed: u64,
    /// Spelling of the "available" flag in `GET settings/tfaapp`.
    pub spelling: Spelling,
    /// Whether the SMS method is listed (not in `web:hide-settings`).
    pub sms_listed: bool,
    /// Whether an SMS provider is configured; without one the SMS method cannot be enabled.
    pub sms_provider: bool,
    /// Whether the authenticator-app method is listed.
    pub app_listed: bool,
    /// Every API answer waits this long (a portal far away); the control API does not.
    pub latency_ms: u64,
    /// Plus a random 0..=jitter ms per answer.
    pub jitter_ms: u64,
    /// Exact member counts for the first ordinary groups (e.g. `[6700, 5]`), so tests and
    /// benchmarks can have a huge and a tiny group; the rest stay as seeded.
    pub group_sizes: Vec<usize>,
    /// Days of seeded sign-in history, ending now.
    pub signin_days: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            users: 60,
            groups: 12,
            seed: 0x0D0C_5ACE,
            spelling: Spelling::Available,
            sms_listed: true,
            sms_provider: false,
            app_listed: true,
            latency_ms: 0,
            jitter_ms: 0,
            group_sizes: Vec::new(),
            signin_days: 40,
        }
    }
}

/// The minimum directory: owner, admin and user, which the API keys need.
pub const MIN_USERS: usize = 3;

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox needs at least {MIN_USERS} users (owner, admin and user), got {0}")]
    TooFewUsers(usize),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the sandbox's local address: {0}")]
    LocalAddr(#[source] std::io::Error),
}
