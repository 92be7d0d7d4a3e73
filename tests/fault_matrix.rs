//! The fault matrix: every fault the sandbox can inject, against loading and against saving,
//! through the real client and service over HTTP on 127.0.0.1. Each row runs on a fresh portal
//! and checks what the user gets (the outcome, or the error's kind, its portal and its advice),
//! and for saves what the portal ends up holding (the old policy or the verified new one, never
//! a third) and that no PUT was sent twice.

mod common;

use std::time::{Duration, Instant};

use docspace_tfa::docspace::ClientOptions;
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::sandbox::{DropWhen, Fault, FaultRule, Sandbox, OWNER_KEY};
use docspace_tfa::secrets::ApiKey;
use docspace_tfa::service::{Connection, Landed, ServiceError};
use serde_json::Value;

const TFA: &str = "/api/2.0/settings/tfaapp";
const NEW_IP: &str = "192.168.1.0/24";
/// The client's per-request timeout in this file: short, so timeouts cost little, but not so short
/// that a busy machine (two cores, parallel builds) trips it on a clean request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// A delay that clearly outlasts [`REQUEST_TIMEOUT`].
const OVER_TIMEOUT_MS: u64 = 2500;

fn opts() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(1),
        request_timeout: REQUEST_TIMEOUT,
        get_retries: 3,
        retry_budget: Duration::from_secs(3),
        ..ClientOptions::default()
    }
}

fn draft() -> Policy {
    Policy {
        method: Method::App,
        trusted_ips: vec![NEW_IP.to_string()],
        mandatory_users: vec![],
        mandatory_groups: vec![],
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `Connection::load`.
    Load,
    /// `Connection::save` of [`draft`] over the fresh portal's disabled policy.
    Save,
}

#[derive(Clone, Debug)]
enum Expect {
    /// The load succeeded (after retries where the fault was passing).
    Loaded,
    /// The save succeeded and was verified; `recovered` when its answer was lost.
    Saved { recovered: bool },
    /// This error kind; `landed` for `saveFailed`; the message contains each of `says`.
    Fails {
        kind: &'static str,
        landed: Option<Landed>,
        says: &'static [&'static str],
    },
}

struct Row {
    name: &'static str,
    op: Op,
    faults: Vec<FaultRule>,
    expect: Expect,
    /// PUT requests the save must send (0 when it fails before the PUT). Never more than one.
    puts: u64,
    /// GET settings/tfaapp requests the operation makes, where the retry count matters.
    gets: Option<u64>,
    /// Upper bound on the operation's time.
    within: Duration,
    /// Time for requests the server is still working on to finish before the state is read.
    settle: Duration,
}

fn rule(method: &str, fault: Fault) -> FaultRule {
    FaultRule::new(method, TFA, fault)
}

fn once(method: &str, fault: Fault) -> Vec<FaultRule> {
    vec![rule(method, fault).times(1)]
}

fn always(method: &str, fault: Fault) -> Vec<FaultRule> {
    vec![rule(method, fault)]
}

fn retry_after(status: u16, secs: u64) -> Fault {
    Fault::Status {
        status,
        retry_after: Some(secs),
    }
}

const fn fails(kind: &'static str, says: &'static [&'static str]) -> Expect {
    Expect::Fails {
        kind,
        landed: None,
        says,
    }
}

fn save_failed(landed: Landed, says: &'static [&'static str]) -> Expect {
    Expect::Fails {
        kind: "saveFailed",
        landed: Some(landed),
        says,
    }
}

fn row(name: &'static str, op: Op, faults: Vec<FaultRule>, expect: Expect) -> Row {
    Row {
        name,
        op,
        faults,
        expect,
        puts: u64::from(op == Op::Save),
        gets: None,
        within: Duration::from_secs(3),
        settle: Duration::ZERO,
    }
}

impl Row {
    fn gets(mut self, n: u64) -> Self {
        self.gets = Some(n);
        self
    }
    fn puts(mut self, n: u64) -> Self {
        self.puts = n;
        self
    }
    fn within(mut self, d: Duration) -> Self {
        self.within = d;
        self
    }
    fn settle(mut self, d: Duration) -> Self {
        self.settle = d;
        self
    }
}

