//! Trusted-IP entries as an admin types them: what each one means, what the server will really do
//! with it (docs §5.3, emulated in [`super::matcher`]) and what to type instead.
//!
//! The server stores entries without any check and only looks at them at sign-in, so the app is
//! the only place a mistake can be caught. The server classifies an entry like this, and so do we:
//! a `-` at index > 0 makes a range, else a `/` at index > 0 makes a CIDR, else it is a single
//! address compared as exact text.
//!
//! Errors ([`IpEntryError`]) are entries the server throws on at sign-in (HTTP 500 for everyone
//! checked against them) or that can never match anything. Warnings ([`IpWarning`]) are entries
//! the server accepts but reads differently from what they seem to say.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use super::matcher::{
    format_ip_like_server, parse_ip_like_server, server_compared_bits, RangeSide,
};

/// What the server fails with at sign-in, in the words used by every such error.
const SERVER_500: &str = "the server cannot parse it, and every sign-in checked against this entry fails with an error (HTTP 500)";

/// What an accepted entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpEntryKind {
    /// One address, as the admin meant it (`010.0.0.1` is 10.0.0.1 here; see the warnings).
    Single(IpAddr),
    /// An inclusive range; `start > end` is kept as typed (it matches nothing; see the warnings).
    Range { start: IpAddr, end: IpAddr },
    /// A network with no host bits set.
    Cidr(IpNet),
}

/// An entry the server accepts, with what the admin should know about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpEntry {
    /// Exactly as typed.
    pub text: String,
    pub kind: IpEntryKind,
    pub warnings: Vec<IpWarning>,
}

/// Accepted, but the server reads it differently from what it seems to say.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpWarning {
    #[error("\"{text}\" has spaces around it: the server compares a single address as exact text, so this entry never matches. Use {suggestion}.")]
    SurroundingWhitespace { text: String, suggestion: String },
    /// Leading zeros, upper case, zero-padded or uncompressed IPv6, brackets: not the text the
    /// server gives the request IP, and single addresses are compared as text.
    #[error("{text} is not written the way the server writes addresses ({suggestion}): the server compares a single address as exact text, so this entry never matches. Use {suggestion}.")]
    NotCanonicalText { text: String, suggestion: String },
    #[error("{text} is written as IPv4-mapped IPv6 (::ffff:a.b.c.d): it matches only sign-ins the server sees as IPv6, never a plain IPv4 address. Use {suggestion}.")]
    Ipv4Mapped { text: String, suggestion: String },
    #[error("{text} does not mean every address on the server: its mask arithmetic turns /0 into /32, so it matches only 0.0.0.0, that is nobody. To trust every IPv4 address use {suggestion}.")]
    Ipv4ZeroPrefix { text: String, suggestion: String },
    #[error("{text} does not mean every address on the server: it compares only the first 32 bits, so it matches only ::/32 (::1 and the IPv4-mapped and IPv4-compatible addresses). To trust every IPv6 address use {suggestion}.")]
    Ipv6ZeroPrefix { text: String, suggestion: String },
    /// The server compares only the first 32 bits of an address, so IPv6 /33../128 over-match.
    #[error("The server compares at most the first 32 bits of an IPv6 address, so {text} really matches all of {effective}, far more than a /{prefix}. To trust exactly {network} use the range {suggestion}.")]
    Ipv6PrefixOver32 {
        text: String,
        prefix: u8,
        effective: String,
        network: String,
        suggestion: String,
    },
    #[error("The range {text} starts after it ends, so it matches nothing. Use {suggestion}.")]
    ReversedRange { text: String, suggestion: String },
    /// The server trims both sides of a range, so it matches as meant; but the portal stores the
    /// text as typed, and every other reader of the list sees the spaces.
    #[error("\"{text}\" has spaces in it: the server ignores them in a range, but stores the entry as written. Use {suggestion}.")]
    RangeWhitespace { text: String, suggestion: String },
}

impl IpWarning {
    /// A stable machine code (for the UI, JSON output and tests); never changes with the wording.
    pub fn code(&self) -> &'static str {
        match self {
            IpWarning::SurroundingWhitespace { .. } => "single-whitespace",
            IpWarning::NotCanonicalText { .. } => "single-not-canonical",
            IpWarning::Ipv4Mapped { .. } => "ipv4-mapped",
            IpWarning::Ipv4ZeroPrefix { .. } => "ipv4-zero-prefix",
            IpWarning::Ipv6ZeroPrefix { .. } => "ipv6-zero-prefix",
            IpWarning::Ipv6PrefixOver32 { .. } => "ipv6-prefix-over-32",
            IpWarning::ReversedRange { .. } => "range-reversed",
            IpWarning::RangeWhitespace { .. } => "range-whitespace",
        }
    }

    /// The entry the app proposes instead: it does on the server what this entry seems to mean.
    pub fn suggestion(&self) -> &str {
        match self {
            IpWarning::SurroundingWhitespace { suggestion, .. }
            | IpWarning::NotCanonicalText { suggestion, .. }
            | IpWarning::Ipv4Mapped { suggestion, .. }
            | IpWarning::Ipv4ZeroPrefix { suggestion, .. }
            | IpWarning::Ipv6ZeroPrefix { suggestion, .. }
            | IpWarning::Ipv6PrefixOver32 { suggestion, .. }
            | IpWarning::ReversedRange { suggestion, .. }
            | IpWarning::RangeWhitespace { suggestion, .. } => suggestion,
        }
    }
}

