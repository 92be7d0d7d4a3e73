//! Saved portals: the non-secret settings on disk (one small JSON file); keys stay in the keychain.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

use crate::docspace::PortalUrl;
use crate::shared_file::locked;
pub use crate::shared_file::write_atomically;

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("No folder for the app's settings could be found (is HOME set?).")]
    NoConfigDir,
    #[error("Cannot read the saved portals from {path}: {detail}. Fix or delete that file.")]
    Read { path: String, detail: String },
    #[error("Cannot save the portal list to {path}: {detail}.")]
    Write { path: String, detail: String },
    #[error("There is no saved portal named \"{0}\".")]
    Unknown(String),
    #[error("A portal name cannot be empty or longer than {MAX_NAME_CHARS} characters. Type a short name such as \"Production\".")]
    BadName,
    #[error("Another saved portal is already named \"{0}\". Choose a different name.")]
    NameTaken(String),
}

/// Longest profile name: it has to fit the header's switcher.
pub const MAX_NAME_CHARS: usize = 60;

/// One saved portal. The keychain entry's account is `portal`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub name: String,
    pub portal: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profiles {
    #[serde(default)]
    pub profiles: Vec<Profile>,
    /// The profile the app opens at launch.
    #[serde(default)]
    pub current: Option<String>,
}

impl Profiles {
    /// Adds the portal if new (named after its host, made unique) and makes it current.
    pub fn remember(&mut self, portal: &PortalUrl) -> Profile {
        let url = portal.to_string();
        if let Some(p) = self.profiles.iter().find(|p| p.portal == url) {
            let p = p.clone();
            self.current = Some(p.name.clone());
            return p;
        }
        let base = readable_name(portal);
        let mut name = base.clone();
        let mut n = 2;
        while self.profiles.iter().any(|p| p.name == name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        let p = Profile {
            name: name.clone(),
            portal: url,
        };
        self.profiles.push(p.clone());
        self.current = Some(name);
        p
    }

    /// [`Profiles::remember`], then renamed to `name` when one is given that no other saved
    /// portal uses.
    pub fn remember_as(&mut self, portal: &PortalUrl, name: Option<&str>) -> Profile {
        let mut p = self.remember(portal);
        if let Some(name) = name.filter(|n| *n != p.name && self.find(n).is_err()) {
            if let Some(entry) = self.profiles.iter_mut().find(|e| e.name == p.name) {
                entry.name = name.to_string();
            }
            self.current = Some(name.to_string());
            p.name = name.to_string();
        }
        p
    }

    /// Gives the saved portal `old` the name `new` (trimmed); the current one stays current.
    pub fn rename(&mut self, old: &str, new: &str) -> Result<Profile, ProfileError> {
        let new = new.trim();
        if new.is_empty()
            || new.chars().count() > MAX_NAME_CHARS
            || new.chars().any(char::is_control)
        {
            return Err(ProfileError::BadName);
        }
        if new != old && self.find(new).is_ok() {
            return Err(ProfileError::NameTaken(new.to_string()));
        }
        let entry = self
            .profiles
            .iter_mut()
            .find(|p| p.name == old)
            .ok_or_else(|| ProfileError::Unknown(old.to_string()))?;
        entry.name = new.to_string();
        let renamed = entry.clone();
        if self.current.as_deref() == Some(old) {
            self.current = Some(new.to_string());
        }
        Ok(renamed)
    }

    pub fn find(&self, name: &str) -> Result<&Profile, ProfileError> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| ProfileError::Unknown(name.to_string()))
    }

    pub fn current_profile(&self) -> Option<&Profile> {
        self.current
            .as_deref()
            .and_then(|c| self.profiles.iter().find(|p| p.name == c))
    }
}

