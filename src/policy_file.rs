//! Policy files: what `show --json`/export write and `apply`/import read.
//!
//! Two spellings of the same four keys are accepted. The plain one lists users and groups by id:
//! `{"method","trustedIps","mandatoryUsers":[guid],"mandatoryGroups":[guid]}`. The exported one
//! adds a schema version and lists them by id *and* name/email, so the file is reviewable and can
//! be carried to another portal, where ids differ: entries are resolved by id first, then by email
//! or name.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::policy::{Method, Policy};

pub const SCHEMA: &str = "docspace-tfa/policy";
pub const VERSION: u32 = 1;

#[derive(Debug, Error)]
pub enum PolicyFileError {
    #[error("The policy file is not valid: {detail}. It needs \"method\" (\"none\", \"app\" or \"sms\"), \"trustedIps\", \"mandatoryUsers\" and \"mandatoryGroups\"; users and groups as ids or as {{\"id\", \"name\", \"email\"}} objects.")]
    Parse { detail: String },
    #[error("The policy file has schema version {found}; this app reads version {VERSION}. Update the app.")]
    Version { found: u32 },
    #[error("The policy file has schema \"{found}\", not \"{SCHEMA}\".")]
    Schema { found: String },
}

/// A user in a file: a bare id, or a reference with whatever is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UserEntry {
    Id(Uuid),
    Ref {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
    },
}

/// A group in a file: a bare id, or a reference by id and/or name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupEntry {
    Id(Uuid),
    Ref {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

impl UserEntry {
    pub fn id(&self) -> Option<Uuid> {
        match self {
            UserEntry::Id(id) => Some(*id),
            UserEntry::Ref { id, .. } => *id,
        }
    }
    /// How a person would recognise the entry in an error message.
    pub fn describe(&self) -> String {
        match self {
            UserEntry::Id(id) => id.to_string(),
            UserEntry::Ref { id, name, email } => known_parts([
                name.clone(),
                email.as_ref().map(|e| format!("<{e}>")),
                id.map(|i| i.to_string()),
            ]),
        }
    }
}

impl GroupEntry {
    pub fn id(&self) -> Option<Uuid> {
        match self {
            GroupEntry::Id(id) => Some(*id),
            GroupEntry::Ref { id, .. } => *id,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            GroupEntry::Id(id) => id.to_string(),
            GroupEntry::Ref { id, name } => known_parts([name.clone(), id.map(|i| i.to_string())]),
        }
    }
}

/// The parts of an entry that are given, separated by spaces.
fn known_parts<const N: usize>(parts: [Option<String>; N]) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// The file as read or written. The four policy keys are required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The portal it was exported from (information only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<String>,
    pub method: Method,
    pub trusted_ips: Vec<String>,
    pub mandatory_users: Vec<UserEntry>,
    pub mandatory_groups: Vec<GroupEntry>,
}

impl PolicyFile {
    pub fn parse(text: &str) -> Result<PolicyFile, PolicyFileError> {
        let file: PolicyFile = serde_json::from_str(text).map_err(|e| PolicyFileError::Parse {
            detail: e.to_string(),
        })?;
        if let Some(schema) = &file.schema {
            if schema != SCHEMA {
                return Err(PolicyFileError::Schema {
                    found: schema.clone(),
                });
            }
        }
        match file.version {
            Some(v) if v > VERSION => Err(PolicyFileError::Version { found: v }),
            _ => Ok(file),
        }
    }

    /// The plain policy when every entry carries an id; otherwise the entries that need resolving.
    pub fn ids_only(&self) -> Option<Policy> {
        Some(Policy {
            method: self.method,
            trusted_ips: self.trusted_ips.clone(),
            mandatory_users: self
                .mandatory_users
                .iter()
                .map(UserEntry::id)
                .collect::<Option<_>>()?,
            mandatory_groups: self
                .mandatory_groups
                .iter()
                .map(GroupEntry::id)
                .collect::<Option<_>>()?,
        })
    }

