//! Local history of saves: one JSON file per portal in the app's data folder. No secrets: only
//! the portal URL, the policies before and after, who saved, when, and the admin's note.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

use crate::policy::{Policy, PolicyDiff};
use crate::shared_file::{locked, write_atomically};

#[derive(Debug, Error)]
pub enum HistoryError {
    #[error("Cannot read the history file {path}: {detail}. Fix or move that file; it is left as it is.")]
    Read { path: String, detail: String },
    #[error("Cannot write the history file {path}: {detail}.")]
    Write { path: String, detail: String },
    #[error("There is no history entry {number} for {portal} (it has {count}). List them with `history`.")]
    NoSuchEntry {
        portal: String,
        number: usize,
        count: usize,
    },
}

/// One successful save.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// 1-based, in order of saving; stable for `rollback N`.
    pub number: usize,
    pub portal: String,
    pub time: DateTime<Utc>,
    /// Display name of the admin who saved.
    pub by: String,
    pub before: Policy,
    pub after: Policy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Snapshot {
    pub fn diff(&self) -> PolicyDiff {
        PolicyDiff::between(&self.before, &self.after)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct HistoryFile {
    version: u32,
    entries: Vec<Snapshot>,
}

#[derive(Clone, Debug)]
pub struct HistoryStore {
    dir: PathBuf,
}

impl HistoryStore {
    pub fn in_dir(dir: &Path) -> Self {
        HistoryStore {
            dir: dir.to_path_buf(),
        }
    }

    /// `<data dir>/history`.
    pub fn default_location() -> Result<Self, crate::profiles::ProfileError> {
        crate::profiles::data_dir().map(|d| Self::in_dir(&d.join("history")))
    }

    fn file_for(&self, portal: &str) -> PathBuf {
        self.dir.join(format!("{}.json", portal_file_stem(portal)))
    }

    fn read(&self, portal: &str) -> Result<HistoryFile, HistoryError> {
        let path = self.file_for(portal);
        let err = |detail: String| HistoryError::Read {
            path: path.display().to_string(),
            detail,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| err(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HistoryFile {
                version: 1,
                entries: vec![],
            }),
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// Every save to the portal, oldest first.
    pub fn list(&self, portal: &str) -> Result<Vec<Snapshot>, HistoryError> {
        Ok(self.read(portal)?.entries)
    }

    pub fn last(&self, portal: &str) -> Result<Option<Snapshot>, HistoryError> {
        Ok(self.read(portal)?.entries.pop())
    }

    pub fn get(&self, portal: &str, number: usize) -> Result<Snapshot, HistoryError> {
        let entries = self.read(portal)?.entries;
        let count = entries.len();
        entries
            .into_iter()
            .find(|s| s.number == number)
            .ok_or(HistoryError::NoSuchEntry {
                portal: portal.to_string(),
                number,
                count,
            })
    }

    /// Appends a save. Reading the file, numbering the entry and writing it back happen under
    /// the file's lock: the app and the CLI saving at once both keep their entries.
    pub fn record(
        &self,
        portal: &str,
        by: &str,
        before: &Policy,
        after: &Policy,
        note: Option<String>,
    ) -> Result<Snapshot, HistoryError> {
        let path = self.file_for(portal);
        let write_err = |detail: String| HistoryError::Write {
            path: path.display().to_string(),
            detail,
        };
        locked(&path, || {
            let mut file = self.read(portal)?;
            let snapshot = Snapshot {
                number: file
                    .entries
                    .last()
                    .map_or(1, |s| s.number.saturating_add(1)),
                portal: portal.to_string(),
                time: Utc::now(),
                by: by.to_string(),
                before: before.clone(),
                after: after.clone(),
                note: note.filter(|n| !n.trim().is_empty()),
            };
            file.version = 1;
            file.entries.push(snapshot.clone());
            let bytes = serde_json::to_vec_pretty(&file).map_err(|e| write_err(e.to_string()))?;
            write_atomically(&path, &bytes).map_err(|e| write_err(e.to_string()))?;
            Ok(snapshot)
        })
        .map_err(|e| write_err(format!("cannot lock the file: {e}")))?
    }
}

/// A file name (without extension) from the portal URL that is safe on every OS.
pub fn portal_file_stem(portal: &str) -> String {
    portal
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Drift: the live policy differs from what this app last saved to the portal, so someone
/// changed it elsewhere (DocSpace's own page wipes the lists, for one). The diff goes from what
/// we saved to what is there now.
pub fn drift(live: &Policy, last_saved: Option<&Snapshot>) -> Option<PolicyDiff> {
    let last = last_saved?;
    (!live.same_as(&last.after)).then(|| PolicyDiff::between(&last.after, live))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Method;

    fn app(ips: &[&str]) -> Policy {
        Policy {
            method: Method::App,
            trusted_ips: ips.iter().map(|s| s.to_string()).collect(),
            mandatory_users: vec![],
            mandatory_groups: vec![],
        }
    }

    #[test]
    fn records_numbers_and_reads_back_per_portal() {
        let dir = tempfile::tempdir().unwrap();
        let h = HistoryStore::in_dir(dir.path());
        let p = "http://127.0.0.1:8091";
        assert!(h.list(p).unwrap().is_empty());
        let s1 = h
            .record(
                p,
                "Adam",
                &Policy::disabled(),
                &app(&["10.0.0.1"]),
                Some("first".into()),
            )
            .unwrap();
        let s2 = h
            .record(
                p,
                "Adam",
                &app(&["10.0.0.1"]),
                &app(&["10.0.0.2"]),
                Some("  ".into()),
            )
            .unwrap();
        assert_eq!((s1.number, s2.number), (1, 2));
        assert_eq!(s2.note, None, "blank notes are dropped");
        h.record(
            "https://other.example",
            "Eve",
            &Policy::disabled(),
            &app(&[]),
            None,
        )
        .unwrap();
        let list = h.list(p).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].note.as_deref(), Some("first"));
        assert_eq!(h.get(p, 1).unwrap().after, app(&["10.0.0.1"]));
        assert!(matches!(
            h.get(p, 9),
            Err(HistoryError::NoSuchEntry { count: 2, .. })
        ));
        assert_eq!(h.last(p).unwrap().unwrap().number, 2);
        assert_eq!(s2.diff().trusted_ips.added, vec!["10.0.0.2".to_string()]);
    }

    #[test]
    fn damaged_history_is_reported_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let h = HistoryStore::in_dir(dir.path());
        let p = "https://x.example";
        std::fs::create_dir_all(dir.path()).unwrap();
        std::fs::write(h.file_for(p), "garbage").unwrap();
        assert!(matches!(h.list(p), Err(HistoryError::Read { .. })));
        assert!(h
            .record(p, "A", &Policy::disabled(), &app(&[]), None)
            .is_err());
        assert_eq!(std::fs::read_to_string(h.file_for(p)).unwrap(), "garbage");
    }

    #[test]
    fn drift_is_a_difference_from_our_last_save() {
        let ours = Snapshot {
            number: 1,
            portal: "p".into(),
            time: Utc::now(),
            by: "A".into(),
            before: Policy::disabled(),
            after: app(&["10.0.0.1"]),
            note: None,
        };
        assert!(drift(&app(&["10.0.0.1"]), Some(&ours)).is_none());
        assert!(drift(&app(&[]), None).is_none(), "no history, no drift");
        let d = drift(&app(&[]), Some(&ours)).unwrap();
        assert_eq!(d.trusted_ips.removed, vec!["10.0.0.1".to_string()]);
    }
}
