//! The typed client against the sandbox portal, over real HTTP on 127.0.0.1.

mod common;

use common::*;
use docspace_tfa::docspace::models::TfaRequest;
use docspace_tfa::docspace::ApiError;
use docspace_tfa::policy::{Method, PortalPolicy};
use docspace_tfa::sandbox::{SandboxConfig, Spelling, ADMIN_KEY, OWNER_KEY, USER_KEY};
use uuid::Uuid;

#[tokio::test]
async fn reads_a_fresh_portal_as_disabled_with_what_it_offers() {
    let sb = sandbox().await;
    let entries = client(&sb, ADMIN_KEY).tfa_settings().await.unwrap();
    assert_eq!(
        entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["sms", "app"]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.trusted_ips.is_none() && e.mandatory_users.is_none()),
        "null lists are 'not set'"
    );
    let p = PortalPolicy::from_settings(&entries);
    assert_eq!(p.policy.method, Method::None);
    assert!(
        p.sms.listed && !p.sms.available,
        "no SMS provider by default"
    );
    assert!(p.app.listed && p.app.available);
}

#[tokio::test]
async fn reads_both_spellings_of_available() {
    for spelling in [Spelling::Available, Spelling::Avaliable] {
        let sb = sandbox_with(SandboxConfig {
            spelling,
            sms_provider: true,
            ..SandboxConfig::default()
        })
        .await;
        let raw: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/2.0/settings/tfaapp", sb.url()))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let field = if spelling == Spelling::Available {
            "available"
        } else {
            "avaliable"
        };
        assert_eq!(
            raw["response"][0][field], true,
            "the sandbox speaks {field}"
        );
        let p = client(&sb, ADMIN_KEY).policy().await.unwrap();
        assert!(
            p.sms.available && p.app.available,
            "{spelling:?} read as available"
        );
    }
}

#[tokio::test]
async fn put_sends_the_whole_policy_and_none_answers_false() {
    let sb = sandbox().await;
    let c = client(&sb, ADMIN_KEY);
    let group = Uuid::parse_str("cd84e66b-b803-40fc-99f9-b2969a54a1de").unwrap();
    let want = policy(
        Method::App,
        &["10.0.0.0/8", "203.0.113.10-203.0.113.20"],
        &[sb.user_id()],
        &[group],
    );
    assert!(
        c.put_tfa(&TfaRequest::new(&want, sb.admin_id()))
            .await
            .unwrap(),
        "app answers true"
    );
    assert_eq!(c.policy().await.unwrap().policy, want);
    assert_eq!(
        sb.sign_out_count(),
        1,
        "every sms/app save signs everyone out"
    );

    let off = policy(Method::None, &[], &[], &[]);
    assert!(
        !c.put_tfa(&TfaRequest::new(&off, sb.admin_id()))
            .await
            .unwrap(),
        "none answers false, which is success"
    );
    let entries = c.tfa_settings().await.unwrap();
    assert!(
        entries
            .iter()
            .all(|e| !e.enabled && e.trusted_ips.is_none()),
        "none wipes the lists: {entries:?}"
    );
    assert_eq!(sb.sign_out_count(), 1, "disabling does not sign out");
}

#[tokio::test]
async fn the_request_body_is_what_the_server_expects() {
    let req = TfaRequest::new(&policy(Method::App, &["10.0.0.1"], &[], &[]), Uuid::nil());
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(v["type"], "app", "lowercase string");
    assert_eq!(v["id"], "00000000-0000-0000-0000-000000000000");
    for key in ["trustedIps", "mandatoryUsers", "mandatoryGroups"] {
        assert!(
            v[key].is_array(),
            "{key} is always sent: the PUT is a full replace"
        );
    }
}

#[tokio::test]
async fn wrong_key_is_unauthorized_with_advice() {
    let sb = sandbox().await;
    let err = client(&sb, "sk-not-a-real-key").me().await.unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("401") && msg.contains("new key"), "{msg}");
    assert!(
        !msg.contains("sk-not-a-real-key"),
        "the key never appears in errors"
    );
}

