//! The API key and where it is kept: the OS keychain, behind a small trait.
//!
//! The key lives in [`ApiKey`], which has no `Display` and a redacted `Debug`, so it cannot end up
//! in a log line, an error or a panic message by accident.

use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use thiserror::Error;

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
compile_error!("No native keychain for this OS: keyring would fall back to an in-memory store, which this app refuses to ship.");

/// An API key. Only [`ApiKey::expose`] reveals it, for the Authorization header and the keychain.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Checks the shape only: non-empty, and sendable in an HTTP header.
    pub fn new(raw: &str) -> Result<Self, SecretError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(SecretError::EmptyKey);
        }
        if trimmed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
        {
            return Err(SecretError::MalformedKey);
        }
        Ok(ApiKey(SecretString::from(trimmed.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SecretError {
    #[error(
        "The API key is empty. Paste the key you created in DocSpace (Developer Tools > API keys)."
    )]
    EmptyKey,
    #[error("The API key contains spaces or characters that cannot be part of a key. Copy it again from DocSpace.")]
    MalformedKey,
    #[error("No keychain is available on this desktop session ({detail}). Start a Secret Service provider such as GNOME Keyring or KWallet and try again.")]
    NoService { detail: String },
    #[error("The keychain is locked. Unlock it (for example by logging in to the desktop or opening Passwords and Keys) and try again.")]
    Locked,
    #[error("The keychain did not answer within {secs} s; it may be waiting for an unlock prompt that cannot be shown. Unlock it and try again.")]
    Timeout { secs: u64 },
    #[error("The keychain entry for this portal cannot be read as text. Forget the key and connect again.")]
    BadData,
    #[error("The keychain failed: {detail}.")]
    Platform { detail: String },
}

impl SecretError {
    pub fn kind(&self) -> &'static str {
        match self {
            SecretError::EmptyKey | SecretError::MalformedKey => "validation",
            _ => "keychain",
        }
    }
}

/// Where API keys are kept, one per account (the normalized portal URL).
pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<ApiKey>, SecretError>;
    fn set(&self, account: &str, key: &ApiKey) -> Result<(), SecretError>;
    /// Returns whether there was an entry to delete.
    fn delete(&self, account: &str) -> Result<bool, SecretError>;
}

/// The OS keychain through `keyring`: Secret Service on Linux, Keychain on macOS, Credential
/// Manager on Windows. Every call runs on its own thread and is abandoned after `timeout`,
/// because a locked Secret Service can wait forever for a prompt no one sees.
///
/// Where the key ends up (service = [`crate::APP_ID`], account = the normalized portal URL); the
/// store is chosen per OS by keyring's features in Cargo.toml:
/// - Linux: an item in the Secret Service's default collection (GNOME Keyring, KWallet, KeePassXC)
///   with the attributes `service` and `username`, over D-Bus;
/// - macOS: a generic password in the user's login keychain (service, account), readable by the
///   signed app and the CLI without a prompt once the user allowed them;
/// - Windows: a generic credential in Credential Manager named `<account>.<service>`.
///
/// Uninstalling the app leaves the entry; `docspace-tfa logout` or **Forget key** removes it.
pub struct KeyringStore {
    service: String,
    timeout: Duration,
}

impl KeyringStore {
    pub fn new(service: &str, timeout: Duration) -> Self {
        KeyringStore {
            service: service.to_string(),
            timeout,
        }
    }

    fn call<T: Send + 'static>(
        &self,
        account: &str,
        op: impl FnOnce(keyring::Entry) -> Result<T, keyring::Error> + Send + 'static,
    ) -> Result<Result<T, keyring::Error>, SecretError> {
        let (service, account) = (self.service.clone(), account.to_string());
        with_timeout(self.timeout, move || {
            keyring::Entry::new(&service, &account).and_then(op)
        })
    }
}