/// Where the profiles file lives.
#[derive(Clone, Debug)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    pub fn in_dir(dir: &Path) -> Self {
        ProfileStore {
            path: dir.join("profiles.json"),
        }
    }

    /// The OS's per-user config folder (e.g. `~/.config/docspace-tfa` on Linux).
    pub fn default_location() -> Result<Self, ProfileError> {
        config_dir().map(|d| Self::in_dir(&d))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A missing file is an empty list; a damaged one is an error and is left as it is.
    pub fn load(&self) -> Result<Profiles, ProfileError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profiles::default()),
            Err(e) => {
                return Err(ProfileError::Read {
                    path: self.path.display().to_string(),
                    detail: e.to_string(),
                })
            }
        };
        serde_json::from_str(&text).map_err(|e| ProfileError::Read {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        })
    }

    /// Saves the portal (see [`Profiles::remember_as`]) as the one to open next time. The
    /// read and the write happen under the file's lock, so a concurrent writer's portal is kept.
    pub fn remember(
        &self,
        portal: &PortalUrl,
        name: Option<&str>,
    ) -> Result<Profile, ProfileError> {
        self.locked(|| {
            let mut profiles = self.load()?;
            let profile = profiles.remember_as(portal, name);
            self.write(&profiles)?;
            Ok(profile)
        })
    }

    /// Replaces the whole list (under the file's lock).
    pub fn save(&self, profiles: &Profiles) -> Result<(), ProfileError> {
        self.locked(|| self.write(profiles))
    }

    fn locked<T>(&self, f: impl FnOnce() -> Result<T, ProfileError>) -> Result<T, ProfileError> {
        locked(&self.path, f).map_err(|e| ProfileError::Write {
            path: self.path.display().to_string(),
            detail: format!("cannot lock the file: {e}"),
        })?
    }

    /// [`Profiles::rename`], saved.
    pub fn rename(&self, old: &str, new: &str) -> Result<Profile, ProfileError> {
        self.locked(|| {
            let mut profiles = self.load()?;
            let profile = profiles.rename(old, new)?;
            self.write(&profiles)?;
            Ok(profile)
        })
    }

    /// Writes to a temporary file and renames it, so a crash never leaves half a file.
    fn write(&self, profiles: &Profiles) -> Result<(), ProfileError> {
        let err = |e: std::io::Error| ProfileError::Write {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        };
        write_atomically(
            &self.path,
            &serde_json::to_vec_pretty(profiles).map_err(|e| err(std::io::Error::other(e)))?,
        )
        .map_err(err)
    }
}

/// A name a person recognises: the host, with the port when there is one and the path when the
/// portal lives below the root; "This computer" for a loopback portal.
fn readable_name(portal: &PortalUrl) -> String {
    let url = url::Url::parse(portal.as_str()).ok();
    let port = url.as_ref().and_then(|u| u.port());
    let path = url
        .as_ref()
        .map(|u| u.path().trim_matches('/').to_string())
        .unwrap_or_default();
    let mut name = if portal.is_loopback() {
        "This computer".to_string()
    } else {
        portal.host()
    };
    if let Some(port) = port {
        name = format!("{name}, port {port}");
    }
    if !path.is_empty() {
        name = format!("{name}, /{path}");
    }
    name
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "docspacetfa", "docspace-tfa")
}

/// The saved portals' folder:
/// - Linux: `$XDG_CONFIG_HOME/docspace-tfa` (`~/.config/docspace-tfa`);
/// - macOS: `~/Library/Application Support/dev.docspacetfa.docspace-tfa`;
/// - Windows: `%APPDATA%\docspacetfa\docspace-tfa\config`.
///
/// Uninstalling the app leaves it in place (README, "Install").
pub fn config_dir() -> Result<PathBuf, ProfileError> {
    project_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .ok_or(ProfileError::NoConfigDir)
}

