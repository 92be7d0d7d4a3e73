//! Trusted-IP entries: `parse_entry`, `check_list` and the server-matcher emulation on arbitrary
//! text must never panic, and an entry that `parse_entry` accepts must never make the server
//! throw (`server_matches` → `Err`) for any real request address, with or without a port:
//! accepting such an entry would let the admin save a policy that breaks every sign-in.
//! The suggestion (`canonical`) for an accepted entry must itself be accepted.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use docspace_tfa::policy::matcher::format_ip_like_server;
use docspace_tfa::policy::{check_list, first_match, parse_entry, server_matches};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    entry: &'a str,
    /// Junk where the request IP goes: only "no panic" is asked of it.
    raw_request: &'a str,
    v4: [u8; 4],
    v6: [u8; 16],
    use_v6: bool,
    port: Option<u16>,
}

fuzz_target!(|input: Input| {
    let Input { entry, raw_request, v4, v6, use_v6, port } = input;
    let _ = server_matches(raw_request, entry);
    let list = [entry.to_string(), raw_request.to_string()];
    let _ = check_list(&list);
    let _ = first_match(raw_request, &list);

    let Ok(parsed) = parse_entry(entry) else { return };
    let ip = if use_v6 { IpAddr::V6(Ipv6Addr::from(v6)) } else { IpAddr::V4(Ipv4Addr::from(v4)) };
    let text = format_ip_like_server(ip);
    let request = match (port, ip) {
        (None, _) => text,
        (Some(p), IpAddr::V4(_)) => format!("{text}:{p}"),
        (Some(p), IpAddr::V6(_)) => format!("[{text}]:{p}"),
    };
    if let Err(e) = server_matches(&request, entry) {
        panic!("parse_entry accepted {entry:?} ({parsed:?}) but the server throws for request {request:?}: {e}");
    }
    let suggestion = parsed.canonical();
    if let Err(e) = parse_entry(&suggestion) {
        panic!("the suggestion {suggestion:?} for the accepted entry {entry:?} is refused: {e}");
    }
    let _ = parsed.is_clean();
});
