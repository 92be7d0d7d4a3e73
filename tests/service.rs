//! The shared save workflow (review, conflict detection, verify) against the sandbox portal.

mod common;

use common::*;
use docspace_tfa::policy::system_groups::system_group_name;
use docspace_tfa::policy::{Level, Method, Policy};
use docspace_tfa::sandbox::{SandboxConfig, ADMIN_KEY, OWNER_KEY, USER_KEY};
use docspace_tfa::service::{Connection, ServiceError};
use docspace_tfa::docspace::ClientOptions;
use docspace_tfa::secrets::ApiKey;
use serde_json::json;
use uuid::Uuid;

const EVERYONE: &str = "c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e";

async fn live(conn: &Connection) -> Policy {
    conn.client().policy().await.unwrap().policy
}

#[tokio::test]
async fn only_admins_and_the_owner_get_a_connection() {
    let sb = sandbox().await;
    let err = Connection::open(portal(&sb), &ApiKey::new(USER_KEY).unwrap(), ClientOptions::default()).await.err().unwrap();
    assert!(matches!(err, ServiceError::NotAdmin { .. }), "{err:?}");
    assert!(err.to_string().contains("neither the owner nor a DocSpace admin"));
    assert!(connection(&sb, ADMIN_KEY).await.me().is_admin);
    assert!(connection(&sb, OWNER_KEY).await.me().is_owner);
}

#[tokio::test]
async fn save_round_trip_app_then_none() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let base = live(&conn).await;
    let draft = policy(Method::App, &["192.168.1.0/24", "10.0.0.5"], &[sb.user_id()], &[Uuid::parse_str(EVERYONE).unwrap()]);
    let saved = conn.save(&base, &draft, false).await.unwrap();
    assert!(saved.signed_out && !saved.recovered);
    assert_eq!(saved.after.policy, draft);
    assert_eq!(live(&conn).await, draft);

    let off = Policy::disabled();
    let saved = conn.save(&draft, &off, false).await.unwrap();
    assert_eq!(saved.after.policy, off, "'none' answered false and that is success");
    assert!(!saved.signed_out);
    assert_eq!(saved.diff.trusted_ips.removed.len(), 2);
}

#[tokio::test]
async fn lists_are_kept_when_only_the_method_changes() {
    let sb = sandbox_with(SandboxConfig { sms_provider: true, ..SandboxConfig::default() }).await;
    let conn = connection(&sb, OWNER_KEY).await;
    let app = policy(Method::App, &["10.1.0.0/16"], &[sb.user_id()], &[]);
    conn.save(&Policy::disabled(), &app, false).await.unwrap();
    let sms = Policy { method: Method::Sms, ..app.clone() };
    conn.save(&app, &sms, false).await.unwrap();
    assert_eq!(live(&conn).await, sms, "the lists travel with the method change");
    let state = control_get(&sb, "/sandbox/state").await;
    assert_eq!(state["app"]["enable"], false, "the server resets the other method: {state}");
}

#[tokio::test]
async fn owner_rule_is_enforced_before_any_request() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let draft = policy(Method::App, &["10.0.0.1"], &[sb.owner_id()], &[]);
    let review = conn.review(&conn.client().policy().await.unwrap(), &draft).await.unwrap();
    assert!(!review.can_save);
    assert!(review.problems.iter().any(|p| p.level == Level::Error && p.message.contains("Only the portal owner")), "{review:?}");

    let err = conn.save(&Policy::disabled(), &draft, false).await.unwrap_err();
    assert!(matches!(&err, ServiceError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("Only the portal owner can make TFA mandatory for the owner"), "{err}");
    assert!(sb.audit().is_empty(), "nothing was sent to the portal");
    assert_eq!(live(&conn).await, Policy::disabled());
}

#[tokio::test]
async fn the_owner_may_make_tfa_mandatory_for_themselves() {
    let sb = sandbox().await;
    let conn = connection(&sb, OWNER_KEY).await;
    let draft = policy(Method::App, &["10.0.0.1"], &[sb.owner_id()], &[]);
    conn.save(&Policy::disabled(), &draft, false).await.unwrap();
    assert_eq!(live(&conn).await, draft);
}

#[tokio::test]
async fn a_change_behind_our_back_is_a_conflict_not_an_overwrite() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let base = policy(Method::App, &["10.0.0.1"], &[], &[]);
    conn.save(&Policy::disabled(), &base, false).await.unwrap();
    // Someone saves from DocSpace's own page: type app with no lists.
    control_put(&sb, "/sandbox/state/tfa", json!({"app": {"enable": true, "trustedIps": [], "mandatoryUsers": [], "mandatoryGroups": []}})).await;

    let draft = policy(Method::App, &["10.0.0.1", "10.0.0.2"], &[], &[]);
    let err = conn.save(&base, &draft, false).await.unwrap_err();
    match &err {
        ServiceError::Conflict { theirs, .. } => assert_eq!(theirs.trusted_ips.removed, vec!["10.0.0.1".to_string()]),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(err.to_string().contains("Someone changed the TFA policy"));
    assert_eq!(live(&conn).await.trusted_ips, Vec::<String>::new(), "nothing was overwritten");

    conn.save(&base, &draft, true).await.unwrap();
    assert_eq!(live(&conn).await, draft, "overwrite after a second confirmation");
}

#[tokio::test]
async fn sms_without_a_provider_is_refused_with_the_reason() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let err = conn.save(&Policy::disabled(), &policy(Method::Sms, &[], &[], &[]), false).await.unwrap_err();
    assert!(err.to_string().contains("no SMS provider"), "{err}");
    assert!(sb.audit().is_empty());
}

#[tokio::test]
async fn invalid_trusted_ips_are_refused_naming_the_entry() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let err = conn.save(&Policy::disabled(), &policy(Method::App, &["10.0.0.1", "192.168.1.10/24"], &[], &[]), false).await.unwrap_err();
    assert!(matches!(err, ServiceError::Refused { .. }));
    assert!(err.to_string().contains("192.168.1.10/24"), "{err}");
    assert!(sb.audit().is_empty());
}

#[tokio::test]
async fn names_are_resolved_and_unknown_ids_are_labelled() {
    let sb = sandbox().await;
    let conn = connection(&sb, OWNER_KEY).await;
    let ghost = Uuid::from_u128(7);
    let everyone = Uuid::parse_str(EVERYONE).unwrap();
    let draft = policy(Method::App, &["10.0.0.1"], &[sb.user_id(), ghost], &[everyone, ghost]);
    conn.save(&Policy::disabled(), &draft, false).await.unwrap();
    let loaded = conn.load().await.unwrap();
    assert_eq!(loaded.users[0].display_name, "Uma User");
    assert!(loaded.users[0].email.is_some());
    assert!(!loaded.users[1].known);
    assert_eq!(loaded.users[1].display_name, format!("unknown user {ghost}"));
    assert_eq!(loaded.groups[0].name, system_group_name(everyone).unwrap());
    assert!(loaded.groups[0].is_system);
    assert_eq!(loaded.groups[1].name, format!("unknown group {ghost}"));
}
