//! The state every handler shares: the read-only directory and the lockable portal state.
//!
//! New behind-the-app features (e.g. fault injection: a table of path+method → status, delay or
//! drop) belong here as another field plus a control route and a middleware layer; nothing
//! else has to move.

use std::sync::{Mutex, MutexGuard};

use super::config::SandboxConfig;
use super::directory::Directory;
use super::state::{PortalFlags, PortalState};

#[derive(Debug)]
pub struct Shared {
    pub directory: Directory,
    portal: Mutex<PortalState>,
}

impl Shared {
    pub fn new(config: &SandboxConfig) -> Shared {
        let directory = Directory::seed(config.users, config.groups, config.seed);
        let portal = PortalState::new(directory.owner().id, PortalFlags::from(config));
        Shared {
            directory,
            portal: Mutex::new(portal),
        }
    }

    /// Locks the portal state. Critical sections are short and never await; a panic inside
    /// one cannot leave the state half-written in a way later requests care about, so a
    /// poisoned lock is simply taken over.
    pub fn portal(&self) -> MutexGuard<'_, PortalState> {
        self.portal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
