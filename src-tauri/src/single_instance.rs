//! One app per user on Linux without a D-Bus stack: tauri-plugin-single-instance pulls in zbus
//! there, about 1 MB of the binary (README, "Benchmarks"). An exclusive lock on a file in the
//! user's runtime folder says that an instance runs; a second launch connects to the running
//! one's socket beside it, asks it to show its window, and exits.
//!
//! Nothing here may stop the app from starting: if the folder, the lock or the socket fails, the
//! app runs and the failure is logged.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a second launch writes to the running instance.
const SHOW: &[u8] = b"show\n";
/// How long either side waits on the other: a hung instance must not hang a new launch.
const WAIT: Duration = Duration::from_secs(2);

/// The outcome of [`claim`].
pub enum Launch {
    /// This process is the only instance; serve the listener for the next launches.
    First(Option<UnixListener>),
    /// Another instance runs and was asked to show its window: exit.
    Handed,
}

/// Takes the per-user lock in `dir`, or hands over to the instance that holds it.
pub fn claim(dir: &Path, name: &str) -> Launch {
    let lock_path = dir.join(format!("{name}.lock"));
    let socket_path = dir.join(format!("{name}.sock"));
    let file = match open_lock_file(dir, &lock_path) {
        Ok(f) => f,
        Err(e) => {
            log_stderr(&format!("cannot open {}: {e}", lock_path.display()));
            return Launch::First(None);
        }
    };
    // The lock lives as long as the process: leaked on purpose, released by the OS at exit.
    let lock: &'static mut fd_lock::RwLock<File> = Box::leak(Box::new(fd_lock::RwLock::new(file)));
    match lock.try_write() {
        Ok(guard) => {
            std::mem::forget(guard);
            Launch::First(listen(&socket_path))
        }
        Err(_) => match hand_over(&socket_path) {
            Ok(()) => Launch::Handed,
            Err(e) => {
                // The holder does not answer (still starting, or stuck): start anyway rather
                // than leave the admin with no window.
                log_stderr(&format!(
                    "the running instance did not answer ({e}); starting another"
                ));
                Launch::First(None)
            }
        },
    }
}

fn open_lock_file(dir: &Path, path: &Path) -> std::io::Result<File> {
    std::fs::create_dir_all(dir)?;
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// The first instance's socket; an old one (from an instance that crashed) is replaced.
fn listen(path: &Path) -> Option<UnixListener> {
    let _ = std::fs::remove_file(path);
    match UnixListener::bind(path) {
        Ok(l) => Some(l),
        Err(e) => {
            log_stderr(&format!("cannot listen on {}: {e}", path.display()));
            None
        }
    }
}

fn hand_over(path: &Path) -> std::io::Result<()> {
    let mut stream = UnixStream::connect(path)?;
    stream.set_write_timeout(Some(WAIT))?;
    stream.set_read_timeout(Some(WAIT))?;
    stream.write_all(SHOW)?;
    // The answer says the window was asked to show; its content does not matter.
    let mut ack = [0u8; 8];
    let _ = stream.read(&mut ack)?;
    Ok(())
}

/// Serves the next launches on a thread of its own: each "show" calls `show`.
pub fn serve(listener: UnixListener, show: impl Fn() + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("single-instance".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(WAIT));
                let mut buf = [0u8; 16];
                let n = stream.read(&mut buf).unwrap_or(0);
                if buf.get(..n) == Some(SHOW) {
                    show();
                    let _ = stream.write_all(b"ok\n");
                }
            }
        });
    if let Err(e) = spawned {
        log_stderr(&format!("cannot start the single-instance thread: {e}"));
    }
}

/// The per-user folder for the lock and the socket: the runtime folder (private, emptied at
/// logout), else the app's cache folder.
pub fn folder() -> Option<PathBuf> {
    let dirs = directories::BaseDirs::new()?;
    Some(match dirs.runtime_dir() {
        Some(run) => run.to_path_buf(),
        None => dirs.cache_dir().join(docspace_tfa::APP_ID),
    })
}

// Before the logger exists (this runs first thing at launch).
fn log_stderr(message: &str) {
    eprintln!("docspace-tfa-desktop: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn the_second_launch_hands_over_and_the_first_is_asked_to_show() {
        let dir = tempfile::tempdir().unwrap();
        let Launch::First(Some(listener)) = claim(dir.path(), "app") else {
            panic!("the first launch owns the lock and listens");
        };
        let shown = Arc::new(AtomicUsize::new(0));
        let counter = shown.clone();
        serve(listener, move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        assert!(matches!(claim(dir.path(), "app"), Launch::Handed));
        assert!(matches!(claim(dir.path(), "app"), Launch::Handed));
        assert_eq!(shown.load(Ordering::SeqCst), 2);
        // Another app name is another instance.
        assert!(matches!(claim(dir.path(), "other"), Launch::First(Some(_))));
    }

    #[test]
    fn a_socket_left_by_a_crashed_instance_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.sock"), b"stale").unwrap();
        assert!(matches!(claim(dir.path(), "app"), Launch::First(Some(_))));
    }

    #[test]
    fn a_holder_that_does_not_answer_does_not_stop_the_launch() {
        let dir = tempfile::tempdir().unwrap();
        // Holds the lock but never serves its socket.
        let Launch::First(Some(_silent)) = claim(dir.path(), "app") else {
            panic!("first launch");
        };
        let started = std::time::Instant::now();
        assert!(matches!(claim(dir.path(), "app"), Launch::First(None)));
        assert!(started.elapsed() < WAIT * 2, "{:?}", started.elapsed());
    }
}
