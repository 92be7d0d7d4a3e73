//! The local copy of a portal's sign-in events, so the next look fetches only what is new.
//!
//! It is personal data: one file per portal in the app's data folder (`signins/`), the folder
//! owner-only (0700) and the file owner-only (0600) on Unix, pruned to the portal's retention,
//! removed with `forget` (the "Forget sign-in data" action and `logout`). Only what the analysis
//! needs is kept: id, date, user id, typed login on failures, action code, address.
//!
//! Format: JSON lines; the first is a [`Header`], then events newest first. Reads and merges
//! stream line by line, so memory does not grow with the number of events.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::event::Event;
use super::InsightError;
use crate::history::portal_file_stem;

const VERSION: u32 = 1;

/// What the file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub version: u32,
    pub portal: String,
    /// Every event from this date (unix seconds) up to `newest` is in the file.
    pub covered_from: i64,
    /// Date of the newest event, if any.
    pub newest: Option<i64>,
    /// Date of the oldest event, if any.
    #[serde(default)]
    pub oldest: Option<i64>,
    /// The portal only showed its 20 newest events: coverage is not complete.
    pub partial: bool,
    pub events: u64,
}

/// Where the per-portal files live.
#[derive(Clone, Debug)]
pub struct CacheStore {
    dir: PathBuf,
}

/// New events being written during a scan, before they are merged in.
pub struct Pending {
    path: PathBuf,
    out: BufWriter<File>,
    count: u64,
}

impl CacheStore {
    pub fn in_dir(dir: &Path) -> Self {
        CacheStore {
            dir: dir.to_path_buf(),
        }
    }

    /// `<data dir>/signins`.
    pub fn default_location() -> Result<Self, crate::profiles::ProfileError> {
        crate::profiles::data_dir().map(|d| Self::in_dir(&d.join("signins")))
    }

    /// The file of one portal.
    pub fn path(&self, portal: &str) -> PathBuf {
        self.dir.join(format!("{}.jsonl", portal_file_stem(portal)))
    }

    fn error(&self, path: &Path, e: impl std::fmt::Display) -> InsightError {
        InsightError::Cache {
            path: path.display().to_string(),
            detail: e.to_string(),
        }
    }

