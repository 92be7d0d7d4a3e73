//! The harness of the IPC tests: the app with the real context and capability, a temporary
//! profile folder, an in-memory (or failing) key store, and sandbox portals.
#![allow(dead_code)]

use std::sync::Arc;

use docspace_tfa::history::HistoryStore;
use docspace_tfa::profiles::ProfileStore;
use docspace_tfa::sandbox::{Sandbox, SandboxConfig, ADMIN_KEY, OWNER_KEY, USER_KEY};
use docspace_tfa::secrets::{ApiKey, MemoryStore, SecretError, SecretStore};
use docspace_tfa_desktop::state::FileChooser;
use docspace_tfa_desktop::{builder, AppState};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// Every key string a response must never contain.
pub const KEYS: &[&str] = &[OWNER_KEY, ADMIN_KEY, USER_KEY, "sk-sandbox"];

pub struct Harness {
    app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    pub dir: tempfile::TempDir,
    pub secrets: MemoryStore,
    /// What the export/import "dialogs" answer next.
    pub files: Arc<TestFiles>,
}

/// The file dialogs of the tests: answers set by the test, `None` = the admin cancelled.
#[derive(Default)]
pub struct TestFiles {
    pub save: Mutex<Option<PathBuf>>,
    pub open: Mutex<Option<PathBuf>>,
    pub suggested: Mutex<Option<String>>,
}

impl FileChooser for TestFiles {
    fn save_path(&self, suggested_name: &str) -> Option<PathBuf> {
        *self.suggested.lock().unwrap() = Some(suggested_name.to_string());
        self.save.lock().unwrap().clone()
    }
    fn open_path(&self) -> Option<PathBuf> {
        self.open.lock().unwrap().clone()
    }
}

pub fn context() -> tauri::Context<MockRuntime> {
    tauri::generate_context!("../tauri.conf.json")
}

/// A keychain that is locked: every call fails like a locked Secret Service.
pub struct LockedStore;

impl SecretStore for LockedStore {
    fn get(&self, _: &str) -> Result<Option<ApiKey>, SecretError> {
        Err(SecretError::Locked)
    }
    fn set(&self, _: &str, _: &ApiKey) -> Result<(), SecretError> {
        Err(SecretError::Locked)
    }
    fn delete(&self, _: &str) -> Result<bool, SecretError> {
        Err(SecretError::Locked)
    }
}

pub fn harness() -> Harness {
    harness_with(None)
}

pub fn harness_with(store: Option<Arc<dyn SecretStore>>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let secrets = MemoryStore::default();
    let files = Arc::new(TestFiles::default());
    let state = AppState::new(
        ProfileStore::in_dir(dir.path()),
        HistoryStore::in_dir(&dir.path().join("history")),
        store.unwrap_or_else(|| Arc::new(secrets.clone())),
    )
    .with_file_chooser(files.clone());
    let app = builder(mock_builder(), state)
        .build(context())
        .expect("app builds");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness {
        app,
        webview,
        dir,
        secrets,
        files,
    }
}

impl Harness {
    /// The app's state, for what the real app does outside a command (at launch).
    pub fn state(&self) -> tauri::State<'_, AppState> {
        use tauri::Manager;
        self.app.state::<AppState>()
    }

    pub fn invoke_from(&self, url: &str, cmd: &str, args: Value) -> Result<Value, Value> {
        let response = get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: url.parse().unwrap(),
                body: InvokeBody::from(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap());
        // Whatever came back, success or error, must not hold a key.
        let text = match &response {
            Ok(v) | Err(v) => v.to_string(),
        };
        for key in KEYS {
            assert!(!text.contains(key), "{cmd} returned a key: {text}");
        }
        response
    }

    /// A call from the app's own page: `tauri://localhost` on Linux and macOS, while on Windows
    /// WebView2 serves the app from `http://tauri.localhost` (the ACL treats anything else as remote).
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let origin = if cfg!(windows) {
            "http://tauri.localhost"
        } else {
            "tauri://localhost"
        };
        self.invoke_from(origin, cmd, args)
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    pub fn err(&self, cmd: &str, args: Value) -> Value {
        match self.invoke(cmd, args) {
            Ok(v) => panic!("{cmd} should have failed but returned {v}"),
            Err(e) => e,
        }
    }

    /// The files the app wrote (profiles); none may contain a key.
    pub fn assert_no_key_on_disk(&self) {
        for entry in walk(self.dir.path()) {
            let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).to_string();
            for key in KEYS {
                assert!(!text.contains(key), "{} contains a key", entry.display());
            }
        }
    }
}

pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A sandbox on Tauri's own runtime, so it keeps serving while commands run.
pub fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::default())
}

pub fn sandbox_with(config: SandboxConfig) -> Sandbox {
    tauri::async_runtime::block_on(Sandbox::start(config)).expect("sandbox starts")
}

pub fn http_put(url: &str, body: Value) -> Value {
    tauri::async_runtime::block_on(async {
        let r = reqwest::Client::new()
            .put(url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "PUT {url}: {}", r.status());
        r.json::<Value>().await.unwrap()
    })
}

pub fn connect(h: &Harness, sb: &Sandbox, key: &str, remember: bool) -> Result<Value, Value> {
    h.invoke(
        "connect",
        json!({ "portal": sb.url(), "apiKey": key, "remember": remember }),
    )
}

/// `PUT {sandbox}/sandbox/state/tfa` with app TFA on and these lists, behind the app's back.
pub fn set_app_policy(sb: &Sandbox, ips: &[&str], users: &[uuid::Uuid]) {
    http_put(
        &format!("{}/sandbox/state/tfa", sb.url()),
        json!({ "app": { "enable": true, "trustedIps": ips, "mandatoryUsers": users, "mandatoryGroups": [] } }),
    );
}

pub fn stop(sb: Sandbox) {
    tauri::async_runtime::block_on(sb.shutdown());
}
