//! The portal's `GET settings/tfaapp` answer: arbitrary bytes through the wire models
//! (`Envelope<Vec<TfaSettingsDto>>`) and `PortalPolicy::from_settings` must give a value or an
//! error, never a panic; and the policy built must agree with the entries it came from.
#![no_main]

use docspace_tfa::docspace::models::{Envelope, TfaSettingsDto};
use docspace_tfa::policy::{Method, Policy, PortalPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<serde_json::Value>(data);
    let Ok(envelope) = serde_json::from_slice::<Envelope<Vec<TfaSettingsDto>>>(data) else { return };
    let entries = envelope.response.unwrap_or_default();
    let portal = PortalPolicy::from_settings(&entries);
    // The first entry of each id counts, as on the server.
    let first = |id: &str| entries.iter().find(|e| e.id.eq_ignore_ascii_case(id));
    let on = |id: &str| first(id).is_some_and(|e| e.enabled);
    match portal.policy.method {
        Method::Sms => assert!(on("sms")),
        Method::App => assert!(on("app") && !on("sms")),
        Method::None => assert!(!on("sms") && !on("app") && portal.policy == Policy::disabled()),
    }
    assert_eq!(portal.sms.listed, first("sms").is_some());
    assert_eq!(portal.app.listed, first("app").is_some());
    assert!(portal.policy.same_as(&portal.policy.as_stored()));
});
