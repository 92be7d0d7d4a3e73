//! Round trips on every path, counted from the sandbox's request log at a latency that keeps
//! the waves apart: a later change that adds a serial round trip fails here.

mod common;

use common::cli::{home, run_async};
use common::*;
use docspace_tfa::docspace::ClientOptions;
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::policy_file::PolicyFile;
use docspace_tfa::sandbox::{
    Fault, FaultRule, LoggedRequest, Sandbox, SandboxConfig, ADMIN_KEY, OWNER_KEY,
};
use docspace_tfa::secrets::ApiKey;
use docspace_tfa::service::Connection;
use serde_json::json;
use uuid::Uuid;

/// Far enough that requests in flight together overlap even when a loaded machine starts a
/// burst some tens of milliseconds staggered, and chained ones do not.
const LATENCY_MS: u64 = 100;

/// One test at a time: a hundred requests of another test in flight on a 2-core machine can
/// stall a burst long enough to split it in the log.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A sandbox with `users` people and `groups` groups, holding an app policy that names
/// `n_users` of them and `n_groups` groups, answering after [`LATENCY_MS`].
async fn far_portal(n_users: usize, n_groups: usize) -> (Sandbox, Policy) {
    let sb = sandbox_with(SandboxConfig {
        users: 400,
        groups: 12,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb, OWNER_KEY);
    let people = c.people("", 0, 100).await.unwrap().items;
    let groups = c.groups("", 0, 100).await.unwrap().items;
    let p = policy(
        Method::App,
        &["10.0.0.0/8"],
        &people
            .iter()
            .take(n_users)
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        &groups
            .iter()
            .take(n_groups)
            .map(|g| g.id)
            .collect::<Vec<_>>(),
    );
    hold(&sb, &p).await;
    sb.set_latency(LATENCY_MS, 0);
    sb.clear_request_log();
    (sb, p)
}

/// Makes the portal hold `p`, as if saved elsewhere (the control API is never delayed or logged).
async fn hold(sb: &Sandbox, p: &Policy) {
    control_put(
        sb,
        "/sandbox/state/tfa",
        json!({ "app": {
            "enable": p.method == Method::App,
            "trustedIps": p.trusted_ips,
            "mandatoryUsers": p.mandatory_users,
            "mandatoryGroups": p.mandatory_groups,
        }}),
    )
    .await;
}

/// The waves since the log was last cleared, then clears it.
fn waves_since(sb: &Sandbox) -> (usize, Vec<LoggedRequest>) {
    let log = sb.request_log();
    sb.clear_request_log();
    (docspace_tfa::sandbox::waves(&log), log)
}

fn paths(log: &[LoggedRequest]) -> Vec<String> {
    let mut p: Vec<String> = log
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    p.sort();
    p.dedup();
    p
}

fn key(k: &str) -> ApiKey {
    ApiKey::new(k).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn show_json_is_the_policy_alone_in_one_wave() {
    let _serial = SERIAL.lock().await;
    let (sb, _) = far_portal(100, 5).await;
    let h = home();
    let run = run_async(h.path(), &sb, ADMIN_KEY, &["show", "--json"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["mandatoryUsers"].as_array().unwrap().len(), 100);
    assert_eq!(v["method"], "app");
    let (waves, log) = waves_since(&sb);
    assert_eq!(waves, 1, "{log:?}");
    assert_eq!(paths(&log), ["GET /api/2.0/settings/tfaapp"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn names_for_100_users_and_5_groups_are_one_more_wave() {
    let _serial = SERIAL.lock().await;
    let (sb, _) = far_portal(100, 5).await;
    let h = home();
    for args in [
        &["show"][..],
        &["show", "--json", "--names"][..],
        &["export"][..],
    ] {
        let run = run_async(h.path(), &sb, ADMIN_KEY, args, "").await;
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let (waves, log) = waves_since(&sb);
        assert_eq!(waves, 2, "{args:?}: {log:?}");
        // 1 policy + 100 people + 5 groups, never a member list.
        assert_eq!(log.len(), 106, "{args:?}");
        assert!(!paths(&log).contains(&"GET /api/2.0/people/@self".to_string()));
    }
    let run = run_async(h.path(), &sb, ADMIN_KEY, &["show", "--json", "--names"], "").await;
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["users"].as_array().unwrap().len(), 100);
    assert_eq!(v["groups"].as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn names_back_off_on_429_and_still_arrive() {
    let _serial = SERIAL.lock().await;
    let (sb, p) = far_portal(100, 0).await;
    let conn = Connection::open(portal(&sb), &key(ADMIN_KEY), ClientOptions::default())
        .await
        .unwrap();
    sb.set_faults(vec![FaultRule::new(
        "GET",
        "/api/2.0/people/*",
        Fault::Status {
            status: 429,
            retry_after: Some(1),
        },
    )
    .times(10)]);
    let users = conn.people(&p.mandatory_users).await.unwrap();
    assert!(users.iter().all(|u| u.known), "{users:?}");
    assert!(sb.faults().is_empty(), "every 429 was answered by a retry");
}

#[tokio::test(flavor = "multi_thread")]
async fn app_connect_reads_self_and_policy_together_then_names_once() {
    let _serial = SERIAL.lock().await;
    let (sb, p) = far_portal(100, 5).await;
    let conn = Connection::open_loaded(portal(&sb), &key(ADMIN_KEY), ClientOptions::default())
        .await
        .unwrap();
    let (waves, log) = waves_since(&sb);
    assert_eq!(waves, 2, "{log:?}");
    // The first load is what connecting read: no request.
    let loaded = conn.load_first().await.unwrap();
    assert!(loaded.live.policy.same_as(&p));
    assert_eq!(loaded.users.len(), 100);
    assert!(sb.request_log().is_empty());
    // A reload reads the policy again; the names come from the cache.
    conn.load_first().await.unwrap();
    let (waves, log) = waves_since(&sb);
    assert_eq!(waves, 1, "{log:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn review_is_one_wave_and_save_is_check_put_read_back() {
    let _serial = SERIAL.lock().await;
    let (sb, live) = far_portal(3, 1).await;
    let conn = Connection::open_loaded(portal(&sb), &key(ADMIN_KEY), ClientOptions::default())
        .await
        .unwrap();
    conn.load_first().await.unwrap();
    sb.clear_request_log();
    let c = client(&sb, OWNER_KEY);
    let more = c.people("a", 0, 10).await.unwrap().items;
    sb.clear_request_log();
    let mut draft = live.clone();
    draft.mandatory_users.extend(more.iter().map(|e| e.id));
    draft.trusted_ips.push("192.168.0.0/16".into());

    let portal_now = conn.client().policy().await.unwrap();
    let named = conn.review_named(&portal_now, &draft, None).await.unwrap();
    assert!(named.review.errors().next().is_none());
    let (waves, log) = waves_since(&sb);
    assert_eq!(waves, 2, "policy, then the new names at once: {log:?}");

    conn.save(&live, &draft, false, None).await.unwrap();
    let (waves, log) = waves_since(&sb);
    assert_eq!(waves, 3, "{log:?}");
    assert_eq!(log.len(), 3, "{log:?}");
    // The app names the saved policy from the cache.
    conn.with_names(conn.client().policy().await.unwrap())
        .await
        .unwrap();
    let (waves, _) = waves_since(&sb);
    assert_eq!(waves, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_apply_waves() {
    let _serial = SERIAL.lock().await;
    let (sb, live) = far_portal(3, 1).await;
    let h = home();
    let mut draft = live.clone();
    draft.trusted_ips.push("192.168.0.0/16".into());
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_string(&draft).unwrap()).unwrap();
    let path = file.path().to_str().unwrap();
    let run = run_async(h.path(), &sb, ADMIN_KEY, &["apply", path, "--yes"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (waves, log) = waves_since(&sb);
    // @self + policy; the file's ids and the live names; then check, PUT, read back.
    assert_eq!(waves, 5, "{log:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn what_if_drift_and_history_waves() {
    let _serial = SERIAL.lock().await;
    let (sb, _) = far_portal(3, 2).await;
    let h = home();
    let run = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &[
            "what-if",
            "--user",
            "user@example.com",
            "--ip",
            "203.0.113.7",
        ],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (waves, log) = waves_since(&sb);
    // @self + policy; then the person's search and the mandatory groups' names at once.
    assert_eq!(waves, 2, "{log:?}");
    // The search answer carries the person's groups: no second read of the person.
    assert!(
        paths(&log)
            .iter()
            .filter(|p| p.starts_with("GET /api/2.0/people/"))
            .all(|p| p.ends_with("/@self") || p.ends_with("/filter")),
        "{log:?}"
    );

    let run = run_async(h.path(), &sb, ADMIN_KEY, &["history"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(waves_since(&sb).0, 0, "history is local");

    // Drift: a save through the CLI, then someone changes the portal.
    let p = policy(Method::App, &["10.0.0.0/8"], &[], &[]);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_string(&p).unwrap()).unwrap();
    let path = file.path().to_str().unwrap();
    let run = run_async(h.path(), &sb, ADMIN_KEY, &["apply", path, "--yes"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, g) = far_portal_groups(&sb).await;
    hold(
        &sb,
        &policy(Method::App, &["10.0.0.0/8"], &[sb.user_id()], &g),
    )
    .await;
    sb.clear_request_log();
    let run = run_async(h.path(), &sb, ADMIN_KEY, &["drift"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Uma User"), "{}", run.stdout);
    let (waves, log) = waves_since(&sb);
    assert_eq!(waves, 2, "@self + policy, then names: {log:?}");
}

async fn far_portal_groups(sb: &Sandbox) -> (usize, Vec<Uuid>) {
    let c = client(sb, OWNER_KEY);
    let g: Vec<Uuid> = c
        .groups("", 0, 2)
        .await
        .unwrap()
        .items
        .iter()
        .map(|g| g.id)
        .collect();
    (g.len(), g)
}

#[tokio::test(flavor = "multi_thread")]
async fn import_resolves_ids_then_searches_in_two_waves() {
    let _serial = SERIAL.lock().await;
    let (sb, live) = far_portal(20, 3).await;
    let conn = connection(&sb, ADMIN_KEY).await;
    let named = conn.export_file(&live).await.unwrap();
    // A file from elsewhere: people by email and name only, groups by name only.
    let mut v: serde_json::Value = serde_json::from_str(&named.to_json()).unwrap();
    for u in v["mandatoryUsers"].as_array_mut().unwrap() {
        u.as_object_mut().unwrap().remove("id");
    }
    for g in v["mandatoryGroups"].as_array_mut().unwrap() {
        g.as_object_mut().unwrap().remove("id");
    }
    let file = PolicyFile::parse(&v.to_string()).unwrap();
    let fresh = connection(&sb, ADMIN_KEY).await;
    sb.clear_request_log();
    let res = fresh.resolve_file(&file).await.unwrap();
    assert!(res.unresolved.is_empty(), "{:?}", res.unresolved);
    assert!(res.draft.same_as(&live));
    let (waves, log) = waves_since(&sb);
    assert_eq!(waves, 1, "every search at once: {log:?}");

    // By id: one wave, and nothing more to search.
    let by_id = PolicyFile::parse(&serde_json::to_string(&live).unwrap()).unwrap();
    let fresh = connection(&sb, ADMIN_KEY).await;
    sb.clear_request_log();
    fresh.resolve_file(&by_id).await.unwrap();
    assert_eq!(waves_since(&sb).0, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_reads_the_source_once_and_resolves_on_the_target_at_once() {
    let _serial = SERIAL.lock().await;
    let (a, live) = far_portal(10, 2).await;
    let b = sandbox_with(SandboxConfig {
        users: 400,
        groups: 12,
        seed: 7,
        ..SandboxConfig::default()
    })
    .await;
    b.set_latency(LATENCY_MS, 0);
    let (source, theirs) = Connection::open_along(
        portal(&a),
        &key(ADMIN_KEY),
        ClientOptions::default(),
        |c| async move { Ok(c.policy().await?.policy) },
    )
    .await
    .unwrap();
    assert!(theirs.same_as(&live));
    let target = connection(&b, ADMIN_KEY).await;
    waves_since(&a);
    b.clear_request_log();
    target.copy_policy(&source, &theirs).await.unwrap();
    assert_eq!(waves_since(&a).0, 1, "the source's names in one wave");
    let (waves, log) = waves_since(&b);
    assert!(waves <= 2, "ids, then searches: {log:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_6700_member_group_opens_like_a_5_member_one() {
    let _serial = SERIAL.lock().await;
    let sb = sandbox_with(SandboxConfig {
        users: 20_000,
        groups: 6,
        group_sizes: vec![6_700, 5],
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb, OWNER_KEY);
    let groups = c.groups("", 0, 100).await.unwrap().items;
    let big = groups
        .iter()
        .find(|g| g.members_count == Some(6_700))
        .unwrap();
    let small = groups.iter().find(|g| g.members_count == Some(5)).unwrap();
    // The server's answer to a plain `group/{id}` embeds every member: the weight is real.
    let raw = reqwest::Client::new()
        .get(format!("{}/api/2.0/group/{}", sb.url(), big.id))
        .bearer_auth(OWNER_KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(raw.len() > 4 * 1024 * 1024, "{} bytes", raw.len());
    sb.set_latency(LATENCY_MS, 0);
    let h = home();
    for g in [big, small] {
        hold(&sb, &policy(Method::App, &[], &[], &[g.id])).await;
        sb.clear_request_log();
        let run = run_async(h.path(), &sb, ADMIN_KEY, &["show"], "").await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(&g.name), "{}", run.stdout);
        let (waves, log) = waves_since(&sb);
        assert_eq!(waves, 2, "{log:?}");
        let group_call = log.iter().find(|r| r.path.contains("/group/")).unwrap();
        assert!(
            group_call
                .query
                .as_deref()
                .is_some_and(|q| q.contains("includeMembers=false")),
            "{group_call:?}"
        );
        let conn = Connection::open_loaded(portal(&sb), &key(ADMIN_KEY), ClientOptions::default())
            .await
            .unwrap();
        let loaded = conn.load_first().await.unwrap();
        assert_eq!(loaded.groups[0].name, g.name);
        assert_eq!(waves_since(&sb).0, 2);
    }
    // Group search on the big portal: one request, no members.
    let conn = connection(&sb, ADMIN_KEY).await;
    sb.clear_request_log();
    let page = conn.client().groups(&big.name, 0, 25).await.unwrap();
    assert!(page.items.iter().any(|g| g.id == big.id));
    assert_eq!(waves_since(&sb).0, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_delays_the_api_not_the_control_api_and_can_change_at_run_time() {
    let _serial = SERIAL.lock().await;
    let sb = sandbox().await;
    control_put(
        &sb,
        "/sandbox/config",
        json!({ "latencyMs": 400, "jitterMs": 10 }),
    )
    .await;
    let c = client(&sb, OWNER_KEY);
    let t = std::time::Instant::now();
    c.policy().await.unwrap();
    let took = t.elapsed().as_millis();
    assert!(took >= 400, "{took} ms");
    // The control API answers at once and is not logged.
    let t = std::time::Instant::now();
    let log = control_get(&sb, "/sandbox/log").await;
    assert!(t.elapsed().as_millis() < 400);
    assert_eq!(log["latencyMs"], 400);
    assert_eq!(log["waves"], 1);
    assert_eq!(log["requests"].as_array().unwrap().len(), 1);
    let r = &log["requests"][0];
    assert_eq!(r["path"], "/api/2.0/settings/tfaapp");
    assert!(r["endMs"].as_u64().unwrap() - r["startMs"].as_u64().unwrap() >= 400);
    control_put(
        &sb,
        "/sandbox/config",
        json!({ "latencyMs": 0, "jitterMs": 0 }),
    )
    .await;
    let t = std::time::Instant::now();
    c.policy().await.unwrap();
    assert!(t.elapsed().as_millis() < 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_groups_follow_include_members_and_fields() {
    let _serial = SERIAL.lock().await;
    let sb = sandbox().await;
    let c = client(&sb, OWNER_KEY);
    let g = &c.groups("", 0, 1).await.unwrap().items[0];
    let get = |path: String| async move {
        let v: serde_json::Value = reqwest::Client::new()
            .get(path)
            .bearer_auth(OWNER_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["response"].clone()
    };
    let full = get(format!("{}/api/2.0/group/{}", sb.url(), g.id)).await;
    assert!(full["members"].as_array().is_some_and(|m| !m.is_empty()));
    let bare = get(format!(
        "{}/api/2.0/group/{}?includeMembers=false",
        sb.url(),
        g.id
    ))
    .await;
    assert!(bare.get("members").is_none());
    assert!(bare.get("manager").is_some());
    let few = get(format!(
        "{}/api/2.0/group/{}?fields=id,name",
        sb.url(),
        g.id
    ))
    .await;
    assert_eq!(few.as_object().unwrap().len(), 2, "{few}");
    let list = get(format!("{}/api/2.0/group?count=1", sb.url())).await;
    assert!(list[0]["members"].as_array().is_some());
    let mine = get(format!("{}/api/2.0/group/user/{}", sb.url(), sb.admin_id())).await;
    assert!(mine
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"].as_str().is_some()));
    assert_eq!(
        c.groups_of_user(sb.admin_id()).await.unwrap().len(),
        mine.as_array().unwrap().len()
    );
}
