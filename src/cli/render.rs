//! Text and JSON the CLI prints. Pure functions of the data, so they are easy to test.

use serde_json::json;
use std::fmt::Write;
use uuid::Uuid;

use crate::docspace::{Group, PortalUrl};
use crate::history::Snapshot;
use crate::policy::{Level, Method, MethodOffer, Policy, PolicyDiff, Review};
use crate::profiles::Profiles;
use crate::service::{
    Connection, Drift, GroupRef, LoadedPolicy, NamedReview, PersonRef, ServiceError, WhatIf,
};

/// Names for every id a printout mentions, looked up once.
pub struct Names {
    users: Vec<PersonRef>,
    groups: Vec<GroupRef>,
}

impl Names {
    pub async fn load(conn: &Connection, policies: &[&Policy]) -> Result<Names, ServiceError> {
        let (users, groups) = conn.names_for(policies).await?;
        Ok(Names { users, groups })
    }

    /// The names a review came with.
    pub fn of(r: &NamedReview) -> Names {
        Names {
            users: r.users.clone(),
            groups: r.groups.clone(),
        }
    }

    fn user(&self, id: &Uuid) -> String {
        self.users
            .iter()
            .find(|p| &p.id == id)
            .map(PersonRef::label)
            .unwrap_or_else(|| format!("unknown user {id}"))
    }

    fn group(&self, id: &Uuid) -> String {
        self.groups
            .iter()
            .find(|g| &g.id == id)
            .map(group_label)
            .unwrap_or_else(|| format!("unknown group {id}"))
    }
}

/// `show --json`: the four policy keys, then context (what the portal offers, drift, and with
/// `names` the names of the mandatory users and groups).
pub fn policy_json(loaded: &LoadedPolicy, drift: Option<&PolicyDiff>, names: bool) -> String {
    let p = &loaded.live.policy;
    let mut value = json!({
        "method": p.method,
        "trustedIps": p.trusted_ips,
        "mandatoryUsers": p.mandatory_users,
        "mandatoryGroups": p.mandatory_groups,
        "portal": loaded.portal,
        "users": loaded.users,
        "groups": loaded.groups,
        "sms": loaded.live.sms,
        "app": loaded.live.app,
        "drift": drift,
    });
    if let (false, Some(map)) = (names, value.as_object_mut()) {
        map.remove("users");
        map.remove("groups");
    }
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
}

pub fn policy_text(loaded: &LoadedPolicy, drift: Option<&PolicyDiff>) -> String {
    let p = &loaded.live.policy;
    let mut out = String::new();
    let _ = writeln!(out, "Portal:            {}", loaded.portal);
    let _ = writeln!(out, "Two-factor auth:   {}", p.method.label());
    let _ = writeln!(
        out,
        "SMS:               {}",
        offer_text(&loaded.live.sms, "SMS")
    );
    let _ = writeln!(
        out,
        "Authenticator app: {}",
        offer_text(&loaded.live.app, "app")
    );
    if let Some(d) = drift {
        let _ = writeln!(out, "\nDrift: the policy changed outside this app since its last save ({}). See `docspace-tfa drift`.", crate::service::describe(d));
    }
    if p.method == Method::None {
        let _ = writeln!(out, "\nNobody is asked for a second factor. The portal keeps no trusted IPs or mandatory lists while TFA is off.");
        return out;
    }
    let _ = writeln!(out, "\nRule: everyone must use {} unless signing in from a trusted IP; mandatory users and groups must use it even from a trusted IP.", p.method.label());
    section(&mut out, "Trusted IPs", p.trusted_ips.to_vec());
    section(
        &mut out,
        "Mandatory users",
        loaded.users.iter().map(PersonRef::label).collect(),
    );
    section(
        &mut out,
        "Mandatory groups",
        loaded.groups.iter().map(group_label).collect(),
    );
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

/// The lines of a diff, names instead of ids.
fn diff_lines(out: &mut String, d: &PolicyDiff, names: &Names) {
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
        let _ = writeln!(out, "  + mandatory user {}", names.user(id));
    }
    for id in &d.mandatory_users.removed {
        let _ = writeln!(out, "  - mandatory user {}", names.user(id));
    }
    for id in &d.mandatory_groups.added {
        let _ = writeln!(out, "  + mandatory group {}", names.group(id));
    }
    for id in &d.mandatory_groups.removed {
        let _ = writeln!(out, "  - mandatory group {}", names.group(id));
    }
}

/// The review `apply` prints before asking: changes, side effects, problems.
pub fn review_text(portal: &PortalUrl, review: &Review, names: &Names) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Changes to {portal}:");
    diff_lines(&mut out, &review.diff, names);
    if !review.side_effects.is_empty() && !review.diff.is_empty() {
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

pub fn drift_text(portal: &str, d: &Drift, names: &Names) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Drift on {portal}: since this app's last save (#{}) someone changed the policy:",
        d.since
    );
    diff_lines(&mut out, &d.diff, names);
    out
}

pub fn history(portal: &PortalUrl, entries: &[Snapshot], json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(entries).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    if entries.is_empty() {
        let _ = writeln!(out, "This app has not saved a policy to {portal} yet.");
    }
    for s in entries {
        let note = s
            .note
            .as_deref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "#{:<3} {}  by {}{}",
            s.number,
            s.time.format("%Y-%m-%d %H:%M UTC"),
            s.by,
            note
        );
        let _ = writeln!(out, "      {}", crate::service::describe(&s.diff()));
    }
    out
}

pub fn what_if(w: &WhatIf, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(w).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    let who = w
        .person
        .as_ref()
        .map(PersonRef::label)
        .unwrap_or_else(|| "A member of the given groups".into());
    let _ = writeln!(out, "{who} signing in from {}:", w.ip);
    let _ = writeln!(out, "  live policy: {}", w.live.explanation);
    if let Some(d) = &w.draft {
        let _ = writeln!(out, "  draft:       {}", d.explanation);
    }
    out
}

pub fn profiles(p: &Profiles) -> String {
    let mut out = String::new();
    if p.profiles.is_empty() {
        let _ = writeln!(
            out,
            "No saved portals. `docspace-tfa --portal URL login` saves one."
        );
    }
    for prof in &p.profiles {
        let mark = if p.current.as_deref() == Some(prof.name.as_str()) {
            "*"
        } else {
            " "
        };
        let _ = writeln!(out, "{mark} {}  {}", prof.name, prof.portal);
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