    /// The header, or `None` when nothing is cached (or the file is from another version).
    pub fn header(&self, portal: &str) -> Result<Option<Header>, InsightError> {
        let path = self.path(portal);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error(&path, e)),
        };
        let mut line = String::new();
        BufReader::new(file)
            .read_line(&mut line)
            .map_err(|e| self.error(&path, e))?;
        let header: Header = serde_json::from_str(&line).map_err(|e| self.error(&path, e))?;
        Ok((header.version == VERSION && header.portal == portal).then_some(header))
    }

    /// Streams the cached events, newest first.
    pub fn events(
        &self,
        portal: &str,
    ) -> Result<impl Iterator<Item = Result<Event, InsightError>> + use<>, InsightError> {
        let path = self.path(portal);
        let reader: Box<dyn BufRead + Send> = match File::open(&path) {
            Ok(f) => Box::new(BufReader::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Box::new(std::io::empty()),
            Err(e) => return Err(self.error(&path, e)),
        };
        let store = self.clone();
        Ok(reader.lines().skip(1).map(move |line| {
            let line = line.map_err(|e| store.error(&path, e))?;
            serde_json::from_str(&line).map_err(|e| store.error(&path, e))
        }))
    }

    /// Starts collecting new events for `portal`.
    pub fn begin(&self, portal: &str) -> Result<Pending, InsightError> {
        self.ensure_dir()?;
        let path = self.path(portal).with_extension("new");
        let file = private_file(&path).map_err(|e| self.error(&path, e))?;
        Ok(Pending {
            path,
            out: BufWriter::new(file),
            count: 0,
        })
    }

    /// Writes the file anew: the `pending` events (complete from `scanned_from` up), then the
    /// old events older than that, leaving out everything older than `keep_from` (retention).
    /// When the scan brought nothing new and nothing is due for pruning, the file stays as it is.
    pub fn commit(
        &self,
        portal: &str,
        pending: Pending,
        scanned_from: i64,
        keep_from: i64,
        covered_from: i64,
        partial: bool,
    ) -> Result<Header, InsightError> {
        let Pending {
            path: new_path,
            mut out,
            count,
        } = pending;
        out.flush().map_err(|e| self.error(&new_path, e))?;
        drop(out);
        if let Some(header) =
            self.unchanged(portal, &new_path, count, scanned_from, keep_from, partial)?
        {
            let _ = std::fs::remove_file(&new_path);
            return Ok(header);
        }
        let final_path = self.path(portal);
        let body_path = final_path.with_extension("body");
        let tmp_path = final_path.with_extension("tmp");
        let result = self
            .merge(portal, &new_path, &body_path, scanned_from, keep_from)
            .and_then(|(newest, oldest, events)| {
                let header = Header {
                    version: VERSION,
                    portal: portal.to_string(),
                    covered_from: covered_from.max(keep_from),
                    newest,
                    oldest,
                    partial,
                    events,
                };
                // The header goes first, so the merged events are copied in after it as bytes.
                let file = private_file(&tmp_path).map_err(|e| self.error(&tmp_path, e))?;
                let mut out = BufWriter::new(file);
                let mut body = File::open(&body_path).map_err(|e| self.error(&body_path, e))?;
                out.write_all(json(&header).as_bytes())
                    .and_then(|_| out.write_all(b"\n"))
                    .and_then(|_| std::io::copy(&mut body, &mut out).map(|_| ()))
                    .and_then(|_| out.flush())
                    .map_err(|e| self.error(&tmp_path, e))?;
                Ok(header)
            });
        let _ = std::fs::remove_file(&new_path);
        let _ = std::fs::remove_file(&body_path);
        match result {
            Ok(header) => {
                std::fs::rename(&tmp_path, &final_path).map_err(|e| self.error(&final_path, e))?;
                Ok(header)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp_path);
                Err(e)
            }
        }
    }

    /// The current header, if a second look brought exactly the events the file already has at
    /// its top and nothing in it is older than `keep_from`.
    fn unchanged(
        &self,
        portal: &str,
        new_path: &Path,
        count: u64,
        scanned_from: i64,
        keep_from: i64,
        partial: bool,
    ) -> Result<Option<Header>, InsightError> {
        // Only a look that started at the newest cached date and found little is worth checking.
        const SMALL: u64 = 1000;
        let Some(header) = self.header(portal)? else {
            return Ok(None);
        };
        if count > SMALL
            || header.partial != partial
            || header.newest != Some(scanned_from)
            || header.oldest.is_some_and(|o| o < keep_from)
        {
            return Ok(None);
        }
        let file = File::open(new_path).map_err(|e| self.error(new_path, e))?;
        let mut fresh = HashSet::new();
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|e| self.error(new_path, e))?;
            let e: Event = serde_json::from_str(&line).map_err(|e| self.error(new_path, e))?;
            fresh.insert(e.id);
        }
        let mut cached = HashSet::new();
        for e in self.events(portal)? {
            let e = e?;
            if e.at < scanned_from {
                break;
            }
            cached.insert(e.id);
        }
        Ok((fresh == cached).then_some(header))
    }

    /// Writes the new events, then the old ones older than `scanned_from` and not older than
    /// `keep_from`, to `body_path`: one streamed pass. Returns (newest, oldest, count).
    fn merge(
        &self,
        portal: &str,
        new_path: &Path,
        body_path: &Path,
        scanned_from: i64,
        keep_from: i64,
    ) -> Result<(Option<i64>, Option<i64>, u64), InsightError> {
        let file = File::open(new_path).map_err(|e| self.error(new_path, e))?;
        let fresh = BufReader::new(file).lines().map(|l| {
            let l = l.map_err(|e| self.error(new_path, e))?;
            serde_json::from_str::<Event>(&l).map_err(|e| self.error(new_path, e))
        });
        let older = self
            .events(portal)?
            .filter(|e| e.as_ref().map_or(true, |e| e.at < scanned_from));
        let file = private_file(body_path).map_err(|e| self.error(body_path, e))?;
        let mut out = BufWriter::new(file);
        let (mut newest, mut oldest, mut count) = (None, None, 0u64);
        for e in fresh.chain(older) {
            let e = e?;
            if e.at < keep_from {
                continue;
            }
            newest = newest.max(Some(e.at));
            oldest = Some(oldest.map_or(e.at, |o: i64| o.min(e.at)));
            count += 1;
            out.write_all(json(&e).as_bytes())
                .and_then(|_| out.write_all(b"\n"))
                .map_err(|e| self.error(body_path, e))?;
        }
        out.flush().map_err(|e| self.error(body_path, e))?;
        Ok((newest, oldest, count))
    }

    /// Removes the portal's sign-in data. `true` if there was any.
    pub fn forget(&self, portal: &str) -> Result<bool, InsightError> {
        let path = self.path(portal);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.error(&path, e)),
        }
    }

    fn ensure_dir(&self) -> Result<(), InsightError> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
            builder.mode(0o700);
            builder
                .create(&self.dir)
                .map_err(|e| self.error(&self.dir, e))?;
            // An existing folder may have been made with looser rights.
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| self.error(&self.dir, e))
        }
        #[cfg(not(unix))]
        builder
            .create(&self.dir)
            .map_err(|e| self.error(&self.dir, e))
    }
}