/// Refused: the server throws on it at sign-in, or it can never match anything.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpEntryError {
    #[error("The entry is empty. Type an address (10.0.0.5), a range (10.0.0.1-10.0.0.20) or a network (10.0.0.0/24), or remove the line.")]
    Empty,
    /// A single entry that is no address: the server compares it as text, so it never matches.
    #[error("\"{text}\" is not an IP address, so it can never match a sign-in. Type a full IPv4 or IPv6 address such as 10.0.0.5; host names and wildcards are not supported.{}", use_hint(.suggestion))]
    NotAnAddress {
        text: String,
        suggestion: Option<String>,
    },
    #[error("{}", range_bad_address(.text, *.side, .value, .suggestion))]
    RangeBadAddress {
        text: String,
        side: RangeSide,
        value: String,
        suggestion: Option<String>,
    },
    /// A range side or network address the server parses, but not as written
    /// (`010.0.0.1` is octal 8.0.0.1 to the server, `10.1` is 10.0.0.1, `[::1]` drops brackets).
    #[error("\"{value}\" in {text} is not standard notation: the server reads it as {server_reads}{}. Use {suggestion}.", not_as(.server_reads, .meant))]
    NonStandardAddress {
        text: String,
        value: String,
        server_reads: String,
        meant: String,
        suggestion: String,
    },
    /// Decided as an error, not a warning: the server does not simply skip such a range. With an
    /// IPv4 start it compares the first 4 bytes of the IPv6 end (so `10.0.0.1-ffff::` trusts
    /// 10.0.0.1 to 255.255.0.0), and with an IPv6 start it reads past the 4 bytes of the IPv4
    /// end (IndexOutOfRangeException, HTTP 500). Neither can be what the admin wants.
    #[error("The range {text} mixes an IPv4 and an IPv6 address: the server then compares only part of the addresses, so it trusts unexpected addresses or fails the sign-in with an error (HTTP 500). Use one range per address family.")]
    RangeMixedFamilies { text: String },
    /// Decided as an error: `IPNetwork.Parse` gets the untrimmed entry and rejects any space
    /// (before/after the address or the prefix), so this is a guaranteed HTTP 500, unlike a
    /// space around a single address (which just never matches).
    #[error("\"{text}\" contains spaces: {}. Use {suggestion}.", SERVER_500)]
    CidrWhitespace { text: String, suggestion: String },
    #[error("\"{value}\" in {text} is not an IP address: {}. Write a network address such as 10.0.0.0/24.{}", SERVER_500, use_hint(.suggestion))]
    CidrBadAddress {
        text: String,
        value: String,
        suggestion: Option<String>,
    },
    #[error("The prefix length \"{prefix}\" in {text} is not a whole number: {}. Write the network like 10.0.0.0/24.", SERVER_500)]
    CidrBadPrefix { text: String, prefix: String },
    #[error("The prefix length /{prefix} in {text} is too long (at most /{max} for {}): {}.", family_name(*.max), SERVER_500)]
    CidrPrefixOutOfRange {
        text: String,
        prefix: String,
        max: u8,
    },
    #[error("{text} has host bits set: {}. Use {suggestion}.", SERVER_500)]
    CidrHostBits { text: String, suggestion: String },
}

fn use_hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" Use {s}."))
        .unwrap_or_default()
}

fn not_as(server_reads: &str, meant: &str) -> String {
    if server_reads == meant {
        String::new()
    } else {
        format!(", not as {meant}")
    }
}

fn family_name(max: u8) -> &'static str {
    if max == 32 {
        "IPv4"
    } else {
        "IPv6"
    }
}

fn range_bad_address(
    text: &str,
    side: RangeSide,
    value: &str,
    suggestion: &Option<String>,
) -> String {
    let what = if value.is_empty() {
        format!("The {side} of the range {text} is missing")
    } else {
        format!("The {side} of the range {text}, \"{value}\", is not an IP address")
    };
    let fix = match suggestion {
        Some(s) => format!("Use {s}."),
        None => "Write both ends as full addresses, e.g. 10.0.0.1-10.0.0.20.".to_string(),
    };
    format!("{what}: {SERVER_500}. {fix}")
}

impl IpEntryError {
    /// A stable machine code (for the UI, JSON output and tests); never changes with the wording.
    pub fn code(&self) -> &'static str {
        match self {
            IpEntryError::Empty => "empty",
            IpEntryError::NotAnAddress { .. } => "not-an-address",
            IpEntryError::RangeBadAddress { .. } => "range-bad-address",
            IpEntryError::NonStandardAddress { .. } => "non-standard-address",
            IpEntryError::RangeMixedFamilies { .. } => "range-mixed-families",
            IpEntryError::CidrWhitespace { .. } => "cidr-whitespace",
            IpEntryError::CidrBadAddress { .. } => "cidr-bad-address",
            IpEntryError::CidrBadPrefix { .. } => "cidr-bad-prefix",
            IpEntryError::CidrPrefixOutOfRange { .. } => "cidr-prefix-out-of-range",
            IpEntryError::CidrHostBits { .. } => "cidr-host-bits",
        }
    }

    /// The entry the app proposes instead, when the intent is clear.
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            IpEntryError::NotAnAddress { suggestion, .. }
            | IpEntryError::RangeBadAddress { suggestion, .. }
            | IpEntryError::CidrBadAddress { suggestion, .. } => suggestion.as_deref(),
            IpEntryError::NonStandardAddress { suggestion, .. }
            | IpEntryError::CidrWhitespace { suggestion, .. }
            | IpEntryError::CidrHostBits { suggestion, .. } => Some(suggestion),
            IpEntryError::Empty
            | IpEntryError::RangeMixedFamilies { .. }
            | IpEntryError::CidrBadPrefix { .. }
            | IpEntryError::CidrPrefixOutOfRange { .. } => None,
        }
    }
}

