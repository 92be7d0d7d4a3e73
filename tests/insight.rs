//! Sign-in insight (issue 11) against the sandbox over real HTTP: the sandbox's sign-in endpoints
//! and their traps, the scan under arriving events, the free plan, 402/403, the local copy, the
//! impact figures against a count written here, and the CLI's JSON contracts.

mod common;

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use common::cli::{home, run_async};
use common::*;
use docspace_tfa::docspace::models::TfaRequest;
use docspace_tfa::docspace::Employee;
use docspace_tfa::insight::impact::impact;
use docspace_tfa::insight::scan::scan;
use docspace_tfa::insight::{gather, CacheStore, InsightError, Progress};
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::sandbox::{
    Fault, FaultRule, Sandbox, SigninEvent, ADMIN_KEY, OWNER_KEY, USER_KEY,
};
use serde_json::Value;
use uuid::Uuid;

const FILTER: &str = "/api/2.0/security/audit/login/filter";

async fn raw(
    sb: &Sandbox,
    method: reqwest::Method,
    path_query: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path_query}", sb.url()))
        .bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn get(sb: &Sandbox, path_query: &str, key: &str) -> (u16, Value) {
    raw(sb, reqwest::Method::GET, path_query, key, None).await
}

fn no_progress(_: Progress) {}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_filter_follows_the_servers_rules() {
    let sb = sandbox().await;
    for bad in [
        "count=0",
        "count=101",
        "from=2026-01-01",
        "from=2026-01-01T00:00:00",
        "from=2026-01-01T00:00:00+03:00",
        "userId=nobody",
    ] {
        let (status, _) = get(&sb, &format!("{FILTER}?{bad}"), OWNER_KEY).await;
        assert_eq!(status, 400, "{bad}");
    }
    for good in [
        "count=100",
        "from=2026-01-01T00:00:00Z",
        "from=2026-01-01T00:00:00%2B03:00",
        "action=LoginSuccesViaTfaApp",
    ] {
        let (status, _) = get(&sb, &format!("{FILTER}?{good}"), OWNER_KEY).await;
        assert_eq!(status, 200, "{good}");
    }
    let (status, v) = get(&sb, FILTER, OWNER_KEY).await;
    assert_eq!(status, 200);
    assert!(v.get("total").is_none(), "no total: {v}");
    assert_eq!(v["count"], 100);
    let rows = v["response"].as_array().unwrap();
    assert!(rows.iter().all(
        |r| r["actionId"].is_u64() && r["date"].as_str().is_some_and(|d| d.ends_with("+03:00"))
    ));
    // The page is cut first: a person's filter only sees their rows among the 100 newest.
    let newest: HashSet<u64> = rows.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    let events = sb.signins();
    let someone = events.iter().rev().find_map(|e| e.user).unwrap();
    let (_, theirs) = get(&sb, &format!("{FILTER}?userId={someone}"), OWNER_KEY).await;
    let theirs: Vec<u64> = theirs["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert!(theirs.iter().all(|id| newest.contains(id)));
    assert!(events.iter().filter(|e| e.user == Some(someone)).count() > theirs.len());
    // Failures are under the Guest id with the typed login; IPv6 arrives mangled.
    assert!(events.iter().any(|e| e.user.is_none() && e.login.is_some()));
    assert!(events.iter().any(|e| e.ip == "2001"));
    // 403 for non-admins, on every endpoint.
    for path in [
        FILTER,
        "/api/2.0/security/audit/login/last",
        "/api/2.0/security/audit/settings/lifetime",
    ] {
        assert_eq!(get(&sb, path, USER_KEY).await.0, 403, "{path}");
        assert_eq!(get(&sb, path, ADMIN_KEY).await.0, 200, "{path}");
    }
    let (_, last) = get(&sb, "/api/2.0/security/audit/login/last", ADMIN_KEY).await;
    assert_eq!(last["count"], 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_free_plan_retention_and_402() {
    let sb = sandbox().await;
    let lifetime = "/api/2.0/security/audit/settings/lifetime";
    let (_, v) = get(&sb, lifetime, OWNER_KEY).await;
    assert_eq!(v["response"]["loginHistoryLifeTime"], 180);
    let body = |n: i64| {
        Some(
            serde_json::json!({"settings": {"loginHistoryLifeTime": n, "auditTrailLifeTime": 180}}),
        )
    };
    assert_eq!(
        raw(&sb, reqwest::Method::POST, lifetime, OWNER_KEY, body(0))
            .await
            .0,
        400
    );
    assert_eq!(
        raw(&sb, reqwest::Method::POST, lifetime, OWNER_KEY, body(10))
            .await
            .0,
        200
    );
    let now = chrono::Utc::now().timestamp();
    assert!(sb.signins().iter().all(|e| e.at >= now - 10 * 86_400 - 5));
    sb.set_free_plan(true);
    assert_eq!(
        raw(&sb, reqwest::Method::POST, lifetime, OWNER_KEY, body(20))
            .await
            .0,
        402
    );
    let (_, a) = get(&sb, &format!("{FILTER}?count=1"), OWNER_KEY).await;
    let (_, b) = get(
        &sb,
        &format!("{FILTER}?startIndex=500&count=100&userId={}", sb.owner_id()),
        OWNER_KEY,
    )
    .await;
    assert_eq!(a["count"], 20, "more rows than count");
    assert_eq!(a["response"], b["response"], "paging and filters ignored");
}

/// Collects a scan's events.
async fn scan_ids(
    sb: &Sandbox,
    key: &str,
    before: i64,
) -> Result<(Vec<i64>, docspace_tfa::insight::scan::ScanReport), InsightError> {
    let c = client(sb, key);
    let ids = Mutex::new(Vec::new());
    let mut sink = |e: docspace_tfa::insight::Event| {
        ids.lock().unwrap().push(e.id);
        Ok(())
    };
    let report = scan(&c, before, &mut sink, &|_| {}, &AtomicBool::new(false)).await?;
    Ok((ids.into_inner().unwrap(), report))
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_misses_nothing_and_doubles_nothing_while_sign_ins_arrive() {
    let sb = sandbox().await;
    let before = chrono::Utc::now().timestamp() - 35 * 86_400;
    let at_start: Vec<SigninEvent> = sb.signins();
    // Every page request first appends 7 sign-ins, and pages go out 16 at a time, so pages are
    // answered out of order with the history moving under them.
    sb.set_signin_arrivals(7);
    let (ids, report) = scan_ids(&sb, OWNER_KEY, before).await.unwrap();
    sb.set_signin_arrivals(0);
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an event was counted twice");
    let missed: Vec<u64> = at_start
        .iter()
        .filter(|e| e.at >= before && !unique.contains(&(e.id as i64)))
        .map(|e| e.id)
        .collect();
    assert!(
        missed.is_empty(),
        "missed {} events: {missed:?} ({report:?})",
        missed.len()
    );
    assert!(
        at_start.iter().filter(|e| e.at >= before).count() > 1000,
        "a history worth paging"
    );
    assert!(
        sb.signins().len() > at_start.len(),
        "sign-ins arrived during the scan"
    );
    assert!(!report.partial);
    assert!(ids.iter().all(|id| at_start
        .iter()
        .chain(sb.signins().iter())
        .any(|e| e.id as i64 == *id)));
    eprintln!("scan under arrivals: {report:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn free_plan_is_reported_as_partial() {
    let sb = sandbox().await;
    sb.set_free_plan(true);
    let (ids, report) = scan_ids(&sb, ADMIN_KEY, 0).await.unwrap();
    assert!(report.partial);
    assert_eq!(ids.len(), 20);
    assert!(sb.request_count("GET", FILTER) <= 3, "the pager stopped");
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_and_payment_required_are_explained() {
    let sb = sandbox().await;
    let e = scan_ids(&sb, USER_KEY, 0).await.unwrap_err();
    assert!(matches!(e, InsightError::Forbidden { .. }), "{e:?}");
    assert!(e.to_string().contains("owner and DocSpace admins"), "{e}");
    sb.set_faults(vec![FaultRule::new("GET", FILTER, Fault::status(402))]);
    let e = scan_ids(&sb, OWNER_KEY, 0).await.unwrap_err();
    assert!(matches!(e, InsightError::Plan { .. }), "{e:?}");
    assert!(e.to_string().contains("pricing plan"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_copy_fetches_only_what_is_new_and_is_pruned() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let store = CacheStore::in_dir(&dir.path().join("signins"));
    let conn = connection(&sb, OWNER_KEY).await;
    let never = AtomicBool::new(false);
    let first = gather(&conn, &store, 30, &no_progress, &never)
        .await
        .unwrap();
    let pages_first = sb.request_count("GET", FILTER);
    assert!(pages_first > 10, "{pages_first}");
    control_post(&sb, "/sandbox/signins", serde_json::json!({"count": 5})).await;
    let second = gather(&conn, &store, 30, &no_progress, &never)
        .await
        .unwrap();
    let pages_second = sb.request_count("GET", FILTER) - pages_first;
    assert!(
        pages_second <= 2,
        "only the newest page (and the plan probe): {pages_second}"
    );
    assert_eq!(
        second.tally.sign_ins + second.tally.unanalysable,
        first.tally.sign_ins + first.tally.unanalysable + 5
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store.path(conn.portal().as_str())), 0o600);
        assert_eq!(mode(&dir.path().join("signins")), 0o700);
    }
    // The portal now keeps 5 days: the copy drops the rest.
    sb.set_signin_retention(5);
    let third = gather(&conn, &store, 3, &no_progress, &never)
        .await
        .unwrap();
    let cut = third.now - 5 * 86_400;
    assert!(third.cache.covered_from >= cut);
    let oldest = store
        .events(conn.portal().as_str())
        .unwrap()
        .map(|e| e.unwrap().at)
        .min()
        .unwrap();
    assert!(oldest >= cut, "pruned to the retention");
    assert!(store.forget(conn.portal().as_str()).unwrap());
    assert!(store.header(conn.portal().as_str()).unwrap().is_none());
}

async fn control_post(sb: &Sandbox, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", sb.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    resp.json().await.unwrap()
}

async fn everyone(sb: &Sandbox) -> Vec<Employee> {
    let c = client(sb, OWNER_KEY);
    let mut all = Vec::new();
    let mut start = 0;
    loop {
        let page = c.people("", start, 100).await.unwrap();
        let n = page.items.len() as u32;
        all.extend(page.items);
        start += n;
        if n == 0 || u64::from(start) >= page.total {
            return all;
        }
    }
}

/// The figures as counted here.
struct Expected {
    sign_ins: u64,
    people: u64,
    unanalysable: u64,
    /// (asked sign-ins, asked people) under live and draft.
    asked: [(u64, u64); 2],
    newly: HashSet<Uuid>,
    no_longer: HashSet<Uuid>,
}

/// The definition and rule, written out here without the app's code.
fn independent(
    events: &[SigninEvent],
    people: &[Employee],
    live: &Policy,
    draft: &Policy,
    since: i64,
) -> Expected {
    const SUCCESS: [u16; 11] = [
        1000, 1001, 1007, 1010, 1011, 1012, 1015, 1019, 1021, 1024, 1028,
    ];
    let groups: HashMap<Uuid, Vec<Uuid>> = people
        .iter()
        .map(|p| {
            (
                p.id,
                p.groups
                    .clone()
                    .unwrap_or_default()
                    .iter()
                    .map(|g| g.id)
                    .collect(),
            )
        })
        .collect();
    let asked = |p: &Policy, user: Uuid, ip: Ipv4Addr| {
        if p.method == Method::None {
            return false;
        }
        if p.mandatory_users.contains(&user)
            || groups
                .get(&user)
                .is_some_and(|g| g.iter().any(|g| p.mandatory_groups.contains(g)))
        {
            return true;
        }
        !p.trusted_ips.iter().any(|t| {
            t.parse::<ipnet::Ipv4Net>()
                .map_or(t.parse() == Ok(ip), |n| n.contains(&ip))
        })
    };
    let (mut signins, mut unanalysable) = (0, 0);
    let mut people_seen = HashSet::new();
    let mut counts = [(0u64, HashSet::new()), (0u64, HashSet::new())];
    for e in events
        .iter()
        .filter(|e| e.at >= since && (SUCCESS.contains(&e.action) || e.action == 1029))
    {
        let (Some(user), Ok(ip)) = (e.user, e.ip.parse::<Ipv4Addr>()) else {
            unanalysable += 1;
            continue;
        };
        signins += 1;
        people_seen.insert(user);
        for (i, p) in [live, draft].into_iter().enumerate() {
            if asked(p, user, ip) {
                counts[i].0 += 1;
                counts[i].1.insert(user);
            }
        }
    }
    Expected {
        sign_ins: signins,
        people: people_seen.len() as u64,
        unanalysable,
        asked: [
            (counts[0].0, counts[0].1.len() as u64),
            (counts[1].0, counts[1].1.len() as u64),
        ],
        newly: counts[1].1.difference(&counts[0].1).copied().collect(),
        no_longer: counts[0].1.difference(&counts[1].1).copied().collect(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn impact_matches_an_independent_count() {
    let sb = sandbox().await;
    let people = everyone(&sb).await;
    let group = people
        .iter()
        .find_map(|p| p.groups.as_ref().and_then(|g| g.first()).map(|g| g.id))
        .unwrap();
    let listed = people
        .iter()
        .find(|p| !p.is_owner && p.groups.as_ref().is_none_or(|g| g.is_empty()))
        .unwrap()
        .id;
    let live = policy(Method::App, &["198.51.100.0/24", "100.64.0.0/10"], &[], &[]);
    let draft = policy(
        Method::App,
        &["10.20.0.0/22", "192.0.2.0/24"],
        &[listed],
        &[group],
    );
    client(&sb, OWNER_KEY)
        .put_tfa(&TfaRequest::new(&live, sb.owner_id()))
        .await
        .unwrap();
    let conn = connection(&sb, OWNER_KEY).await;
    let dir = tempfile::tempdir().unwrap();
    let store = CacheStore::in_dir(dir.path());
    let g = gather(&conn, &store, 30, &no_progress, &AtomicBool::new(false))
        .await
        .unwrap();
    assert_eq!(g.live.policy, live);
    let got = impact(
        &g.tally,
        &g.roster,
        &g.live.policy,
        &draft,
        g.me,
        30,
        g.partial,
    );
    let Expected {
        sign_ins: signins,
        people: people_n,
        unanalysable,
        asked: [l, d],
        newly,
        no_longer,
    } = independent(&sb.signins(), &people, &live, &draft, g.now - 30 * 86_400);
    assert_eq!(
        (got.sign_ins, got.people, got.unanalysable),
        (signins, people_n, unanalysable)
    );
    assert_eq!((got.live.asked_sign_ins, got.live.asked_people), l);
    assert_eq!((got.draft.asked_sign_ins, got.draft.asked_people), d);
    assert_eq!(
        got.newly_asked.iter().map(|p| p.id).collect::<HashSet<_>>(),
        newly
    );
    assert_eq!(
        got.no_longer_asked
            .iter()
            .map(|p| p.id)
            .collect::<HashSet<_>>(),
        no_longer
    );
    assert!(
        !newly.is_empty() && !no_longer.is_empty() && unanalysable > 0,
        "a history that exercises every figure"
    );
    // App TFA is on and the caller is the owner, so the portal says who has an app.
    for p in &got.newly_asked {
        assert_eq!(p.has_app, Some(sb.app_linked(p.id)), "{}", p.name);
    }
    assert!(!got.me.is_empty(), "the owner's own addresses");
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_json_contracts() {
    let sb = sandbox().await;
    let h = home();
    let run = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["impact", "--json", "--days", "30"],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    for key in [
        "days",
        "signIns",
        "people",
        "unanalysable",
        "partial",
        "live",
        "draft",
        "newlyAsked",
        "noLongerAsked",
    ] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    assert_eq!(v["days"], 30);
    assert_eq!(v["partial"], false);
    assert_eq!(
        v["live"], v["draft"],
        "without --file the draft is the live policy"
    );
    assert!(v["live"]["askedSignIns"].is_u64() && v["live"]["askedPeople"].is_u64());
    // The copy is in the private data folder.
    let copy = std::fs::read_dir(h.path().join("data/docspace-tfa/signins"))
        .unwrap()
        .count();
    assert_eq!(copy, 1);

    let mut draft = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(
        &mut draft,
        serde_json::to_string(&policy(Method::App, &[], &[], &[]))
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    let run = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["impact", "--json", "--file", draft.path().to_str().unwrap()],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        v["draft"]["askedSignIns"], v["signIns"],
        "app TFA with no trusted IPs asks every sign-in"
    );
    assert_eq!(
        v["newlyAsked"].as_array().unwrap().len() as u64,
        v["people"].as_u64().unwrap()
    );
    assert!(
        v["newlyAsked"][0]["hasApp"].is_null(),
        "app TFA is off now: unknown, not false"
    );

    let run = run_async(h.path(), &sb, ADMIN_KEY, &["suggest-ips", "--json"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        list.iter().any(|s| s["network"] == "10.20.0.0/22"),
        "{list:?}"
    );
    for s in &list {
        assert!(s["people"].as_u64().unwrap() >= 2);
        assert_eq!(s["trusted"], "none");
        assert!(s["signIns"].is_u64());
    }

    let run = run_async(h.path(), &sb, OWNER_KEY, &["people-status", "--csv"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(
        "id,name,email,mandatory,hasApp,lastSignIn,lastMethod,failedPasswords,failedSecondFactor"
    ));

    let run = run_async(h.path(), &sb, OWNER_KEY, &["forget-signins"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(h.path().join("data/docspace-tfa/signins"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_app_is_for_the_owner_only() {
    let sb = sandbox().await;
    client(&sb, OWNER_KEY)
        .put_tfa(&TfaRequest::new(
            &policy(Method::App, &[], &[], &[]),
            sb.owner_id(),
        ))
        .await
        .unwrap();
    let people = everyone(&sb).await;
    let target = people
        .iter()
        .find(|p| !p.is_owner && sb.app_linked(p.id))
        .unwrap();
    let email = target.email.clone().unwrap();
    let h = home();
    let run = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["reset-app", &email, "--yes"],
        "",
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("Only the portal owner"),
        "{}",
        run.stderr
    );
    let run = run_async(h.path(), &sb, OWNER_KEY, &["reset-app", &email], "").await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(sb.app_linked(target.id));
    let run = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["reset-app", &target.id.to_string(), "--yes"],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("signed out everywhere"),
        "{}",
        run.stdout
    );
    assert!(!sb.app_linked(target.id));
    // The portal now reports no app for them, and a second reset has nothing to do.
    let (_, v) = get(&sb, &format!("/api/2.0/people/{}", target.id), OWNER_KEY).await;
    assert_eq!(v["response"]["tfaAppEnabled"], false);
    let run = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["reset-app", &email, "--yes"],
        "",
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("no authenticator app linked"),
        "{}",
        run.stderr
    );
    // The server's own rules, straight: an admin gets 403, an omitted id 403.
    let (status, v) = raw(
        &sb,
        reqwest::Method::PUT,
        "/api/2.0/settings/tfaappnewapp",
        ADMIN_KEY,
        Some(serde_json::json!({"id": sb.owner_id()})),
    )
    .await;
    assert_eq!(
        (status, v["error"]["message"].as_str()),
        (403, Some("No permissions to perform this action"))
    );
    let (status, _) = raw(
        &sb,
        reqwest::Method::PUT,
        "/api/2.0/settings/tfaappnewapp",
        OWNER_KEY,
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 403);
}
