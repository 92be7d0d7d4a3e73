//! Core of the DocSpace TFA Policy app. No Tauri and no GUI here: everything is testable headless.
//!
//! - [`docspace`]: typed REST client for the portal (wire models, errors, URL rules).
//! - [`policy`]: pure logic: the policy model, trusted-IP parsing, the server's TFA rule, diffs.
//! - [`secrets`]: the OS keychain behind a small trait.
//! - [`sandbox`]: a local DocSpace simulation on 127.0.0.1 for the demo mode, tests and benchmarks.
//! - [`service`]: the workflows both front-ends share (connect, load, review, save and verify).
//! - [`cli`]: the `docspace-tfa` command line.
//! - [`platform`]: what differs per OS in files and folders (private modes on Unix, ACLs on Windows).

#![forbid(unsafe_code)]

pub mod cli;
pub mod docspace;
pub mod history;
pub mod insight;
pub mod messages;
pub mod platform;
pub mod policy;
pub mod policy_file;
pub mod profiles;
pub mod redact;
pub mod sandbox;
pub mod secrets;
pub mod service;
pub mod shared_file;

/// The app's identifier: the Tauri bundle id and the keychain service name.
pub const APP_ID: &str = "dev.docspacetfa.desktop";
