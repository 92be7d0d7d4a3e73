//! What a draft policy would do to the real sign-ins of the period: who would be asked for a
//! second factor under the live policy and under the draft, with the server's rule
//! (`policy::rule`, the same code as what-if and the lockout check).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use super::people::Roster;
use super::tally::Tally;
use crate::policy::{evaluate, Policy};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Asked {
    pub asked_sign_ins: u64,
    pub asked_people: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewlyAsked {
    pub id: Uuid,
    pub name: String,
    /// Linked an authenticator app; `null` when the portal does not say. `false` means they
    /// must enrol at their next sign-in.
    pub has_app: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoLongerAsked {
    pub id: Uuid,
    pub name: String,
}

/// One of the admin's own recent addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MyAddress {
    pub ip: String,
    pub sign_ins: u64,
    /// Asked for a second factor from there under the live policy / the draft.
    pub live: bool,
    pub draft: bool,
}

/// The `impact --json` contract (plus `me`, the admin's own addresses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    pub days: u32,
    pub sign_ins: u64,
    pub people: u64,
    pub unanalysable: u64,
    pub partial: bool,
    pub live: Asked,
    pub draft: Asked,
    pub newly_asked: Vec<NewlyAsked>,
    pub no_longer_asked: Vec<NoLongerAsked>,
    pub me: Vec<MyAddress>,
}

/// Applies the rule to every (person, address) of the tally under both policies.
pub fn impact(
    tally: &Tally,
    roster: &Roster,
    live: &Policy,
    draft: &Policy,
    me: Uuid,
    days: u32,
    partial: bool,
) -> Impact {
    let mut subjects = HashMap::new();
    let (mut live_asked, mut draft_asked) = (Asked::default(), Asked::default());
    let (mut live_people, mut draft_people) = (HashSet::new(), HashSet::new());
    let mut mine = Vec::new();
    for (&(user, ip), &n) in &tally.pairs {
        let subject = subjects.entry(user).or_insert_with(|| roster.subject(user));
        let ip_text = ip.to_string();
        let l = evaluate(live, subject, &ip_text).required;
        let d = evaluate(draft, subject, &ip_text).required;
        if l {
            live_asked.asked_sign_ins += n;
            live_people.insert(user);
        }
        if d {
            draft_asked.asked_sign_ins += n;
            draft_people.insert(user);
        }
        if user == me {
            mine.push(MyAddress {
                ip: ip_text,
                sign_ins: n,
                live: l,
                draft: d,
            });
        }
    }
    live_asked.asked_people = live_people.len() as u64;
    draft_asked.asked_people = draft_people.len() as u64;
    let mut newly_asked: Vec<NewlyAsked> = draft_people
        .difference(&live_people)
        .map(|&id| NewlyAsked {
            id,
            name: roster.name(id),
            has_app: roster.get(id).and_then(|p| p.has_app),
        })
        .collect();
    newly_asked.sort_by_key(|a| (a.name.to_lowercase(), a.id));
    let mut no_longer_asked: Vec<NoLongerAsked> = live_people
        .difference(&draft_people)
        .map(|&id| NoLongerAsked {
            id,
            name: roster.name(id),
        })
        .collect();
    no_longer_asked.sort_by_key(|a| (a.name.to_lowercase(), a.id));
    mine.sort_by(|a, b| b.sign_ins.cmp(&a.sign_ins).then(a.ip.cmp(&b.ip)));
    Impact {
        days,
        sign_ins: tally.sign_ins,
        people: tally.people() as u64,
        unanalysable: tally.unanalysable,
        partial,
        live: live_asked,
        draft: draft_asked,
        newly_asked,
        no_longer_asked,
        me: mine,
    }
}