/// The history's parent folder:
/// - Linux: `$XDG_DATA_HOME/docspace-tfa` (`~/.local/share/docspace-tfa`);
/// - macOS: `~/Library/Application Support/dev.docspacetfa.docspace-tfa` (as the config);
/// - Windows: `%APPDATA%\docspacetfa\docspace-tfa\data`.
///
/// Uninstalling the app leaves it in place (README, "Install").
pub fn data_dir() -> Result<PathBuf, ProfileError> {
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(ProfileError::NoConfigDir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remember_names_by_host_and_dedups_by_url() {
        let mut p = Profiles::default();
        let a = p.remember(&PortalUrl::parse("https://a.example.com").unwrap());
        assert_eq!(a.name, "a.example.com");
        let a2 = p.remember(&PortalUrl::parse("https://A.example.com/").unwrap());
        assert_eq!(a2, a);
        let b = p.remember(&PortalUrl::parse("https://a.example.com:8443").unwrap());
        assert_eq!(b.name, "a.example.com, port 8443");
        assert_eq!(p.current_profile(), Some(&b));
        assert_eq!(p.profiles.len(), 2);
    }

    #[test]
    fn names_are_readable_and_unique() {
        let mut p = Profiles::default();
        let names: Vec<String> = [
            "http://127.0.0.1:8091",
            "http://127.0.0.1:8092",
            "http://localhost:8091",
            "https://docs.example.com/space",
            "https://docs.example.com",
        ]
        .iter()
        .map(|u| p.remember(&PortalUrl::parse(u).unwrap()).name)
        .collect();
        assert_eq!(
            names,
            [
                "This computer, port 8091",
                "This computer, port 8092",
                "This computer, port 8091 (2)",
                "docs.example.com, /space",
                "docs.example.com",
            ]
        );
    }

    #[test]
    fn rename_keeps_the_portal_and_refuses_clashes_and_empty_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::in_dir(dir.path());
        store
            .remember(&PortalUrl::parse("https://a.example.com").unwrap(), None)
            .unwrap();
        store
            .remember(&PortalUrl::parse("https://b.example.com").unwrap(), None)
            .unwrap();
        let renamed = store.rename("b.example.com", "  Production ").unwrap();
        assert_eq!(
            renamed,
            Profile {
                name: "Production".into(),
                portal: "https://b.example.com".into()
            }
        );
        let saved = store.load().unwrap();
        assert_eq!(
            saved.current.as_deref(),
            Some("Production"),
            "the current portal stays current"
        );
        assert!(matches!(
            store.rename("a.example.com", "Production"),
            Err(ProfileError::NameTaken(_))
        ));
        assert!(matches!(
            store.rename("a.example.com", "   "),
            Err(ProfileError::BadName)
        ));
        assert!(matches!(
            store.rename("nope", "x"),
            Err(ProfileError::Unknown(_))
        ));
        assert_eq!(
            store.rename("a.example.com", "Staging").unwrap().portal,
            "https://a.example.com"
        );
        assert_eq!(store.load().unwrap().current.as_deref(), Some("Production"));
    }

    #[test]
    fn remember_as_renames_unless_the_name_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::in_dir(dir.path());
        let a = store
            .remember(
                &PortalUrl::parse("https://a.example.com").unwrap(),
                Some("work"),
            )
            .unwrap();
        assert_eq!(
            a,
            Profile {
                name: "work".into(),
                portal: "https://a.example.com".into()
            }
        );
        let b = store
            .remember(
                &PortalUrl::parse("https://b.example.com").unwrap(),
                Some("work"),
            )
            .unwrap();
        assert_eq!(b.name, "b.example.com", "a name in use is not taken twice");
        let again = store
            .remember(&PortalUrl::parse("https://a.example.com").unwrap(), None)
            .unwrap();
        assert_eq!(again.name, "work");
        let saved = store.load().unwrap();
        assert_eq!(
            (saved.profiles.len(), saved.current.as_deref()),
            (2, Some("work"))
        );
    }

    #[test]
    fn store_round_trips_and_keeps_damaged_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::in_dir(dir.path());
        assert_eq!(store.load().unwrap(), Profiles::default());
        let mut p = Profiles::default();
        p.remember(&PortalUrl::parse("https://x.example").unwrap());
        store.save(&p).unwrap();
        assert_eq!(store.load().unwrap(), p);
        std::fs::write(store.path(), "{not json").unwrap();
        assert!(matches!(store.load(), Err(ProfileError::Read { .. })));
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "{not json");
    }
}
