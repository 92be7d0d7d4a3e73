//! Typed client for the DocSpace REST API: wire models, the HTTP client, and its errors.
#![warn(clippy::arithmetic_side_effects)]

pub mod client;
pub mod error;
pub mod models;
pub mod portal_url;

pub use client::{ClientOptions, DocSpaceClient, LoginEventDto, LoginPage};
pub use error::ApiError;
pub use models::{Employee, Group, Page, TfaSettingsDto};
pub use portal_url::{PortalUrl, PortalUrlError};
