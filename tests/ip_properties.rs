//! Property tests for the trusted-IP code (src/policy/matcher.rs, src/policy/trusted_ip.rs).
//!
//! (a) The matcher agrees with an independent model of the server's `IPAddressRange.MatchIPs`,
//!     written here from docs/docspace-api.md §5.3 (and the .NET parsing rules it relies on)
//!     with whole-number arithmetic instead of the matcher's byte loop and shift masks.
//! (b) `parse_entry` never panics, and nothing it accepts makes the server throw.
//! (c) An entry accepted without warnings matches what a person expects it to match, and every
//!     suggested fix is itself accepted without warnings.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use docspace_tfa::policy::matcher::format_ip_like_server;
use docspace_tfa::policy::{parse_entry, server_matches, IpEntryKind};
use proptest::prelude::*;

/// The server, modelled from the doc. `Err(())` = it throws (HTTP 500 at sign-in).
mod model {
    use std::net::Ipv6Addr;

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Ip {
        V4(u32),
        V6(u128),
    }

    /// "a.b.c.d:port and [v6]:port are handled"; anything else is left alone.
    pub fn without_port(ip: &str) -> &str {
        if let Some(rest) = ip.strip_prefix('[') {
            return match rest.split_once(']') {
                Some((inside, _)) => inside,
                None => ip,
            };
        }
        match ip.split_once(':') {
            Some((host, port)) if !port.contains(':') => host,
            _ => ip,
        }
    }

    /// `IPAddress.Parse`: a `:` means IPv6, anything else IPv4 in the inet_aton style.
    pub fn parse(text: &str) -> Option<Ip> {
        if text.contains(':') {
            v6(text).map(Ip::V6)
        } else {
            v4(text).map(Ip::V4)
        }
    }

    fn v4(text: &str) -> Option<u32> {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() > 4 {
            return None;
        }
        let mut values = Vec::new();
        for part in &parts {
            let (digits, radix) =
                if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                    (hex, 16)
                } else if part.len() > 1 && part.starts_with('0') {
                    (&part[1..], 8)
                } else {
                    (*part, 10)
                };
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            let value = u64::from_str_radix(digits, radix)
                .ok()
                .filter(|v| *v <= u64::from(u32::MAX))?;
            values.push(value);
        }
        let (last, leading) = values.split_last()?;
        if leading.iter().any(|v| *v > 255) {
            return None;
        }
        let room = 32 - 8 * leading.len() as u32;
        if room < 32 && *last >= 1u64 << room {
            return None;
        }
        let high = leading.iter().fold(0u64, |acc, v| (acc << 8) | v) << room;
        Some((high | last) as u32)
    }

    fn v6(text: &str) -> Option<u128> {
        let inner = match text.strip_prefix('[') {
            Some(rest) => {
                let (inner, after) = rest.split_once(']')?;
                let port_ok = match after.strip_prefix(':') {
                    None => after.is_empty(),
                    Some(p) => match p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
                        Some(h) => h.chars().all(|c| c.is_ascii_hexdigit()),
                        None => p.chars().all(|c| c.is_ascii_digit()),
                    },
                };
                if !port_ok {
                    return None;
                }
                inner
            }
            None if text.contains(']') => return None,
            None => text,
        };
        let address = match inner.split_once('%') {
            Some((_, scope)) if scope.contains('/') => return None,
            Some((address, _)) => address,
            None => inner,
        };
        if !address.contains('.') {
            return address.parse::<Ipv6Addr>().ok().map(u128::from);
        }
        // A dotted IPv4 tail (canonical, except that the last part may start with one 0).
        let (head, tail) = address.rsplit_once(':')?;
        let parts: Vec<&str> = tail.split('.').collect();
        if parts.len() != 4 {
            return None;
        }
        let mut v4 = 0u32;
        for (i, p) in parts.iter().enumerate() {
            let leading_zero_ok = i == 3 && !p.starts_with("00");
            if p.is_empty()
                || !p.chars().all(|c| c.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0') && !leading_zero_ok)
            {
                return None;
            }
            let value: u32 = p.parse().ok().filter(|v| *v <= 255)?;
            v4 = (v4 << 8) | value;
        }
        format!("{head}:{:x}:{:x}", v4 >> 16, v4 & 0xffff)
            .parse::<Ipv6Addr>()
            .ok()
            .map(u128::from)
    }

    fn top32(ip: Ip) -> u32 {
        match ip {
            Ip::V4(a) => a,
            Ip::V6(a) => (a >> 96) as u32,
        }
    }

    /// The range test on numbers. With an IPv4 start the end is cut to its first 4 bytes; with
    /// an IPv6 start and an IPv4 end, only 4 bytes can be compared and the server reads past
    /// them unless those 4 bytes already decide.
    fn in_range(lo: Ip, hi: Ip, r: Ip) -> Result<bool, ()> {
        match (lo, hi, r) {
            (Ip::V4(lo), _, Ip::V4(r)) => Ok(lo <= r && r <= top32(hi)),
            (Ip::V6(lo), Ip::V6(hi), Ip::V6(r)) => Ok(lo <= r && r <= hi),
            (Ip::V6(lo), Ip::V4(hi), Ip::V6(r)) => {
                let (lo, r) = ((lo >> 96) as u32, (r >> 96) as u32);
                if r < lo || r > hi {
                    Ok(false)
                } else if r != lo && r != hi {
                    Ok(true)
                } else {
                    Err(())
                }
            }
            _ => Ok(false),
        }
    }

    /// `IPNetwork.Parse`: last `/`, plain digits, no host bits.
    fn network(entry: &str) -> Option<(Ip, u32)> {
        let (base, prefix) = entry.rsplit_once('/')?;
        let base = parse(base)?;
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let len: u32 = prefix.parse().ok()?;
        let host_bits = match base {
            Ip::V4(a) if len <= 32 => a.checked_shl(len).unwrap_or(0),
            Ip::V6(a) if len <= 128 => u32::from(a.checked_shl(len).unwrap_or(0) != 0),
            _ => return None,
        };
        (host_bits == 0).then_some((base, len))
    }

    pub fn matches(request: &str, entry: &str) -> Result<bool, ()> {
        let ip = without_port(request);
        match entry.find('-') {
            Some(i) if i > 0 => {
                let lo = parse(entry[..i].trim()).ok_or(())?;
                let hi = parse(entry[i + 1..].trim()).ok_or(())?;
                in_range(lo, hi, parse(ip).ok_or(())?)
            }
            _ if entry.find('/').is_some_and(|i| i > 0) => {
                let (base, len) = network(entry).ok_or(())?;
                let r = parse(ip).ok_or(())?;
                if std::mem::discriminant(&base) != std::mem::discriminant(&r) {
                    return Ok(false);
                }
                // "-1 << (32 - len)" with the shift count taken mod 32: len mod 32 bits, or 32.
                let bits = if len % 32 == 0 { 32 } else { len % 32 };
                Ok(top32(r) >> (32 - bits) == top32(base) >> (32 - bits))
            }
            _ => Ok(ip == entry),
        }
    }
}