    /// An exported file: version, portal, time, and every user and group by id and name.
    pub fn export(
        policy: &Policy,
        portal: &str,
        users: &[(Uuid, String, Option<String>)],
        groups: &[(Uuid, String)],
    ) -> PolicyFile {
        let user = |id: &Uuid| {
            let found = users.iter().find(|u| &u.0 == id);
            UserEntry::Ref {
                id: Some(*id),
                name: found.map(|u| u.1.clone()),
                email: found.and_then(|u| u.2.clone()),
            }
        };
        let group = |id: &Uuid| GroupEntry::Ref {
            id: Some(*id),
            name: groups.iter().find(|g| &g.0 == id).map(|g| g.1.clone()),
        };
        PolicyFile {
            schema: Some(SCHEMA.into()),
            version: Some(VERSION),
            portal: Some(portal.into()),
            exported_at: Some(
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            method: policy.method,
            trusted_ips: policy.trusted_ips.clone(),
            mandatory_users: policy.mandatory_users.iter().map(user).collect(),
            mandatory_groups: policy.mandatory_groups.iter().map(group).collect(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_files_are_policies() {
        let f = PolicyFile::parse(r#"{"method":"app","trustedIps":["10.0.0.1"],"mandatoryUsers":["8b1f4c7e-2d3a-4e5f-9a6b-1c2d3e4f5a6b"],"mandatoryGroups":[],"portal":"x","extra":1}"#).unwrap();
        let p = f.ids_only().unwrap();
        assert_eq!(p.method, Method::App);
        assert_eq!(
            p.mandatory_users,
            vec![Uuid::parse_str("8b1f4c7e-2d3a-4e5f-9a6b-1c2d3e4f5a6b").unwrap()]
        );
    }

    #[test]
    fn every_policy_key_is_required() {
        for missing in ["method", "trustedIps", "mandatoryUsers", "mandatoryGroups"] {
            let mut v = serde_json::json!({"method":"none","trustedIps":[],"mandatoryUsers":[],"mandatoryGroups":[]});
            v.as_object_mut().unwrap().remove(missing);
            let err = PolicyFile::parse(&v.to_string()).unwrap_err().to_string();
            assert!(err.contains(missing), "{err}");
        }
        assert!(PolicyFile::parse(
            r#"{"method":"on","trustedIps":[],"mandatoryUsers":[],"mandatoryGroups":[]}"#
        )
        .is_err());
    }

    #[test]
    fn export_round_trips_and_names_entries() {
        let id = Uuid::from_u128(5);
        let g = Uuid::from_u128(6);
        let policy = Policy {
            method: Method::App,
            trusted_ips: vec!["10.0.0.1".into()],
            mandatory_users: vec![id],
            mandatory_groups: vec![g],
        };
        let file = PolicyFile::export(
            &policy,
            "https://p.example",
            &[(id, "Anna Berg".into(), Some("anna@example.com".into()))],
            &[(g, "Finance".into())],
        );
        let text = file.to_json();
        assert!(
            text.contains("Anna Berg")
                && text.contains("anna@example.com")
                && text.contains("Finance")
        );
        let back = PolicyFile::parse(&text).unwrap();
        assert_eq!(back.ids_only().unwrap(), policy);
    }

    #[test]
    fn names_only_entries_need_resolving() {
        let f = PolicyFile::parse(r#"{"method":"app","trustedIps":[],"mandatoryUsers":[{"email":"anna@example.com"}],"mandatoryGroups":[{"name":"Finance"}]}"#).unwrap();
        assert!(f.ids_only().is_none());
        assert_eq!(f.mandatory_users[0].describe(), "<anna@example.com>");
    }

    #[test]
    fn newer_versions_and_other_schemas_are_refused() {
        let body = r#""method":"none","trustedIps":[],"mandatoryUsers":[],"mandatoryGroups":[]"#;
        assert!(matches!(
            PolicyFile::parse(&format!(
                r#"{{"schema":"docspace-tfa/policy","version":2,{body}}}"#
            )),
            Err(PolicyFileError::Version { found: 2 })
        ));
        assert!(matches!(
            PolicyFile::parse(&format!(r#"{{"schema":"other","version":1,{body}}}"#)),
            Err(PolicyFileError::Schema { .. })
        ));
    }
}
