//! Wire DTOs of the sandbox, independent of the crate's client models on purpose: a shared
//! type would let a client bug pass its own tests. Nulls are omitted, as the server's MVC
//! JSON options do.

use serde::Serialize;
use uuid::Uuid;

use super::config::Spelling;
use super::directory::{Directory, Group, GroupRef, Role, User};
use super::state::TfaView;

/// `TfaSettingsDto`; exactly one of the two "available" spellings is set.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TfaSettingsDto {
    pub id: &'static str,
    pub title: &'static str,
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avaliable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_ips: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mandatory_users: Option<Vec<Uuid>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mandatory_groups: Option<Vec<Uuid>>,
}

impl TfaSettingsDto {
    pub fn new(view: TfaView, spelling: Spelling) -> Self {
        let (available, avaliable) = match spelling {
            Spelling::Available => (Some(view.available), None),
            Spelling::Avaliable => (None, Some(view.available)),
        };
        TfaSettingsDto {
            id: view.id,
            title: view.title,
            enabled: view.enabled,
            available,
            avaliable,
            trusted_ips: view.trusted_ips,
            mandatory_users: view.mandatory_users,
            mandatory_groups: view.mandatory_groups,
        }
    }
}

/// `GroupSummaryDto`, as listed in a user's `groups`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummaryDto {
    pub id: Uuid,
    pub name: String,
    /// The manager's user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
}

impl GroupSummaryDto {
    pub fn of(directory: &Directory, g: &Group) -> Self {
        GroupSummaryDto {
            id: g.id,
            name: g.name.clone(),
            manager: g
                .manager
                .and_then(|m| directory.user_at(m))
                .map(|m| m.user_name.clone()),
        }
    }
}

/// `EmployeeFullDto` (the fields a TFA client can use).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeFullDto {
    pub first_name: String,
    pub last_name: String,
    pub user_name: String,
    pub email: String,
    pub status: u8,
    pub activation_status: u8,
    pub is_admin: bool,
    pub is_room_admin: bool,
    pub is_owner: bool,
    pub is_visitor: bool,
    pub is_collaborator: bool,
    #[serde(rename = "isLDAP")]
    pub is_ldap: bool,
    #[serde(rename = "isSSO")]
    pub is_sso: bool,
    pub mobile_phone_activation_status: u8,
    pub groups: Vec<GroupSummaryDto>,
    pub registration_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tfa_app_enabled: Option<bool>,
    pub id: Uuid,
    /// HTML-encoded, as `GetFullUserName(user, withHtmlEncode: true)` sends it.
    pub display_name: String,
    pub avatar_small: &'static str,
    pub profile_url: String,
    pub has_avatar: bool,
    pub is_anonim: bool,
}

impl EmployeeFullDto {
    /// `show_tfa`: the caller is an admin or the owner *and* app TFA is enabled.
    pub fn new(directory: &Directory, user: &User, show_tfa: bool, base: &str) -> Self {
        let groups = user
            .groups
            .iter()
            .filter_map(|&g| directory.group_at(g))
            .map(|g| GroupSummaryDto::of(directory, g))
            .collect();
        let search: String = url::form_urlencoded::byte_serialize(user.email.as_bytes()).collect();
        EmployeeFullDto {
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            user_name: user.user_name.clone(),
            email: user.email.clone(),
            status: 1,
            activation_status: 1,
            // Since v3.7.1 the owner is not also reported as admin.
            is_admin: user.role == Role::Admin,
            is_room_admin: user.role == Role::RoomAdmin,
            is_owner: user.role == Role::Owner,
            is_visitor: user.role == Role::Guest,
            is_collaborator: user.role == Role::User,
            is_ldap: false,
            is_sso: false,
            mobile_phone_activation_status: 0,
            groups,
            registration_date: user.registration_date.clone(),
            tfa_app_enabled: show_tfa.then_some(user.tfa_app_enabled),
            id: user.id,
            display_name: html_encode(&user.display_name()),
            avatar_small: "/static/images/default_user_photo_size_32-32.png",
            profile_url: format!("{base}/accounts/people/filter?search={search}"),
            has_avatar: false,
            is_anonim: false,
        }
    }
}

/// `GroupDto`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDto {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Uuid>,
    pub category: Uuid,
    pub id: Uuid,
    #[serde(rename = "isLDAP")]
    pub is_ldap: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_system: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<EmployeeFullDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<EmployeeFullDto>>,
    pub members_count: usize,
}