impl IpEntry {
    /// The text the app suggests for this entry. With no warnings it means the same as the entry,
    /// in the server's own notation. With warnings it is the entry that does on the server what
    /// this one seems to mean: `010.0.0.1` → `10.0.0.1`, a reversed range put the right way
    /// round, `::ffff:10.0.0.0/104` → `10.0.0.0/8`, `0.0.0.0/0` → `0.0.0.0-255.255.255.255`,
    /// `2001:db8::/48` → the range `2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff`.
    pub fn canonical(&self) -> String {
        match self.kind {
            IpEntryKind::Single(a) => single_suggestion(a),
            IpEntryKind::Range { start, end } => range_suggestion(start, end),
            IpEntryKind::Cidr(net) => net_suggestion(unmap_net(net)),
        }
    }

    /// No warnings and already in canonical form: nothing for the admin to look at.
    pub fn is_clean(&self) -> bool {
        self.warnings.is_empty() && self.canonical() == self.text
    }
}

/// Parses and checks one entry the way the server will read it.
pub fn parse_entry(text: &str) -> Result<IpEntry, IpEntryError> {
    if text.trim().is_empty() {
        return Err(IpEntryError::Empty);
    }
    let (kind, warnings) = if let Some(dash) = text.find('-').filter(|&i| i > 0) {
        parse_range(text, dash)?
    } else if text.find('/').is_some_and(|i| i > 0) {
        parse_cidr(text)?
    } else {
        parse_single(text)?
    };
    Ok(IpEntry {
        text: text.to_string(),
        kind,
        warnings,
    })
}

/// One line of a checked list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryCheck {
    pub index: usize,
    pub text: String,
    pub result: Result<IpEntry, IpEntryError>,
    /// An earlier entry with the same text or the same meaning (`10.0.0.1` and `010.0.0.1`,
    /// `10.0.0.0/24` and `"10.0.0.0/24 "`). Harmless on the server, but clutter.
    pub duplicate_of: Option<usize>,
}

impl EntryCheck {
    pub fn is_error(&self) -> bool {
        self.result.is_err()
    }

    /// The warnings of an accepted entry (none for an error).
    pub fn warnings(&self) -> &[IpWarning] {
        self.result
            .as_ref()
            .map(|e| e.warnings.as_slice())
            .unwrap_or(&[])
    }
}

/// Checks a whole list, in order, and marks repeats.
pub fn check_list(entries: &[String]) -> Vec<EntryCheck> {
    let mut keys: Vec<Option<String>> = Vec::with_capacity(entries.len());
    let mut out = Vec::with_capacity(entries.len());
    for (index, text) in entries.iter().enumerate() {
        let result = parse_entry(text);
        // What the entry means; an empty entry means nothing, so it repeats nothing.
        let key = match &result {
            Ok(entry) => Some(entry.canonical()),
            Err(IpEntryError::Empty) => None,
            Err(e) => Some(
                e.suggestion()
                    .map(str::to_string)
                    .unwrap_or_else(|| text.trim().to_string()),
            ),
        };
        let duplicate_of = key
            .as_ref()
            .and_then(|k| (0..index).find(|&j| entries[j] == *text || keys[j].as_ref() == Some(k)));
        keys.push(key);
        out.push(EntryCheck {
            index,
            text: text.clone(),
            result,
            duplicate_of,
        });
    }
    out
}

// ---- reading addresses ----

/// Standard notation: what Rust's parser accepts (dotted-quad IPv4 without leading zeros, IPv6).
/// Every such text is parsed by the server to the same address.
fn standard(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

/// What a person most likely means by a non-standard text: decimal despite leading zeros
/// (`010.000.000.001`), or an IPv6 address in brackets.
fn meant_nonstandard(text: &str) -> Option<IpAddr> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, part) in octets.iter_mut().zip(&parts) {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// The address a person means, and what the server makes of the same text.
struct Reading {
    meant: IpAddr,
    server: Option<IpAddr>,
    is_standard: bool,
}

fn read(text: &str) -> Option<Reading> {
    let server = parse_ip_like_server(text);
    if let Some(a) = standard(text) {
        return Some(Reading {
            meant: a,
            server,
            is_standard: true,
        });
    }
    let meant = meant_nonstandard(text).or(server)?;
    Some(Reading {
        meant,
        server,
        is_standard: false,
    })
}

fn mapped_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V6(a) => a.to_ipv4_mapped(),
        IpAddr::V4(_) => None,
    }
}

fn as_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

// ---- suggestions: entries that make the server do what is meant ----

fn single_suggestion(a: IpAddr) -> String {
    match mapped_v4(a) {
        Some(v4) => v4.to_string(),
        None => format_ip_like_server(a),
    }
}

fn range_suggestion(start: IpAddr, end: IpAddr) -> String {
    let (start, end) = match (mapped_v4(start), mapped_v4(end)) {
        (Some(s), Some(e)) => (IpAddr::V4(s), IpAddr::V4(e)),
        _ => (start, end),
    };
    let (start, end) = if as_u128(start) > as_u128(end) {
        (end, start)
    } else {
        (start, end)
    };
    format!(
        "{}-{}",
        format_ip_like_server(start),
        format_ip_like_server(end)
    )
}

/// An IPv4-mapped network (`::ffff:a.b.c.d/96+`) as the IPv4 network it stands for.
fn unmap_net(net: IpNet) -> IpNet {
    match (mapped_v4(net.addr()), net.prefix_len()) {
        (Some(v4), len) if len >= 96 => IpNet::new(IpAddr::V4(v4), len - 96)
            .map(|n| n.trunc())
            .unwrap_or(net),
        _ => net,
    }
}

