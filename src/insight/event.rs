//! One sign-in event as the app keeps it, built from the wire with every field checked, and what
//! its action code means (`docspace-signins-api.md` §3, §4).

use std::net::Ipv4Addr;

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::docspace::LoginEventDto;

/// Failed sign-ins carry this Guest id instead of the person's (§3).
pub const GUEST_ID: Uuid = Uuid::from_u128(0x712d9ec3_5d2b_4b13_824f_71f00191dcca);
/// Longest `login` and `ip` kept: anything longer is not a real value.
const MAX_TEXT: usize = 320;

/// A checked event. Short field names: the cache holds tens of thousands of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "i")]
    pub id: i64,
    /// Unix seconds.
    #[serde(rename = "t")]
    pub at: i64,
    /// `None` for the Guest id or an id that is not a GUID.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Uuid>,
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(rename = "a")]
    pub action: i64,
    #[serde(rename = "p", default)]
    pub ip: String,
}

/// How a sign-in was made, from its action code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    Password,
    Api,
    App,
    Sms,
    Sso,
    Social,
}

impl SignInMethod {
    pub fn label(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::Api => "password via API",
            SignInMethod::App => "authenticator app",
            SignInMethod::Sms => "SMS code",
            SignInMethod::Sso => "single sign-on",
            SignInMethod::Social => "social account",
        }
    }
}

/// A failed attempt, by what failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Password,
    SecondFactor,
}

impl Event {
    /// Checks a wire row: the date must be an offset date-time; a user id that is not a GUID
    /// or is the Guest id becomes `None`; over-long texts are cut.
    pub fn from_dto(dto: LoginEventDto) -> Option<Event> {
        let at = DateTime::parse_from_rfc3339(dto.date.trim())
            .ok()?
            .timestamp();
        let user = dto
            .user_id
            .and_then(|u| Uuid::try_parse(u.trim()).ok())
            .filter(|u| *u != GUEST_ID && !u.is_nil());
        let cut = |s: String| s.chars().take(MAX_TEXT).collect::<String>();
        Some(Event {
            id: dto.id,
            at,
            user,
            login: dto.login.map(cut).filter(|l| !l.trim().is_empty()),
            action: dto.action_id.unwrap_or(0),
            ip: dto.ip.map(cut).unwrap_or_default(),
        })
    }

    /// The definition of a sign-in: a success code other than Logout and AuthLinkActivated.
    pub fn is_sign_in(&self) -> bool {
        self.method().is_some()
    }

    /// The method of a successful sign-in; `None` for anything else.
    pub fn method(&self) -> Option<SignInMethod> {
        Some(match self.action {
            1000 | 1001 | 1011 | 1029 => SignInMethod::Password,
            1010 => SignInMethod::Api,
            1021 | 1024 => SignInMethod::App,
            1007 | 1012 => SignInMethod::Sms,
            1015 => SignInMethod::Sso,
            1019 | 1028 => SignInMethod::Social,
            _ => return None,
        })
    }

    /// A failed attempt and what failed (1022 is defined but the current server never writes it).
    pub fn failure(&self) -> Option<Failure> {
        match self.action {
            1002..=1005 | 1013 | 1018 | 1020 | 1023 | 1026 => Some(Failure::Password),
            1008 | 1014 | 1022 | 1025 => Some(Failure::SecondFactor),
            _ => None,
        }
    }

    /// The address, if it is a usable IPv4 one (IPv6 arrives mangled, §3).
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        self.ip.trim().parse().ok()
    }
}

/// An event for unit tests: a password sign-in at `at` from 10.0.0.1.
#[cfg(test)]
pub(crate) fn sample(id: i64, at: i64) -> Event {
    Event {
        id,
        at,
        user: None,
        login: None,
        action: 1000,
        ip: "10.0.0.1".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dto(date: &str, user: &str, ip: &str, action: i64) -> LoginEventDto {
        LoginEventDto {
            id: 1,
            date: date.into(),
            user_id: Some(user.into()),
            login: None,
            action_id: Some(action),
            ip: Some(ip.into()),
        }
    }

    #[test]
    fn dates_with_offsets_and_z() {
        let a = Event::from_dto(dto(
            "2026-06-30T13:05:41.0000000+03:00",
            "x",
            "1.2.3.4",
            1000,
        ))
        .unwrap();
        let b = Event::from_dto(dto("2026-06-30T10:05:41Z", "x", "1.2.3.4", 1000)).unwrap();
        assert_eq!(a.at, b.at);
        assert!(Event::from_dto(dto("2026-06-30", "x", "", 1000)).is_none());
        assert!(Event::from_dto(dto("2026-06-30T10:05:41", "x", "", 1000)).is_none());
    }

    #[test]
    fn guest_and_bad_ids_are_nobody() {
        let g = Event::from_dto(dto(
            "2026-06-30T10:05:41Z",
            "712d9ec3-5d2b-4b13-824f-71f00191dcca",
            "",
            1013,
        ))
        .unwrap();
        assert_eq!(g.user, None);
        assert_eq!(g.failure(), Some(Failure::Password));
        let junk = Event::from_dto(dto("2026-06-30T10:05:41Z", "<script>", "", 1000)).unwrap();
        assert_eq!(junk.user, None);
    }

    #[test]
    fn codes() {
        let e = |a| Event {
            id: 1,
            at: 0,
            user: None,
            login: None,
            action: a,
            ip: "2001".into(),
        };
        assert!(e(1021).is_sign_in() && e(1029).is_sign_in());
        assert!(!e(1006).is_sign_in() && !e(1027).is_sign_in() && !e(1013).is_sign_in());
        assert_eq!(e(1024).method(), Some(SignInMethod::App));
        assert_eq!(e(1025).failure(), Some(Failure::SecondFactor));
        assert_eq!(e(1000).ipv4(), None, "a mangled IPv6 address is not usable");
    }
}