impl GroupDto {
    /// A list item: no manager, no members.
    pub fn summary(directory: &Directory, group: GroupRef<'_>) -> Self {
        let (id, name, is_system) = match group {
            GroupRef::Ordinary(g) => (g.id, g.name.clone(), None),
            GroupRef::System(s) => (s.id(), s.name().to_string(), Some(true)),
        };
        GroupDto {
            name,
            parent: None,
            category: Uuid::nil(),
            id,
            is_ldap: false,
            is_system,
            manager: None,
            members: None,
            members_count: directory.members_count(group),
        }
    }

    /// `group/{id}`: with its manager, and its members when asked for.
    pub fn full(
        directory: &Directory,
        group: GroupRef<'_>,
        members: bool,
        show_tfa: bool,
        base: &str,
    ) -> Self {
        let employee = |u: &User| EmployeeFullDto::new(directory, u, show_tfa, base);
        let manager = match group {
            GroupRef::Ordinary(g) => g.manager.and_then(|m| directory.user_at(m)).map(employee),
            GroupRef::System(_) => None,
        };
        let members = members.then(|| directory.members(group).into_iter().map(employee).collect());
        GroupDto {
            manager,
            members,
            ..GroupDto::summary(directory, group)
        }
    }
}

/// .NET's `HttpUtility.HtmlEncode`: `< > " ' &`, plus numeric entities for U+00A0..U+00FF and
/// for characters outside the BMP (html-escape writes `&#x27;` and leaves Latin-1 alone, so
/// it cannot reproduce what DocSpace sends).
pub fn html_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '\u{A0}'..='\u{FF}' | '\u{10000}'..=char::MAX => {
                out.push_str(&format!("&#{};", u32::from(c)));
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::state::{PortalFlags, PortalState};

    #[test]
    fn html_encoding_matches_dotnet() {
        assert_eq!(html_encode("Seán O'Brien"), "Se&#225;n O&#39;Brien");
        assert_eq!(
            html_encode("Jordan Smith & Sons"),
            "Jordan Smith &amp; Sons"
        );
        assert_eq!(
            html_encode("<b>Zoë</b> Martin"),
            "&lt;b&gt;Zo&#235;&lt;/b&gt; Martin"
        );
        assert_eq!(
            html_encode("\"Chip\" Łukasz 😀"),
            "&quot;Chip&quot; Łukasz &#128512;"
        );
        assert_eq!(
            html_decode_roundtrip("<b>Zoë</b> & O'Brien"),
            "<b>Zoë</b> & O'Brien"
        );
    }

    fn html_decode_roundtrip(s: &str) -> String {
        html_escape::decode_html_entities(&html_encode(s)).into_owned()
    }

    fn json(dto: &impl Serialize) -> serde_json::Value {
        serde_json::to_value(dto).unwrap()
    }

    #[test]
    fn tfa_dto_spelling_and_null_lists() {
        let owner = Uuid::from_u128(1);
        let flags = PortalFlags {
            spelling: Spelling::Available,
            sms_listed: true,
            sms_provider: false,
            app_listed: true,
        };
        let mut portal = PortalState::new(owner, flags);
        portal.app.enable = true;
        portal.app.trusted_ips = Some(vec![]);
        let views = portal.tfa_view();
        let new = json(&TfaSettingsDto::new(views[1].clone(), Spelling::Available));
        assert_eq!(new["available"], true);
        assert!(new.get("avaliable").is_none());
        assert_eq!(new["trustedIps"], serde_json::json!([]));
        assert!(
            new.get("mandatoryUsers").is_none(),
            "null lists are omitted"
        );
        let old = json(&TfaSettingsDto::new(views[0].clone(), Spelling::Avaliable));
        assert_eq!(old["avaliable"], false);
        assert!(old.get("available").is_none());
        assert_eq!(old["title"], "By SMS");
        assert!(old.get("trustedIps").is_none());
    }

    #[test]
    fn employee_flags() {
        let d = Directory::seed(20, 4, 2);
        let owner = json(&EmployeeFullDto::new(&d, d.owner(), true, "http://h"));
        assert_eq!(
            (owner["isOwner"].as_bool(), owner["isAdmin"].as_bool()),
            (Some(true), Some(false))
        );
        assert_eq!(owner["tfaAppEnabled"], true);
        assert_eq!(owner["displayName"], "Olivia Owner");
        assert_eq!(
            owner["profileUrl"],
            "http://h/accounts/people/filter?search=owner%40example.com"
        );
        let user = json(&EmployeeFullDto::new(&d, d.user(), false, "http://h"));
        assert_eq!(user["isCollaborator"], true);
        assert!(user.get("tfaAppEnabled").is_none());
        assert!(user["groups"][0]["id"].is_string());
    }
}
