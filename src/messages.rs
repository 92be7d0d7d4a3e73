//! The catalogue of what the app tells the admin when something fails: every sentence of the
//! client's and the workflows' errors is written here, so the CLI and the desktop app say the
//! same thing and a translation has one place to start from.
//!
//! One voice: a message is one sentence of what happened and one of what to do. A cause is
//! rephrased as a clause of the sentence that reports it, never quoted inside it, and the portal
//! address appears at most once.

use std::fmt;

use crate::docspace::ApiError;
use crate::service::{describe, Landed, ServiceError};

/// What happened and what to do, shown as two sentences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub what: String,
    pub todo: String,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.todo.is_empty() {
            f.write_str(&self.what)
        } else {
            write!(f, "{} {}", self.what, self.todo)
        }
    }
}

fn msg(what: String, todo: impl Into<String>) -> Message {
    Message {
        what,
        todo: todo.into(),
    }
}

/// The first letter in upper case: clauses start sentences too (an address stays as it is).
fn sentence(clause: &str) -> String {
    if clause.starts_with("http") {
        return clause.to_string();
    }
    let mut chars = clause.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The server's own words, as the end of a parenthesis: "HTTP 500" or "HTTP 500: Boom".
fn status_and(status: u16, message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    if message.is_empty() || message == "no details given" {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {message}")
    }
}

/// What went wrong with a request, as a clause about `subject` ("https://p.example", "the
/// portal"); no advice.
pub fn api_clause(e: &ApiError, subject: &str) -> String {
    match e {
        ApiError::Unauthorized { .. } => {
            format!("{subject} did not accept the API key (HTTP 401): it is wrong, expired or revoked")
        }
        ApiError::Forbidden {
            status, message, ..
        } => format!(
            "{subject} refused the request ({})",
            status_and(*status, message)
        ),
        ApiError::NotFound { what, message, .. } => {
            format!("{subject} has no {what} ({})", status_and(404, message))
        }
        ApiError::BadRequest { message, .. } => format!(
            "{subject} rejected the request as invalid ({})",
            status_and(400, message)
        ),
        ApiError::RateLimited { .. } => {
            format!("{subject} is busy and asked the app to slow down (HTTP 429)")
        }
        ApiError::Server {
            status, message, ..
        } => format!(
            "{subject} answered with a server error ({})",
            status_and(*status, message)
        ),
        ApiError::UnexpectedStatus {
            status, message, ..
        } => format!(
            "{subject} answered with an unexpected status ({})",
            status_and(*status, message)
        ),
        ApiError::Timeout { secs, .. } => format!("{subject} did not answer within {secs} s"),
        ApiError::Connect { detail, .. } => {
            format!("{subject} could not be reached ({detail})")
        }
        ApiError::Tls { detail, .. } => format!(
            "{subject} could not be reached securely: its certificate is not trusted or not valid for this address ({detail})"
        ),
        ApiError::Redirected { location, .. } => {
            format!("{subject} redirected the request to {location}")
        }
        ApiError::NotDocSpace { detail, .. } => {
            format!("{subject} did not answer like a DocSpace API: {detail}")
        }
        ApiError::TooLarge { limit_mib, .. } => {
            format!("{subject} sent an answer larger than {limit_mib} MiB, which was not read")
        }
    }
}

/// What to do after a request failed, when nothing more is known about the context.
pub fn api_todo(e: &ApiError) -> String {
    match e {
        ApiError::Unauthorized { .. } => "Create a new key in DocSpace (Developer Tools > API keys) and connect again.".into(),
        ApiError::Forbidden { .. } => "Only the portal owner and DocSpace admins can change the TFA policy, and only the owner can make it mandatory for the owner: use such a key or change the draft.".into(),
        ApiError::NotFound { .. } => "Check the portal address; an older DocSpace version may not have this part of the API.".into(),
        ApiError::BadRequest { .. } => "This is a bug in the app or an unsupported server version: please report it.".into(),
        ApiError::RateLimited { retry_after_secs, .. } => format!("Wait {retry_after_secs} s and try again."),
        ApiError::Server { .. } | ApiError::UnexpectedStatus { .. } => "Try again later; if it keeps happening, check the portal's logs.".into(),
        ApiError::Timeout { .. } => "Check your network, then try again.".into(),
        ApiError::Connect { .. } => "Check the address, your network and any proxy or firewall, then try again.".into(),
        ApiError::Tls { .. } => "Fix the portal's certificate or use its correct https address; certificate checks stay on.".into(),
        ApiError::Redirected { .. } => "If that is the portal, use it as the portal address.".into(),
        ApiError::NotDocSpace { .. } | ApiError::TooLarge { .. } => "Check the portal address, and whether a proxy or sign-in page stands in front of the portal.".into(),
    }
}

/// The message of a failed request.
pub fn api(e: &ApiError) -> Message {
    let portal = match e {
        ApiError::Unauthorized { portal }
        | ApiError::Forbidden { portal, .. }
        | ApiError::NotFound { portal, .. }
        | ApiError::BadRequest { portal, .. }
        | ApiError::RateLimited { portal, .. }
        | ApiError::Server { portal, .. }
        | ApiError::UnexpectedStatus { portal, .. }
        | ApiError::Timeout { portal, .. }
        | ApiError::Connect { portal, .. }
        | ApiError::Tls { portal, .. }
        | ApiError::Redirected { portal, .. }
        | ApiError::NotDocSpace { portal, .. }
        | ApiError::TooLarge { portal, .. } => portal,
    };
    msg(
        sentence(&format!("{}.", api_clause(e, portal))),
        api_todo(e),
    )
}

/// After a save request failed: what the portal holds now decides what to do.
pub fn landed(l: &Landed) -> &'static str {
    match l {
        Landed::No => "Try again: nothing changed on the portal.",
        Landed::Yes => "The portal holds the new policy all the same: nothing more to do.",
        Landed::Unknown => {
            "Reload the policy to see whether the change landed before you try again."
        }
    }
}

