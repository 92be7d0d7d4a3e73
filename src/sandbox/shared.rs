//! The state every handler shares: the read-only directory and the lockable portal state.
//!
//! Behind-the-app features live here as another field plus a control route and a middleware
//! layer: the fault table (`faults`) is the first.

use std::sync::{Mutex, MutexGuard};

use super::config::SandboxConfig;
use super::directory::Directory;
use super::distance::Distance;
use super::faults::FaultTable;
use super::signins::SigninLog;
use super::state::{PortalFlags, PortalState};

#[derive(Debug)]
pub struct Shared {
    pub directory: Directory,
    portal: Mutex<PortalState>,
    faults: Mutex<FaultTable>,
    distance: Mutex<Distance>,
    signins: Mutex<SigninLog>,
}

impl Shared {
    pub fn new(config: &SandboxConfig) -> Shared {
        let mut directory = Directory::seed(config.users, config.groups, config.seed);
        directory.resize_groups(&config.group_sizes);
        let portal = PortalState::new(directory.owner().id, PortalFlags::from(config));
        let signins = SigninLog::seed(&directory, config.signin_days, config.seed);
        Shared {
            signins: Mutex::new(signins),
            directory,
            portal: Mutex::new(portal),
            faults: Mutex::default(),
            distance: Mutex::new(Distance::new(config.latency_ms, config.jitter_ms)),
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

    /// Locks the sign-in log (same rules as [`Shared::portal`]).
    pub fn signins(&self) -> MutexGuard<'_, SigninLog> {
        self.signins
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the fault table (same rules as [`Shared::portal`]).
    pub fn faults(&self) -> MutexGuard<'_, FaultTable> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the latency settings and the request log (same rules as [`Shared::portal`]).
    pub fn distance(&self) -> MutexGuard<'_, Distance> {
        self.distance
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
