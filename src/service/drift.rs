//! Drift: the live policy differs from this app's last save to the portal, so someone changed it
//! elsewhere. Accepting it records the live policy as a history entry of its own.
//!
//! These read and write the local history file (small, local, blocking): async callers that
//! must not block a runtime thread run them on a blocking thread.

use serde::Serialize;

use super::{Connection, ServiceError};
use crate::history::{drift, HistoryStore, Snapshot};
use crate::policy::{Policy, PolicyDiff};

/// The note of a history entry that accepts changes made outside this app.
pub const ACCEPTED_NOTE: &str = "accepted changes made outside this app";

/// The live policy differs from this app's last save: `diff` goes from `ours` to the live policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    /// The number of that last save in the history.
    pub since: usize,
    pub ours: Policy,
    pub diff: PolicyDiff,
}

impl Drift {
    /// `live` against the save `last`; `None` when the portal holds what was saved.
    pub fn since(last: &Snapshot, live: &Policy) -> Option<Drift> {
        drift(live, Some(last)).map(|diff| Drift {
            since: last.number,
            ours: last.after.clone(),
            diff,
        })
    }
}

impl Connection {
    /// The drift of `live` from this app's last save to this portal: `None` when the history
    /// has no save for it, or the portal holds what was saved.
    pub fn drift(
        &self,
        history: &HistoryStore,
        live: &Policy,
    ) -> Result<Option<Drift>, ServiceError> {
        Ok(history
            .last(self.portal().as_str())?
            .and_then(|last| Drift::since(&last, live)))
    }

    /// Records `live` as the accepted state (a history entry from our last save to it, by the
    /// signed-in admin, with `note` or [`ACCEPTED_NOTE`]). Without drift nothing is recorded and
    /// the last entry comes back; without any save to this portal it is `NoHistory`.
    pub fn accept_drift(
        &self,
        history: &HistoryStore,
        live: &Policy,
        note: Option<String>,
    ) -> Result<Snapshot, ServiceError> {
        let portal = self.portal().as_str();
        let last = history
            .last(portal)?
            .ok_or_else(|| ServiceError::NoHistory {
                portal: portal.to_string(),
            })?;
        if Drift::since(&last, live).is_none() {
            return Ok(last);
        }
        let note = note.or_else(|| Some(ACCEPTED_NOTE.into()));
        Ok(history.record(portal, &self.me().display_name, &last.after, live, note)?)
    }
}