/// The message of a workflow error that is not a lower layer's (those are shown as they are).
pub fn service(e: &ServiceError) -> Message {
    match e {
        ServiceError::Api(e) => api(e),
        ServiceError::NotAdmin { portal, name } => msg(
            format!("{name} has read-only access to {portal}: only the owner and DocSpace admins can change the TFA policy, so nothing was changed."),
            "Use a key of the owner or a DocSpace admin to change it.",
        ),
        ServiceError::NoKey { portal } => msg(
            format!("No API key is stored for {portal}."),
            "Connect with a key first (on the command line: `docspace-tfa login` with the same --portal).",
        ),
        ServiceError::Refused { problems } => msg(
            "The policy was not saved because the draft has problems.".into(),
            problems.join(" "),
        ),
        ServiceError::Conflict { portal, theirs, .. } => msg(
            format!("Someone changed the TFA policy on {portal} after it was loaded ({}), so nothing was saved.", describe(theirs)),
            "Reload to see the new policy, or review again and overwrite it.",
        ),
        ServiceError::SaveFailed { portal, cause, landed: l } => msg(
            format!("The save to {portal} got no clear answer: {}.", api_clause(cause, "it")),
            landed(l),
        ),
        ServiceError::NotVerified { portal, difference } => msg(
            format!("{portal} accepted the save but now holds a different policy than was sent ({}).", describe(difference)),
            "Check the policy on the portal and save again.",
        ),
        ServiceError::NoHistory { portal } => msg(
            format!("This app has not saved a policy to {portal} yet, so there is nothing to compare with."),
            "Drift is checked against this app's last save: save once, then check again.",
        ),
        ServiceError::Unresolved { portal, entries } => msg(
            format!("The policy file names entries that do not exist on {portal}: {}.", entries.join("; ")),
            "Fix the file (add ids, or correct the emails and names) and try again.",
        ),
        ServiceError::NoSuchPerson { portal, query } => msg(
            format!("Nobody on {portal} matches \"{query}\"."),
            "Use the person's email or id (the `users` command lists matches).",
        ),
        ServiceError::Ambiguous { portal, query, candidates } => msg(
            format!("\"{query}\" matches several people on {portal}: {}.", candidates.join(", ")),
            "Use the email or id instead.",
        ),
        // The message is already written for the admin; the field travels separately.
        ServiceError::Invalid { message, .. } => msg(message.clone(), ""),
        ServiceError::Secret(e) => msg(e.to_string(), ""),
        ServiceError::PortalUrl(e) => msg(e.to_string(), ""),
        ServiceError::History(e) => msg(e.to_string(), ""),
        ServiceError::PolicyFile(e) => msg(e.to_string(), ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, PolicyDiff, PortalPolicy};

    const P: &str = "https://p.example";

    fn every_api_error() -> Vec<ApiError> {
        let p = || P.to_string();
        vec![
            ApiError::Unauthorized { portal: p() },
            ApiError::Forbidden {
                portal: p(),
                status: 403,
                message: "Access denied".into(),
            },
            ApiError::NotFound {
                portal: p(),
                what: "such item".into(),
                message: "Not found".into(),
            },
            ApiError::BadRequest {
                portal: p(),
                message: "type: bad".into(),
            },
            ApiError::RateLimited {
                portal: p(),
                retry_after_secs: 5,
            },
            ApiError::Server {
                portal: p(),
                status: 500,
                message: "Boom.".into(),
            },
            ApiError::UnexpectedStatus {
                portal: p(),
                status: 418,
                message: "no details given".into(),
            },
            ApiError::Timeout {
                portal: p(),
                secs: 30,
            },
            ApiError::Connect {
                portal: p(),
                detail: "connection refused".into(),
            },
            ApiError::Tls {
                portal: p(),
                detail: "invalid peer certificate".into(),
            },
            ApiError::Redirected {
                portal: p(),
                location: "https://sso.example/login".into(),
            },
            ApiError::NotDocSpace {
                portal: p(),
                detail: "the answer is a web page (HTML), not JSON".into(),
            },
            ApiError::TooLarge {
                portal: p(),
                limit_mib: 4,
            },
        ]
    }

    /// The rules every message keeps: two sentences at most, the address once, no nesting of
    /// one message in another, no field names.
    fn assert_one_voice(text: &str) {
        assert!(text.matches(P).count() <= 1, "address repeated: {text}");
        assert!(
            !text.contains(".)") && !text.contains("..") && !text.contains(". ("),
            "nested: {text}"
        );
        assert!(!text.contains("  "), "double space: {text}");
        let first = text.split(':').next().unwrap_or("");
        assert!(
            !["ip", "myIp", "field", "portal"].contains(&first),
            "field name: {text}"
        );
        assert!(text.ends_with('.'), "no full stop: {text}");
        assert!(
            text.starts_with(P) || text.chars().next().is_some_and(|c| !c.is_lowercase()),
            "lower case start: {text}"
        );
    }

    #[test]
    fn every_client_error_says_what_happened_then_what_to_do() {
        for e in every_api_error() {
            let text = e.to_string();
            assert_one_voice(&text);
            let m = api(&e);
            assert!(!m.todo.is_empty(), "{text}");
            assert_eq!(text, format!("{} {}", m.what, m.todo));
        }
        assert_eq!(
            ApiError::Server { portal: P.into(), status: 500, message: "Boom.".into() }.to_string(),
            "https://p.example answered with a server error (HTTP 500: Boom). Try again later; if it keeps happening, check the portal's logs."
        );
        assert_eq!(
            ApiError::UnexpectedStatus { portal: P.into(), status: 418, message: "no details given".into() }.to_string(),
            "https://p.example answered with an unexpected status (HTTP 418). Try again later; if it keeps happening, check the portal's logs."
        );
        assert!(ApiError::Tls {
            portal: P.into(),
            detail: "x".into()
        }
        .to_string()
        .starts_with("https://p.example could not be reached securely"));
    }

    #[test]
    fn a_failed_save_names_its_cause_once_and_gives_one_piece_of_advice() {
        for cause in every_api_error() {
            for l in [Landed::No, Landed::Unknown] {
                let e = ServiceError::SaveFailed {
                    portal: P.into(),
                    cause: cause.clone(),
                    landed: l.clone(),
                };
                let text = e.to_string();
                assert_one_voice(&text);
                assert!(
                    text.starts_with("The save to https://p.example got no clear answer: "),
                    "{text}"
                );
                assert!(text.ends_with(landed(&l)), "{text}");
                assert_eq!(
                    text.matches("ry again").count(),
                    1,
                    "one piece of advice: {text}"
                );
            }
        }
        let html = ServiceError::SaveFailed {
            portal: P.into(),
            cause: ApiError::NotDocSpace {
                portal: P.into(),
                detail: "the answer is a web page (HTML), not JSON".into(),
            },
            landed: Landed::Unknown,
        };
        assert_eq!(
            html.to_string(),
            "The save to https://p.example got no clear answer: it did not answer like a DocSpace API: the answer is a web page (HTML), not JSON. Reload the policy to see whether the change landed before you try again."
        );
        assert!(!html.to_string().contains("Check the portal address"));
        let server = ServiceError::SaveFailed {
            portal: P.into(),
            cause: ApiError::Server {
                portal: P.into(),
                status: 500,
                message: "Boom".into(),
            },
            landed: Landed::No,
        };
        assert_eq!(
            server.to_string(),
            "The save to https://p.example got no clear answer: it answered with a server error (HTTP 500: Boom). Try again: nothing changed on the portal."
        );
    }

    #[test]
    fn every_workflow_error_keeps_one_voice() {
        let live = PortalPolicy::from_settings(&[]);
        let cases = vec![
            ServiceError::NotAdmin {
                portal: P.into(),
                name: "Anna".into(),
            },
            ServiceError::NoKey { portal: P.into() },
            ServiceError::Refused {
                problems: vec!["\"10.0.0.1/8\" has host bits set. Use 10.0.0.0/8.".into()],
            },
            ServiceError::Conflict {
                portal: P.into(),
                theirs: Box::new(PolicyDiff::between(
                    &Policy::disabled(),
                    &Policy::disabled(),
                )),
                live: Box::new(live),
            },
            ServiceError::NotVerified {
                portal: P.into(),
                difference: Box::new(PolicyDiff::between(
                    &Policy::disabled(),
                    &Policy::disabled(),
                )),
            },
            ServiceError::NoHistory { portal: P.into() },
            ServiceError::Unresolved {
                portal: P.into(),
                entries: vec!["user anna@x".into()],
            },
            ServiceError::NoSuchPerson {
                portal: P.into(),
                query: "nata".into(),
            },
            ServiceError::Ambiguous {
                portal: P.into(),
                query: "an".into(),
                candidates: vec!["Anna".into(), "Ann".into()],
            },
            ServiceError::Invalid {
                field: "ip".into(),
                message: "\"x\" is not an IP address. Give one such as 203.0.113.7.".into(),
            },
        ];
        for e in cases {
            assert_one_voice(&e.to_string());
        }
        assert_eq!(
            ServiceError::Invalid {
                field: "ip".into(),
                message: "\"x\" is not an IP address.".into()
            }
            .to_string(),
            "\"x\" is not an IP address."
        );
    }
}
