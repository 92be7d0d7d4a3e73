//! Sign-in insight (issue 11): what a policy would do to the portal's real sign-ins, trusted IPs
//! suggested from them, and each person's authenticator status.
//!
//! - [`event`]: one sign-in event, checked, and what its action code means;
//! - [`scan`]: reads `login/filter` the only safe way (no server filters, linked overlapping
//!   pages, concurrent), pure linking logic plus the I/O loop;
//! - [`cache`]: one owner-only file per portal, so the next look fetches only what is new;
//! - [`tally`]: one streamed pass over the cached events into per-person/per-address counts;
//! - [`impact`], [`suggest`], [`people`]: pure reports over a tally, with `policy`'s rule;
//! - [`gather`]: the workflow both front-ends call.

pub mod cache;
mod error;
pub mod event;
pub mod gather;
pub mod impact;
pub mod people;
pub mod scan;
pub mod suggest;
pub mod tally;

pub use cache::CacheStore;
pub use error::InsightError;
pub use event::Event;
pub use gather::{gather, reset_app, Gathered, Progress};
pub use impact::Impact;
pub use people::PersonStatus;
pub use suggest::Suggestion;

/// The most days the server keeps (and so the most an analysis can ask for).
pub const MAX_DAYS: u32 = 180;
/// Days analysed when nobody says.
pub const DEFAULT_DAYS: u32 = 30;
