//! What the app holds between commands: the current connection (and the in-process sandbox it
//! talks to, if any), where remembered portals live, and where keys are kept.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use docspace_tfa::docspace::{ClientOptions, PortalUrl};
use docspace_tfa::history::HistoryStore;
use docspace_tfa::insight::CacheStore;
use docspace_tfa::profiles::{ProfileError, ProfileStore};
use docspace_tfa::sandbox::Sandbox;
use docspace_tfa::secrets::{KeyringStore, SecretStore};
use docspace_tfa::service::{Connection, ServiceError};
use serde::Serialize;
use tokio::sync::{Mutex, RwLock};

use crate::insight::InsightState;

/// How long one keychain call may take before the app gives up on it (a locked Secret Service
/// can wait forever for an unlock prompt nobody sees).
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the key of the current connection lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStorage {
    /// In the OS keychain: `connect_saved` can use it at the next launch.
    Keychain,
    /// Only in this process's memory (also the sandbox's fixed key).
    Session,
}

/// The portal the app is signed in to.
pub struct Current {
    pub conn: Arc<Connection>,
    pub key_storage: KeyStorage,
    /// The in-process sandbox portal `conn` talks to; kept running as long as it is connected.
    pub sandbox: Option<Sandbox>,
}

impl Current {
    /// Stops the in-process sandbox, if this connection has one.
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            log::info!("stopping the sandbox portal on {}", sandbox.url());
            sandbox.shutdown().await;
        }
    }
}

pub struct AppState {
    pub(crate) current: RwLock<Option<Current>>,
    /// Held for the whole of connect / start_sandbox / disconnect / forget_key, so two of them
    /// never interleave (e.g. a double click on Connect).
    pub(crate) session: Mutex<()>,
    pub(crate) profiles: ProfileStore,
    /// The local save history the CLI keeps too, so neither reports the other's saves as drift.
    pub(crate) history: HistoryStore,
    pub(crate) secrets: Arc<dyn SecretStore>,
    /// Replaces the native file dialogs (tests: no desktop); `None` in the app.
    pub(crate) files: Option<Arc<dyn FileChooser>>,
    /// Connects, reads and saves the admin may stop (`cancel_wait`).
    pub(crate) waits: crate::waits::Waits,
    /// Sign-in insight: the local copies of sign-in histories and the running scan.
    pub(crate) insight: InsightState,
    /// The remembered portal's connection, opened at launch ([`AppState::open_saved_early`]).
    early: std::sync::Mutex<Option<EarlyConnect>>,
}

/// A connection to the remembered portal opened while the page loads: by the time the page asks
/// for it (`connect_saved`), the keychain read and the first round trips are behind it rather
/// than after the page's start-up. Dropped unused, it is aborted.
pub(crate) struct EarlyConnect {
    portal: String,
    task: tauri::async_runtime::JoinHandle<Result<Connection, ServiceError>>,
}

impl EarlyConnect {
    /// The connection's outcome; `None` if the task did not finish (the caller opens afresh).
    pub(crate) async fn outcome(mut self) -> Option<Result<Connection, ServiceError>> {
        (&mut self.task).await.ok()
    }
}

impl Drop for EarlyConnect {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where export and import read and write, when not asking through the native dialogs.
pub trait FileChooser: Send + Sync {
    /// The file to export to (`None`: the admin cancelled).
    fn save_path(&self, suggested_name: &str) -> Option<PathBuf>;
    /// The file to import (`None`: the admin cancelled).
    fn open_path(&self) -> Option<PathBuf>;
}

impl AppState {
    /// The state of the real app: the same profiles, history and keychain entries as the CLI
    /// (OS config and data folders; keychain service `docspace_tfa::APP_ID`).
    pub fn new_default() -> Result<Self, ProfileError> {
        let profiles = ProfileStore::default_location()?;
        let history = HistoryStore::default_location()?;
        let secrets = Arc::new(KeyringStore::new(docspace_tfa::APP_ID, KEYCHAIN_TIMEOUT));
        let mut state = AppState::new(profiles, history, secrets);
        // Sign-in data is personal data: the data folder, beside the history, as the CLI keeps it.
        state.insight = InsightState::new(CacheStore::default_location().ok());
        Ok(state)
    }

    /// Any locations and key store: tests pass temporary folders and a `MemoryStore`.
    pub fn new(
        profiles: ProfileStore,
        history: HistoryStore,
        secrets: Arc<dyn SecretStore>,
    ) -> Self {
        // Tests pass temporary folders: the sign-in copies go beside their profiles file.
        let signins = profiles
            .path()
            .parent()
            .map(|dir| CacheStore::in_dir(&dir.join("signins")));
        AppState {
            insight: InsightState::new(signins),
            current: RwLock::new(None),
            session: Mutex::new(()),
            profiles,
            history,
            secrets,
            files: None,
            waits: Default::default(),
            early: Default::default(),
        }
    }

    /// Starts connecting to the remembered portal with its keychain key, without waiting; the
    /// page's `connect_saved` picks the result up. Nothing remembered (or a damaged settings
    /// file, which `app_state` reports): nothing starts.
    pub fn open_saved_early(&self) {
        let Ok(profiles) = self.profiles.load() else {
            return;
        };
        let Some(portal) = profiles.current_profile().map(|p| p.portal.clone()) else {
            return;
        };
        let Ok(url) = PortalUrl::parse(&portal) else {
            return;
        };
        let secrets = self.secrets.clone();
        let task = tauri::async_runtime::spawn(Connection::open_saved_loaded(
            url,
            secrets,
            ClientOptions::default(),
        ));
        *lock(&self.early) = Some(EarlyConnect { portal, task });
    }

    /// The early connection, if it was opened for `portal`; any other is dropped.
    pub(crate) fn take_early(&self, portal: &str) -> Option<EarlyConnect> {
        lock(&self.early).take().filter(|e| e.portal == portal)
    }

    /// Export and import use `files` instead of the native dialogs.
    pub fn with_file_chooser(mut self, files: Arc<dyn FileChooser>) -> Self {
        self.files = Some(files);
        self
    }

    /// The current connection, for the commands that need one.
    pub async fn connection(&self) -> Option<Arc<Connection>> {
        self.current.read().await.as_ref().map(|c| c.conn.clone())
    }

    /// Whether the current connection is the in-process sandbox (never remembered or recorded).
    pub async fn on_sandbox(&self) -> bool {
        self.current
            .read()
            .await
            .as_ref()
            .is_some_and(|c| c.sandbox.is_some())
    }

    /// Makes `next` the current connection and closes the previous one (stopping its sandbox).
    pub(crate) async fn replace(&self, next: Option<Current>) {
        // Whatever the admin connected to now, a connection opened at launch is not wanted.
        drop(lock(&self.early).take());
        let previous = std::mem::replace(&mut *self.current.write().await, next);
        if let Some(previous) = previous {
            // The in-process sandbox gets a new port each time: its sign-in copy is never reused.
            if previous.sandbox.is_some() {
                let _ = self.insight.forget(previous.conn.portal().as_str());
            }
            previous.close().await;
        }
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
