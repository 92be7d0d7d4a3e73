//! The portal's mutable state and the TFA settings rules, as pure functions.
//!
//! Mirrors `TfaappController.UpdateTfaSettings` / `GetTfaSettings` (docspace-api.md §2, §3, §9),
//! quirks included: the sandbox exists to catch clients that trust the server to be kinder.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::config::{SandboxConfig, Spelling};

/// Audit event ids from `MessageAction.cs`.
pub const AUDIT_TFA_DISABLED: u32 = 6036;
pub const AUDIT_TFA_SMS: u32 = 6037;
pub const AUDIT_TFA_APP: u32 = 6038;

/// One stored TFA method (`TfaSettingsBase<T>`): `None` lists mean "never saved or reset".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TfaSettings {
    pub enable: bool,
    pub trusted_ips: Option<Vec<String>>,
    pub mandatory_users: Option<Vec<Uuid>>,
    pub mandatory_groups: Option<Vec<Uuid>>,
}

/// Portal configuration that the control API may change at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortalFlags {
    pub spelling: Spelling,
    pub sms_listed: bool,
    pub sms_provider: bool,
    pub app_listed: bool,
}

impl From<&SandboxConfig> for PortalFlags {
    fn from(c: &SandboxConfig) -> Self {
        PortalFlags {
            spelling: c.spelling,
            sms_listed: c.sms_listed,
            sms_provider: c.sms_provider,
            app_listed: c.app_listed,
        }
    }
}

/// A recorded audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// 6036 disabled, 6037 enabled by SMS, 6038 enabled by app.
    pub action: u32,
    /// The user who saved.
    pub by: Uuid,
}

/// The `type` of a PUT body, after binding. `Other` keeps integers outside 0..=2, which the
/// server's `switch` sends to its `default:` branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TfaType {
    None,
    Sms,
    App,
    Other(i32),
}

/// A bound `TfaRequestsDto`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TfaRequest {
    pub kind: TfaType,
    /// Only used by the owner check; the empty GUID when omitted.
    pub id: Uuid,
    pub trusted_ips: Option<Vec<String>>,
    pub mandatory_users: Option<Vec<Uuid>>,
    pub mandatory_groups: Option<Vec<Uuid>>,
}

impl Default for TfaRequest {
    fn default() -> Self {
        TfaRequest {
            kind: TfaType::None,
            id: Uuid::nil(),
            trusted_ips: None,
            mandatory_users: None,
            mandatory_groups: None,
        }
    }
}

/// Why a PUT was refused (all 403 on the wire; the envelope module picks the exception type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Caller is not an admin or the owner (`AuthorizingException`).
    AccessDenied,
    /// The owner was referenced by someone who did not send their own id.
    OwnerProtected,
    AppNotAvailable,
    SmsNotAvailable,
    /// SMS listed but no provider configured (.NET's default InvalidOperationException message).
    SmsNoProvider,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::AccessDenied => "Access denied",
            Refusal::OwnerProtected => "No permissions to perform this action",
            Refusal::AppNotAvailable => "TFA application settings are not available",
            Refusal::SmsNotAvailable => "SMS settings are not available",
            Refusal::SmsNoProvider => {
                "Operation is not valid due to the current state of the object."
            }
        }
    }
}

/// Which method a successful save enabled (`None` when it disabled TFA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Sms,
    App,
}

/// What a PUT did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutOutcome {
    /// The server's answer: `true` after enabling sms/app, `false` after disabling.
    pub answer: bool,
    pub enabled: Option<Method>,
}

/// One entry of `GET settings/tfaapp`, before serialisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TfaView {
    pub id: &'static str,
    pub title: &'static str,
    pub enabled: bool,
    pub available: bool,
    pub trusted_ips: Option<Vec<String>>,
    pub mandatory_users: Option<Vec<Uuid>>,
    pub mandatory_groups: Option<Vec<Uuid>>,
}

/// Everything about the portal that requests can change.
#[derive(Clone, Debug)]
pub struct PortalState {
    pub owner_id: Uuid,
    pub sms: TfaSettings,
    pub app: TfaSettings,
    pub flags: PortalFlags,
    /// How many times every session was signed out (each PUT that answered `true`).
    pub sign_out_count: u64,
    pub audit: Vec<AuditEvent>,
}

