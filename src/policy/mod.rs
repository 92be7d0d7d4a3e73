//! Pure policy logic: no I/O here, so all of it is unit-testable.

pub mod diff;
pub mod model;
// pub mod review;
pub mod trusted_ip;

pub use diff::PolicyDiff;
pub use model::{Method, MethodOffer, Policy, PortalPolicy};
// pub use review::{Level, Problem, Review, ReviewContext};