/// The entry that makes the server match exactly `net`: the CIDR itself where the server
/// handles it, a range where it does not (/0, IPv6 longer than /32).
fn net_suggestion(net: IpNet) -> String {
    match net {
        IpNet::V4(n) if n.prefix_len() == 0 => "0.0.0.0-255.255.255.255".to_string(),
        IpNet::V6(n) if n.prefix_len() == 128 => format_ip_like_server(IpAddr::V6(n.addr())),
        IpNet::V6(n) if n.prefix_len() == 0 || n.prefix_len() > 32 => format!(
            "{}-{}",
            format_ip_like_server(IpAddr::V6(n.network())),
            format_ip_like_server(IpAddr::V6(n.broadcast()))
        ),
        _ => net_text(net),
    }
}

/// `network/len` in the server's notation.
fn net_text(net: IpNet) -> String {
    format!("{}/{}", format_ip_like_server(net.addr()), net.prefix_len())
}

/// `10.0.0.*` → `10.0.0.0/24`, `10.*` → `10.0.0.0/8`.
fn wildcard_suggestion(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split('.').collect();
    let fixed = parts.iter().take_while(|p| **p != "*").count();
    if fixed == 0
        || fixed == parts.len()
        || parts.len() > 4
        || parts[fixed..].iter().any(|p| *p != "*")
    {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, part) in octets.iter_mut().zip(&parts[..fixed]) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    Some(format!("{}/{}", Ipv4Addr::from(octets), 8 * fixed))
}

// ---- the three kinds ----

type Parsed = (IpEntryKind, Vec<IpWarning>);

fn parse_single(text: &str) -> Result<Parsed, IpEntryError> {
    let trimmed = text.trim();
    let address = standard(trimmed)
        .or_else(|| meant_nonstandard(trimmed))
        .ok_or_else(|| IpEntryError::NotAnAddress {
            text: text.to_string(),
            suggestion: wildcard_suggestion(trimmed),
        })?;
    let suggestion = single_suggestion(address);
    let mut warnings = Vec::new();
    if trimmed != text {
        warnings.push(IpWarning::SurroundingWhitespace {
            text: text.to_string(),
            suggestion: suggestion.clone(),
        });
    }
    if mapped_v4(address).is_some() {
        warnings.push(IpWarning::Ipv4Mapped {
            text: trimmed.to_string(),
            suggestion,
        });
    } else if format_ip_like_server(address) != trimmed {
        warnings.push(IpWarning::NotCanonicalText {
            text: trimmed.to_string(),
            suggestion,
        });
    }
    Ok((IpEntryKind::Single(address), warnings))
}

fn parse_range(text: &str, dash: usize) -> Result<Parsed, IpEntryError> {
    // The server trims each side, so spaces around `-` and around the entry are harmless.
    let sides = [
        (RangeSide::Start, text[..dash].trim()),
        (RangeSide::End, text[dash + 1..].trim()),
    ];
    let readings = sides.map(|(_, value)| read(value));
    let suggestion = match &readings {
        [Some(s), Some(e)] => Some(range_suggestion(s.meant, e.meant)),
        _ => None,
    };
    // First what the server throws on (the start before the end, as the server parses them),
    // then what it reads differently.
    let [start, end] = readings;
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) if s.server.is_some() && e.server.is_some() => (s, e),
        (s, _) => {
            let (side, value) = if s.and_then(|r| r.server).is_none() {
                sides[0]
            } else {
                sides[1]
            };
            return Err(IpEntryError::RangeBadAddress {
                text: text.to_string(),
                side,
                value: value.to_string(),
                suggestion,
            });
        }
    };
    for ((_, value), reading) in sides.iter().zip([&start, &end]) {
        if let (false, Some(server)) = (reading.is_standard, reading.server) {
            return Err(IpEntryError::NonStandardAddress {
                text: text.to_string(),
                value: value.to_string(),
                server_reads: format_ip_like_server(server),
                meant: format_ip_like_server(reading.meant),
                suggestion: range_suggestion(start.meant, end.meant),
            });
        }
    }
    let (start, end) = (start.meant, end.meant);
    if start.is_ipv4() != end.is_ipv4() {
        return Err(IpEntryError::RangeMixedFamilies {
            text: text.to_string(),
        });
    }
    let mut warnings = Vec::new();
    let fixed = range_suggestion(start, end);
    if text.contains(char::is_whitespace) {
        warnings.push(IpWarning::RangeWhitespace {
            text: text.to_string(),
            suggestion: fixed.clone(),
        });
    }
    if mapped_v4(start).is_some() && mapped_v4(end).is_some() {
        warnings.push(IpWarning::Ipv4Mapped {
            text: text.trim().to_string(),
            suggestion: fixed.clone(),
        });
    }
    if as_u128(start) > as_u128(end) {
        warnings.push(IpWarning::ReversedRange {
            text: text.trim().to_string(),
            suggestion: fixed,
        });
    }
    Ok((IpEntryKind::Range { start, end }, warnings))
}

