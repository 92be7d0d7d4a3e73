//! The portal's built-in groups (docs §5.4; `AuthConstants.cs` on the server). They are not in
//! `GET /group`, yet they work in `mandatoryGroups`, because the server's membership test
//! (`UserManager.IsUserInGroupAsync`) answers for them from the user's role.

use uuid::Uuid;

/// Every account, guests included.
pub const EVERYONE: Uuid = Uuid::from_u128(0xc5cc67d1_c3e8_43c0_a3ad_3928ae3e5b5e);
/// DocSpace admins, and the owner (whom the server adds to this group by id).
pub const DOCSPACE_ADMIN: Uuid = Uuid::from_u128(0xcd84e66b_b803_40fc_99f9_b2969a54a1de);
/// Room admins. The server tests this group as "neither a User nor a Guest", so DocSpace admins
/// and the owner are in it too (see [`crate::policy::rule::Subject::is_in_group`]).
pub const ROOM_ADMIN: Uuid = Uuid::from_u128(0xabef62db_11a8_4673_9d32_ef1d8af19dc0);
/// Accounts of the "User" type.
pub const USER: Uuid = Uuid::from_u128(0x88f11e7c_7407_4bea_b4cb_070010cdbb6b);
/// Guests.
pub const GUEST: Uuid = Uuid::from_u128(0xaced04fa_dd96_4b35_af3e_346bf1eb972d);

/// All of them with the names the app shows, in the order a picker lists them.
pub const SYSTEM_GROUPS: [(Uuid, &str); 5] = [
    (EVERYONE, "Everyone"),
    (DOCSPACE_ADMIN, "DocSpace admins"),
    (ROOM_ADMIN, "Room admins"),
    (USER, "Users"),
    (GUEST, "Guests"),
];

/// The display name of a system group, `None` for any other id.
pub fn system_group_name(id: Uuid) -> Option<&'static str> {
    SYSTEM_GROUPS
        .iter()
        .find(|(g, _)| *g == id)
        .map(|(_, name)| *name)
}

pub fn is_system_group(id: Uuid) -> bool {
    system_group_name(id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_the_server() {
        for (text, id, name) in [
            ("c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e", EVERYONE, "Everyone"),
            (
                "cd84e66b-b803-40fc-99f9-b2969a54a1de",
                DOCSPACE_ADMIN,
                "DocSpace admins",
            ),
            (
                "abef62db-11a8-4673-9d32-ef1d8af19dc0",
                ROOM_ADMIN,
                "Room admins",
            ),
            ("88f11e7c-7407-4bea-b4cb-070010cdbb6b", USER, "Users"),
            ("aced04fa-dd96-4b35-af3e-346bf1eb972d", GUEST, "Guests"),
        ] {
            assert_eq!(Uuid::parse_str(text).unwrap(), id);
            assert_eq!(system_group_name(id), Some(name));
            assert!(is_system_group(id));
        }
    }

    #[test]
    fn other_ids_are_not_system_groups() {
        assert_eq!(system_group_name(Uuid::nil()), None);
        assert!(!is_system_group(Uuid::from_u128(42)));
        // Other AuthConstants roles are not groups a policy can name.
        assert!(!is_system_group(
            Uuid::parse_str("bba32183-a14d-48ed-9d39-c6b4d8925fbf").unwrap()
        ));
    }
}