impl PortalState {
    /// A fresh portal: both methods off with null lists.
    pub fn new(owner_id: Uuid, flags: PortalFlags) -> Self {
        PortalState {
            owner_id,
            sms: TfaSettings::default(),
            app: TfaSettings::default(),
            flags,
            sign_out_count: 0,
            audit: Vec::new(),
        }
    }

    /// `GET settings/tfaapp`: `[sms?, app?]` in that order.
    pub fn tfa_view(&self) -> Vec<TfaView> {
        let mut out = Vec::with_capacity(2);
        if self.flags.sms_listed {
            out.push(TfaView {
                id: "sms",
                title: "By SMS",
                enabled: self.sms.enable && self.flags.sms_provider,
                // smsVisible is true here, so only the provider decides.
                available: self.flags.sms_provider,
                trusted_ips: self.sms.trusted_ips.clone(),
                mandatory_users: self.sms.mandatory_users.clone(),
                mandatory_groups: self.sms.mandatory_groups.clone(),
            });
        }
        if self.flags.app_listed {
            out.push(TfaView {
                id: "app",
                title: "By authenticator app",
                enabled: self.app.enable,
                available: true,
                trusted_ips: self.app.trusted_ips.clone(),
                mandatory_users: self.app.mandatory_users.clone(),
                mandatory_groups: self.app.mandatory_groups.clone(),
            });
        }
        out
    }

    /// Whether app TFA is on (decides whether admins see `tfaAppEnabled` on people).
    pub fn app_enabled(&self) -> bool {
        self.app.enable
    }

    /// `PUT settings/tfaapp`, in the server's order: permission, owner rule, then the type switch.
    pub fn put_tfa(
        &mut self,
        caller_id: Uuid,
        caller_is_admin: bool,
        request: TfaRequest,
    ) -> Result<PutOutcome, Refusal> {
        if !caller_is_admin {
            return Err(Refusal::AccessDenied);
        }
        // Only `id` and `mandatoryUsers` are checked, and sending `id` = caller bypasses the
        // rule even for a non-owner admin: the real server's hole, kept so the client's own
        // guard can be tested against it.
        let owner = self.owner_id;
        let references_owner = request.id == owner
            || request
                .mandatory_users
                .as_ref()
                .is_some_and(|u| u.contains(&owner));
        if references_owner && request.id != caller_id {
            return Err(Refusal::OwnerProtected);
        }

        let enabled = TfaSettings {
            enable: true,
            trusted_ips: Some(request.trusted_ips.unwrap_or_default()),
            mandatory_users: Some(request.mandatory_users.unwrap_or_default()),
            mandatory_groups: Some(request.mandatory_groups.unwrap_or_default()),
        };
        let outcome = match request.kind {
            TfaType::Sms => {
                if !self.flags.sms_listed {
                    return Err(Refusal::SmsNotAvailable);
                }
                if !self.flags.sms_provider {
                    return Err(Refusal::SmsNoProvider);
                }
                self.sms = enabled;
                self.app = TfaSettings::default();
                PutOutcome {
                    answer: true,
                    enabled: Some(Method::Sms),
                }
            }
            TfaType::App => {
                if !self.flags.app_listed {
                    return Err(Refusal::AppNotAvailable);
                }
                self.app = enabled;
                self.sms = TfaSettings::default();
                PutOutcome {
                    answer: true,
                    enabled: Some(Method::App),
                }
            }
            TfaType::None | TfaType::Other(_) => {
                // Disabling replaces each settings object with a new one: the lists are wiped.
                self.sms = TfaSettings::default();
                self.app = TfaSettings::default();
                PutOutcome {
                    answer: false,
                    enabled: None,
                }
            }
        };
        if outcome.answer {
            // ResetTenantCookieAsync: every session in the portal is signed out.
            self.sign_out_count += 1;
        }
        let action = match outcome.enabled {
            Some(Method::Sms) => AUDIT_TFA_SMS,
            Some(Method::App) => AUDIT_TFA_APP,
            None => AUDIT_TFA_DISABLED,
        };
        self.audit.push(AuditEvent {
            action,
            by: caller_id,
        });
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: PortalFlags = PortalFlags {
        spelling: Spelling::Available,
        sms_listed: true,
        sms_provider: true,
        app_listed: true,
    };

    fn ids() -> (Uuid, Uuid, Uuid) {
        (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3))
    }

