//! Pure policy logic: no I/O here, so all of it is unit-testable.

pub mod diff;
pub mod matcher;
pub mod merge;
pub mod model;
pub mod review;
pub mod rule;
pub mod system_groups;
pub mod trusted_ip;

pub use diff::PolicyDiff;
pub use matcher::{first_match, server_matches, MatchError};
pub use model::{Method, MethodOffer, Policy, PortalPolicy};
pub use review::{Level, Problem, Review, ReviewContext};
pub use rule::{evaluate, Reason, Subject, UserRole, Verdict, Who};
pub use system_groups::{is_system_group, system_group_name};
pub use trusted_ip::{
    check_list, parse_entry, EntryCheck, IpEntry, IpEntryError, IpEntryKind, IpWarning,
};