fn rows() -> Vec<Row> {
    use Op::{Load, Save};
    let drop_before = || Fault::Drop(DropWhen::Before);
    let drop_after = || Fault::Drop(DropWhen::After);
    let fast = Duration::from_millis(2000);
    vec![
        // ---- load: faults on GET settings/tfaapp ----
        row(
            "load 401",
            Load,
            always("GET", Fault::status(401)),
            fails("unauthorized", &["HTTP 401", "Create a new key"]),
        )
        .gets(1),
        row(
            "load 403",
            Load,
            always("GET", Fault::status(403)),
            fails("forbidden", &["HTTP 403", "Access denied"]),
        )
        .gets(1),
        row(
            "load 404",
            Load,
            always("GET", Fault::status(404)),
            fails("notFound", &["HTTP 404"]),
        )
        .gets(1),
        row(
            "load 429 Retry-After 1 once, then fine",
            Load,
            once("GET", retry_after(429, 1)),
            Expect::Loaded,
        )
        .gets(2),
        row(
            "load 429 Retry-After 30 (over the budget)",
            Load,
            always("GET", retry_after(429, 30)),
            fails("rateLimited", &["HTTP 429", "Wait 30 s"]),
        )
        .gets(1)
        .within(fast),
        row(
            "load 500",
            Load,
            always("GET", Fault::status(500)),
            fails("server", &["HTTP 500", "Try again later"]),
        )
        .gets(1),
        row(
            "load 502 twice, then fine",
            Load,
            vec![rule("GET", Fault::status(502)).times(2)],
            Expect::Loaded,
        )
        .gets(3),
        row(
            "load 502 forever",
            Load,
            always("GET", Fault::status(502)),
            fails("server", &["HTTP 502"]),
        )
        .gets(4),
        row(
            "load 503 once, then fine",
            Load,
            once("GET", Fault::status(503)),
            Expect::Loaded,
        )
        .gets(2),
        row(
            "load delay under the timeout",
            Load,
            always("GET", Fault::Delay { ms: 100 }),
            Expect::Loaded,
        )
        .gets(1),
        row(
            "load delay over the timeout",
            Load,
            once(
                "GET",
                Fault::Delay {
                    ms: OVER_TIMEOUT_MS,
                },
            ),
            fails("timeout", &["did not answer within 1 s"]),
        )
        .gets(1)
        .within(fast),
        row(
            "load drop-before once, then fine",
            Load,
            once("GET", drop_before()),
            Expect::Loaded,
        )
        .gets(2),
        row(
            "load drop-before forever",
            Load,
            always("GET", drop_before()),
            fails("network", &["could not be reached"]),
        )
        .gets(4),
        row(
            "load drop-after once, then fine",
            Load,
            once("GET", drop_after()),
            Expect::Loaded,
        )
        .gets(2),
        row(
            "load truncated JSON",
            Load,
            always("GET", Fault::TruncatedJson),
            fails("notDocSpace", &["not valid JSON"]),
        )
        .gets(1),
        row(
            "load HTML login page",
            Load,
            always("GET", Fault::HtmlLogin),
            fails(
                "notDocSpace",
                &["did not answer like a DocSpace API", "HTML"],
            ),
        )
        .gets(1),
        row(
            "load empty 200",
            Load,
            always("GET", Fault::Empty200),
            fails("notDocSpace", &["the answer is empty"]),
        )
        .gets(1),
        row(
            "load 50 MB body",
            Load,
            always("GET", Fault::HugeBody),
            fails("notDocSpace", &["larger than 4 MiB"]),
        )
        .gets(1)
        .within(fast),
        row(
            "load JSON that is no envelope",
            Load,
            always(
                "GET",
                Fault::body("{\"sms\":true}", Some("application/json")),
            ),
            fails("notDocSpace", &["not a DocSpace API envelope"]),
        )
        .gets(1),
        // ---- save: faults on PUT settings/tfaapp (the read before it is clean) ----
        row(
            "save 401",
            Save,
            once("PUT", Fault::status(401)),
            fails("unauthorized", &["HTTP 401"]),
        ),
        row(
            "save 403",
            Save,
            once("PUT", Fault::status(403)),
            fails("forbidden", &["HTTP 403"]),
        ),
        row(
            "save 404",
            Save,
            once("PUT", Fault::status(404)),
            fails("notFound", &["HTTP 404"]),
        ),
        row(
            "save 429 Retry-After 2",
            Save,
            once("PUT", retry_after(429, 2)),
            fails("rateLimited", &["Wait 2 s"]),
        )
        .within(fast),
        row(
            "save 500",
            Save,
            once("PUT", Fault::status(500)),
            save_failed(Landed::No, &["HTTP 500", "nothing changed on the portal"]),
        ),
        row(
            "save 502",
            Save,
            once("PUT", Fault::status(502)),
            save_failed(Landed::No, &["HTTP 502", "Try again"]),
        ),
        row(
            "save 503",
            Save,
            once("PUT", Fault::status(503)),
            save_failed(Landed::No, &["HTTP 503"]),
        ),
        row(
            "save drop-before",
            Save,
            once("PUT", drop_before()),
            save_failed(Landed::No, &["could not be reached", "nothing changed"]),
        ),
        row(
            "save drop-after (landed, answer lost)",
            Save,
            once("PUT", drop_after()),
            Expect::Saved { recovered: true },
        ),
        row(
            "save truncated JSON (landed, answer cut)",
            Save,
            once("PUT", Fault::TruncatedJson),
            Expect::Saved { recovered: true },
        ),
        row(
            "save HTML login page",
            Save,
            once("PUT", Fault::HtmlLogin),
            save_failed(Landed::No, &["HTML"]),
        ),
        row(
            "save empty 200",
            Save,
            once("PUT", Fault::Empty200),
            save_failed(Landed::No, &["the answer is empty"]),
        ),
        row(
            "save 50 MB body",
            Save,
            once("PUT", Fault::HugeBody),
            save_failed(Landed::No, &["larger than 4 MiB"]),
        )
        .within(fast),
        // ---- save: faults on the reads around the PUT ----
        row(
            "save, read before it 503 once",
            Save,
            once("GET", Fault::status(503)),
            Expect::Saved { recovered: false },
        ),
        row(
            "save, read before it 401",
            Save,
            always("GET", Fault::status(401)),
            fails("unauthorized", &["HTTP 401"]),
        )
        .puts(0),
        row(
            "save drop-after, re-read 503 forever",
            Save,
            vec![
                rule("PUT", drop_after()).times(1),
                rule("GET", Fault::status(503)).skip(1),
            ],
            save_failed(Landed::Unknown, &["whether the change landed", "Reload"]),
        )
        .within(Duration::from_secs(4)),
        row(
            "save 500, re-read HTML login",
            Save,
            vec![
                rule("PUT", Fault::status(500)).times(1),
                rule("GET", Fault::HtmlLogin).skip(1),
            ],
            save_failed(Landed::Unknown, &["HTTP 500", "whether the change landed"]),
        ),
    ]
}