    fn portal() -> PortalState {
        PortalState::new(ids().0, FLAGS)
    }

    fn request(kind: TfaType) -> TfaRequest {
        TfaRequest {
            kind,
            ..TfaRequest::default()
        }
    }

    #[test]
    fn type_table() {
        let (owner, admin, _) = ids();
        let cases = [
            (TfaType::App, true, Some(Method::App)),
            (TfaType::Sms, true, Some(Method::Sms)),
            (TfaType::None, false, None),
            (TfaType::Other(7), false, None),
            (TfaType::Other(-1), false, None),
        ];
        for (kind, answer, enabled) in cases {
            let mut p = portal();
            let got = p.put_tfa(admin, true, request(kind));
            assert_eq!(got, Ok(PutOutcome { answer, enabled }), "{kind:?}");
            assert_eq!(p.app.enable, enabled == Some(Method::App), "{kind:?}");
            assert_eq!(p.sms.enable, enabled == Some(Method::Sms), "{kind:?}");
            assert_eq!(p.sign_out_count, u64::from(answer), "{kind:?}");
            let action = match enabled {
                Some(Method::App) => AUDIT_TFA_APP,
                Some(Method::Sms) => AUDIT_TFA_SMS,
                None => AUDIT_TFA_DISABLED,
            };
            assert_eq!(p.audit, vec![AuditEvent { action, by: admin }]);
            assert_ne!(owner, admin);
        }
    }

    #[test]
    fn omitted_lists_are_stored_as_empty() {
        let mut p = portal();
        p.put_tfa(ids().1, true, request(TfaType::App)).unwrap();
        assert_eq!(
            p.app,
            TfaSettings {
                enable: true,
                trusted_ips: Some(vec![]),
                mandatory_users: Some(vec![]),
                mandatory_groups: Some(vec![]),
            }
        );
        let view = p.tfa_view();
        assert_eq!(view[1].trusted_ips, Some(vec![]));
        assert_eq!(
            view[0].trusted_ips, None,
            "sms was reset, so its lists are null"
        );
    }

    #[test]
    fn switching_method_resets_the_other() {
        let (_, admin, user) = ids();
        let mut p = portal();
        let with_lists = TfaRequest {
            kind: TfaType::Sms,
            trusted_ips: Some(vec!["10.0.0.0/8".into()]),
            mandatory_users: Some(vec![user]),
            ..TfaRequest::default()
        };
        p.put_tfa(admin, true, with_lists).unwrap();
        assert_eq!(p.sms.trusted_ips, Some(vec!["10.0.0.0/8".to_string()]));
        p.put_tfa(admin, true, request(TfaType::App)).unwrap();
        assert_eq!(p.sms, TfaSettings::default());
        assert!(p.app.enable);
        p.put_tfa(admin, true, request(TfaType::Sms)).unwrap();
        assert_eq!(p.app, TfaSettings::default());
        assert_eq!(p.sign_out_count, 3);
    }

    #[test]
    fn none_wipes_both_and_answers_false() {
        let (_, admin, _) = ids();
        let mut p = portal();
        p.sms = TfaSettings {
            enable: false,
            trusted_ips: Some(vec!["1.2.3.4".into()]),
            ..Default::default()
        };
        p.app = TfaSettings {
            enable: true,
            mandatory_groups: Some(vec![Uuid::from_u128(9)]),
            ..Default::default()
        };
        let got = p.put_tfa(admin, true, request(TfaType::None)).unwrap();
        assert!(!got.answer);
        assert_eq!(
            (p.sms.clone(), p.app.clone()),
            (TfaSettings::default(), TfaSettings::default())
        );
        assert_eq!(p.sign_out_count, 0, "a disable does not sign anyone out");
        assert!(p
            .tfa_view()
            .iter()
            .all(|v| v.trusted_ips.is_none() && v.mandatory_groups.is_none()));
    }