#[tokio::test]
async fn non_admin_put_is_forbidden_with_the_server_message() {
    let sb = sandbox().await;
    let c = client(&sb, USER_KEY);
    assert!(c.policy().await.is_ok(), "any user may read the policy");
    let err = c
        .put_tfa(&TfaRequest::new(
            &policy(Method::App, &[], &[], &[]),
            sb.user_id(),
        ))
        .await
        .unwrap_err();
    match &err {
        ApiError::Forbidden {
            status, message, ..
        } => {
            assert_eq!(*status, 403);
            assert_eq!(message, "Access denied");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert!(err
        .to_string()
        .contains("Only the portal owner and DocSpace admins"));
}

#[tokio::test]
async fn server_owner_rule_answers_403_when_id_is_not_the_caller() {
    let sb = sandbox().await;
    let c = client(&sb, ADMIN_KEY);
    let p = policy(Method::App, &["10.0.0.1"], &[sb.owner_id()], &[]);
    // A careless client sends someone else's id: the server refuses.
    let err = c
        .put_tfa(&TfaRequest::new(&p, Uuid::nil()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApiError::Forbidden { message, .. } if message == "No permissions to perform this action"),
        "{err:?}"
    );
}

#[tokio::test]
async fn me_people_and_groups_are_read_and_names_decoded() {
    let sb = sandbox().await;
    let c = client(&sb, OWNER_KEY);
    let me = c.me().await.unwrap();
    assert!(me.is_owner && me.can_manage_tfa());
    assert_eq!(me.id, sb.owner_id());
    let admin = client(&sb, ADMIN_KEY).me().await.unwrap();
    assert!(admin.is_admin && !admin.is_owner);

    let first = c.people("", 0, 25).await.unwrap();
    assert_eq!(first.items.len(), 25);
    assert_eq!(first.total, 60);
    let rest = c.people("", 50, 25).await.unwrap();
    assert_eq!(rest.items.len(), 10, "the last page holds the remainder");
    assert!(first.items.iter().all(|p| !rest.items.contains(p)));

    // Names on the wire are HTML-encoded; the client decodes them.
    let all = c.people("", 0, 100).await.unwrap();
    let encoded = all.items.iter().find(|p| {
        p.display_name.contains('&')
            || p.display_name.contains('\'')
            || p.display_name.contains('<')
    });
    let encoded = encoded.expect("the seeded directory has a name that needs HTML encoding");
    assert!(
        !encoded.display_name.contains("&amp;")
            && !encoded.display_name.contains("&#39;")
            && !encoded.display_name.contains("&lt;"),
        "{}",
        encoded.display_name
    );

    let anna = &first.items[3];
    let found = c.people(&anna.email.clone().unwrap(), 0, 10).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, anna.id);
    assert_eq!(c.user(anna.id).await.unwrap().id, anna.id);

    let groups = c.groups("", 0, 5).await.unwrap();
    assert_eq!(groups.items.len(), 5);
    assert_eq!(groups.total, 12);
    let g = &groups.items[0];
    assert_eq!(c.group(g.id).await.unwrap().name, g.name);
    let by_name = c.groups(&g.name, 0, 10).await.unwrap();
    assert!(by_name.items.iter().any(|x| x.id == g.id));

    let missing = c.user(Uuid::from_u128(42)).await.unwrap_err();
    assert!(matches!(missing, ApiError::NotFound { .. }), "{missing:?}");
    let missing = c.group(Uuid::from_u128(42)).await.unwrap_err();
    assert!(matches!(missing, ApiError::NotFound { .. }), "{missing:?}");
}

#[tokio::test]
async fn unreachable_portal_is_a_network_error_naming_the_portal() {
    // Bind then drop a listener: nothing answers on that port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let portal =
        docspace_tfa::docspace::PortalUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let opts = docspace_tfa::docspace::ClientOptions {
        get_retries: 0,
        ..Default::default()
    };
    let c = docspace_tfa::docspace::DocSpaceClient::new(
        portal,
        &docspace_tfa::secrets::ApiKey::new("sk-x").unwrap(),
        opts,
    )
    .unwrap();
    let err = c.me().await.unwrap_err();
    assert_eq!(err.kind(), "network", "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}
