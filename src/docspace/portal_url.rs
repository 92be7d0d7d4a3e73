//! The portal's base URL: normalized once, so the keychain account and every request agree.

use serde::{Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;
use thiserror::Error;
use url::{Host, Url};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PortalUrlError {
    #[error("The portal address is empty. Enter the address of your DocSpace, e.g. https://example.onlyoffice.com.")]
    Empty,
    #[error("\"{input}\" is not a valid web address ({reason}). Enter it like https://example.onlyoffice.com.")]
    Invalid { input: String, reason: String },
    #[error("\"{input}\" uses {scheme}://. Use https:// (or http:// for a portal on this computer only).")]
    UnsupportedScheme { input: String, scheme: String },
    #[error("\"{input}\" uses plain http:// to a host on the network. The API key would travel unencrypted: use https://.")]
    InsecureHttp { input: String },
    #[error("\"{input}\" contains a user name or password. Remove the part before '@': the app signs in with the API key.")]
    UserInfo { input: String },
    #[error(
        "\"{input}\" contains a query or fragment ('?' or '#'). Enter only the portal's address."
    )]
    QueryOrFragment { input: String },
}

/// A normalized portal base URL: scheme and host lower-case, IDN hosts in punycode, default port
/// dropped, no trailing slash, any `/api/2.0/...` suffix cut off.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PortalUrl {
    base: Url,
}

impl PortalUrl {
    pub fn parse(input: &str) -> Result<Self, PortalUrlError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PortalUrlError::Empty);
        }
        // A bare host name is what people paste most; assume https for it.
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let mut url = Url::parse(&with_scheme).map_err(|e| PortalUrlError::Invalid {
            input: trimmed.to_string(),
            reason: e.to_string(),
        })?;
        let scheme = url.scheme().to_string();
        if scheme != "https" && scheme != "http" {
            return Err(PortalUrlError::UnsupportedScheme {
                input: trimmed.to_string(),
                scheme,
            });
        }
        if url.host().is_none() {
            return Err(PortalUrlError::Invalid {
                input: trimmed.to_string(),
                reason: "no host".into(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(PortalUrlError::UserInfo {
                input: trimmed.to_string(),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(PortalUrlError::QueryOrFragment {
                input: trimmed.to_string(),
            });
        }
        let portal = PortalUrl { base: url.clone() };
        if scheme == "http" && !portal.is_loopback() {
            return Err(PortalUrlError::InsecureHttp {
                input: trimmed.to_string(),
            });
        }
        let path = url.path().to_string();
        let path = match path.find("/api/2.0") {
            Some(i) => &path[..i],
            None => path.as_str(),
        };
        let path = path.trim_end_matches('/').to_string();
        url.set_path(&path);
        Ok(PortalUrl { base: url })
    }

    /// True for 127.0.0.0/8, ::1 and `localhost`: the only hosts allowed over plain http.
    pub fn is_loopback(&self) -> bool {
        match self.base.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(Host::Domain(d)) => {
                d.eq_ignore_ascii_case("localhost")
                    || d.to_ascii_lowercase().ends_with(".localhost")
            }
            None => false,
        }
    }

    /// The address of an API path, e.g. `endpoint("settings/tfaapp")`.
    pub fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!(
            "{}/api/2.0/{}",
            self.base.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        url
    }

    pub fn as_str(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    pub fn host(&self) -> String {
        self.base.host_str().unwrap_or_default().to_string()
    }
}

impl fmt::Display for PortalUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PortalUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PortalUrl({})", self.as_str())
    }
}

impl Serialize for PortalUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for PortalUrl {
    type Err = PortalUrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PortalUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        PortalUrl::parse(s).unwrap().to_string()
    }

    #[test]
    fn normalizes_case_slashes_ports_and_api_suffix() {
        assert_eq!(
            norm("HTTPS://Example.ONLYOFFICE.com/"),
            "https://example.onlyoffice.com"
        );
        assert_eq!(norm("https://example.com:443"), "https://example.com");
        assert_eq!(
            norm("https://example.com:8443/"),
            "https://example.com:8443"
        );
        assert_eq!(norm("example.com"), "https://example.com");
        assert_eq!(
            norm("https://example.com/docspace/"),
            "https://example.com/docspace"
        );
        assert_eq!(
            norm("https://example.com/api/2.0/settings/tfaapp"),
            "https://example.com"
        );
        assert_eq!(norm("  https://example.com  "), "https://example.com");
    }

    #[test]
    fn idn_hosts_become_punycode() {
        assert_eq!(
            norm("https://bücher.example/"),
            "https://xn--bcher-kva.example"
        );
    }

    #[test]
    fn plain_http_only_for_loopback() {
        assert_eq!(norm("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(norm("http://localhost:9000"), "http://localhost:9000");
        assert_eq!(norm("http://[::1]:9000"), "http://[::1]:9000");
        assert!(matches!(
            PortalUrl::parse("http://example.com"),
            Err(PortalUrlError::InsecureHttp { .. })
        ));
        assert!(matches!(
            PortalUrl::parse("http://192.168.1.5"),
            Err(PortalUrlError::InsecureHttp { .. })
        ));
    }

    #[test]
    fn refuses_userinfo_queries_and_other_schemes() {
        assert!(matches!(
            PortalUrl::parse("https://admin:pw@example.com"),
            Err(PortalUrlError::UserInfo { .. })
        ));
        assert!(matches!(
            PortalUrl::parse("https://example.com/?x=1"),
            Err(PortalUrlError::QueryOrFragment { .. })
        ));
        assert!(matches!(
            PortalUrl::parse("ftp://example.com"),
            Err(PortalUrlError::UnsupportedScheme { .. })
        ));
        assert!(matches!(PortalUrl::parse(""), Err(PortalUrlError::Empty)));
        assert!(matches!(
            PortalUrl::parse("https://exa mple.com"),
            Err(PortalUrlError::Invalid { .. })
        ));
    }

    #[test]
    fn builds_endpoints_under_a_path_prefix() {
        let p = PortalUrl::parse("https://example.com/docspace").unwrap();
        assert_eq!(
            p.endpoint("settings/tfaapp").as_str(),
            "https://example.com/docspace/api/2.0/settings/tfaapp"
        );
        let p = PortalUrl::parse("https://example.com").unwrap();
        assert_eq!(
            p.endpoint("people/@self").as_str(),
            "https://example.com/api/2.0/people/@self"
        );
    }
}
