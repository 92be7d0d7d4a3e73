//! Hostile answers for the client's envelope and model parsing: arbitrary JSON (random and
//! DocSpace-shaped), arbitrary bytes, random statuses and content types, served over real HTTP by
//! the sandbox's `body` fault, must give a value or an error naming the portal, never a panic.
//! The wire models are also fed the same input directly (`serde_json` + `PortalPolicy`).

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use docspace_tfa::docspace::models::{Envelope, TfaRequest, TfaSettingsDto};
use docspace_tfa::docspace::{ApiError, ClientOptions, DocSpaceClient};
use docspace_tfa::policy::{Method, Policy, PortalPolicy};
use docspace_tfa::sandbox::{Fault, FaultRule, Sandbox, OWNER_KEY};
use docspace_tfa::secrets::ApiKey;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Keys the client looks for, so random objects often hit the real paths.
const KEYS: &[&str] = &[
    "response",
    "status",
    "statusCode",
    "count",
    "total",
    "links",
    "error",
    "message",
    "errors",
    "title",
    "id",
    "enabled",
    "available",
    "avaliable",
    "trustedIps",
    "mandatoryUsers",
    "mandatoryGroups",
    "displayName",
    "email",
    "isAdmin",
    "isOwner",
    "isVisitor",
    "groups",
    "name",
    "isSystem",
    "tfaAppEnabled",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => "\\PC{0,10}"]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(
            &[
                "sms",
                "app",
                "none",
                "SMS",
                "",
                "10.0.0.1",
                "10.0.0.0/8",
                "::1",
                "0.0.0.0/0",
                "a-b"
            ][..]
        )
        .prop_map(Value::from),
        any::<u128>().prop_map(|n| Value::from(Uuid::from_u128(n).to_string())),
        "\\PC{0,24}".prop_map(Value::from),
    ]
}

/// Arbitrary JSON, up to 4 levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An object shaped like a `settings/tfaapp` entry, with each field missing, right or wrong.
fn tfa_entry() -> impl Strategy<Value = Value> {
    let ids = prop::sample::select(&["sms", "app", "APP", "other", ""][..]).prop_map(Value::from);
    let list = prop_oneof![
        Just(Value::Null),
        prop::collection::vec(leaf(), 0..4).prop_map(Value::Array),
        prop::collection::vec(
            any::<u128>().prop_map(|n| Value::from(Uuid::from_u128(n).to_string())),
            0..4
        )
        .prop_map(Value::Array),
        json_value(),
    ];
    (
        prop_oneof![4 => ids, 1 => json_value()],
        prop_oneof![3 => any::<bool>().prop_map(Value::Bool), 1 => json_value()],
        prop_oneof![3 => any::<bool>().prop_map(Value::Bool), 1 => json_value()],
        list.clone(),
        list.clone(),
        list,
        prop::collection::vec((key(), json_value()), 0..2),
        prop::collection::vec(any::<bool>(), 8),
    )
        .prop_map(
            |(id, enabled, available, ips, users, groups, extra, keep)| {
                let mut o = Map::new();
                let fields = [
                    ("id", id),
                    ("enabled", enabled),
                    (if keep[6] { "available" } else { "avaliable" }, available),
                    ("trustedIps", ips),
                    ("mandatoryUsers", users),
                    ("mandatoryGroups", groups),
                ];
                for (i, (k, v)) in fields.into_iter().enumerate() {
                    if keep[i] || i == 0 {
                        o.insert(k.to_string(), v);
                    }
                }
                for (k, v) in extra {
                    o.insert(k, v);
                }
                Value::Object(o)
            },
        )
}

/// DocSpace-shaped answers: envelopes around random or entry-shaped responses.
fn envelope() -> impl Strategy<Value = Value> {
    let response = prop_oneof![
        3 => prop::collection::vec(tfa_entry(), 0..4).prop_map(Value::Array),
        1 => json_value(),
    ];
    let status = prop_oneof![3 => Just(json!(0)), 1 => leaf()];
    (
        response,
        status,
        any::<bool>(),
        prop::collection::vec((key(), json_value()), 0..2),
    )
        .prop_map(|(response, status, with_status, extra)| {
            let mut o = Map::new();
            o.insert("response".into(), response);
            if with_status {
                o.insert("status".into(), status);
            }
            for (k, v) in extra {
                o.insert(k, v);
            }
            Value::Object(o)
        })
}

