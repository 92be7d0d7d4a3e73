//! The portal's TFA policy as the admin thinks of it: one method plus the three lists.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

use crate::docspace::models::TfaSettingsDto;

/// Which second factor the portal requires. SMS and app are mutually exclusive on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    None,
    App,
    Sms,
}

impl Method {
    /// The lowercase wire string; every server version accepts it (v2.x only lowercase).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::None => "none",
            Method::App => "app",
            Method::Sms => "sms",
        }
    }

    /// What an admin reads in a diff or a table.
    pub fn label(self) -> &'static str {
        match self {
            Method::None => "disabled",
            Method::App => "authenticator app",
            Method::Sms => "SMS",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole policy: what a PUT sends and what a GET is turned into.
/// This is also the JSON contract of `show --json` and `apply FILE` (more keys allowed on read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub method: Method,
    pub trusted_ips: Vec<String>,
    pub mandatory_users: Vec<Uuid>,
    pub mandatory_groups: Vec<Uuid>,
}

impl Policy {
    pub fn disabled() -> Self {
        Policy {
            method: Method::None,
            trusted_ips: vec![],
            mandatory_users: vec![],
            mandatory_groups: vec![],
        }
    }

    /// The policy with its lists emptied when the method is `none`: that is what the server stores,
    /// because disabling resets both settings objects.
    pub fn as_stored(&self) -> Policy {
        if self.method == Method::None {
            Policy::disabled()
        } else {
            self.clone()
        }
    }

    /// Same policy as far as the server's rule can tell: list order and duplicates do not matter
    /// (the matcher uses "any entry matches", membership tests are set tests).
    pub fn same_as(&self, other: &Policy) -> bool {
        let (a, b) = (self.as_stored(), other.as_stored());
        a.method == b.method
            && sorted_unique(&a.trusted_ips) == sorted_unique(&b.trusted_ips)
            && sorted_unique(&a.mandatory_users) == sorted_unique(&b.mandatory_users)
            && sorted_unique(&a.mandatory_groups) == sorted_unique(&b.mandatory_groups)
    }
}

fn sorted_unique<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Whether the portal offers a method at all, and whether it can be switched on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodOffer {
    /// The GET listed this method (it is not hidden by `web:hide-settings`).
    pub listed: bool,
    /// The server says it can be used (for SMS: a provider is configured).
    pub available: bool,
}

/// The policy read from a portal, with what the portal offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalPolicy {
    pub policy: Policy,
    pub sms: MethodOffer,
    pub app: MethodOffer,
}

impl PortalPolicy {
    /// Builds the policy from the GET list, looking entries up by `id`, never by position
    /// (the official client's by-index read breaks when SMS is hidden).
    pub fn from_settings(entries: &[TfaSettingsDto]) -> PortalPolicy {
        let find = |id: &str| entries.iter().find(|e| e.id.eq_ignore_ascii_case(id));
        let (sms, app) = (find("sms"), find("app"));
        let offer = |e: Option<&TfaSettingsDto>| MethodOffer {
            listed: e.is_some(),
            available: e.is_some_and(|e| e.available),
        };
        // The server checks SMS before the app, so SMS wins if both ever claim to be on.
        let active = [(Method::Sms, sms), (Method::App, app)]
            .into_iter()
            .find_map(|(m, e)| e.filter(|e| e.enabled).map(|e| (m, e)));
        let policy = match active {
            Some((method, e)) => Policy {
                method,
                trusted_ips: e.trusted_ips.clone().unwrap_or_default(),
                mandatory_users: e.mandatory_users.clone().unwrap_or_default(),
                mandatory_groups: e.mandatory_groups.clone().unwrap_or_default(),
            },
            None => Policy::disabled(),
        };
        PortalPolicy {
            policy,
            sms: offer(sms),
            app: offer(app),
        }
    }

    pub fn offer(&self, method: Method) -> Option<&MethodOffer> {
        match method {
            Method::None => None,
            Method::App => Some(&self.app),
            Method::Sms => Some(&self.sms),
        }
    }
}
