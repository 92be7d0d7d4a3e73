//! An emulation of the server's trusted-IP test, `IPAddressRange.MatchIPs(requestIp, entry)`
//! (`common/ASC.Core.Common/Core/IPAddressRange.cs`, docs §5.3), quirks included, so the app can
//! say what the portal will really do with an entry rather than what the entry seems to mean.
//!
//! The server's steps, in order:
//! 1. strip a port from the request IP: `[v6]:port` keeps what is inside the brackets, and a text
//!    with exactly one `:` (`a.b.c.d:port`) keeps what is before it;
//! 2. a `-` at index > 0 makes the entry a range: both sides are trimmed and go through
//!    `IPAddress.Parse`, then an inclusive byte-wise comparison;
//! 3. else a `/` at index > 0 makes it a CIDR: `IPNetwork.Parse` on the raw entry (it rejects host
//!    bits, spaces, bad prefixes), then only the first 32 bits are compared with the mask
//!    `-1 << (32 - len)`, whose shift count C# masks to 5 bits;
//! 4. anything else is an exact, ordinal string comparison.
//!
//! Any exception is an HTTP 500 for the sign-in that reached the entry: [`MatchError`].
//!
//! `IPAddress.Parse` is far more lenient than Rust's parser (`10.1`, `010.0.0.1` as octal,
//! `0x0a.0.0.1`, `[::1]:80`, `fe80::1%eth0`), so [`parse_ip_like_server`] re-implements it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// Which side of a range entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RangeSide {
    Start,
    End,
}

impl fmt::Display for RangeSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RangeSide::Start => "start",
            RangeSide::End => "end",
        })
    }
}

/// The server would throw for this entry: the sign-in that reaches it gets an HTTP 500.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// `IPAddress.Parse` rejects one side of a range (`FormatException`).
    #[error("the {side} of the range \"{entry}\" (\"{value}\") is not an IP address the server can parse (FormatException)")]
    BadRangeAddress {
        entry: String,
        side: RangeSide,
        value: String,
    },
    /// `IPNetwork.Parse` rejects the entry: bad address, bad or too long prefix, host bits set,
    /// or spaces (`FormatException`).
    #[error("\"{entry}\" is not a network the server can parse: IPNetwork.Parse needs a network address with no host bits set, a prefix length in range and no spaces (FormatException)")]
    BadNetwork { entry: String },
    /// The request IP itself does not parse. Only range and CIDR entries parse it; the server
    /// always has a valid peer address, unless a `request-x-real-ip` override carries junk.
    #[error(
        "the request IP \"{request_ip}\" is not an address the server can parse (FormatException)"
    )]
    BadRequestIp { request_ip: String },
    /// A range whose start is IPv6 (16 bytes) and whose end is IPv4 (4 bytes): the byte loop
    /// reads past the end of the 4 bytes (`IndexOutOfRangeException`).
    #[error("the range \"{entry}\" starts with an IPv6 address and ends with an IPv4 address: the server's comparison reads past the end of the shorter address (IndexOutOfRangeException)")]
    RangeIndexOutOfRange { entry: String },
}

impl MatchError {
    /// The .NET exception the server would throw, for logs and for "what-if" output.
    pub fn exception_type(&self) -> &'static str {
        match self {
            MatchError::RangeIndexOutOfRange { .. } => "System.IndexOutOfRangeException",
            _ => "System.FormatException",
        }
    }
}

/// `MatchIPs(requestIp, entry)`: does this one entry let the request IP skip TFA?
pub fn server_matches(request_ip: &str, entry: &str) -> Result<bool, MatchError> {
    let ip = strip_port(request_ip);
    if let Some(dash) = entry.find('-').filter(|&i| i > 0) {
        let (start_text, end_text) = (entry[..dash].trim(), entry[dash + 1..].trim());
        let bad_side = |side, value: &str| MatchError::BadRangeAddress {
            entry: entry.to_string(),
            side,
            value: value.to_string(),
        };
        // Same order as the server: start, end, then the request IP.
        let start = parse_ip_like_server(start_text)
            .ok_or_else(|| bad_side(RangeSide::Start, start_text))?;
        let end =
            parse_ip_like_server(end_text).ok_or_else(|| bad_side(RangeSide::End, end_text))?;
        let request = parse_request(ip)?;
        return range_contains(&octets(start), &octets(end), &octets(request)).ok_or_else(|| {
            MatchError::RangeIndexOutOfRange {
                entry: entry.to_string(),
            }
        });
    }
    if entry.find('/').is_some_and(|i| i > 0) {
        let (base, len) =
            parse_network_like_server(entry).ok_or_else(|| MatchError::BadNetwork {
                entry: entry.to_string(),
            })?;
        let request = parse_request(ip)?;
        if base.is_ipv4() != request.is_ipv4() {
            return Ok(false);
        }
        let mask = server_cidr_mask(len);
        return Ok(first_32_bits(request) & mask == first_32_bits(base) & mask);
    }
    Ok(ip == entry)
}

