//! Safe-change features through the CLI: history and rollback, drift, policy files, what-if,
//! profiles and copying a policy between portals. Each test has its own HOME and sandbox.

mod common;

use common::cli::{home, run, run_async};
use common::*;
use docspace_tfa::docspace::PortalUrl;
use docspace_tfa::policy::{Method, Policy};
use docspace_tfa::profiles::{ProfileStore, Profiles};
use docspace_tfa::sandbox::{Sandbox, SandboxConfig, ADMIN_KEY, OWNER_KEY, USER_KEY};
use serde_json::json;
use std::io::Write;
use std::path::Path;

fn file(dir: &Path, name: &str, value: &serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(value.to_string().as_bytes())
        .unwrap();
    path.to_str().unwrap().to_string()
}

fn policy_json(p: &Policy) -> serde_json::Value {
    serde_json::to_value(p).unwrap()
}

async fn live(sb: &Sandbox) -> Policy {
    client(sb, OWNER_KEY).policy().await.unwrap().policy
}

#[tokio::test(flavor = "multi_thread")]
async fn history_lists_saves_and_rollback_undoes_one() {
    let (sb, h) = (sandbox().await, home());
    let a = policy(Method::App, &["10.0.0.1"], &[], &[]);
    let b = policy(Method::App, &["10.0.0.1", "10.0.0.2"], &[sb.user_id()], &[]);
    let fa = file(h.path(), "a.json", &policy_json(&a));
    let fb = file(h.path(), "b.json", &policy_json(&b));
    assert_eq!(
        run_async(
            h.path(),
            &sb,
            ADMIN_KEY,
            &["apply", &fa, "--yes", "--note", "first"],
            ""
        )
        .await
        .code,
        0
    );
    let second = run_async(h.path(), &sb, ADMIN_KEY, &["apply", &fb, "--yes"], "").await;
    assert!(
        second.stdout.contains("history entry #2"),
        "{}",
        second.stdout
    );

    let hist = run_async(h.path(), &sb, ADMIN_KEY, &["history"], "").await;
    assert_eq!(hist.code, 0, "{}", hist.stderr);
    assert!(
        hist.stdout.contains("#1")
            && hist.stdout.contains("\"first\"")
            && hist.stdout.contains("by Adam Admin"),
        "{}",
        hist.stdout
    );
    assert!(
        hist.stdout.contains("#2") && hist.stdout.contains("trusted IPs +1"),
        "{}",
        hist.stdout
    );
    let json: serde_json::Value = serde_json::from_str(
        &run_async(h.path(), &sb, ADMIN_KEY, &["history", "--json"], "")
            .await
            .stdout,
    )
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[1]["after"], policy_json(&b));

    let undo = run_async(h.path(), &sb, ADMIN_KEY, &["rollback", "2", "--yes"], "").await;
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert!(
        undo.stdout.contains("- trusted IP 10.0.0.2")
            && undo.stdout.contains("- mandatory user Uma User"),
        "rollback goes through the review: {}",
        undo.stdout
    );
    assert_eq!(live(&sb).await, a);
    let hist = run_async(h.path(), &sb, ADMIN_KEY, &["history"], "").await;
    assert!(
        hist.stdout.contains("#3") && hist.stdout.contains("rollback of #2"),
        "{}",
        hist.stdout
    );

    let missing = run_async(h.path(), &sb, ADMIN_KEY, &["rollback", "9", "--yes"], "").await;
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("no history entry 9"),
        "{}",
        missing.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_is_shown_and_can_be_reapplied_or_accepted() {
    let (sb, h) = (sandbox().await, home());
    let ours = policy(Method::App, &["10.0.0.0/8"], &[sb.user_id()], &[]);
    let f = file(h.path(), "ours.json", &policy_json(&ours));
    assert_eq!(
        run_async(h.path(), &sb, ADMIN_KEY, &["apply", &f, "--yes"], "")
            .await
            .code,
        0
    );
    let none = run_async(h.path(), &sb, ADMIN_KEY, &["drift"], "").await;
    assert!(none.stdout.contains("No drift"), "{}", none.stdout);

    // DocSpace's own page saves `type: app` alone and wipes the lists.
    let wiped = json!({"app": {"enable": true, "trustedIps": [], "mandatoryUsers": [], "mandatoryGroups": []}});
    control_put(&sb, "/sandbox/state/tfa", wiped.clone()).await;
    let shown = run_async(h.path(), &sb, ADMIN_KEY, &["show"], "").await;
    assert!(
        shown
            .stdout
            .contains("Drift: the policy changed outside this app"),
        "{}",
        shown.stdout
    );
    let shown: serde_json::Value = serde_json::from_str(
        &run_async(h.path(), &sb, ADMIN_KEY, &["show", "--json"], "")
            .await
            .stdout,
    )
    .unwrap();
    assert_eq!(
        shown["drift"]["trustedIps"]["removed"],
        json!(["10.0.0.0/8"])
    );
    let d = run_async(h.path(), &sb, ADMIN_KEY, &["drift"], "").await;
    assert!(
        d.stdout.contains("- trusted IP 10.0.0.0/8")
            && d.stdout.contains("- mandatory user Uma User"),
        "{}",
        d.stdout
    );

    let re = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["drift", "--reapply", "--yes"],
        "",
    )
    .await;
    assert_eq!(re.code, 0, "{}", re.stderr);
    assert_eq!(live(&sb).await, ours);

    control_put(&sb, "/sandbox/state/tfa", wiped).await;
    let acc = run_async(h.path(), &sb, ADMIN_KEY, &["drift", "--accept"], "").await;
    assert!(acc.stdout.contains("Accepted"), "{}", acc.stdout);
    let after = run_async(h.path(), &sb, ADMIN_KEY, &["drift"], "").await;
    assert!(after.stdout.contains("No drift"), "{}", after.stdout);
    assert_eq!(
        live(&sb).await.trusted_ips,
        Vec::<String>::new(),
        "accepting changes nothing on the portal"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exported_files_are_reviewable_and_names_only_files_resolve() {
    let (sb, h) = (sandbox().await, home());
    let conn = connection(&sb, OWNER_KEY).await;
    let groups = conn.client().groups("", 0, 2).await.unwrap().items;
    let p = policy(Method::App, &["10.0.0.1"], &[sb.user_id()], &[groups[0].id]);
    conn.save(&Policy::disabled(), &p, false, None)
        .await
        .unwrap();

    let out = h.path().join("export.json");
    let exp = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["export", out.to_str().unwrap()],
        "",
    )
    .await;
    assert_eq!(exp.code, 0, "{}", exp.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], "docspace-tfa/policy");
    assert_eq!(v["version"], 1);
    assert_eq!(v["mandatoryUsers"][0]["name"], "Uma User");
    assert_eq!(v["mandatoryUsers"][0]["email"], "user@example.com");
    assert_eq!(v["mandatoryGroups"][0]["name"], groups[0].name.as_str());

    // A hand-written file that names people by email and groups by name.
    let names_only = json!({"method":"app","trustedIps":["10.0.0.1"],
        "mandatoryUsers":[{"email":"admin@example.com"},{"name":"Uma User"}],
        "mandatoryGroups":[{"name": groups[1].name},{"name":"DocSpace admins"}]});
    let f = file(h.path(), "names.json", &names_only);
    let applied = run_async(h.path(), &sb, OWNER_KEY, &["apply", &f, "--yes"], "").await;
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let now = live(&sb).await;
    assert_eq!(now.mandatory_users, vec![sb.admin_id(), sb.user_id()]);
    assert_eq!(now.mandatory_groups[0], groups[1].id);
    assert_eq!(
        now.mandatory_groups[1].to_string(),
        "cd84e66b-b803-40fc-99f9-b2969a54a1de"
    );

    let bad = json!({"method":"app","trustedIps":[],"mandatoryUsers":[{"email":"nobody@nowhere.example"}],"mandatoryGroups":[{"name":"No Such Group"}]});
    let f = file(h.path(), "bad.json", &bad);
    let refused = run_async(h.path(), &sb, OWNER_KEY, &["apply", &f, "--yes"], "").await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("nobody@nowhere.example")
            && refused.stderr.contains("No Such Group"),
        "lists what it could not resolve: {}",
        refused.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_if_applies_the_servers_rule_to_live_and_draft() {
    let (sb, h) = (sandbox().await, home());
    let conn = connection(&sb, OWNER_KEY).await;
    let admins = "cd84e66b-b803-40fc-99f9-b2969a54a1de".parse().unwrap();
    conn.save(
        &Policy::disabled(),
        &policy(Method::App, &["10.0.0.0/8", "0.0.0.0/0"], &[], &[admins]),
        false,
        None,
    )
    .await
    .unwrap();

    let inside = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["what-if", "--user", "user@example.com", "--ip", "10.1.2.3"],
        "",
    )
    .await;
    assert_eq!(inside.code, 0, "{}", inside.stderr);
    assert!(
        inside.stdout.contains("Not required") && inside.stdout.contains("10.0.0.0/8"),
        "{}",
        inside.stdout
    );
    let outside = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["what-if", "--user", "Uma User", "--ip", "8.8.8.8"],
        "",
    )
    .await;
    assert!(
        outside.stdout.contains("Required") && outside.stdout.contains("none of the trusted IPs"),
        "0.0.0.0/0 matches nobody: {}",
        outside.stdout
    );
    let admin = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &[
            "what-if",
            "--user",
            "admin@example.com",
            "--ip",
            "10.1.2.3",
            "--json",
        ],
        "",
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&admin.stdout).unwrap();
    assert_eq!(
        v["live"]["required"], true,
        "DocSpace admins is mandatory even on a trusted IP: {v}"
    );
    let owner = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["what-if", "--user", "owner@example.com", "--ip", "10.1.2.3"],
        "",
    )
    .await;
    assert!(
        owner.stdout.contains("Required") && owner.stdout.contains("DocSpace admins"),
        "the owner is in DocSpace admins: {}",
        owner.stdout
    );

    let draft = file(
        h.path(),
        "draft.json",
        &json!({"method":"none","trustedIps":[],"mandatoryUsers":[],"mandatoryGroups":[]}),
    );
    let both = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &[
            "what-if",
            "--user",
            "user@example.com",
            "--ip",
            "8.8.8.8",
            "--file",
            &draft,
        ],
        "",
    )
    .await;
    assert!(
        both.stdout.contains("live policy: Required")
            && both.stdout.contains("draft:       Not required"),
        "{}",
        both.stdout
    );
    let group = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["what-if", "--group", "DocSpace admins", "--ip", "10.9.9.9"],
        "",
    )
    .await;
    assert!(group.stdout.contains("Required"), "{}", group.stdout);

    let bad = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["what-if", "--user", "user@example.com", "--ip", "not-an-ip"],
        "",
    )
    .await;
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("not an IP address"), "{}", bad.stderr);
    let nobody = run_async(
        h.path(),
        &sb,
        OWNER_KEY,
        &["what-if", "--user", "zz-nobody", "--ip", "10.0.0.1"],
        "",
    )
    .await;
    assert!(nobody.stderr.contains("Nobody on"), "{}", nobody.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn profiles_select_portals_and_copy_carries_a_policy_across() {
    let h = home();
    let a = sandbox().await;
    let b = sandbox_with(SandboxConfig {
        seed: 99,
        ..SandboxConfig::default()
    })
    .await;
    assert_ne!(a.user_id(), b.user_id(), "different portals, different ids");
    let store = ProfileStore::in_dir(&h.path().join("config").join("docspace-tfa"));
    let mut profiles = Profiles::default();
    profiles.remember(&PortalUrl::parse(&a.url()).unwrap());
    profiles.remember(&PortalUrl::parse(&b.url()).unwrap());
    store.save(&profiles).unwrap();
    let (na, nb) = (
        profiles.profiles[0].name.clone(),
        profiles.profiles[1].name.clone(),
    );

    let p = policy(Method::App, &["10.0.0.1"], &[a.user_id()], &[]);
    connection(&a, OWNER_KEY)
        .await
        .save(&Policy::disabled(), &p, false, None)
        .await
        .unwrap();

    let home_path = h.path().to_path_buf();
    let (na2, nb2) = (na.clone(), nb.clone());
    let (listed, shown, copied) = tokio::task::spawn_blocking(move || {
        (
            run(&home_path, None, OWNER_KEY, &["profiles"], ""),
            run(
                &home_path,
                None,
                OWNER_KEY,
                &["--profile", &na2, "show"],
                "",
            ),
            run(
                &home_path,
                None,
                OWNER_KEY,
                &["copy", "--from", &na2, "--to", &nb2, "--yes"],
                "",
            ),
        )
    })
    .await
    .unwrap();
    assert!(
        listed.stdout.contains(&na) && listed.stdout.contains(&format!("* {nb}")),
        "{}",
        listed.stdout
    );
    assert!(shown.stdout.contains("Uma User"), "{}", shown.stdout);
    assert_eq!(copied.code, 0, "{}", copied.stderr);
    assert!(
        na.starts_with("This computer, port "),
        "a readable name: {na}"
    );

    let home_path = h.path().to_path_buf();
    let (na3, nb3) = (na.clone(), nb.clone());
    let (renamed, by_new_name, clash) = tokio::task::spawn_blocking(move || {
        (
            run(
                &home_path,
                None,
                OWNER_KEY,
                &["profiles", "rename", &na3, "Staging"],
                "",
            ),
            run(
                &home_path,
                None,
                OWNER_KEY,
                &["--profile", "Staging", "show"],
                "",
            ),
            run(
                &home_path,
                None,
                OWNER_KEY,
                &["profiles", "rename", "Staging", &nb3],
                "",
            ),
        )
    })
    .await
    .unwrap();
    assert_eq!(renamed.code, 0, "{}", renamed.stderr);
    assert!(
        renamed.stdout.contains(&format!("  Staging  {}", a.url())),
        "{}",
        renamed.stdout
    );
    assert!(
        by_new_name.stdout.contains("Uma User"),
        "{}",
        by_new_name.stderr
    );
    assert_eq!(clash.code, 1);
    assert!(clash.stderr.contains("already named"), "{}", clash.stderr);
    assert_eq!(
        live(&b).await,
        policy(Method::App, &["10.0.0.1"], &[b.user_id()], &[]),
        "the user is matched by email on the target"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_checks_self_lockout_for_the_address_the_admin_names() {
    let (sb, h) = (sandbox().await, home());
    let f = file(
        h.path(),
        "on.json",
        &policy_json(&policy(Method::App, &["10.0.0.0/8"], &[], &[])),
    );
    // The sandbox's admin has no authenticator app linked.
    let outside = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", &f, "--dry-run", "--my-ip", "203.0.113.9"],
        "",
    )
    .await;
    assert_eq!(outside.code, 0, "{}", outside.stderr);
    assert!(
        outside
            .stdout
            .contains("From 203.0.113.9 you would need a second factor"),
        "{}",
        outside.stdout
    );
    let inside = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", &f, "--dry-run", "--my-ip", "10.20.30.40"],
        "",
    )
    .await;
    assert!(
        !inside.stdout.contains("second factor") && !inside.stdout.contains("must set up"),
        "a trusted address clears the warning: {}",
        inside.stdout
    );
    let unnamed = run_async(h.path(), &sb, ADMIN_KEY, &["apply", &f, "--dry-run"], "").await;
    assert!(
        unnamed
            .stdout
            .contains("must set up two-factor authentication"),
        "{}",
        unnamed.stdout
    );
    let bad = run_async(
        h.path(),
        &sb,
        ADMIN_KEY,
        &["apply", &f, "--dry-run", "--my-ip", "home"],
        "",
    )
    .await;
    assert_ne!(bad.code, 0);
    assert!(
        !bad.stderr.contains("myIp") && bad.stderr.contains("\"home\" is not an IP address"),
        "{}",
        bad.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_can_show_and_export_but_changes_are_refused_before_any_change() {
    let sb = sandbox().await;
    let h = home();
    let show = run_async(h.path(), &sb, USER_KEY, &["show", "--json"], "").await;
    assert_eq!(show.code, 0, "a reader sees the policy: {}", show.stderr);
    let export = run_async(h.path(), &sb, USER_KEY, &["export"], "").await;
    assert_eq!(export.code, 0, "a reader exports: {}", export.stderr);

    let draft = file(
        h.path(),
        "p.json",
        &policy_json(&policy(Method::App, &["10.0.0.0/8"], &[], &[])),
    );
    // The policy is read in the same wave as people/@self (fewest round trips), so the refusal
    // comes with the first answers: no name look-up, no review, no PUT.
    let gets = sb.request_count("GET", "/api/2.0/settings/tfaapp");
    for args in [
        vec!["apply", draft.as_str(), "--yes"],
        vec!["rollback", "1", "--yes"],
        vec!["drift", "--reapply", "--yes"],
    ] {
        let run = run_async(h.path(), &sb, USER_KEY, &args, "").await;
        assert_eq!(run.code, 1, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr
                .contains("only the owner and DocSpace admins can change the TFA policy"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(
        sb.request_count("GET", "/api/2.0/settings/tfaapp") <= gets + 3,
        "at most the one read that goes with people/@self per command"
    );
    assert_eq!(sb.request_count("PUT", "/api/2.0/settings/tfaapp"), 0);
    assert_eq!(live(&sb).await, Policy::disabled());
}