fn parse_cidr(text: &str) -> Result<Parsed, IpEntryError> {
    // The server splits at the last `/`, and parses the untrimmed parts.
    let slash = text.rfind('/').unwrap_or(text.len());
    let (base_raw, prefix_raw) = (&text[..slash], text.get(slash + 1..).unwrap_or(""));
    let (base_text, prefix_text) = (base_raw.trim(), prefix_raw.trim());
    let has_spaces = base_text.len() != base_raw.len() || prefix_text.len() != prefix_raw.len();

    let Some(base) = read(base_text) else {
        return Err(IpEntryError::CidrBadAddress {
            text: text.to_string(),
            value: base_text.to_string(),
            suggestion: None,
        });
    };
    if prefix_text.is_empty() || !prefix_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IpEntryError::CidrBadPrefix {
            text: text.to_string(),
            prefix: prefix_text.to_string(),
        });
    }
    let max: u8 = if base.meant.is_ipv4() { 32 } else { 128 };
    let len = match prefix_text.parse::<u32>() {
        Ok(n) if n <= u32::from(max) => n as u8,
        _ => {
            return Err(IpEntryError::CidrPrefixOutOfRange {
                text: text.to_string(),
                prefix: prefix_text.to_string(),
                max,
            })
        }
    };
    let net = IpNet::new(base.meant, len)
        .map_err(|_| IpEntryError::CidrPrefixOutOfRange {
            text: text.to_string(),
            prefix: prefix_text.to_string(),
            max,
        })?
        .trunc();
    let network = net_text(net);
    if !base.is_standard {
        return Err(match base.server {
            Some(server) => IpEntryError::NonStandardAddress {
                text: text.to_string(),
                value: base_text.to_string(),
                server_reads: format_ip_like_server(server),
                meant: format_ip_like_server(base.meant),
                suggestion: network,
            },
            None => IpEntryError::CidrBadAddress {
                text: text.to_string(),
                value: base_text.to_string(),
                suggestion: Some(network),
            },
        });
    }
    if net.addr() != base.meant {
        return Err(IpEntryError::CidrHostBits {
            text: text.trim().to_string(),
            suggestion: network,
        });
    }
    if has_spaces {
        return Err(IpEntryError::CidrWhitespace {
            text: text.to_string(),
            suggestion: network,
        });
    }
    Ok((IpEntryKind::Cidr(net), cidr_warnings(text, net)))
}

fn cidr_warnings(text: &str, net: IpNet) -> Vec<IpWarning> {
    let mut warnings = Vec::new();
    let IpNet::V6(v6) = net else {
        if net.prefix_len() == 0 {
            warnings.push(IpWarning::Ipv4ZeroPrefix {
                text: text.to_string(),
                suggestion: net_suggestion(net),
            });
        }
        return warnings;
    };
    let len = v6.prefix_len();
    if len == 0 {
        warnings.push(IpWarning::Ipv6ZeroPrefix {
            text: text.to_string(),
            suggestion: net_suggestion(net),
        });
        return warnings;
    }
    if len >= 96 && v6.addr().to_ipv4_mapped().is_some() {
        warnings.push(IpWarning::Ipv4Mapped {
            text: text.to_string(),
            suggestion: net_suggestion(unmap_net(net)),
        });
    }
    if len > 32 {
        let bits = server_compared_bits(len);
        let effective = IpNet::new(net.addr(), bits)
            .map(|n| net_text(n.trunc()))
            .unwrap_or_default();
        warnings.push(IpWarning::Ipv6PrefixOver32 {
            text: text.to_string(),
            prefix: len,
            effective,
            network: net_text(net),
            suggestion: net_suggestion(net),
        });
    }
    warnings
}

// ---- JSON: code, message and suggestion for the UI ----

fn serialize_finding<S: Serializer>(
    serializer: S,
    code: &str,
    message: String,
    suggestion: Option<&str>,
) -> Result<S::Ok, S::Error> {
    let mut s = serializer.serialize_struct("Finding", 3)?;
    s.serialize_field("code", code)?;
    s.serialize_field("message", &message)?;
    s.serialize_field("suggestion", &suggestion)?;
    s.end()
}

impl Serialize for IpWarning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_finding(
            serializer,
            self.code(),
            self.to_string(),
            Some(self.suggestion()),
        )
    }
}

impl Serialize for IpEntryError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_finding(serializer, self.code(), self.to_string(), self.suggestion())
    }
}

impl Serialize for IpEntryKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("IpEntryKind", 3)?;
        match self {
            IpEntryKind::Single(a) => {
                s.serialize_field("type", "single")?;
                s.serialize_field("address", a)?;
            }
            IpEntryKind::Range { start, end } => {
                s.serialize_field("type", "range")?;
                s.serialize_field("start", start)?;
                s.serialize_field("end", end)?;
            }
            IpEntryKind::Cidr(net) => {
                s.serialize_field("type", "cidr")?;
                s.serialize_field("network", &net_text(*net))?;
            }
        }
        s.end()
    }
}

impl Serialize for IpEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("IpEntry", 4)?;
        s.serialize_field("text", &self.text)?;
        s.serialize_field("kind", &self.kind)?;
        s.serialize_field("warnings", &self.warnings)?;
        s.serialize_field("canonical", &self.canonical())?;
        s.end()
    }
}

impl Serialize for EntryCheck {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("EntryCheck", 5)?;
        s.serialize_field("index", &self.index)?;
        s.serialize_field("text", &self.text)?;
        s.serialize_field("entry", &self.result.as_ref().ok())?;
        s.serialize_field("error", &self.result.as_ref().err())?;
        s.serialize_field("duplicateOf", &self.duplicate_of)?;
        s.end()
    }
}

