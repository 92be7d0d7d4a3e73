//! Files the CLI and the app share (history, saved portals): every read-modify-write holds an
//! exclusive lock, and every write goes through a uniquely named temporary file in the same
//! folder, fsync, and a rename, so two writers at once never lose an entry and a crash never
//! leaves half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file beside `path` (`history/x.json` → `history/x.json.lock`). The data file itself
/// cannot carry the lock: each write replaces it with a new file.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Runs `f` while this process holds the exclusive lock of `path` (waiting for other
/// processes and threads that hold it). Not re-entrant: `f` must not lock `path` again.
pub fn locked<T>(path: &Path, f: impl FnOnce() -> T) -> std::io::Result<T> {
    if let Some(dir) = path.parent() {
        crate::platform::create_private_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(path))?;
    let mut lock = fd_lock::RwLock::new(file);
    let _held = lock.write()?;
    Ok(f())
}

/// Writes `bytes` to `path` through a uniquely named sibling temporary file, fsynced before
/// the rename, and the folder fsynced after it, so the new content is whole and durable.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::platform::create_private_dir_all(dir)?;
    // tempfile creates the file with mode 0600 on Unix, so the renamed file is the user's only.
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".part")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// The rename itself is durable only once the folder is synced (POSIX); Windows has no such
/// call for folders and makes renames durable itself.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("f.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["f.json"]);
    }

    #[test]
    fn threads_taking_the_lock_never_lose_an_increment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("count");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        locked(&path, || {
                            let n: u32 = std::fs::read_to_string(&path)
                                .map(|t| t.parse().unwrap())
                                .unwrap_or(0);
                            write_atomically(&path, (n + 1).to_string().as_bytes()).unwrap();
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "200");
    }
}