// ---- generators ----

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    prop_oneof![
        any::<u32>().prop_map(Ipv4Addr::from),
        prop::sample::select(vec![
            0u32,
            1,
            0x0A00_0001,
            0x0A00_00FF,
            0x7F00_0001,
            0xC0A8_0100,
            0xFFFF_FFFF,
            0x8000_0000
        ])
        .prop_map(Ipv4Addr::from),
    ]
}

fn v6() -> impl Strategy<Value = Ipv6Addr> {
    prop_oneof![
        any::<u128>().prop_map(Ipv6Addr::from),
        // Documentation prefix, small host part: lots of shared leading bits.
        any::<u64>().prop_map(|x| Ipv6Addr::from((0x2001_0db8u128 << 96) | u128::from(x))),
        any::<u32>().prop_map(|x| Ipv4Addr::from(x).to_ipv6_mapped()),
        any::<u16>().prop_map(|x| Ipv6Addr::from(u128::from(x))),
    ]
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![v4().prop_map(IpAddr::V4), v6().prop_map(IpAddr::V6)]
}

/// An address near `a`: same family, a few low or high bits flipped.
fn near(a: IpAddr, flip: u128, high: bool) -> IpAddr {
    match a {
        IpAddr::V4(x) => {
            let f = flip as u32;
            IpAddr::V4(Ipv4Addr::from(
                u32::from(x) ^ if high { f.rotate_right(8) } else { f & 0xFFFF },
            ))
        }
        IpAddr::V6(x) => IpAddr::V6(Ipv6Addr::from(
            u128::from(x)
                ^ if high {
                    flip.rotate_right(40)
                } else {
                    flip & 0xFFFF_FFFF
                },
        )),
    }
}

fn text(a: IpAddr) -> String {
    format_ip_like_server(a)
}

/// The text the server holds for a request IP: what it prints, maybe with a port.
fn request_text(a: IpAddr, port: Option<u16>) -> String {
    match (a, port) {
        (_, None) => text(a),
        (IpAddr::V4(_), Some(p)) => format!("{}:{p}", text(a)),
        (IpAddr::V6(_), Some(p)) => format!("[{}]:{p}", text(a)),
    }
}