/// The server's `trustedIps.Any(...)`: the index of the first entry that matches, in list order.
/// An entry that throws stops the search, as the exception ends the sign-in.
pub fn first_match(
    request_ip: &str,
    entries: &[String],
) -> Result<Option<usize>, (usize, MatchError)> {
    for (i, entry) in entries.iter().enumerate() {
        if server_matches(request_ip, entry).map_err(|e| (i, e))? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// How many leading bits the server really compares for a CIDR prefix length:
/// `32 - ((32 - len) & 31)`. IPv4 /1../32 and IPv6 /1../32 are honest; /0 compares all 32 bits
/// (so `0.0.0.0/0` is only 0.0.0.0), and IPv6 /33../128 compare `((len - 1) % 32) + 1` bits.
pub fn server_compared_bits(prefix_len: u8) -> u8 {
    let shift = (32 - i32::from(prefix_len)) & 31;
    // shift is in 0..=31, so the result is in 1..=32.
    (32 - shift) as u8
}

fn server_cidr_mask(prefix_len: u8) -> u32 {
    // C#'s `-1 << n` uses n & 31; Rust would panic on a shift of 32, hence the explicit mask.
    let shift = ((32 - i32::from(prefix_len)) & 31) as u32;
    u32::MAX << shift
}

fn first_32_bits(ip: IpAddr) -> u32 {
    match ip {
        IpAddr::V4(a) => u32::from(a),
        IpAddr::V6(a) => (u128::from(a) >> 96) as u32,
    }
}

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn parse_request(ip: &str) -> Result<IpAddr, MatchError> {
    parse_ip_like_server(ip).ok_or_else(|| MatchError::BadRequestIp {
        request_ip: ip.to_string(),
    })
}

/// The server's byte loop (`IPAddressRange.IsInRange`), kept as a loop on purpose: with a start
/// and an end of different lengths it does not compare numbers, it walks the start's bytes and
/// indexes the end's. `None` is the `IndexOutOfRangeException` that follows.
fn range_contains(lower: &[u8], upper: &[u8], address: &[u8]) -> Option<bool> {
    // The family test is on the start address only.
    if address.len() != lower.len() {
        return Some(false);
    }
    let (mut on_lower, mut on_upper) = (true, true);
    let mut i = 0;
    while i < lower.len() && (on_lower || on_upper) {
        let (a, lo, hi) = (address[i], lower[i], *upper.get(i)?);
        if (on_lower && a < lo) || (on_upper && a > hi) {
            return Some(false);
        }
        on_lower &= a == lo;
        on_upper &= a == hi;
        i += 1;
    }
    Some(true)
}

/// `GetIpWithoutPort` of the server.
pub fn strip_port(ip: &str) -> &str {
    if ip.starts_with('[') {
        // `IndexOf(']') > 0`: any `]` qualifies, as index 0 is the `[`.
        if let Some(end) = ip.find(']') {
            return &ip[1..end];
        }
        return ip;
    }
    if ip.matches(':').count() == 1 {
        return ip.split(':').next().unwrap_or(ip);
    }
    ip
}

/// `IPNetwork.Parse(entry)` (.NET 8+): the last `/` splits address and prefix; the address goes
/// through `IPAddress.TryParse`, the prefix must be plain ASCII digits (`NumberStyles.None`, no
/// sign, no spaces) and at most 32/128, and no bit after the prefix may be set.
pub fn parse_network_like_server(entry: &str) -> Option<(IpAddr, u8)> {
    let slash = entry.rfind('/')?;
    let base = parse_ip_like_server(&entry[..slash])?;
    let digits = &entry[slash + 1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Checked arithmetic: an overflowing prefix fails int.TryParse, and so the parse.
    let len = digits.bytes().try_fold(0u32, |acc, b| {
        acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })?;
    let max = if base.is_ipv4() { 32 } else { 128 };
    if len > max {
        return None;
    }
    let len = len as u8;
    let host_bits_set = match base {
        IpAddr::V4(a) => u32::from(a).checked_shl(u32::from(len)).unwrap_or(0) != 0,
        IpAddr::V6(a) => u128::from(a).checked_shl(u32::from(len)).unwrap_or(0) != 0,
    };
    (!host_bits_set).then_some((base, len))
}

/// `System.Net.IPAddress.Parse` as .NET (8+) does it, or `None` where it throws.
///
/// - No `:` → IPv4 in the `inet_aton` style: 1 to 4 parts, each decimal, octal (leading `0`) or
///   hex (`0x`); the last part fills the remaining bytes (`10.1` is 10.0.0.1, `010.0.0.1` is
///   8.0.0.1). Nothing else is allowed, spaces included.
/// - A `:` → IPv6: optional `[...]` with an optional `:port` after it, an optional `%scope`,
///   upper or lower case, an embedded dotted IPv4 at the end.
pub fn parse_ip_like_server(text: &str) -> Option<IpAddr> {
    if text.contains(':') {
        parse_v6_like_server(text).map(IpAddr::V6)
    } else {
        parse_v4_like_server(text).map(IpAddr::V4)
    }
}

/// `IPv4AddressHelper.ParseNonCanonical`, with the caller's "the whole text must be used".
fn parse_v4_like_server(text: &str) -> Option<Ipv4Addr> {
    let bytes = text.as_bytes();
    let mut parts: Vec<u64> = Vec::with_capacity(4);
    let mut i = 0;
    loop {
        // One part: pick its base from its prefix, then read digits of that base.
        let (base, mut seen_digit) = if bytes.get(i) == Some(&b'0') {
            match bytes.get(i + 1) {
                Some(b'x' | b'X') => {
                    i += 2;
                    (16, false)
                }
                _ => {
                    // The leading 0 is itself a digit of the octal number.
                    i += 1;
                    (8, true)
                }
            }
        } else {
            (10, false)
        };
        let mut value: u64 = 0;
        while let Some(digit) = bytes.get(i).and_then(|&b| (b as char).to_digit(base)) {
            value = value * u64::from(base) + u64::from(digit);
            if value > u64::from(u32::MAX) {
                return None;
            }
            seen_digit = true;
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        parts.push(value);
        match bytes.get(i) {
            None => break,
            Some(b'.') if parts.len() < 4 && value <= 0xFF => i += 1,
            // A fifth part, a part over 255 before a dot, or any other character.
            _ => return None,
        }
    }
    let n = parts.len();
    // The last part fills the bytes the missing parts leave: 32, 24, 16 or 8 bits.
    let last_bits = 8 * (5 - n as u32);
    let last = parts[n - 1];
    if last_bits < 32 && last >= (1u64 << last_bits) {
        return None;
    }
    let mut value: u64 = 0;
    for (k, part) in parts[..n - 1].iter().enumerate() {
        value |= part << (24 - 8 * k as u32);
    }
    Some(Ipv4Addr::from((value | last) as u32))
}

/// `IPv6AddressHelper.IsValidStrict` + `Parse`: brackets, port and scope are validated and
/// dropped, the embedded IPv4 (if any) is read the server's way, and the rest of the grammar
/// (groups of 1-4 hex digits, one `::`, eight groups in all) is the standard one.
fn parse_v6_like_server(text: &str) -> Option<Ipv6Addr> {
    let bracketed = text.starts_with('[');
    let body = if bracketed { &text[1..] } else { text };
    let core_end = body.find(['%', ']']).unwrap_or(body.len());
    let core = &body[..core_end];
    let mut rest = &body[core_end..];
    if let Some(scope) = rest.strip_prefix('%') {
        // The scope runs to `]` or `/`; its content is not checked (an unknown name is scope 0).
        rest = &scope[scope.find([']', '/']).unwrap_or(scope.len())..];
    }
    if let Some(after) = rest.strip_prefix(']') {
        if !bracketed || !valid_port(after) {
            return None;
        }
    } else if bracketed || !rest.is_empty() {
        // A missing `]`, or a `/` after the scope.
        return None;
    }
    parse_v6_core(core)
}

/// What may follow `]`: nothing, or `:` and a decimal port, or `:0x` and a hex port (either may
/// be empty; the server checks only the characters).
fn valid_port(after: &str) -> bool {
    let Some(port) = after.strip_prefix(':') else {
        return after.is_empty();
    };
    match port.strip_prefix("0x").or_else(|| port.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => port.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn parse_v6_core(core: &str) -> Option<Ipv6Addr> {
    if !core.contains('.') {
        return core.parse().ok();
    }
    // The embedded IPv4 is what follows the last `:`; it becomes the last two groups.
    let colon = core.rfind(':')?;
    let v4 = u32::from(embedded_v4_like_server(&core[colon + 1..])?);
    format!("{}{:x}:{:x}", &core[..=colon], v4 >> 16, v4 & 0xFFFF)
        .parse()
        .ok()
}

/// `IPv4AddressHelper.IsValidCanonical` as used inside IPv6: four decimal parts of at most 255;
/// no part may start with `00`, and no part but the last may start with `0` and go on
/// (the last may: `::1.2.3.01` is accepted as `::1.2.3.1`).
fn embedded_v4_like_server(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (k, part) in parts.iter().enumerate() {
        let is_last = k == 3;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || part.starts_with("00") {
            return None;
        }
        if !is_last && part.len() > 1 && part.starts_with('0') {
            return None;
        }
        let value = part.bytes().try_fold(0u32, |acc, b| {
            let v = acc * 10 + u32::from(b - b'0');
            (v <= 255).then_some(v)
        })?;
        octets[k] = value as u8;
    }
    Some(Ipv4Addr::from(octets))
}

/// `IPAddress.ToString()` of .NET, which is the text of every request IP the server compares
/// against a single-address entry: dotted IPv4, or RFC 5952-style IPv6 in lower case with the
/// longest run of two or more zero groups as `::`, and a dotted tail for the IPv4-compatible,
/// IPv4-mapped, SIIT and ISATAP forms.
pub fn format_ip_like_server(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format_v6_like_server(a),
    }
}

fn format_v6_like_server(a: Ipv6Addr) -> String {
    let s = a.segments();
    if embeds_v4(&s) {
        let mut out = format_groups(&s[..6]);
        if !out.ends_with(':') {
            out.push(':');
        }
        let [_, _, _, _, _, _, hi, lo] = s;
        out.push_str(&Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)).to_string());
        out
    } else {
        format_groups(&s)
    }
}

/// `IPv6AddressHelper.ShouldHaveIpv4Embedded`.
fn embeds_v4(s: &[u16; 8]) -> bool {
    let compatible_or_mapped = s[..4].iter().all(|&g| g == 0)
        && s[6] != 0
        && ((s[4] == 0 && (s[5] == 0 || s[5] == 0xFFFF)) || (s[4] == 0xFFFF && s[5] == 0));
    let isatap = s[4] == 0 && s[5] == 0x5EFE;
    compatible_or_mapped || isatap
}

fn format_groups(groups: &[u16]) -> String {
    // The longest run of zero groups, at least two long; the first one wins a tie.
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            run = if run.1 == 0 {
                (i, 1)
            } else {
                (run.0, run.1 + 1)
            };
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run = (0, 0);
        }
    }
    let hex = |gs: &[u16]| {
        gs.iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best.1 < 2 {
        return hex(groups);
    }
    format!(
        "{}::{}",
        hex(&groups[..best.0]),
        hex(&groups[best.0 + best.1..])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §9 of docs/docspace-api.md, then more of the same kind. `None` = the server throws.
    const VECTORS: &[(&str, &str, Option<bool>)] = &[
        // The doc's vectors.
        ("10.1.2.3", "10.0.0.0/8", Some(true)),
        ("11.0.0.1", "10.0.0.0/8", Some(false)),
        ("192.168.1.77", "192.168.1.0/24", Some(true)),
        ("8.8.8.8", "0.0.0.0/0", Some(false)),
        ("2001:db8:1::5", "2001:db8::/48", Some(true)),
        ("203.0.113.15", "203.0.113.10-203.0.113.20", Some(true)),
        ("10.0.0.5", "10.0.0.5", Some(true)),
        ("10.0.0.5", " 10.0.0.5", Some(false)),
        ("10.0.0.5", "192.168.1.10/24", None),
        ("192.168.1.10", "192.168.1.10/24", None),
        ("2001:db8::1", "192.168.1.10/24", None),
        // Ports on the request IP.
        ("10.0.0.5:443", "10.0.0.5", Some(true)),
        ("10.0.0.5:443", "10.0.0.0/24", Some(true)),
        ("10.0.0.5:443", "10.0.0.1-10.0.0.9", Some(true)),
        ("[2001:db8::1]:443", "2001:db8::1", Some(true)),
        ("[2001:db8::1]:443", "2001:db8::/32", Some(true)),
        ("[2001:db8::1]", "2001:db8::1", Some(true)),
        ("2001:db8::1", "2001:db8::1", Some(true)),
        // Single entries are text: no normalisation at all.
        ("10.0.0.5", "10.0.0.5 ", Some(false)),
        ("10.0.0.1", "010.0.0.1", Some(false)),
        ("2001:db8::1", "2001:DB8::1", Some(false)),
        ("2001:db8::1", "2001:0db8::1", Some(false)),
        ("::ffff:1.2.3.4", "1.2.3.4", Some(false)),
        ("1.2.3.4", "::ffff:1.2.3.4", Some(false)),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4", Some(true)),
        ("10.0.0.5", "10.0.0.*", Some(false)),
        ("10.0.0.5", "hello", Some(false)),
        ("10.0.0.5", "", Some(false)),
        ("", "", Some(true)),
        ("10.0.0.5", "-10.0.0.5", Some(false)),
        ("10.0.0.5", "/24", Some(false)),
        // Ranges: inclusive, trimmed, byte-wise.
        ("203.0.113.10", "203.0.113.10-203.0.113.20", Some(true)),
        ("203.0.113.20", "203.0.113.10-203.0.113.20", Some(true)),
        ("203.0.113.9", "203.0.113.10-203.0.113.20", Some(false)),
        ("203.0.113.21", "203.0.113.10-203.0.113.20", Some(false)),
        ("203.0.113.15", " 203.0.113.10 - 203.0.113.20 ", Some(true)),
        ("10.0.1.0", "10.0.0.250-10.0.2.5", Some(true)),
        ("10.0.0.255", "10.0.0.250-10.0.2.5", Some(true)),
        ("10.0.2.6", "10.0.0.250-10.0.2.5", Some(false)),
        ("10.0.0.15", "10.0.0.20-10.0.0.10", Some(false)),
        ("10.0.0.20", "10.0.0.20-10.0.0.10", Some(false)),
        ("2001:db8::5", "2001:db8::1-2001:db8::ff", Some(true)),
        ("2001:db8::100", "2001:db8::1-2001:db8::ff", Some(false)),
        (
            "2001:db8:0:1::",
            "2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff",
            Some(true),
        ),
        (
            "2001:db8:1::",
            "2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff",
            Some(false),
        ),
        ("10.0.0.5", "2001:db8::1-2001:db8::ff", Some(false)),
        ("::ffff:10.0.0.5", "10.0.0.1-10.0.0.9", Some(false)),
        ("10.0.0.5", "::ffff:10.0.0.1-::ffff:10.0.0.9", Some(false)),
        (
            "::ffff:10.0.0.5",
            "::ffff:10.0.0.1-::ffff:10.0.0.9",
            Some(true),
        ),
        // Range sides go through IPAddress.Parse, which is lenient.
        ("8.0.0.5", "010.0.0.1-010.0.0.9", Some(true)),
        ("10.0.0.5", "010.0.0.1-010.0.0.9", Some(false)),
        ("10.0.0.5", "10.0.0.1-10.0.0.0x10", Some(true)),
        ("10.0.0.5", "10.0.0.1-10.0.0.08", None),
        ("10.0.0.5", "10.1-10.0.0.9", Some(true)),
        ("10.0.0.5", "[10.0.0.1]-10.0.0.9", None),
        ("::5", "[::1]-[::9]:80", Some(true)),
        ("10.0.0.5", "10.0.0.1-10.0.0.x", None),
        ("10.0.0.5", "10.0.0.1-", None),
        ("10.0.0.5", " -10.0.0.9", None),
        ("10.0.0.5", "10.0.0.1--10.0.0.9", None),
        ("10.0.0.5", "10.0.0.0/24-10.0.1.0/24", None),
        ("junk", "10.0.0.1-10.0.0.9", None),
        // Mixed families: IPv4 start walks 4 bytes of the IPv6 end...
        ("10.0.0.5", "10.0.0.1-ffff::", Some(true)),
        ("200.0.0.5", "10.0.0.1-ffff::", Some(true)),
        ("2001:db8::1", "10.0.0.1-ffff::", Some(false)),
        // ...an IPv6 start indexes past the IPv4 end unless the first 4 bytes decide.
        ("5::", "::-10.0.0.1", Some(true)),
        ("2001:db8::1", "::-10.0.0.1", Some(false)),
        ("::2", "::-10.0.0.1", None),
        ("10.0.0.5", "::-10.0.0.1", Some(false)),
        // CIDR, IPv4: honest for /1../32, /0 is /32.
        ("10.0.0.5", "10.0.0.5/32", Some(true)),
        ("10.0.0.6", "10.0.0.5/32", Some(false)),
        ("10.0.0.5", "10.0.0.4/31", Some(true)),
        ("10.0.0.6", "10.0.0.4/31", Some(false)),
        ("10.0.0.4", "10.0.0.4/31", Some(true)),
        ("127.255.255.255", "0.0.0.0/1", Some(true)),
        ("128.0.0.0", "0.0.0.0/1", Some(false)),
        ("255.255.255.255", "128.0.0.0/1", Some(true)),
        ("0.0.0.0", "0.0.0.0/0", Some(true)),
        ("0.0.0.1", "0.0.0.0/0", Some(false)),
        ("10.0.0.5", "10.0.0.0/024", Some(true)),
        ("10.0.0.5:8080", "10.0.0.0/8", Some(true)),
        ("2001:db8::1", "10.0.0.0/8", Some(false)),
        ("::ffff:10.0.0.1", "10.0.0.0/8", Some(false)),
        // CIDR, IPv6: only the first 32 bits.
        ("2001:db8:ffff::1", "2001:db8::/32", Some(true)),
        ("2001:db9::1", "2001:db8::/32", Some(false)),
        ("2001:db8:ffff::1", "2001:db8::/64", Some(true)),
        ("2001:db9::1", "2001:db8::/64", Some(false)),
        ("2001:db8::1", "2001:db8::1/128", Some(true)),
        ("2001:db8:1:2:3:4:5:6", "2001:db8::1/128", Some(true)),
        ("2001:db8:1:2:3:4:5:6", "2001:db8::/128", Some(true)),
        ("2001:dead::1", "2001:db8::/48", Some(true)),
        ("2002::1", "2001:db8::/48", Some(false)),
        ("8000::", "2001:db8::/33", Some(false)),
        ("3fff:ffff::", "2001:db8::/33", Some(true)),
        ("2001:db8::1", "2001:db8::/96", Some(true)),
        ("::1", "::/0", Some(true)),
        ("::ffff:8.8.8.8", "::/0", Some(true)),
        ("2001:db8::1", "::/0", Some(false)),
        ("10.0.0.5", "::/0", Some(false)),
        ("2001:db8::1", "2001:DB8::/32", Some(true)),
        ("2001:db8::1", "[2001:db8::]/32", Some(true)),
        ("2001:db8::1", "[2001:db8::]:80/32", Some(true)),
        // IPNetwork.Parse rejects: host bits, spaces, bad or long prefixes, bad addresses.
        ("10.0.0.5", "10.0.0.0/24 ", None),
        ("10.0.0.5", " 10.0.0.0/24", None),
        ("10.0.0.5", "10.0.0.0 /24", None),
        ("10.0.0.5", "10.0.0.0/ 24", None),
        ("10.0.0.5", "10.0.0.0/33", None),
        ("10.0.0.5", "10.0.0.0/-1", None),
        ("10.0.0.5", "10.0.0.0/+24", None),
        ("10.0.0.5", "10.0.0.0/", None),
        ("10.0.0.5", "10.0.0.0/x", None),
        ("10.0.0.5", "10.0.0.0/99999999999", None),
        ("10.0.0.5", "10.0.0.0/24/24", None),
        ("10.0.0.5", "10.0.0/24", Some(true)),
        ("10.0.0.5", "10.0.0.256/24", None),
        ("10.0.0.5", "2001:db8::1/64", None),
        ("10.0.0.5", "2001:db8::/129", None),
        ("junk", "10.0.0.0/8", None),
        ("10.0.0.5", "/8", Some(false)),
    ];

    #[test]
    fn doc_and_extra_vectors() {
        for &(ip, entry, want) in VECTORS {
            let got = server_matches(ip, entry);
            match want {
                Some(m) => assert_eq!(got, Ok(m), "{ip} vs {entry:?}"),
                None => assert!(
                    got.is_err(),
                    "{ip} vs {entry:?}: expected a server error, got {got:?}"
                ),
            }
        }
    }

    #[test]
    fn exception_types() {
        assert_eq!(
            server_matches("::2", "::-10.0.0.1")
                .unwrap_err()
                .exception_type(),
            "System.IndexOutOfRangeException"
        );
        let e = server_matches("1.2.3.4", "192.168.1.10/24").unwrap_err();
        assert_eq!(
            e,
            MatchError::BadNetwork {
                entry: "192.168.1.10/24".into()
            }
        );
        assert_eq!(e.exception_type(), "System.FormatException");
        assert_eq!(
            server_matches("1.2.3.4", "10.0.0.1-nope").unwrap_err(),
            MatchError::BadRangeAddress {
                entry: "10.0.0.1-nope".into(),
                side: RangeSide::End,
                value: "nope".into()
            }
        );
        assert_eq!(
            server_matches("nope", "10.0.0.0/8").unwrap_err(),
            MatchError::BadRequestIp {
                request_ip: "nope".into()
            }
        );
    }

    #[test]
    fn first_match_is_in_list_order_and_stops_at_a_throw() {
        let list: Vec<String> = ["10.0.0.9", "10.0.0.0/24", "10.0.0.5", "bad/24"]
            .map(String::from)
            .to_vec();
        assert_eq!(first_match("10.0.0.5", &list), Ok(Some(1)));
        assert_eq!(first_match("10.0.0.9", &list), Ok(Some(0)));
        assert!(matches!(
            first_match("8.8.8.8", &list),
            Err((3, MatchError::BadNetwork { .. }))
        ));
        let throwing_first: Vec<String> = ["1.2.3.4/8", "10.0.0.5"].map(String::from).to_vec();
        assert!(matches!(
            first_match("10.0.0.5", &throwing_first),
            Err((0, _))
        ));
        assert_eq!(first_match("10.0.0.5", &[]), Ok(None));
        assert_eq!(first_match("8.8.8.8", &list[..3]), Ok(None));
    }

    #[test]
    fn port_stripping() {
        for (input, want) in [
            ("1.2.3.4:80", "1.2.3.4"),
            ("1.2.3.4", "1.2.3.4"),
            ("[::1]:80", "::1"),
            ("[::1]", "::1"),
            ("[::1", "[::1"),
            ("::1", "::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("a:b", "a"),
            (":80", ""),
            ("", ""),
        ] {
            assert_eq!(strip_port(input), want, "{input}");
        }
    }

    #[test]
    fn ipv4_parse_like_dotnet() {
        let ok: &[(&str, [u8; 4])] = &[
            ("1.2.3.4", [1, 2, 3, 4]),
            ("0.0.0.0", [0, 0, 0, 0]),
            ("255.255.255.255", [255; 4]),
            ("65536", [0, 1, 0, 0]),
            ("65535", [0, 0, 255, 255]),
            ("20.2", [20, 0, 0, 2]),
            ("20.65535", [20, 0, 255, 255]),
            ("128.1.2", [128, 1, 0, 2]),
            ("4294967295", [255; 4]),
            ("010.0.0.1", [8, 0, 0, 1]),
            ("0x0a.0.0.1", [10, 0, 0, 1]),
            ("0X0A.0.0.0x1", [10, 0, 0, 1]),
            ("0.0.0.00", [0, 0, 0, 0]),
            ("0377.0.0.1", [255, 0, 0, 1]),
            ("0xffffffff", [255; 4]),
            ("1.0xffffff", [1, 255, 255, 255]),
        ];
        for (s, want) in ok {
            assert_eq!(
                parse_ip_like_server(s),
                Some(IpAddr::V4(Ipv4Addr::from(*want))),
                "{s}"
            );
        }
        for s in [
            "",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1.2.3.4.",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "256.0.0.1",
            "1.2.3.256",
            "1.2.65536",
            "1.16777216",
            "4294967296",
            "08.0.0.1",
            "0x.0.0.1",
            "0x",
            "1.2.3.0x",
            "1.2.3.4/24",
            "1.2.3.4\\",
            "1.2.3.4?",
            "1.2.3.4#",
            "a.b.c.d",
            "1,2,3,4",
            "+1.2.3.4",
            "-1",
            "１.2.3.4",
            "99999999999999999999",
        ] {
            assert_eq!(parse_ip_like_server(s), None, "{s:?}");
        }
    }

    #[test]
    fn ipv6_parse_like_dotnet() {
        let ok: &[(&str, &str)] = &[
            ("::", "::"),
            ("::1", "::1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("[2001:db8::1]:", "2001:db8::1"),
            ("[2001:db8::1]:0x1bb", "2001:db8::1"),
            ("fe80::1%eth0", "fe80::1"),
            ("fe80::1%3", "fe80::1"),
            ("fe80::1%", "fe80::1"),
            ("[fe80::1%eth0]:80", "fe80::1"),
            ("::ffff:1.2.3.4", "::ffff:102:304"),
            ("::1.2.3.4", "::102:304"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
            ("::1.2.3.01", "::102:301"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"),
        ];
        for (s, want) in ok {
            let want: Ipv6Addr = want.parse().unwrap();
            assert_eq!(parse_ip_like_server(s), Some(IpAddr::V6(want)), "{s}");
        }
        for s in [
            ":",
            ":1::",
            "1::2:",
            ":::",
            "1:::2",
            "::1::",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "12345::",
            "[::1",
            "::1]",
            "[::1]x",
            "[::1]:8o",
            "[::1]:0xg",
            "::1/64",
            "fe80::1%eth/0",
            "::01.2.3.4",
            "::1.2.3.001",
            "::1.2.3",
            "::1.2.3.4:5",
            "1.2.3.4::",
            "::256.1.1.1",
            "[]:80",
            "g::",
            " ::1",
            "::1 ",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1.2.3.4%:",
        ] {
            assert_eq!(parse_ip_like_server(s), None, "{s:?}");
        }
    }

    #[test]
    fn network_parse_like_dotnet() {
        assert_eq!(
            parse_network_like_server("10.0.0.0/8"),
            Some(("10.0.0.0".parse().unwrap(), 8))
        );
        assert_eq!(
            parse_network_like_server("0.0.0.0/0"),
            Some(("0.0.0.0".parse().unwrap(), 0))
        );
        assert_eq!(
            parse_network_like_server("::/0"),
            Some(("::".parse().unwrap(), 0))
        );
        assert_eq!(
            parse_network_like_server("10.0.0.1/32"),
            Some(("10.0.0.1".parse().unwrap(), 32))
        );
        assert_eq!(
            parse_network_like_server("2001:db8::1/128"),
            Some(("2001:db8::1".parse().unwrap(), 128))
        );
        assert_eq!(
            parse_network_like_server("010.0.0.0/8"),
            Some(("8.0.0.0".parse().unwrap(), 8))
        );
        for s in [
            "10.0.0.1/0",
            "::1/0",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0",
            "10.0.0.0/",
            "/8",
            "10.0.0.0/8 ",
        ] {
            assert_eq!(parse_network_like_server(s), None, "{s:?}");
        }
    }

    #[test]
    fn formats_like_dotnet() {
        for (addr, want) in [
            ("::", "::"),
            ("::1", "::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::ffff:0:1.2.3.4", "::ffff:0:1.2.3.4"),
            ("fe80::5efe:1.2.3.4", "fe80::5efe:1.2.3.4"),
            ("::ffff:0.0.0.1", "::ffff:0:1"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("10.0.0.1", "10.0.0.1"),
        ] {
            let ip: IpAddr = addr.parse().unwrap();
            assert_eq!(format_ip_like_server(ip), want, "{addr}");
        }
    }

    #[test]
    fn compared_bits() {
        for (len, bits) in [
            (0, 32),
            (1, 1),
            (8, 8),
            (31, 31),
            (32, 32),
            (33, 1),
            (48, 16),
            (63, 31),
            (64, 32),
            (65, 1),
            (96, 32),
            (97, 1),
            (127, 31),
            (128, 32),
        ] {
            assert_eq!(server_compared_bits(len), bits, "/{len}");
        }
    }
}
