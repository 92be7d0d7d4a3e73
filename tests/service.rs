//! The shared save workflow (review, conflict detection, verify) against the sandbox portal.

mod common;

use common::*;
use docspace_tfa::docspace::ClientOptions;
use docspace_tfa::history::HistoryStore;
use docspace_tfa::policy::system_groups::system_group_name;
use docspace_tfa::policy::{Level, Method, Policy};
use docspace_tfa::sandbox::{SandboxConfig, ADMIN_KEY, OWNER_KEY, USER_KEY};
use docspace_tfa::secrets::ApiKey;
use docspace_tfa::service::{Connection, Role, ServiceError};
use serde_json::json;
use uuid::Uuid;

const EVERYONE: &str = "c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e";

async fn live(conn: &Connection) -> Policy {
    conn.client().policy().await.unwrap().policy
}

#[tokio::test]
async fn a_reader_sees_the_policy_what_if_and_export_but_cannot_save() {
    let sb = sandbox().await;
    let owner = connection(&sb, OWNER_KEY).await;
    assert_eq!(owner.role(), Role::Owner);
    assert_eq!(connection(&sb, ADMIN_KEY).await.role(), Role::Admin);
    let group = owner.client().groups("", 0, 1).await.unwrap().items[0].id;
    let draft = policy(Method::App, &["10.0.0.0/8"], &[sb.admin_id()], &[group]);
    owner
        .save(&Policy::disabled(), &draft, false, None)
        .await
        .unwrap();

    // An ordinary user connects (the old code refused here) and reads the policy.
    let reader = Connection::open(
        portal(&sb),
        &ApiKey::new(USER_KEY).unwrap(),
        ClientOptions::default(),
    )
    .await
    .expect("a reader gets a connection");
    assert_eq!(reader.role(), Role::Reader);
    assert!(!reader.role().can_edit());
    let loaded = reader.load().await.expect("a reader loads the policy");
    assert_eq!(loaded.live.policy, draft);
    // The portal refuses group look-ups to ordinary users: the id stays, plainly labelled.
    assert_eq!(loaded.groups.len(), 1);
    assert!(loaded.groups[0].hidden, "{:?}", loaded.groups[0]);
    assert!(loaded.groups[0]
        .name
        .contains("name not visible to your account"));
    assert_eq!(loaded.users.len(), 1);

    // What-if and export work.
    let admin = reader
        .find_person(&sb.admin_id().to_string())
        .await
        .unwrap();
    let report = reader
        .what_if(Some(&admin), &[], "192.0.2.1", &draft, None)
        .await
        .unwrap();
    assert!(serde_json::to_string(&report)
        .unwrap()
        .contains("192.0.2.1"));
    reader.export_file(&draft).await.unwrap();
    // People search is closed to ordinary users: the message says to use the id.
    let err = reader.find_person("Adam").await.unwrap_err();
    assert!(
        matches!(&err, ServiceError::Invalid { field, .. } if field == "user"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("Give the person's id instead"),
        "{err}"
    );

    // Saving is refused before any request, with the plain message.
    let gets = sb.request_count("GET", "/api/2.0/settings/tfaapp");
    let err = reader
        .save(&draft, &Policy::disabled(), false, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotAdmin { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("only the owner and DocSpace admins can change the TFA policy"),
        "{err}"
    );
    assert_eq!(sb.request_count("GET", "/api/2.0/settings/tfaapp"), gets);
    assert_eq!(sb.request_count("PUT", "/api/2.0/settings/tfaapp"), 1);
    assert_eq!(live(&owner).await, draft);
}

#[tokio::test]
async fn save_round_trip_app_then_none() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let base = live(&conn).await;
    let draft = policy(
        Method::App,
        &["192.168.1.0/24", "10.0.0.5"],
        &[sb.user_id()],
        &[Uuid::parse_str(EVERYONE).unwrap()],
    );
    let saved = conn.save(&base, &draft, false, None).await.unwrap();
    assert!(saved.signed_out && !saved.recovered);
    assert_eq!(saved.after.policy, draft);
    assert_eq!(live(&conn).await, draft);

    let off = Policy::disabled();
    let saved = conn.save(&draft, &off, false, None).await.unwrap();
    assert_eq!(
        saved.after.policy, off,
        "'none' answered false and that is success"
    );
    assert!(!saved.signed_out);
    assert_eq!(saved.diff.trusted_ips.removed.len(), 2);
}

#[tokio::test]
async fn lists_are_kept_when_only_the_method_changes() {
    let sb = sandbox_with(SandboxConfig {
        sms_provider: true,
        ..SandboxConfig::default()
    })
    .await;
    let conn = connection(&sb, OWNER_KEY).await;
    let app = policy(Method::App, &["10.1.0.0/16"], &[sb.user_id()], &[]);
    conn.save(&Policy::disabled(), &app, false, None)
        .await
        .unwrap();
    let sms = Policy {
        method: Method::Sms,
        ..app.clone()
    };
    conn.save(&app, &sms, false, None).await.unwrap();
    assert_eq!(
        live(&conn).await,
        sms,
        "the lists travel with the method change"
    );
    let state = control_get(&sb, "/sandbox/state").await;
    assert_eq!(
        state["app"]["enable"], false,
        "the server resets the other method: {state}"
    );
}

#[tokio::test]
async fn owner_rule_is_enforced_before_any_request() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let draft = policy(Method::App, &["10.0.0.1"], &[sb.owner_id()], &[]);
    let review = conn
        .review(&conn.client().policy().await.unwrap(), &draft, None)
        .await
        .unwrap();
    assert!(!review.can_save);
    assert!(
        review
            .problems
            .iter()
            .any(|p| p.level == Level::Error && p.message.contains("Only the portal owner")),
        "{review:?}"
    );

    let err = conn
        .save(&Policy::disabled(), &draft, false, None)
        .await
        .unwrap_err();
    assert!(matches!(&err, ServiceError::Refused { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("Only the portal owner can make TFA mandatory for the owner"),
        "{err}"
    );
    assert!(sb.audit().is_empty(), "nothing was sent to the portal");
    assert_eq!(live(&conn).await, Policy::disabled());
}

#[tokio::test]
async fn the_owner_may_make_tfa_mandatory_for_themselves() {
    let sb = sandbox().await;
    let conn = connection(&sb, OWNER_KEY).await;
    let draft = policy(Method::App, &["10.0.0.1"], &[sb.owner_id()], &[]);
    conn.save(&Policy::disabled(), &draft, false, None)
        .await
        .unwrap();
    assert_eq!(live(&conn).await, draft);
}

#[tokio::test]
async fn a_change_behind_our_back_is_a_conflict_not_an_overwrite() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let base = policy(Method::App, &["10.0.0.1"], &[], &[]);
    conn.save(&Policy::disabled(), &base, false, None)
        .await
        .unwrap();
    // Someone saves from DocSpace's own page: type app with no lists.
    control_put(&sb, "/sandbox/state/tfa", json!({"app": {"enable": true, "trustedIps": [], "mandatoryUsers": [], "mandatoryGroups": []}})).await;

    let draft = policy(Method::App, &["10.0.0.1", "10.0.0.2"], &[], &[]);
    let err = conn.save(&base, &draft, false, None).await.unwrap_err();
    match &err {
        ServiceError::Conflict { theirs, .. } => {
            assert_eq!(theirs.trusted_ips.removed, vec!["10.0.0.1".to_string()])
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(err.to_string().contains("Someone changed the TFA policy"));
    assert_eq!(
        live(&conn).await.trusted_ips,
        Vec::<String>::new(),
        "nothing was overwritten"
    );

    conn.save(&base, &draft, true, None).await.unwrap();
    assert_eq!(
        live(&conn).await,
        draft,
        "overwrite after a second confirmation"
    );
}

#[tokio::test]
async fn sms_without_a_provider_is_refused_with_the_reason() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let err = conn
        .save(
            &Policy::disabled(),
            &policy(Method::Sms, &[], &[], &[]),
            false,
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no SMS provider"), "{err}");
    assert!(sb.audit().is_empty());
}

#[tokio::test]
async fn invalid_trusted_ips_are_refused_naming_the_entry() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let err = conn
        .save(
            &Policy::disabled(),
            &policy(Method::App, &["10.0.0.1", "192.168.1.10/24"], &[], &[]),
            false,
            None,
        )
        .await
        .unwrap_err();
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
    let draft = policy(
        Method::App,
        &["10.0.0.1"],
        &[sb.user_id(), ghost],
        &[everyone, ghost],
    );
    conn.save(&Policy::disabled(), &draft, false, None)
        .await
        .unwrap();
    let loaded = conn.load().await.unwrap();
    assert_eq!(loaded.users[0].display_name, "Uma User");
    assert!(loaded.users[0].email.is_some());
    assert!(!loaded.users[1].known);
    assert_eq!(
        loaded.users[1].display_name,
        format!("unknown user {ghost}")
    );
    assert_eq!(loaded.groups[0].name, system_group_name(everyone).unwrap());
    assert!(loaded.groups[0].is_system);
    assert_eq!(loaded.groups[1].name, format!("unknown group {ghost}"));
}

#[tokio::test]
async fn names_for_several_policies_name_each_id_once_in_first_seen_order() {
    let sb = sandbox().await;
    let conn = connection(&sb, OWNER_KEY).await;
    let everyone = Uuid::parse_str(EVERYONE).unwrap();
    let a = policy(
        Method::App,
        &[],
        &[sb.user_id(), sb.admin_id()],
        &[everyone],
    );
    let b = policy(
        Method::App,
        &[],
        &[sb.admin_id(), sb.owner_id(), sb.user_id()],
        &[everyone],
    );
    let (users, groups) = conn.names_for(&[&a, &b]).await.unwrap();
    let names: Vec<&str> = users.iter().map(|p| p.display_name.as_str()).collect();
    assert_eq!(names, ["Uma User", "Adam Admin", "Olivia Owner"]);
    assert_eq!(groups.len(), 1);
    assert!(groups[0].is_system);
    assert_eq!(conn.names_for(&[]).await.unwrap(), (vec![], vec![]));

    // A review names the live policy and the draft together.
    let live = conn.client().policy().await.unwrap();
    let named = conn.review_named(&live, &b, None).await.unwrap();
    assert_eq!(named.users.len(), 3);
    assert_eq!(named.review.diff.mandatory_users.added.len(), 3);
}

#[tokio::test]
async fn export_file_carries_names_and_emails_and_copy_resolves_them_on_another_portal() {
    let a = sandbox().await;
    let b = sandbox_with(SandboxConfig {
        seed: 7,
        ..SandboxConfig::default()
    })
    .await;
    assert_ne!(a.admin_id(), b.admin_id());
    let (ca, cb) = (
        connection(&a, OWNER_KEY).await,
        connection(&b, OWNER_KEY).await,
    );
    let ghost = Uuid::from_u128(7);
    let draft = policy(
        Method::App,
        &["10.0.0.0/8"],
        &[a.admin_id(), ghost],
        &[Uuid::parse_str(EVERYONE).unwrap()],
    );

    let file: serde_json::Value =
        serde_json::from_str(&ca.export_file(&draft).await.unwrap().to_json()).unwrap();
    assert_eq!(file["portal"], a.url());
    assert_eq!(file["method"], "app");
    assert_eq!(
        file["mandatoryUsers"][0],
        json!({ "id": a.admin_id(), "name": "Adam Admin", "email": file["mandatoryUsers"][0]["email"] })
    );
    assert!(file["mandatoryUsers"][0]["email"]
        .as_str()
        .unwrap()
        .contains('@'));
    assert_eq!(
        file["mandatoryUsers"][1],
        json!({ "id": ghost }),
        "an unknown id is kept, without a name"
    );
    assert_eq!(
        file["mandatoryGroups"][0]["name"],
        system_group_name(Uuid::parse_str(EVERYONE).unwrap()).unwrap()
    );

    // A's live policy as a draft for B: the admin matched by email, the ghost reported.
    ca.save(&Policy::disabled(), &draft, false, None)
        .await
        .unwrap();
    let copied = cb.copy_from(&ca).await.unwrap();
    assert_eq!(copied.draft.mandatory_users, vec![b.admin_id(), ghost]);
    assert_eq!(copied.unknown_ids.len(), 1, "{copied:?}");
    assert!(copied.unresolved.is_empty());
    assert_eq!(copied.users[0].display_name, "Adam Admin");
    assert!(!copied.users[1].known);
    assert_eq!(copied.groups.len(), 1);
}

#[tokio::test]
async fn drift_is_checked_against_our_last_save_and_accepting_records_it() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let dir = tempfile::tempdir().unwrap();
    let history = HistoryStore::in_dir(dir.path());
    let live = Policy::disabled();
    assert_eq!(
        conn.drift(&history, &live).unwrap(),
        None,
        "no history, no drift"
    );
    let err = conn.accept_drift(&history, &live, None).unwrap_err();
    assert!(matches!(err, ServiceError::NoHistory { .. }), "{err:?}");
    assert_eq!(err.kind(), "history");

    let ours = policy(Method::App, &["10.0.0.0/8"], &[sb.user_id()], &[]);
    let report = conn
        .save_recorded(&history, &live, &ours, false, Some("rollout".into()), None)
        .await
        .unwrap();
    assert_eq!(report.snapshot.as_ref().map(|s| s.number), Some(1));
    assert_eq!(
        conn.drift(&history, &ours).unwrap(),
        None,
        "the portal holds our save"
    );

    let theirs = policy(Method::App, &["10.0.0.0/8", "203.0.113.5"], &[], &[]);
    let d = conn.drift(&history, &theirs).unwrap().expect("drift");
    assert_eq!((d.since, &d.ours), (1, &ours));
    assert_eq!(d.diff.trusted_ips.added, vec!["203.0.113.5".to_string()]);
    assert_eq!(d.diff.mandatory_users.removed, vec![sb.user_id()]);

    let accepted = conn.accept_drift(&history, &theirs, None).unwrap();
    assert_eq!((accepted.number, accepted.by.as_str()), (2, "Adam Admin"));
    assert_eq!((&accepted.before, &accepted.after), (&ours, &theirs));
    assert_eq!(
        accepted.note.as_deref(),
        Some(docspace_tfa::service::ACCEPTED_NOTE)
    );
    assert_eq!(conn.drift(&history, &theirs).unwrap(), None);
    assert_eq!(
        conn.accept_drift(&history, &theirs, Some("again".into()))
            .unwrap()
            .number,
        2,
        "nothing new to accept"
    );
    let mine = conn
        .accept_drift(&history, &Policy::disabled(), Some("their reset".into()))
        .unwrap();
    assert_eq!(
        (mine.number, mine.note.as_deref()),
        (3, Some("their reset"))
    );
}

#[tokio::test]
async fn review_since_an_older_base_shows_their_change_mine_and_the_result() {
    let sb = sandbox().await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let base = policy(Method::App, &["10.0.0.1"], &[], &[]);
    conn.save(&live(&conn).await, &base, false, None)
        .await
        .unwrap();
    // Someone else adds a network and a user; I add one IP to the draft I loaded before.
    let theirs = policy(
        Method::App,
        &["10.0.0.1", "172.16.0.0/12"],
        &[sb.user_id()],
        &[],
    );
    conn.save(&base, &theirs, false, None).await.unwrap();
    let draft = policy(Method::App, &["10.0.0.1", "192.168.7.7"], &[], &[]);

    let live_now = conn.client().policy().await.unwrap();
    let named = conn
        .review_since(&base, &live_now, &draft, None)
        .await
        .unwrap();
    let moved = named
        .moved
        .as_ref()
        .expect("the portal moved since the base");
    assert_eq!(moved.theirs.trusted_ips.added, ["172.16.0.0/12"]);
    assert_eq!(moved.theirs.mandatory_users.added, [sb.user_id()]);
    assert_eq!(moved.mine.trusted_ips.added, ["192.168.7.7"]);
    // The review is about my change on top of theirs: none of theirs shows as a removal.
    let d = &named.review.diff;
    assert_eq!(d.trusted_ips.added, ["192.168.7.7"]);
    assert!(
        d.trusted_ips.removed.is_empty() && d.mandatory_users.is_empty(),
        "{d:?}"
    );
    assert!(
        named.users.iter().any(|p| p.id == sb.user_id()),
        "their user is named"
    );
    // Saving the merged draft on the portal's current policy keeps both changes.
    conn.save(&moved.live, &moved.merged, false, None)
        .await
        .unwrap();
    assert_eq!(
        live(&conn).await,
        policy(
            Method::App,
            &["10.0.0.1", "172.16.0.0/12", "192.168.7.7"],
            &[sb.user_id()],
            &[]
        )
    );

    // Against the current base there is nothing to merge.
    let now = conn.client().policy().await.unwrap();
    assert!(conn
        .review_since(&now.policy.clone(), &now, &draft, None)
        .await
        .unwrap()
        .moved
        .is_none());
}
