//! Text and JSON the CLI prints. Pure functions of the data, so they are easy to test.

use serde_json::json;
use std::fmt::Write;

use crate::docspace::{Group, PortalUrl};
use crate::policy::{Level, Method, MethodOffer, Review};
use crate::service::{GroupRef, LoadedPolicy, PersonRef};

/// `show --json`: the four policy keys, then context (names, what the portal offers).
pub fn policy_json(loaded: &LoadedPolicy) -> String {
    let p = &loaded.live.policy;
    let value = json!({
        "method": p.method,
        "trustedIps": p.trusted_ips,
        "mandatoryUsers": p.mandatory_users,
        "mandatoryGroups": p.mandatory_groups,
        "portal": loaded.portal,
        "users": loaded.users,
        "groups": loaded.groups,
        "sms": loaded.live.sms,
        "app": loaded.live.app,
    });
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
}

pub fn policy_text(loaded: &LoadedPolicy) -> String {
    let p = &loaded.live.policy;
    let mut out = String::new();
    let _ = writeln!(out, "Portal:           {}", loaded.portal);
    let _ = writeln!(out, "Two-factor auth:  {}", p.method.label());
    let _ = writeln!(out, "SMS:              {}", offer_text(&loaded.live.sms, "SMS"));
    let _ = writeln!(out, "Authenticator app: {}", offer_text(&loaded.live.app, "app"));
    if p.method == Method::None {
        let _ = writeln!(out, "\nNobody is asked for a second factor. The portal keeps no trusted IPs or mandatory lists while TFA is off.");
        return out;
    }
    let _ = writeln!(out, "\nRule: everyone must use {} unless signing in from a trusted IP; mandatory users and groups must use it even from a trusted IP.", p.method.label());
    section(&mut out, "Trusted IPs", p.trusted_ips.iter().cloned().collect());
    section(&mut out, "Mandatory users", loaded.users.iter().map(PersonRef::label).collect());
    section(&mut out, "Mandatory groups", loaded.groups.iter().map(group_label).collect());
    out
}

fn offer_text(o: &MethodOffer, what: &str) -> String {
    match (o.listed, o.available) {
        (false, _) => "not offered by this portal".into(),
        (true, false) if what == "SMS" => "offered, but no SMS provider is configured".into(),
        (true, false) => "offered, but not available".into(),
        (true, true) => "available".into(),
    }
}

fn group_label(g: &GroupRef) -> String {
    if g.is_system {
        format!("{} (system group)", g.name)
    } else {
        g.name.clone()
    }
}

fn section(out: &mut String, title: &str, lines: Vec<String>) {
    let _ = writeln!(out, "\n{title} ({}):", lines.len());
    if lines.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for l in lines {
        let _ = writeln!(out, "  {l}");
    }
}

/// The review `apply` prints before asking: changes, side effects, problems.
pub fn review_text(portal: &PortalUrl, review: &Review, users: &[PersonRef], groups: &[GroupRef]) -> String {
    let user = |id: &uuid::Uuid| users.iter().find(|p| &p.id == id).map(PersonRef::label).unwrap_or_else(|| format!("unknown user {id}"));
    let group = |id: &uuid::Uuid| groups.iter().find(|g| &g.id == id).map(group_label).unwrap_or_else(|| format!("unknown group {id}"));
    let d = &review.diff;
    let mut out = String::new();
    let _ = writeln!(out, "Changes to {portal}:");
    if d.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    if let Some((from, to)) = d.method {
        let _ = writeln!(out, "  method: {} -> {}", from.label(), to.label());
    }
    for ip in &d.trusted_ips.added {
        let _ = writeln!(out, "  + trusted IP {ip}");
    }
    for ip in &d.trusted_ips.removed {
        let _ = writeln!(out, "  - trusted IP {ip}");
    }
    for id in &d.mandatory_users.added {
        let _ = writeln!(out, "  + mandatory user {}", user(id));
    }
    for id in &d.mandatory_users.removed {
        let _ = writeln!(out, "  - mandatory user {}", user(id));
    }
    for id in &d.mandatory_groups.added {
        let _ = writeln!(out, "  + mandatory group {}", group(id));
    }
    for id in &d.mandatory_groups.removed {
        let _ = writeln!(out, "  - mandatory group {}", group(id));
    }
    if !review.side_effects.is_empty() && !d.is_empty() {
        let _ = writeln!(out, "Side effects:");
        for s in &review.side_effects {
            let _ = writeln!(out, "  ! {s}");
        }
    }
    for p in &review.problems {
        let tag = match p.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let _ = writeln!(out, "{tag} ({}): {}", p.field, p.message);
    }
    out
}

/// `users QUERY`: one line per person, id first so scripts can cut it.
pub fn people(people: &[PersonRef], total: u64, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(people).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    for p in people {
        let _ = writeln!(out, "{}  {}", p.id, p.label());
    }
    let _ = writeln!(out, "({} of {total} shown)", people.len());
    out
}

/// `groups QUERY`.
pub fn groups(groups: &[Group], total: u64, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(groups).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    for g in groups {
        let _ = writeln!(out, "{}  {}", g.id, g.name);
    }
    let _ = writeln!(out, "({} of {total} shown)", groups.len());
    out
}