/// Ways an admin may write an address: as the server prints it, or in other valid notations.
fn spelled(a: IpAddr, style: u8) -> String {
    match (a, style % 6) {
        (_, 0 | 1) => text(a),
        (IpAddr::V4(x), 2) => x.octets().map(|o| format!("{o:03}")).join("."),
        (IpAddr::V4(x), 3) => format!("0x{:x}", u32::from(x)),
        (IpAddr::V4(x), 4) => {
            let o = x.octets();
            format!("{}.{}", o[0], u32::from(x) & 0xFF_FFFF)
        }
        (IpAddr::V6(_), 2) => text(a).to_uppercase(),
        (IpAddr::V6(x), 3) => x.segments().map(|g| format!("{g:04x}")).join(":"),
        (IpAddr::V6(_), 4) => format!("[{}]", text(a)),
        _ => format!(" {} ", text(a)),
    }
}

/// Entries built around `a`: singles, ranges, networks (valid and not), and junk.
fn entry_around(a: IpAddr) -> impl Strategy<Value = String> {
    let max = if a.is_ipv4() { 32u8 } else { 128 };
    prop_oneof![
        2 => any::<u8>().prop_map(move |s| spelled(a, s)),
        3 => (any::<u128>(), any::<bool>(), any::<u8>(), any::<u8>(), prop::sample::select(vec!["-", " - ", "- ", "--"]))
            .prop_map(move |(flip, high, s1, s2, dash)| format!("{}{dash}{}", spelled(a, s1), spelled(near(a, flip, high), s2))),
        1 => (ip(), any::<u8>()).prop_map(move |(b, s)| format!("{}-{}", spelled(a, s), spelled(b, 0))),
        4 => (0..=max, any::<bool>()).prop_map(move |(len, exact)| {
            let net = ipnet::IpNet::new(a, len).expect("len within the family's range");
            let base = if exact { net.trunc().addr() } else { a };
            format!("{}/{len}", text(base))
        }),
        1 => (0..=max + 3, any::<u8>(), prop::sample::select(vec!["", " ", "0"])).prop_map(move |(len, s, pad)| {
            let base = ipnet::IpNet::new(a, len.min(max)).map(|n| n.trunc().addr()).unwrap_or(a);
            format!("{}/{pad}{len}", spelled(base, s))
        }),
        2 => "[0-9a-fA-FxX.:/\\-\\[\\]% *]{0,24}",
    ]
}

/// A request IP and an entry likely to be near it, so that both outcomes are common.
fn request_and_entry() -> impl Strategy<Value = (String, String)> {
    (
        ip(),
        any::<u128>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(any::<u16>()),
        prop::bool::weighted(0.1),
    )
        .prop_flat_map(|(seed, flip, high, related, port, junk_request)| {
            let request_ip = if related {
                near(seed, flip, high)
            } else {
                seed
            };
            let request = if junk_request {
                "[0-9a-f.:\\[\\]]{0,12}".boxed()
            } else {
                Just(request_text(request_ip, port)).boxed()
            };
            (request, entry_around(seed))
        })
}

