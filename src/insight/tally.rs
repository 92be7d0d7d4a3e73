//! One streamed pass over the events of the period into small counts: sign-ins per person and
//! address, each person's last sign-in, failed attempts. Memory grows with people and addresses,
//! not with events.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use uuid::Uuid;

use super::event::{Event, Failure, SignInMethod};

/// Who a failed attempt belongs to: the account when the server names it, else what was typed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Attempt {
    User(Uuid),
    /// Lower-cased `login` of a failure under the Guest id.
    Login(String),
}

/// Failed attempts of one person (or one typed login).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Friction {
    pub passwords: u64,
    pub second_factor: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Events older than this (unix seconds) are not counted.
    pub window_start: i64,
    /// Sign-ins from a usable IPv4 address by a known account.
    pub sign_ins: u64,
    /// Sign-ins left out: no usable IPv4 address (IPv6 arrives mangled) or no account.
    pub unanalysable: u64,
    /// Sign-ins per (person, address).
    pub pairs: HashMap<(Uuid, Ipv4Addr), u64>,
    /// Each person's newest sign-in, from any address.
    pub last: HashMap<Uuid, (i64, SignInMethod)>,
    pub friction: HashMap<Attempt, Friction>,
}

impl Tally {
    pub fn new(window_start: i64) -> Self {
        Tally {
            window_start,
            ..Tally::default()
        }
    }

    /// Counts one event (events before the window are ignored).
    pub fn add(&mut self, e: &Event) {
        if e.at < self.window_start {
            return;
        }
        if let Some(kind) = e.failure() {
            let who = match (&e.user, &e.login) {
                (Some(id), _) => Attempt::User(*id),
                (None, Some(login)) => Attempt::Login(login.trim().to_lowercase()),
                (None, None) => return,
            };
            let f = self.friction.entry(who).or_default();
            match kind {
                Failure::Password => f.passwords += 1,
                Failure::SecondFactor => f.second_factor += 1,
            }
            return;
        }
        let Some(method) = e.method() else {
            return;
        };
        if let Some(user) = e.user {
            let last = self.last.entry(user).or_insert((e.at, method));
            if e.at > last.0 {
                *last = (e.at, method);
            }
        }
        match (e.user, e.ipv4()) {
            (Some(user), Some(ip)) => {
                self.sign_ins += 1;
                *self.pairs.entry((user, ip)).or_default() += 1;
            }
            _ => self.unanalysable += 1,
        }
    }

    /// Distinct people among the analysable sign-ins.
    pub fn people(&self) -> usize {
        let mut ids: Vec<Uuid> = self.pairs.keys().map(|(u, _)| *u).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }
}