    #[test]
    fn non_admin_is_refused_before_anything_else() {
        let (owner, _, user) = ids();
        let mut p = portal();
        let req = TfaRequest {
            kind: TfaType::App,
            id: owner,
            ..TfaRequest::default()
        };
        assert_eq!(p.put_tfa(user, false, req), Err(Refusal::AccessDenied));
        assert!(p.audit.is_empty());
        assert!(!p.app.enable);
    }

    #[test]
    fn owner_rule() {
        let (owner, admin, user) = ids();
        let mandatory = |id: Uuid, users: Vec<Uuid>| TfaRequest {
            kind: TfaType::App,
            id,
            mandatory_users: Some(users),
            ..TfaRequest::default()
        };
        // (caller, request, allowed)
        let cases = [
            // The owner listing themselves must also send their own id.
            (owner, mandatory(Uuid::nil(), vec![owner]), false),
            (owner, mandatory(owner, vec![owner]), true),
            // An admin referencing the owner, by id or by list, is refused...
            (admin, mandatory(owner, vec![]), false),
            (admin, mandatory(Uuid::nil(), vec![owner, user]), false),
            // ...unless the admin sends their own id: the server's hole, reproduced on purpose.
            (admin, mandatory(admin, vec![owner]), true),
            // Not referencing the owner at all is fine with any id.
            (admin, mandatory(Uuid::nil(), vec![user]), true),
            (admin, mandatory(user, vec![user]), true),
        ];
        for (caller, req, allowed) in cases {
            let mut p = portal();
            let got = p.put_tfa(caller, true, req.clone());
            if allowed {
                assert!(got.is_ok(), "{req:?} by {caller}");
            } else {
                assert_eq!(got, Err(Refusal::OwnerProtected), "{req:?} by {caller}");
                assert!(p.audit.is_empty());
            }
        }
        // The rule applies to `none` too: the check runs before the switch.
        let mut p = portal();
        let req = TfaRequest {
            id: owner,
            ..TfaRequest::default()
        };
        assert_eq!(p.put_tfa(admin, true, req), Err(Refusal::OwnerProtected));
    }

    #[test]
    fn availability_refusals() {
        let admin = ids().1;
        let mut p = portal();
        p.flags.sms_provider = false;
        assert_eq!(
            p.put_tfa(admin, true, request(TfaType::Sms)),
            Err(Refusal::SmsNoProvider)
        );
        p.flags.sms_listed = false;
        assert_eq!(
            p.put_tfa(admin, true, request(TfaType::Sms)),
            Err(Refusal::SmsNotAvailable)
        );
        p.flags.app_listed = false;
        assert_eq!(
            p.put_tfa(admin, true, request(TfaType::App)),
            Err(Refusal::AppNotAvailable)
        );
        assert!(p.audit.is_empty());
        assert_eq!(p.sign_out_count, 0);
        // Disabling still works with both hidden.
        assert_eq!(
            p.put_tfa(admin, true, request(TfaType::None))
                .map(|o| o.answer),
            Ok(false)
        );
    }

    #[test]
    fn view_follows_flags() {
        let mut p = portal();
        p.flags.sms_provider = false;
        p.sms.enable = true; // stored on, but no provider: reported off
        let view = p.tfa_view();
        assert_eq!(
            view.iter().map(|v| v.id).collect::<Vec<_>>(),
            ["sms", "app"]
        );
        assert_eq!((view[0].enabled, view[0].available), (false, false));
        assert_eq!((view[1].enabled, view[1].available), (false, true));
        p.flags.sms_provider = true;
        assert_eq!(
            (p.tfa_view()[0].enabled, p.tfa_view()[0].available),
            (true, true)
        );
        p.flags.sms_listed = false;
        assert_eq!(
            p.tfa_view().iter().map(|v| v.id).collect::<Vec<_>>(),
            ["app"]
        );
        p.flags.app_listed = false;
        assert!(p.tfa_view().is_empty());
    }
}