/// Arbitrary text, mostly made of the characters entries are made of (cheaper than a regex).
fn any_text(max: usize) -> impl Strategy<Value = String> {
    let char = prop_oneof![
        3 => prop::sample::select("0123456789abcdefABCDEFxX.:/-[]%* \t".chars().collect::<Vec<_>>()),
        1 => any::<char>(),
    ];
    prop::collection::vec(char, 0..=max).prop_map(String::from_iter)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// (a) The emulation and the model give the same answer, throws included.
    #[test]
    fn matcher_agrees_with_the_model((request, entry) in request_and_entry()) {
        let got = server_matches(&request, &entry).map_err(|_| ());
        prop_assert_eq!(got, model::matches(&request, &entry), "request {:?}, entry {:?}", request, entry);
    }

    /// (a) Also on arbitrary text on both sides.
    #[test]
    fn matcher_agrees_with_the_model_on_any_text(request in any_text(16), entry in any_text(24)) {
        let got = server_matches(&request, &entry).map_err(|_| ());
        prop_assert_eq!(got, model::matches(&request, &entry));
    }

    /// (b) Never a panic; nothing accepted makes the server throw for a real request IP.
    #[test]
    fn accepted_entries_never_make_the_server_throw(
        (seed, entry) in ip().prop_flat_map(|a| (Just(a), entry_around(a))),
        any_text in any_text(32),
        requests in prop::collection::vec((ip(), any::<u128>(), prop::option::of(any::<u16>())), 3),
    ) {
        let _ = parse_entry(&any_text);
        if let Ok(accepted) = parse_entry(&entry) {
            for (other, flip, port) in &requests {
                for address in [*other, near(seed, *flip, false), near(seed, *flip, true), seed] {
                    let request = request_text(address, *port);
                    prop_assert!(
                        server_matches(&request, &entry).is_ok(),
                        "{:?} accepted as {:?}, but the server throws for {}", entry, accepted.kind, request
                    );
                }
            }
        }
    }

    /// (c) No warnings: it matches exactly what it says. And a suggested fix has no warnings.
    #[test]
    fn clean_entries_match_what_they_say(
        (seed, entry) in ip().prop_flat_map(|a| (Just(a), entry_around(a))),
        requests in prop::collection::vec((ip(), any::<u128>(), any::<bool>(), prop::option::of(any::<u16>())), 4),
    ) {
        let Ok(accepted) = parse_entry(&entry) else { return Ok(()) };
        let fix = parse_entry(&accepted.canonical());
        prop_assert!(fix.as_ref().is_ok_and(|f| f.warnings.is_empty()), "{:?} → {:?}: {:?}", entry, accepted.canonical(), fix);
        if !accepted.warnings.is_empty() {
            return Ok(());
        }
        let mut addresses: Vec<IpAddr> = requests.iter().map(|(a, ..)| *a).collect();
        addresses.extend(requests.iter().flat_map(|(_, flip, high, _)| [near(seed, *flip, *high), seed]));
        match accepted.kind {
            IpEntryKind::Cidr(net) => {
                let len = net.prefix_len();
                prop_assert!((1..=32).contains(&len), "{}: only /1../32 are clean", entry);
                prop_assert!(net.addr().is_ipv4() || len <= 32);
            }
            IpEntryKind::Range { start, end } => addresses.extend([start, end]),
            IpEntryKind::Single(a) => addresses.push(a),
        }
        for (i, address) in addresses.iter().enumerate() {
            let port = requests.get(i % requests.len()).and_then(|r| r.3);
            let expected = match accepted.kind {
                IpEntryKind::Single(a) => *address == a,
                IpEntryKind::Range { start, end } => match (start, end, address) {
                    (IpAddr::V4(s), IpAddr::V4(e), IpAddr::V4(x)) => s <= *x && *x <= e,
                    (IpAddr::V6(s), IpAddr::V6(e), IpAddr::V6(x)) => s <= *x && *x <= e,
                    _ => false,
                },
                IpEntryKind::Cidr(net) => net.contains(address),
            };
            let request = request_text(*address, port);
            prop_assert_eq!(server_matches(&request, &entry), Ok(expected), "request {}, entry {:?}", request, entry);
        }
    }
}

#[test]
fn the_model_passes_the_doc_vectors() {
    for (ip, entry, want) in [
        ("10.1.2.3", "10.0.0.0/8", Ok(true)),
        ("11.0.0.1", "10.0.0.0/8", Ok(false)),
        ("192.168.1.77", "192.168.1.0/24", Ok(true)),
        ("8.8.8.8", "0.0.0.0/0", Ok(false)),
        ("2001:db8:1::5", "2001:db8::/48", Ok(true)),
        ("203.0.113.15", "203.0.113.10-203.0.113.20", Ok(true)),
        ("10.0.0.5", "10.0.0.5", Ok(true)),
        ("10.0.0.5", " 10.0.0.5", Ok(false)),
        ("10.0.0.5", "192.168.1.10/24", Err(())),
    ] {
        assert_eq!(model::matches(ip, entry), want, "{ip} vs {entry:?}");
        assert_eq!(
            server_matches(ip, entry).map_err(|_| ()),
            want,
            "{ip} vs {entry:?}"
        );
    }
}

#[test]
fn generators_reach_both_outcomes() {
    // Guards the property tests against generators that only ever produce misses or errors.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut hits, mut misses, mut throws, mut clean) = (0, 0, 0, 0);
    for _ in 0..2000 {
        let (request, entry) = request_and_entry()
            .new_tree(&mut runner)
            .expect("a value")
            .current();
        match server_matches(&request, &entry) {
            Ok(true) => hits += 1,
            Ok(false) => misses += 1,
            Err(_) => throws += 1,
        }
        clean += usize::from(parse_entry(&entry).is_ok_and(|e| e.warnings.is_empty()));
    }
    eprintln!("hits {hits}, misses {misses}, throws {throws}, clean {clean}");
    assert!(
        hits > 200 && misses > 200 && throws > 100 && clean > 300,
        "hits {hits}, misses {misses}, throws {throws}, clean {clean}"
    );
}
