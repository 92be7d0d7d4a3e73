//! Waits the admin may stop (`cancel_wait`): connecting, reading the policy, saving. A stopped
//! wait drops its future, so its requests are abandoned and nothing after the await point runs
//! (a cancelled connect never becomes the current connection). The portal may still have acted
//! on a request already sent, which is why a stopped save is reported as "may have landed".

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use futures::future::{AbortHandle, Abortable};
use serde::Deserialize;

use crate::error::{CommandError, CommandResult};

/// What the admin is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Wait {
    /// `connect`, `connect_saved`, `start_sandbox`, `switch_profile`.
    Connect,
    /// `load_policy`.
    Load,
    /// `save_policy`: the conflict check, the PUT and the read-back.
    Save,
}

/// The running waits by id, and the last id given out.
#[derive(Default)]
struct Running {
    last: u64,
    waits: HashMap<u64, (Wait, AbortHandle)>,
}

#[derive(Default)]
pub struct Waits {
    running: Mutex<Running>,
}

/// Removes a finished (or dropped) wait from the table.
struct Registered<'a> {
    waits: &'a Waits,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.waits.lock().waits.remove(&self.id);
    }
}

impl Waits {
    fn lock(&self) -> std::sync::MutexGuard<'_, Running> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `fut` until it ends or `cancel(what)` stops it (then `Cancelled`).
    pub async fn run<T>(
        &self,
        what: Wait,
        fut: impl Future<Output = CommandResult<T>>,
    ) -> CommandResult<T> {
        let (handle, registration) = AbortHandle::new_pair();
        let id = {
            let mut running = self.lock();
            running.last = running.last.wrapping_add(1);
            let id = running.last;
            running.waits.insert(id, (what, handle));
            id
        };
        let _registered = Registered { waits: self, id };
        Abortable::new(fut, registration)
            .await
            .unwrap_or(Err(CommandError::Cancelled(what)))
    }

    /// Stops every running wait of this kind; returns how many there were.
    pub fn cancel(&self, what: Wait) -> usize {
        let running = self.lock();
        let mut n = 0;
        for (kind, handle) in running.waits.values() {
            if *kind == what {
                handle.abort();
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_cancelled_wait_ends_at_once_and_runs_nothing_after_its_await() {
        let waits = Waits::default();
        let reached = std::sync::atomic::AtomicBool::new(false);
        let slow = waits.run(Wait::Connect, async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            reached.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        });
        let cancel = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(waits.cancel(Wait::Load), 0, "only waits of that kind");
            assert_eq!(waits.cancel(Wait::Connect), 1);
        };
        let started = std::time::Instant::now();
        let (result, ()) = tokio::join!(slow, cancel);
        assert!(matches!(
            result,
            Err(CommandError::Cancelled(Wait::Connect))
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!reached.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(waits.cancel(Wait::Connect), 0, "a finished wait is gone");
    }

    #[tokio::test]
    async fn an_unstopped_wait_returns_its_result() {
        let waits = Waits::default();
        assert_eq!(waits.run(Wait::Load, async { Ok(7) }).await.unwrap(), 7);
    }

    #[test]
    fn a_stopped_save_never_says_nothing_changed() {
        let msg = CommandError::Cancelled(Wait::Save).to_string();
        assert!(msg.contains("may"), "{msg}");
        assert!(!msg.to_lowercase().contains("nothing changed"), "{msg}");
        let v = serde_json::to_value(CommandError::Cancelled(Wait::Save)).unwrap();
        assert_eq!(v["kind"], "cancelled");
        assert_eq!(v["details"]["landed"], "unknown");
    }
}