/// Words that tell the user what to do next; every error message must have one.
const ADVICE: &[&str] = &[
    "try again",
    "check ",
    "create a new key",
    "use ",
    "reload",
    "wait ",
    "only the portal owner",
];

/// What the portal holds, from `GET /sandbox/state`.
#[derive(Debug, PartialEq, Eq)]
enum Held {
    Old,
    New,
    Other(String),
}

async fn held(sb: &Sandbox) -> Held {
    let state: Value = common::control_get(sb, "/sandbox/state").await;
    let (app, sms) = (&state["app"], &state["sms"]);
    let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(|a| a.is_empty());
    if app["enable"] == false && sms["enable"] == false {
        Held::Old
    } else if app["enable"] == true
        && sms["enable"] == false
        && app["trustedIps"] == serde_json::json!([NEW_IP])
        && empty(&app["mandatoryUsers"])
        && empty(&app["mandatoryGroups"])
    {
        Held::New
    } else {
        Held::Other(format!("app {app}, sms {sms}"))
    }
}

/// Runs one row on a fresh portal; returns what went wrong, if anything.
async fn run(row: &Row) -> Vec<String> {
    let mut problems = Vec::new();
    let sb = common::sandbox().await;
    let portal = sb.url();
    let key = ApiKey::new(OWNER_KEY).unwrap();
    let conn = Connection::open(common::portal(&sb), &key, opts())
        .await
        .expect("connects");
    let base = conn.load().await.expect("clean load").live.policy;
    assert_eq!(base, Policy::disabled());
    let (puts0, gets0, audit0) = (
        sb.request_count("PUT", TFA),
        sb.request_count("GET", TFA),
        sb.audit().len(),
    );

    sb.set_faults(row.faults.clone());
    let started = Instant::now();
    let outcome: Result<Option<bool>, ServiceError> = match row.op {
        Op::Load => conn.load().await.map(|_| None),
        Op::Save => conn
            .save(&base, &draft(), false, None)
            .await
            .map(|s| Some(s.recovered)),
    };
    let elapsed = started.elapsed();
    sb.clear_faults();
    tokio::time::sleep(row.settle).await;

    if elapsed > row.within {
        problems.push(format!("took {elapsed:?}, more than {:?}", row.within));
    }
    let puts = sb.request_count("PUT", TFA) - puts0;
    if puts != row.puts {
        problems.push(format!("{puts} PUT requests, expected {}", row.puts));
    }
    if let Some(gets) = row.gets {
        let seen = sb.request_count("GET", TFA) - gets0;
        if seen != gets {
            problems.push(format!("{seen} GET requests, expected {gets}"));
        }
    }

    // What the portal may hold afterwards.
    let may_hold: &[Held] = match (&row.expect, &outcome) {
        (Expect::Saved { .. }, _) => &[Held::New],
        (_, _) if row.op == Op::Load => &[Held::Old],
        (
            Expect::Fails {
                landed: Some(Landed::Unknown),
                ..
            },
            _,
        ) => &[Held::Old, Held::New],
        _ => &[Held::Old],
    };
    let now = held(&sb).await;
    if !may_hold.contains(&now) {
        problems.push(format!(
            "the portal holds {now:?}, expected one of {may_hold:?}"
        ));
    }
    let landed_puts = (sb.audit().len() - audit0) as u64;
    if landed_puts != u64::from(now == Held::New) {
        problems.push(format!(
            "{landed_puts} PUTs were applied, but the portal holds {now:?}"
        ));
    }

    match (&row.expect, outcome) {
        (Expect::Loaded, Ok(None)) => {}
        (Expect::Saved { recovered }, Ok(Some(got))) => {
            if got != *recovered {
                problems.push(format!("saved with recovered={got}, expected {recovered}"));
            }
        }
        (Expect::Fails { kind, landed, says }, Err(e)) => {
            let message = e.to_string();
            if e.kind() != *kind {
                problems.push(format!("kind {}, expected {kind}: {message}", e.kind()));
            }
            let got_landed = match &e {
                ServiceError::SaveFailed { landed, .. } => Some(landed.clone()),
                _ => None,
            };
            if got_landed != *landed {
                problems.push(format!(
                    "landed {got_landed:?}, expected {landed:?}: {message}"
                ));
            }
            if !message.contains(&portal) {
                problems.push(format!("the message does not name {portal}: {message}"));
            }
            let lower = message.to_lowercase();
            let advises = ADVICE.iter().any(|a| lower.contains(a));
            if !advises {
                problems.push(format!("the message does not say what to do: {message}"));
            }
            for s in *says {
                if !message.contains(s) {
                    problems.push(format!("the message lacks {s:?}: {message}"));
                }
            }
        }
        (expect, got) => problems.push(format!("expected {expect:?}, got {got:?}")),
    }
    problems
}