impl Pending {
    pub fn push(&mut self, event: &Event) -> Result<(), InsightError> {
        self.count += 1;
        self.out
            .write_all(json(event).as_bytes())
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| InsightError::Cache {
                path: self.path.display().to_string(),
                detail: e.to_string(),
            })
    }

    /// Drops what was collected (a cancelled or failed scan).
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn json<T: Serialize>(value: &T) -> String {
    // Plain structs of numbers and strings always serialize.
    serde_json::to_string(value).unwrap_or_default()
}

/// Creates (or truncates) a file only its owner may read or write.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::insight::event::sample as ev;

    fn write(store: &CacheStore, portal: &str, events: &[Event], from: i64, keep: i64) -> Header {
        let mut p = store.begin(portal).unwrap();
        for e in events {
            p.push(e).unwrap();
        }
        store.commit(portal, p, from, keep, from, false).unwrap()
    }

    fn ids(store: &CacheStore, portal: &str) -> Vec<i64> {
        store
            .events(portal)
            .unwrap()
            .map(|e| e.unwrap().id)
            .collect()
    }

    #[test]
    fn merge_keeps_new_then_older_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let s = CacheStore::in_dir(dir.path());
        let p = "http://127.0.0.1:1";
        write(&s, p, &[ev(5, 50), ev(4, 40), ev(3, 30), ev(2, 20)], 20, 0);
        // A second look from date 40 up: 4 and 5 come again (and 6 is new); 2 is past retention.
        let h = write(&s, p, &[ev(6, 60), ev(5, 50), ev(4, 40)], 40, 25);
        assert_eq!(ids(&s, p), vec![6, 5, 4, 3]);
        assert_eq!((h.newest, h.events, h.covered_from), (Some(60), 4, 40));
        assert_eq!(s.header(p).unwrap(), Some(h));
        assert!(s.forget(p).unwrap());
        assert!(!s.forget(p).unwrap());
        assert_eq!(s.header(p).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("signins");
        let s = CacheStore::in_dir(&sub);
        let p = "https://example.onlyoffice.com";
        write(&s, p, &[ev(1, 1)], 0, 0);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(mode(&s.path(p)), 0o600);
        assert_eq!(
            std::fs::read_dir(&sub).unwrap().count(),
            1,
            "no temporary files left"
        );
    }
}
