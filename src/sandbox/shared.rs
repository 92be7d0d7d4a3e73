//! The state every handler shares: the read-only directory and the lockable portal state.
//!
//! Behind-the-app features live here as another field plus a control route and a middleware
//! layer: the fault table (`faults`) is the first.

use std::sync::{Mutex, MutexGuard, OnceLock};

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
    /// Seeded at first use: a 20,000-person history takes a while, and most runs never read it.
    signins: OnceLock<Mutex<SigninLog>>,
    /// (days, seed) of the sign-in history.
    signin_seed: (u32, u64),
}

impl Shared {
    pub fn new(config: &SandboxConfig) -> Shared {
        let mut directory = Directory::seed(config.users, config.groups, config.seed);
        directory.resize_groups(&config.group_sizes);
        let portal = PortalState::new(directory.owner().id, PortalFlags::from(config));
        Shared {
            signins: OnceLock::new(),
            signin_seed: (config.signin_days, config.seed),
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
        let (days, seed) = self.signin_seed;
        self.signins
            .get_or_init(|| Mutex::new(SigninLog::seed(&self.directory, days, seed)))
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The sign-in log if anything used it yet (an unused one has no resets to show).
    pub fn signins_if_seeded(&self) -> Option<MutexGuard<'_, SigninLog>> {
        self.signins
            .get()
            .map(|m| m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
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