/// Rows run three at a time, each on its own portal; most of a row's time is waiting (retry
/// back-off, Retry-After, timeouts), so this keeps the file at a few seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_against_load_and_save() {
    use futures::stream::{self, StreamExt};
    let started = Instant::now();
    let rows = rows();
    let results: Vec<(Vec<String>, Duration)> = stream::iter(&rows)
        .map(|row| async move {
            let t = Instant::now();
            let problems = run(row).await;
            (problems, t.elapsed())
        })
        .buffered(3)
        .collect()
        .await;
    let mut report = Vec::new();
    let mut failed = 0;
    for (row, (problems, took)) in rows.iter().zip(&results) {
        let verdict = if problems.is_empty() {
            "ok".to_string()
        } else {
            problems.join("\n      ")
        };
        failed += usize::from(!problems.is_empty());
        report.push(format!(
            "{:<44} {:>6} ms  {verdict}",
            row.name,
            took.as_millis()
        ));
    }
    println!("{}", report.join("\n"));
    assert_eq!(
        failed,
        0,
        "{failed} of {} rows failed:\n{}",
        rows.len(),
        report.join("\n")
    );
    // A guard against hangs; the matrix takes a few seconds on an idle machine.
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "the matrix took {:?}",
        started.elapsed()
    );
}

/// A PUT that outlives the client's timeout is still being handled by the server, which then
/// applies it: a re-read right after the timeout sees the old policy, but that does not mean
/// the change will not land. The save must not tell the user "nothing changed, try again".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_put_that_lands_later_is_not_reported_as_not_landed() {
    let row = row(
        "save delay over the timeout (lands later)",
        Op::Save,
        once(
            "PUT",
            Fault::Delay {
                ms: OVER_TIMEOUT_MS,
            },
        ),
        save_failed(
            Landed::Unknown,
            &["did not answer within 1 s", "whether the change landed"],
        ),
    )
    .settle(Duration::from_millis(OVER_TIMEOUT_MS));
    let problems = run(&row).await;
    assert!(
        problems.is_empty(),
        "{}:\n{}",
        row.name,
        problems.join("\n")
    );
}