/// Runs `f` on its own thread and gives up after `timeout`; the thread is left to finish alone.
fn with_timeout<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SecretError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("keychain".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| SecretError::Platform {
            detail: e.to_string(),
        })?;
    rx.recv_timeout(timeout).map_err(|_| SecretError::Timeout {
        secs: timeout.as_secs().max(1),
    })
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<ApiKey>, SecretError> {
        match self.call(account, |e| e.get_password())? {
            Ok(raw) => ApiKey::new(&raw)
                .map(Some)
                .map_err(|_| SecretError::BadData),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn set(&self, account: &str, key: &ApiKey) -> Result<(), SecretError> {
        let key = key.clone();
        self.call(account, move |e| e.set_password(key.expose()))?
            .map_err(map_keyring_error)
    }

    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        match self.call(account, |e| e.delete_credential())? {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

/// Secret Service failures all arrive as `PlatformFailure(Dbus(..))`; the D-Bus error name tells
/// a missing service from a locked collection.
fn map_keyring_error(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::BadEncoding(_) => SecretError::BadData,
        keyring::Error::NoStorageAccess(inner) => classify_platform(&inner.to_string()),
        keyring::Error::PlatformFailure(inner) => classify_platform(&inner.to_string()),
        other => SecretError::Platform {
            detail: other.to_string(),
        },
    }
}

fn classify_platform(detail: &str) -> SecretError {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("islocked") || lower.contains("locked") {
        SecretError::Locked
    } else if [
        "serviceunknown",
        "autolaunch",
        "no such file",
        "connection refused",
        "not provided by any",
        "dbus_session_bus_address",
        "failed to connect",
        "notsupported",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
    {
        SecretError::NoService {
            detail: detail.to_string(),
        }
    } else {
        SecretError::Platform {
            detail: detail.to_string(),
        }
    }
}

/// A store in memory: for unit tests, and for a key the admin chose to keep for this session only.
#[derive(Default, Clone)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<String, ApiKey>>>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ApiKey>> {
        // A panic while holding this lock cannot leave the map half-written; keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<ApiKey>, SecretError> {
        Ok(self.lock().get(account).cloned())
    }
    fn set(&self, account: &str, key: &ApiKey) -> Result<(), SecretError> {
        self.lock().insert(account.to_string(), key.clone());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        Ok(self.lock().remove(account).is_some())
    }
}

/// Runs a blocking store call off the async runtime's worker threads.
pub async fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SecretError::Platform {
            detail: e.to_string(),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_debug_is_redacted() {
        let k = ApiKey::new("sk-very-secret-123").unwrap();
        assert_eq!(format!("{k:?}"), "ApiKey(<redacted>)");
        assert!(!format!("{:?}", Some(k.clone())).contains("very-secret"));
        assert_eq!(k.expose(), "sk-very-secret-123");
    }

    #[test]
    fn key_shape_is_checked() {
        assert_eq!(ApiKey::new("  ").unwrap_err(), SecretError::EmptyKey);
        assert_eq!(
            ApiKey::new("sk-a b").unwrap_err(),
            SecretError::MalformedKey
        );
        assert_eq!(ApiKey::new("sk-ä").unwrap_err(), SecretError::MalformedKey);
        assert_eq!(ApiKey::new(" sk-abc\n").unwrap().expose(), "sk-abc");
    }

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryStore::default();
        assert!(s.get("p").unwrap().is_none());
        s.set("p", &ApiKey::new("sk-1").unwrap()).unwrap();
        assert_eq!(s.get("p").unwrap().unwrap().expose(), "sk-1");
        assert!(s.delete("p").unwrap());
        assert!(!s.delete("p").unwrap());
    }

    #[test]
    fn a_keychain_that_never_answers_times_out() {
        let started = std::time::Instant::now();
        let r = with_timeout(Duration::from_millis(200), || {
            std::thread::sleep(Duration::from_secs(5))
        });
        assert_eq!(r.unwrap_err(), SecretError::Timeout { secs: 1 });
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "gave up on time"
        );
        assert_eq!(with_timeout(Duration::from_secs(1), || 7).unwrap(), 7);
    }

    #[test]
    fn platform_errors_are_classified() {
        assert_eq!(classify_platform("Cannot create an item in a locked collection (org.freedesktop.Secret.Error.IsLocked)"), SecretError::Locked);
        assert!(matches!(classify_platform("The name org.freedesktop.secrets was not provided by any .service files (org.freedesktop.DBus.Error.ServiceUnknown)"), SecretError::NoService { .. }));
        assert!(matches!(
            classify_platform("Unable to autolaunch a dbus-daemon without a $DISPLAY for X11"),
            SecretError::NoService { .. }
        ));
        assert!(matches!(
            classify_platform("something else"),
            SecretError::Platform { .. }
        ));
    }
}
