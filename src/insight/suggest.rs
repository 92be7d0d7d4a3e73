//! Trusted-IP suggestions: the IPv4 addresses people sign in from, grouped into /24 networks and
//! merged into shorter prefixes where both halves of a block are used (never wider than /16),
//! ranked by distinct people and sign-ins, each with how much of it the trusted list already
//! covers by the server's own matcher.

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;

use serde::Serialize;
use uuid::Uuid;

use super::tally::Tally;
use crate::policy::first_match;

/// The widest network ever suggested.
pub const WIDEST_PREFIX: u8 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trusted {
    None,
    Partly,
    All,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// `a.b.c.d/len`, accepted by the trusted-IP parser as it is.
    pub network: String,
    pub people: u64,
    pub sign_ins: u64,
    pub trusted: Trusted,
}

#[derive(Default)]
struct Block {
    people: HashSet<Uuid>,
    sign_ins: u64,
}

/// Networks seen from at least two people (all of them with `include_single`), best first.
pub fn suggest(tally: &Tally, trusted_ips: &[String], include_single: bool) -> Vec<Suggestion> {
    let mut blocks: BTreeMap<(u8, u32), Block> = BTreeMap::new();
    for (&(user, ip), &n) in &tally.pairs {
        let b = blocks.entry((24, u32::from(ip) & 0xFFFF_FF00)).or_default();
        b.people.insert(user);
        b.sign_ins += n;
    }
    for prefix in (WIDEST_PREFIX + 1..=24).rev() {
        let half = 1u32 << (32 - prefix);
        let lower: Vec<u32> = blocks
            .range((prefix, 0)..=(prefix, u32::MAX))
            .map(|(&(_, net), _)| net)
            .filter(|net| net & half == 0 && blocks.contains_key(&(prefix, net | half)))
            .collect();
        for net in lower {
            let (Some(a), Some(b)) = (
                blocks.remove(&(prefix, net)),
                blocks.remove(&(prefix, net | half)),
            ) else {
                continue;
            };
            let mut merged = a;
            merged.people.extend(b.people);
            merged.sign_ins += b.sign_ins;
            blocks.insert((prefix - 1, net), merged);
        }
    }
    let mut out: Vec<Suggestion> = blocks
        .into_iter()
        .filter(|(_, b)| include_single || b.people.len() > 1)
        .map(|((prefix, net), b)| Suggestion {
            network: format!("{}/{prefix}", Ipv4Addr::from(net)),
            people: b.people.len() as u64,
            sign_ins: b.sign_ins,
            trusted: coverage(net, prefix, trusted_ips),
        })
        .collect();
    out.sort_by(|a, b| {
        (b.people, b.sign_ins)
            .cmp(&(a.people, a.sign_ins))
            .then(a.network.cmp(&b.network))
    });
    out
}

/// How many of the network's addresses the server would let skip TFA; an entry that makes the
/// server fail counts as not trusting.
fn coverage(net: u32, prefix: u8, trusted_ips: &[String]) -> Trusted {
    if trusted_ips.is_empty() {
        return Trusted::None;
    }
    let size = 1u32 << (32 - prefix);
    let trusted = (0..size)
        .filter(|i| {
            let ip = Ipv4Addr::from(net | i).to_string();
            matches!(first_match(&ip, trusted_ips), Ok(Some(_)))
        })
        .count() as u32;
    match trusted {
        0 => Trusted::None,
        n if n == size => Trusted::All,
        _ => Trusted::Partly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_entry;

    fn tally(rows: &[(u128, &str, u64)]) -> Tally {
        let mut t = Tally::new(0);
        for &(user, ip, n) in rows {
            t.pairs
                .insert((Uuid::from_u128(user), ip.parse().unwrap()), n);
        }
        t
    }

    #[test]
    fn whole_blocks_merge_and_singles_stay_out() {
        let t = tally(&[
            (1, "10.20.0.5", 3),
            (2, "10.20.1.9", 2),
            (3, "10.20.2.9", 1),
            (4, "10.20.3.9", 1),
            (1, "198.51.100.7", 5),
            (2, "198.51.100.8", 1),
            (9, "100.70.1.1", 40),
        ]);
        let s = suggest(&t, &[], false);
        assert_eq!(
            s.iter()
                .map(|s| (s.network.as_str(), s.people, s.sign_ins))
                .collect::<Vec<_>>(),
            [("10.20.0.0/22", 4, 7), ("198.51.100.0/24", 2, 6)]
        );
        assert!(s
            .iter()
            .all(|s| parse_entry(&s.network).is_ok_and(|e| e.is_clean())));
        let all = suggest(&t, &[], true);
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn never_wider_than_16() {
        // Every /24 of 10.0.0.0/15 is used by two people: two /16s, not one /15.
        let ips: Vec<(u128, String)> = (0..512u128)
            .flat_map(|i| {
                let ip = |h| format!("10.{}.{}.{h}", i / 256, i % 256);
                [(i, ip(1)), (i + 1000, ip(2))]
            })
            .collect();
        let rows: Vec<(u128, &str, u64)> = ips.iter().map(|(u, ip)| (*u, ip.as_str(), 1)).collect();
        let s = suggest(&tally(&rows), &[], false);
        let nets: Vec<&str> = s.iter().map(|s| s.network.as_str()).collect();
        assert_eq!(nets, ["10.0.0.0/16", "10.1.0.0/16"]);
    }

    #[test]
    fn coverage_by_the_servers_matcher() {
        let t = tally(&[(1, "198.51.100.7", 1), (2, "198.51.100.8", 1)]);
        let with = |ips: &[&str]| {
            suggest(
                &t,
                &ips.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                false,
            )[0]
            .trusted
        };
        assert_eq!(with(&["198.51.0.0/16"]), Trusted::All);
        assert_eq!(with(&["198.51.100.7"]), Trusted::Partly);
        assert_eq!(with(&["198.51.100.0-198.51.100.127"]), Trusted::Partly);
        assert_eq!(with(&["203.0.113.0/24"]), Trusted::None);
    }
}