impl fmt::Display for IpEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::matcher::server_matches;

    fn ok(text: &str) -> IpEntry {
        parse_entry(text).unwrap_or_else(|e| panic!("{text:?} refused: {e}"))
    }

    fn err(text: &str) -> IpEntryError {
        match parse_entry(text) {
            Ok(e) => panic!("{text:?} accepted: {e:?}"),
            Err(e) => e,
        }
    }

    fn codes(e: &IpEntry) -> Vec<&'static str> {
        e.warnings.iter().map(IpWarning::code).collect()
    }

    /// (entry, warning codes, canonical)
    const ACCEPTED: &[(&str, &[&str], &str)] = &[
        ("10.0.0.5", &[], "10.0.0.5"),
        ("0.0.0.0", &[], "0.0.0.0"),
        ("255.255.255.255", &[], "255.255.255.255"),
        ("2001:db8::1", &[], "2001:db8::1"),
        ("::1", &[], "::1"),
        ("::", &[], "::"),
        ("::1.2.3.4", &[], "::1.2.3.4"),
        (" 10.0.0.5", &["single-whitespace"], "10.0.0.5"),
        ("10.0.0.5\t", &["single-whitespace"], "10.0.0.5"),
        ("010.0.0.1", &["single-not-canonical"], "10.0.0.1"),
        ("10.000.0.01", &["single-not-canonical"], "10.0.0.1"),
        (
            " 010.0.0.1 ",
            &["single-whitespace", "single-not-canonical"],
            "10.0.0.1",
        ),
        ("2001:DB8::1", &["single-not-canonical"], "2001:db8::1"),
        (
            "2001:0db8:0000:0000:0000:0000:0000:0001",
            &["single-not-canonical"],
            "2001:db8::1",
        ),
        (
            "2001:db8:0:0:1:0:0:1",
            &["single-not-canonical"],
            "2001:db8::1:0:0:1",
        ),
        ("[2001:db8::1]", &["single-not-canonical"], "2001:db8::1"),
        ("::102:304", &["single-not-canonical"], "::1.2.3.4"),
        ("::ffff:1.2.3.4", &["ipv4-mapped"], "1.2.3.4"),
        ("::FFFF:1.2.3.4", &["ipv4-mapped"], "1.2.3.4"),
        (
            "203.0.113.10-203.0.113.20",
            &[],
            "203.0.113.10-203.0.113.20",
        ),
        (
            " 203.0.113.10 - 203.0.113.20 ",
            &["range-whitespace"],
            "203.0.113.10-203.0.113.20",
        ),
        (
            "10.9.9.9 - 10.9.9.20",
            &["range-whitespace"],
            "10.9.9.9-10.9.9.20",
        ),
        ("10.0.0.5-10.0.0.5", &[], "10.0.0.5-10.0.0.5"),
        (
            "10.0.0.20-10.0.0.10",
            &["range-reversed"],
            "10.0.0.10-10.0.0.20",
        ),
        ("2001:db8::1-2001:db8::ff", &[], "2001:db8::1-2001:db8::ff"),
        ("2001:DB8::1-2001:db8::FF", &[], "2001:db8::1-2001:db8::ff"),
        (
            "2001:db8::ff-2001:db8::1",
            &["range-reversed"],
            "2001:db8::1-2001:db8::ff",
        ),
        (
            "::ffff:10.0.0.1-::ffff:10.0.0.9",
            &["ipv4-mapped"],
            "10.0.0.1-10.0.0.9",
        ),
        (
            "::ffff:10.0.0.9-::ffff:10.0.0.1",
            &["ipv4-mapped", "range-reversed"],
            "10.0.0.1-10.0.0.9",
        ),
        ("10.0.0.0/8", &[], "10.0.0.0/8"),
        ("192.168.1.0/24", &[], "192.168.1.0/24"),
        ("10.0.0.5/32", &[], "10.0.0.5/32"),
        ("10.0.0.4/31", &[], "10.0.0.4/31"),
        ("128.0.0.0/1", &[], "128.0.0.0/1"),
        ("10.0.0.0/08", &[], "10.0.0.0/8"),
        ("2001:db8::/32", &[], "2001:db8::/32"),
        ("2001:DB8::/32", &[], "2001:db8::/32"),
        ("2000::/3", &[], "2000::/3"),
        (
            "0.0.0.0/0",
            &["ipv4-zero-prefix"],
            "0.0.0.0-255.255.255.255",
        ),
        (
            "::/0",
            &["ipv6-zero-prefix"],
            "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ),
        (
            "2001:db8::/33",
            &["ipv6-prefix-over-32"],
            "2001:db8::-2001:db8:7fff:ffff:ffff:ffff:ffff:ffff",
        ),
        (
            "2001:db8::/48",
            &["ipv6-prefix-over-32"],
            "2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff",
        ),
        (
            "2001:db8::/64",
            &["ipv6-prefix-over-32"],
            "2001:db8::-2001:db8::ffff:ffff:ffff:ffff",
        ),
        ("2001:db8::1/128", &["ipv6-prefix-over-32"], "2001:db8::1"),
        (
            "::ffff:10.0.0.0/104",
            &["ipv4-mapped", "ipv6-prefix-over-32"],
            "10.0.0.0/8",
        ),
        (
            "::ffff:0.0.0.0/96",
            &["ipv4-mapped", "ipv6-prefix-over-32"],
            "0.0.0.0-255.255.255.255",
        ),
    ];

    #[test]
    fn accepted_entries() {
        for &(text, want_codes, canonical) in ACCEPTED {
            let e = ok(text);
            assert_eq!(codes(&e), want_codes, "{text:?}");
            assert_eq!(e.canonical(), canonical, "{text:?}");
            assert_eq!(
                e.is_clean(),
                want_codes.is_empty() && text == canonical,
                "{text:?}"
            );
            // The suggestion is itself clean: one fix is enough.
            let fixed = ok(canonical);
            assert!(
                fixed.warnings.is_empty(),
                "{text:?} → {canonical:?}: {:?}",
                fixed.warnings
            );
            // The first warning proposes the canonical text; every proposal is accepted.
            if let Some(first) = e.warnings.first() {
                assert_eq!(first.suggestion(), canonical, "{text:?}: {first}");
            }
            for w in &e.warnings {
                assert!(parse_entry(w.suggestion()).is_ok(), "{text:?}: {w}");
            }
        }
    }

    /// (entry, error code, suggestion)
    const REFUSED: &[(&str, &str, Option<&str>)] = &[
        ("", "empty", None),
        ("   ", "empty", None),
        ("10.0.0.*", "not-an-address", Some("10.0.0.0/24")),
        ("192.168.*.*", "not-an-address", Some("192.168.0.0/16")),
        ("10.*", "not-an-address", Some("10.0.0.0/8")),
        ("*", "not-an-address", None),
        ("hello", "not-an-address", None),
        ("intranet.example.com", "not-an-address", None),
        ("256.1.1.1", "not-an-address", None),
        ("10.0.0", "not-an-address", None),
        ("10.0.0.1.5", "not-an-address", None),
        ("10.0.0.5:80", "not-an-address", None),
        ("fe80::1%eth0", "not-an-address", None),
        ("-10.0.0.5", "not-an-address", None),
        ("/24", "not-an-address", None),
        ("2001:db8::g", "not-an-address", None),
        ("10.0.0.1-10.0.0.x", "range-bad-address", None),
        ("10.0.0.1-", "range-bad-address", None),
        (" -10.0.0.1", "range-bad-address", None),
        ("10.0.0.1--10.0.0.9", "range-bad-address", None),
        ("10.0.0.0/24-10.0.1.0/24", "range-bad-address", None),
        (
            "10.0.0.1-10.0.0.08",
            "range-bad-address",
            Some("10.0.0.1-10.0.0.8"),
        ),
        ("10.0.0.0/-1", "range-bad-address", None),
        (
            "010.0.0.1-010.0.0.9",
            "non-standard-address",
            Some("10.0.0.1-10.0.0.9"),
        ),
        (
            "10.1-10.0.0.9",
            "non-standard-address",
            Some("10.0.0.1-10.0.0.9"),
        ),
        ("[::1]-::9", "non-standard-address", Some("::1-::9")),
        ("10.0.0.1-ffff::", "range-mixed-families", None),
        ("::-10.0.0.1", "range-mixed-families", None),
        ("10.0.0.1-::ffff:10.0.0.9", "range-mixed-families", None),
        ("192.168.1.10/24", "cidr-host-bits", Some("192.168.1.0/24")),
        ("10.0.0.1/8", "cidr-host-bits", Some("10.0.0.0/8")),
        ("10.0.0.1/0", "cidr-host-bits", Some("0.0.0.0/0")),
        ("2001:db8::1/64", "cidr-host-bits", Some("2001:db8::/64")),
        (" 192.168.1.10/24", "cidr-host-bits", Some("192.168.1.0/24")),
        ("10.0.0.0/24 ", "cidr-whitespace", Some("10.0.0.0/24")),
        (" 10.0.0.0/24", "cidr-whitespace", Some("10.0.0.0/24")),
        ("10.0.0.0 / 24", "cidr-whitespace", Some("10.0.0.0/24")),
        ("10.0.0.0/33", "cidr-prefix-out-of-range", None),
        ("2001:db8::/129", "cidr-prefix-out-of-range", None),
        ("10.0.0.0/99999999999", "cidr-prefix-out-of-range", None),
        ("10.0.0.0/", "cidr-bad-prefix", None),
        ("10.0.0.0/x", "cidr-bad-prefix", None),
        ("10.0.0.0/+8", "cidr-bad-prefix", None),
        ("10.0.0.0/8/8", "cidr-bad-address", None),
        ("10.0.0.x/24", "cidr-bad-address", None),
        ("10.0.0.08/8", "cidr-bad-address", Some("10.0.0.0/8")),
        ("010.0.0.0/8", "non-standard-address", Some("10.0.0.0/8")),
        ("10.0.0/24", "non-standard-address", Some("10.0.0.0/24")),
        (
            "[2001:db8::]/32",
            "non-standard-address",
            Some("2001:db8::/32"),
        ),
    ];

    #[test]
    fn refused_entries() {
        for &(text, code, suggestion) in REFUSED {
            let e = err(text);
            assert_eq!(e.code(), code, "{text:?}: {e}");
            assert_eq!(e.suggestion(), suggestion, "{text:?}: {e}");
            if let Some(s) = suggestion {
                assert!(
                    e.to_string().contains(s),
                    "{text:?}: the message should name the fix: {e}"
                );
            }
        }
    }

    #[test]
    fn every_refused_entry_the_server_parses_is_one_it_throws_on_or_reads_differently() {
        for &(text, code, _) in REFUSED {
            let throws = ["10.0.0.5", "::2"]
                .iter()
                .any(|ip| server_matches(ip, text).is_err());
            match code {
                "empty" | "not-an-address" => {
                    assert!(!throws, "{text:?}: the server compares it as text")
                }
                "non-standard-address" => {}
                _ => assert!(
                    throws || code == "range-mixed-families",
                    "{text:?} ({code}): the server should throw"
                ),
            }
        }
    }

    #[test]
    fn messages_read_well() {
        assert_eq!(
            err("192.168.1.10/24").to_string(),
            "192.168.1.10/24 has host bits set: the server cannot parse it, and every sign-in checked against this entry fails with an error (HTTP 500). Use 192.168.1.0/24."
        );
        assert_eq!(
            err("010.0.0.1-010.0.0.9").to_string(),
            "\"010.0.0.1\" in 010.0.0.1-010.0.0.9 is not standard notation: the server reads it as 8.0.0.1, not as 10.0.0.1. Use 10.0.0.1-10.0.0.9."
        );
        assert_eq!(
            err("10.0.0.1-").to_string(),
            "The end of the range 10.0.0.1- is missing: the server cannot parse it, and every sign-in checked against this entry fails with an error (HTTP 500). Write both ends as full addresses, e.g. 10.0.0.1-10.0.0.20."
        );
        assert!(err("10.0.0.*").to_string().ends_with("Use 10.0.0.0/24."));
        assert!(err("10.0.0.0/33")
            .to_string()
            .contains("at most /32 for IPv4"));
        let w = &ok("2001:db8::/48").warnings[0];
        assert_eq!(
            w.to_string(),
            "The server compares at most the first 32 bits of an IPv6 address, so 2001:db8::/48 really matches all of 2001::/16, far more than a /48. To trust exactly 2001:db8::/48 use the range 2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff."
        );
        let w = &ok("2001:db8:1234::/64").warnings[0];
        assert!(
            w.to_string()
                .contains("really matches all of 2001:db8::/32"),
            "{w}"
        );
        assert!(ok("0.0.0.0/0").warnings[0]
            .to_string()
            .contains("matches only 0.0.0.0"));
        assert!(ok(" 10.0.0.5").warnings[0]
            .to_string()
            .starts_with("\" 10.0.0.5\" has spaces around it"));
    }

    #[test]
    fn kinds() {
        assert_eq!(
            ok("10.0.0.5").kind,
            IpEntryKind::Single("10.0.0.5".parse().unwrap())
        );
        assert_eq!(
            ok("010.0.0.5").kind,
            IpEntryKind::Single("10.0.0.5".parse().unwrap())
        );
        assert_eq!(
            ok("10.0.0.9-10.0.0.1").kind,
            IpEntryKind::Range {
                start: "10.0.0.9".parse().unwrap(),
                end: "10.0.0.1".parse().unwrap()
            }
        );
        assert_eq!(
            ok("10.0.0.0/8").kind,
            IpEntryKind::Cidr("10.0.0.0/8".parse().unwrap())
        );
    }

    #[test]
    fn lists_and_duplicates() {
        let list: Vec<String> = [
            "10.0.0.1",
            "10.0.0.0/24",
            "10.0.0.1",
            "010.0.0.1",
            "10.0.0.0/24 ",
            "bad",
            "",
            "",
            "bad",
            "10.0.0.5-10.0.0.1",
            "10.0.0.1-10.0.0.5",
            "192.168.1.10/24",
            "192.168.1.0/24",
        ]
        .map(String::from)
        .to_vec();
        let checks = check_list(&list);
        let dups: Vec<Option<usize>> = checks.iter().map(|c| c.duplicate_of).collect();
        assert_eq!(
            dups,
            [
                None,
                None,
                Some(0),
                Some(0),
                Some(1),
                None,
                None,
                None,
                Some(5),
                None,
                Some(9),
                None,
                Some(11)
            ]
        );
        let errors: Vec<usize> = checks
            .iter()
            .filter(|c| c.is_error())
            .map(|c| c.index)
            .collect();
        assert_eq!(errors, [4, 5, 6, 7, 8, 11]);
        assert_eq!(checks[3].warnings().len(), 1);
        assert!(checks[5].warnings().is_empty());
        assert!(checks
            .iter()
            .enumerate()
            .all(|(i, c)| c.index == i && c.text == list[i]));
        assert!(check_list(&[]).is_empty());
    }

    #[test]
    fn json_shape() {
        let checks = check_list(&[
            "10.0.0.0/24".to_string(),
            "192.168.1.10/24".to_string(),
            "::/0".to_string(),
        ]);
        let v = serde_json::to_value(&checks).unwrap();
        assert_eq!(
            v[0]["entry"]["kind"],
            serde_json::json!({"type": "cidr", "network": "10.0.0.0/24"})
        );
        assert_eq!(v[0]["error"], serde_json::Value::Null);
        assert_eq!(v[1]["error"]["code"], "cidr-host-bits");
        assert_eq!(v[1]["error"]["suggestion"], "192.168.1.0/24");
        assert_eq!(v[2]["entry"]["warnings"][0]["code"], "ipv6-zero-prefix");
        assert_eq!(
            v[2]["entry"]["canonical"],
            "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
    }

    #[test]
    fn clean_entries_match_what_they_say() {
        // Spot checks; tests/ip_properties.rs does this on random entries.
        let cases: &[(&str, &str, bool)] = &[
            ("10.0.0.0/8", "10.255.0.1", true),
            ("10.0.0.0/8", "11.0.0.0", false),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::", false),
            ("10.0.0.1-10.0.0.9", "10.0.0.9", true),
            ("10.0.0.1-10.0.0.9", "10.0.0.10", false),
            ("2001:db8::1", "[2001:db8::1]:443", true),
        ];
        for &(entry, ip, want) in cases {
            assert!(ok(entry).is_clean(), "{entry}");
            assert_eq!(server_matches(ip, entry), Ok(want), "{ip} vs {entry}");
        }
        // And every suggestion does what the warning promises.
        assert_eq!(
            server_matches("8.8.8.8", &ok("0.0.0.0/0").canonical()),
            Ok(true)
        );
        assert_eq!(
            server_matches("2001:dead::1", &ok("2001:db8::/48").canonical()),
            Ok(false)
        );
        assert_eq!(
            server_matches("2001:db8:0:5::1", &ok("2001:db8::/48").canonical()),
            Ok(true)
        );
        assert_eq!(
            server_matches("10.0.0.1", &ok("010.0.0.1").canonical()),
            Ok(true)
        );
    }
}