/// The bytes of an answer body.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => envelope().prop_map(|v| v.to_string().into_bytes()),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        // A DocSpace-shaped answer cut anywhere.
        2 => (envelope(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let bytes = v.to_string().into_bytes();
            let at = cut.index(bytes.len() + 1);
            bytes[..at].to_vec()
        }),
        2 => prop::collection::vec(any::<u8>(), 0..256),
        1 => "\\PC{0,64}".prop_map(String::into_bytes),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        6 => Just(200u16),
        2 => prop::sample::select(&[201u16, 204, 301, 302, 400, 401, 403, 404, 405, 409, 418, 429, 500, 502, 503, 504][..]),
        1 => 200u16..600,
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop::sample::select(
        &[
            None,
            Some("application/json"),
            Some("application/json; charset=utf-8"),
            Some("text/html"),
            Some("text/plain"),
            Some(""),
        ][..],
    )
    .prop_map(|c| c.map(str::to_string))
}

/// One sandbox and runtime for all cases: the body fault is swapped per case.
struct World {
    rt: tokio::runtime::Runtime,
    sandbox: Sandbox,
    client: DocSpaceClient,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = rt.block_on(common::sandbox());
        // No retries: a random 429 or 503 must not make a case wait.
        let opts = ClientOptions {
            get_retries: 0,
            request_timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        };
        let client = DocSpaceClient::new(
            common::portal(&sandbox),
            &ApiKey::new(OWNER_KEY).unwrap(),
            opts,
        )
        .unwrap();
        World {
            rt,
            sandbox,
            client,
        }
    })
}

fn check_error(e: &ApiError, portal: &str) -> Result<(), TestCaseError> {
    let message = e.to_string();
    prop_assert!(
        message.contains(portal),
        "error does not name the portal: {message}"
    );
    prop_assert!(
        !message.contains(OWNER_KEY),
        "error carries the key: {message}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Over HTTP: every public call that parses an answer, on the same hostile answer.
    #[test]
    fn hostile_answers_give_a_value_or_an_error(status in status(), content_type in content_type(), body in body()) {
        let w = world();
        let portal = w.sandbox.url();
        w.sandbox.set_faults(vec![FaultRule::new("*", "/api/2.0/*", Fault::Body { status, content_type: content_type.clone(), body: body.clone() })]);
        let c = &w.client;
        let (settings, policy, me, put, people, group) = w.rt.block_on(async {
            let request = TfaRequest::new(&Policy { method: Method::App, trusted_ips: vec!["10.0.0.1".into()], mandatory_users: vec![], mandatory_groups: vec![] }, Uuid::nil());
            (
                c.tfa_settings().await,
                c.policy().await,
                c.me().await,
                c.put_tfa(&request).await,
                c.people("x", 0, 10).await,
                c.group(Uuid::nil()).await,
            )
        });
        for e in [settings.as_ref().err(), policy.as_ref().err(), me.as_ref().err(), put.as_ref().err(), people.as_ref().err(), group.as_ref().err()].into_iter().flatten() {
            check_error(e, &portal)?;
        }
        let any_ok = settings.is_ok() || policy.is_ok() || me.is_ok() || put.is_ok() || people.is_ok() || group.is_ok();
        if any_ok {
            // Only a 2xx JSON object that is an envelope is ever accepted.
            prop_assert!((200..300).contains(&status), "accepted HTTP {status}");
            let v: Value = serde_json::from_slice(&body).expect("accepted body is JSON");
            prop_assert!(v.get("response").is_some() || v.get("status").is_some());
        }
        // The same answer read twice gives the same policy.
        if let (Ok(list), Ok(p)) = (&settings, &policy) {
            prop_assert_eq!(&PortalPolicy::from_settings(list), p);
        }
    }

    /// The wire models directly, on arbitrary bytes and JSON.
    #[test]
    fn models_never_panic(body in body()) {
        if let Ok(env) = serde_json::from_slice::<Envelope<Vec<TfaSettingsDto>>>(&body) {
            let list = env.response.unwrap_or_default();
            let p = PortalPolicy::from_settings(&list);
            // The first entry of each id counts, as on the server.
            let on = |id: &str| list.iter().find(|e| e.id.eq_ignore_ascii_case(id)).is_some_and(|e| e.enabled);
            match p.policy.method {
                Method::Sms => prop_assert!(on("sms")),
                Method::App => prop_assert!(on("app") && !on("sms")),
                Method::None => prop_assert!(!on("sms") && !on("app") && p.policy == Policy::disabled()),
            }
            prop_assert_eq!(p.sms.listed, list.iter().any(|e| e.id.eq_ignore_ascii_case("sms")));
        }
    }
}
