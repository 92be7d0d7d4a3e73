//! The portal's sign-in history (`docspace-signins-api.md`), pure: the seeded events, the
//! retention job, the server's paging trap (cut the page first, filter afterwards), the free-plan
//! fallback, and the authenticator reset rules (§6). The HTTP side is in `signin_routes`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::directory::{Directory, Role};

/// Failed sign-ins are written under the Guest account, not the person's (§3).
pub const GUEST_ID: Uuid = Uuid::from_u128(0x712d9ec3_5d2b_4b13_824f_71f00191dcca);
/// Days of history kept by default, and the most the server allows.
pub const MAX_RETENTION_DAYS: u32 = 180;
/// What `login/last` and the free-plan fallback return.
pub const NEWEST: usize = 20;
/// The portal's time zone: dates go out with this offset (§3).
const PORTAL_OFFSET_SECS: i32 = 3 * 3600;

/// Action codes (§4) the sandbox writes.
pub mod action {
    pub const LOGIN_SUCCESS: u16 = 1000;
    pub const LOGOUT: u16 = 1006;
    pub const VIA_API: u16 = 1010;
    pub const FAIL_VIA_API: u16 = 1013;
    pub const VIA_SSO: u16 = 1015;
    pub const VIA_TFA_APP: u16 = 1021;
    pub const VIA_API_TFA: u16 = 1024;
    pub const FAIL_VIA_API_TFA: u16 = 1025;
    pub const VIA_PASSWORD: u16 = 1029;
}

/// Office networks of the seeded company: `10.20.0-3.x` is a whole /22, so suggestions merge it.
const OFFICES: [[u8; 3]; 6] = [
    [198, 51, 100],
    [203, 0, 113],
    [10, 20, 0],
    [10, 20, 1],
    [10, 20, 2],
    [10, 20, 3],
];
/// A coworking space several people use from home.
const COWORKING: [u8; 3] = [192, 0, 2];

/// One stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigninEvent {
    pub id: u64,
    /// Unix seconds (whole seconds, as the server stores them).
    pub at: i64,
    /// The account, or `None` for the Guest id of a failed sign-in.
    pub user: Option<Uuid>,
    /// What was typed, on failures.
    pub login: Option<String>,
    pub action: u16,
    /// As the server writes it: IPv6 already mangled (§3).
    pub ip: String,
}

/// What one sign-in to append looks like (control API).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewSignin {
    pub user: Option<Uuid>,
    pub login: Option<String>,
    pub action: u16,
    pub ip: String,
}

/// The filters of `login/filter`, applied after the page was cut.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginFilter {
    pub user: Option<Uuid>,
    pub action: Option<u16>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Why a reset was refused (all 403 on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetRefusal {
    /// Only the owner may reset someone else.
    NotOwner,
    /// No linked app, id omitted or unknown, or the app method is off.
    NotAvailable,
}

impl ResetRefusal {
    pub fn message(self) -> &'static str {
        match self {
            ResetRefusal::NotOwner => "No permissions to perform this action",
            ResetRefusal::NotAvailable => "TFA application settings are not available",
        }
    }
}

/// What a reset did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResetOutcome {
    /// Someone else's app was wiped: `""`.
    Other,
    /// The caller's own: the enrolment link.
    OwnLink(String),
}

/// The sign-in log and the per-person authenticator state that requests change.
#[derive(Debug)]
pub struct SigninLog {
    /// Oldest first, by (date, id): ids grow with dates, so appends keep the order.
    events: Vec<SigninEvent>,
    next_id: u64,
    pub retention_days: u32,
    pub audit_retention_days: u32,
    /// The free plan: `login/filter` answers the 20 newest whatever was asked.
    pub free_plan: bool,
    /// Sign-ins appended before each `login/filter` answer, to test scans under arriving events.
    pub arrivals_per_request: u32,
    /// People whose authenticator was reset (their `tfaAppEnabled` is false now).
    unlinked: HashSet<Uuid>,
    /// Reorders rows that share a second, differently on every call (§2).
    ties: StdRng,
    seed: u64,
}

impl SigninLog {
    /// `days` of history for everyone in `directory`, ending now.
    pub fn seed(directory: &Directory, days: u32, seed: u64) -> SigninLog {
        let now = Utc::now().timestamp();
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5161_4e5f);
        let mut events = Vec::new();
        let habits: Vec<Habit> = directory
            .users()
            .iter()
            .enumerate()
            .map(|(i, u)| Habit::new(&mut rng, i, u.tfa_app_enabled, u.role))
            .collect();
        let first_day = now.div_euclid(86_400) - i64::from(days);
        for day in first_day..=now.div_euclid(86_400) {
            let weekend = matches!((day + 4).rem_euclid(7), 5 | 6);
            for (user, habit) in directory.users().iter().zip(&habits) {
                let chance = if weekend { 15 } else { 90 };
                let sessions = u32::from(rng.gen_range(0..100) < chance)
                    + u32::from(!weekend && rng.gen_range(0..100) < 25);
                for _ in 0..sessions {
                    let mut at = day * 86_400 + rng.gen_range(6 * 3600..19 * 3600);
                    if !weekend && rng.gen_range(0..100) < 8 {
                        // The 9 o'clock rush: sign-ins share seconds.
                        at = day * 86_400 + 9 * 3600 + rng.gen_range(0..40);
                    }
                    if at > now {
                        continue;
                    }
                    habit.session(&mut rng, user, at, !weekend, &mut events);
                }
            }
        }
        // A sign-out an hour after a late sign-in has not happened yet.
        events.retain(|e| e.at <= now);
        events.sort_by_key(|e| e.at);
        for (i, e) in events.iter_mut().enumerate() {
            e.id = i as u64 + 1;
        }
        SigninLog {
            next_id: events.len() as u64 + 1,
            events,
            retention_days: MAX_RETENTION_DAYS,
            audit_retention_days: MAX_RETENTION_DAYS,
            free_plan: false,
            arrivals_per_request: 0,
            unlinked: HashSet::new(),
            ties: StdRng::seed_from_u64(seed),
            seed,
        }
    }

    /// The retention job: events older than the lifetime are gone.
    pub fn prune(&mut self, now: i64) {
        let cut = now - i64::from(self.retention_days) * 86_400;
        let old = self.events.partition_point(|e| e.at < cut);
        self.events.drain(..old);
    }

    /// All events, oldest first.
    pub fn events(&self) -> &[SigninEvent] {
        &self.events
    }

    /// Appends sign-ins dated now; returns the new ids.
    pub fn append(&mut self, now: i64, new: Vec<NewSignin>) -> Vec<u64> {
        // Dates never go back, even if the clock does: the order (date, id) must hold.
        let at = self.events.last().map_or(now, |e| e.at.max(now));
        new.into_iter()
            .map(|n| {
                let id = self.next_id;
                self.next_id += 1;
                self.events.push(SigninEvent {
                    id,
                    at,
                    user: n.user,
                    login: n.login,
                    action: n.action,
                    ip: n.ip,
                });
                id
            })
            .collect()
    }

    /// `count` successful sign-ins by people of `directory`, from their usual addresses.
    pub fn arrivals(&mut self, directory: &Directory, now: i64, count: u32) -> Vec<u64> {
        let users = directory.users();
        let mut rng = StdRng::seed_from_u64(self.seed ^ self.next_id);
        let new = (0..count)
            .filter_map(|_| {
                let index = rng.gen_range(0..users.len().max(1));
                let user = users.get(index)?;
                let office = OFFICES[index % OFFICES.len()];
                Some(NewSignin {
                    user: Some(user.id),
                    login: None,
                    action: action::VIA_PASSWORD,
                    ip: format!(
                        "{}.{}.{}.{}",
                        office[0],
                        office[1],
                        office[2],
                        rng.gen_range(2..250)
                    ),
                })
            })
            .collect();
        self.append(now, new)
    }

    /// `login/filter`: cut the page of everyone's events (newest first), then filter it.
    pub fn page(&mut self, start: usize, count: usize, filter: &LoginFilter) -> Vec<SigninEvent> {
        if self.free_plan {
            return self.newest(NEWEST);
        }
        let len = self.events.len();
        let end = start.saturating_add(count).min(len);
        if start >= end {
            return Vec::new();
        }
        // Newest-first position p is index len-1-p. Widen the cut to whole same-second groups,
        // shuffle each group, then cut: rows sharing a second can change pages between calls.
        let at_pos = |p: usize| self.events[len - 1 - p].at;
        let mut lo = start;
        while lo > 0 && at_pos(lo - 1) == at_pos(start) {
            lo -= 1;
        }
        let mut hi = end;
        while hi < len && at_pos(hi) == at_pos(end - 1) {
            hi += 1;
        }
        let mut rows: Vec<SigninEvent> =
            (lo..hi).map(|p| self.events[len - 1 - p].clone()).collect();
        let mut i = 0;
        while i < rows.len() {
            let j = i + rows[i..].iter().take_while(|e| e.at == rows[i].at).count();
            rows[i..j].shuffle(&mut self.ties);
            i = j;
        }
        rows.drain(..start - lo);
        rows.truncate(end - start);
        rows.retain(|e| filter.matches(e));
        rows
    }

    /// `login/last` (and the free plan's answer): the newest events.
    pub fn newest(&self, n: usize) -> Vec<SigninEvent> {
        self.events.iter().rev().take(n).cloned().collect()
    }

    /// Whether this person has a linked authenticator app now.
    pub fn app_linked(&self, directory: &Directory, id: Uuid) -> bool {
        directory
            .user_by_id(id)
            .is_some_and(|u| u.tfa_app_enabled && !self.unlinked.contains(&id))
    }

    /// `PUT settings/tfaappnewapp` (§6), in the server's order.
    pub fn reset_app(
        &mut self,
        directory: &Directory,
        caller: Uuid,
        caller_is_owner: bool,
        app_method_on: bool,
        target: Option<Uuid>,
        base: &str,
    ) -> Result<ResetOutcome, ResetRefusal> {
        let target = target
            .filter(|t| !t.is_nil())
            .ok_or(ResetRefusal::NotAvailable)?;
        if target != caller && !caller_is_owner {
            return Err(ResetRefusal::NotOwner);
        }
        if !app_method_on || !self.app_linked(directory, target) {
            return Err(ResetRefusal::NotAvailable);
        }
        self.unlinked.insert(target);
        Ok(if target == caller {
            ResetOutcome::OwnLink(format!(
                "{base}/confirm/TfaActivation?type=TfaActivation&uid={target}"
            ))
        } else {
            ResetOutcome::Other
        })
    }
}

impl LoginFilter {
    fn matches(&self, e: &SigninEvent) -> bool {
        self.user.is_none_or(|u| e.user.unwrap_or(GUEST_ID) == u)
            && self.action.is_none_or(|a| e.action == a)
            && self.from.is_none_or(|f| e.at >= f)
            && self.to.is_none_or(|t| e.at <= t)
    }
}

/// An event's date as the server writes it: the portal's offset, seven fraction digits.
pub fn wire_date(at: i64) -> String {
    let local = DateTime::from_timestamp(at + i64::from(PORTAL_OFFSET_SECS), 0).unwrap_or_default();
    let (h, m) = (PORTAL_OFFSET_SECS / 3600, PORTAL_OFFSET_SECS % 3600 / 60);
    // Whole seconds: the seven fraction digits are always zero.
    format!(
        "{}.0000000+{h:02}:{m:02}",
        local.naive_utc().format("%Y-%m-%dT%H:%M:%S")
    )
}

/// How one seeded person signs in.
struct Habit {
    office: Option<String>,
    home: Option<String>,
    /// Signs in over IPv6 now and then (the server mangles those addresses).
    ipv6: bool,
    /// Uses scripts or the mobile app through the API.
    api: bool,
    app: bool,
}

impl Habit {
    fn new(rng: &mut StdRng, index: usize, app: bool, role: Role) -> Habit {
        let office = match (index, rng.gen_range(0..100)) {
            (0 | 1, _) => Some(OFFICES[0]),
            (_, 0..=84) => Some(OFFICES[rng.gen_range(0..OFFICES.len())]),
            _ => None,
        };
        let home = match rng.gen_range(0..100) {
            0..=9 => Some(COWORKING),
            10..=69 => Some([100, rng.gen_range(64..128), rng.gen_range(0..=255)]),
            _ => None,
        };
        let host = |net: [u8; 3], rng: &mut StdRng| {
            format!("{}.{}.{}.{}", net[0], net[1], net[2], rng.gen_range(2..250))
        };
        Habit {
            office: office.map(|n| host(n, rng)),
            home: home.map(|n| host(n, rng)),
            ipv6: index % 12 == 5 || rng.gen_range(0..100) < 4,
            api: role != Role::Guest && rng.gen_range(0..100) < 10,
            app,
        }
    }

    fn session(
        &self,
        rng: &mut StdRng,
        user: &super::directory::User,
        at: i64,
        workday: bool,
        out: &mut Vec<SigninEvent>,
    ) {
        let from_office = workday && rng.gen_range(0..100) < 75;
        let ip = match (&self.office, &self.home) {
            _ if self.ipv6 && rng.gen_range(0..100) < 30 => {
                // `2001:db8::1` arrives as "2001", an IPv4-mapped one as "".
                if rng.gen_bool(0.8) { "2001" } else { "" }.to_string()
            }
            (Some(o), _) if from_office => o.clone(),
            (_, Some(h)) => h.clone(),
            (Some(o), None) => o.clone(),
            (None, None) => format!(
                "100.{}.{}.{}",
                rng.gen_range(64..128),
                rng.gen_range(0..=255),
                rng.gen_range(2..250)
            ),
        };
        let event = |at: i64, user: Option<Uuid>, login: Option<String>, action: u16| SigninEvent {
            id: 0,
            at,
            user,
            login,
            action,
            ip: ip.clone(),
        };
        let login = if rng.gen_bool(0.5) {
            user.email.clone()
        } else {
            user.user_name.clone()
        };
        if rng.gen_range(0..100) < 4 {
            out.push(event(
                at - 40,
                None,
                Some(login.clone()),
                action::FAIL_VIA_API,
            ));
        }
        if self.app && rng.gen_range(0..100) < 2 {
            out.push(event(at - 20, None, Some(login), action::FAIL_VIA_API_TFA));
        }
        let api = self.api && rng.gen_range(0..100) < 40;
        let code = match (api, self.app) {
            (true, true) => action::VIA_API_TFA,
            (true, false) => action::VIA_API,
            (false, true) => action::VIA_TFA_APP,
            (false, false) if rng.gen_range(0..100) < 5 => action::VIA_SSO,
            (false, false) if rng.gen_range(0..100) < 10 => action::LOGIN_SUCCESS,
            (false, false) => action::VIA_PASSWORD,
        };
        out.push(event(at, Some(user.id), None, code));
        if rng.gen_range(0..100) < 10 {
            out.push(event(at + 3600, Some(user.id), None, action::LOGOUT));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> (Directory, SigninLog) {
        let d = Directory::seed(60, 12, 7);
        let l = SigninLog::seed(&d, 10, 7);
        (d, l)
    }

    #[test]
    fn seed_is_ordered_and_has_every_kind() {
        let (_, l) = log();
        let e = l.events();
        assert!(e
            .windows(2)
            .all(|w| (w[0].at, w[0].id) < (w[1].at, w[1].id)));
        assert!(e.iter().any(|e| e.ip == "2001"));
        assert!(e.iter().any(|e| e.user.is_none() && e.login.is_some()));
        assert!(e.iter().any(|e| e.action == action::VIA_TFA_APP));
        assert!(e
            .iter()
            .any(|e| e.action == action::VIA_API || e.action == action::VIA_API_TFA));
        assert!(e.windows(2).any(|w| w[0].at == w[1].at), "ties exist");
    }

    #[test]
    fn the_page_is_cut_before_the_filter() {
        let (d, mut l) = log();
        let someone = d.users()[5].id;
        let newest: Vec<u64> = l.newest(100).iter().map(|e| e.id).collect();
        let filtered = l.page(
            0,
            100,
            &LoginFilter {
                user: Some(someone),
                ..Default::default()
            },
        );
        assert!(filtered
            .iter()
            .all(|e| e.user == Some(someone) && newest.contains(&e.id)));
        let all_theirs = l
            .events()
            .iter()
            .filter(|e| e.user == Some(someone))
            .count();
        assert!(all_theirs > filtered.len());
    }

    #[test]
    fn pages_cover_the_log_once_as_a_set() {
        let (_, mut l) = log();
        let mut seen = Vec::new();
        let mut start = 0;
        loop {
            let page = l.page(start, 100, &LoginFilter::default());
            if page.is_empty() {
                break;
            }
            seen.extend(page.iter().map(|e| e.id));
            start += 100;
        }
        assert_eq!(seen.len(), l.events().len());
    }

    #[test]
    fn free_plan_ignores_paging() {
        let (_, mut l) = log();
        l.free_plan = true;
        let a = l.page(0, 5, &LoginFilter::default());
        let b = l.page(300, 100, &LoginFilter::default());
        assert_eq!(a.len(), NEWEST);
        assert_eq!(a, b);
    }

    #[test]
    fn retention_prunes_the_oldest() {
        let (_, mut l) = log();
        let now = Utc::now().timestamp();
        l.retention_days = 3;
        l.prune(now);
        assert!(l.events().iter().all(|e| e.at >= now - 3 * 86_400));
        assert!(!l.events().is_empty());
    }

    #[test]
    fn reset_rules() {
        let (d, mut l) = log();
        let (owner, admin) = (d.owner().id, d.admin().id);
        let linked = d
            .users()
            .iter()
            .find(|u| u.tfa_app_enabled && u.id != owner)
            .map(|u| u.id)
            .unwrap();
        let unlinked = d
            .users()
            .iter()
            .find(|u| !u.tfa_app_enabled)
            .map(|u| u.id)
            .unwrap();
        let reset = |l: &mut SigninLog, caller, is_owner, on, target| {
            l.reset_app(&d, caller, is_owner, on, target, "http://h")
        };
        assert_eq!(
            reset(&mut l, admin, false, true, Some(linked)),
            Err(ResetRefusal::NotOwner)
        );
        assert_eq!(
            reset(&mut l, owner, true, true, None),
            Err(ResetRefusal::NotAvailable)
        );
        assert_eq!(
            reset(&mut l, owner, true, true, Some(unlinked)),
            Err(ResetRefusal::NotAvailable)
        );
        assert_eq!(
            reset(&mut l, owner, true, false, Some(linked)),
            Err(ResetRefusal::NotAvailable)
        );
        assert_eq!(
            reset(&mut l, owner, true, true, Some(linked)),
            Ok(ResetOutcome::Other)
        );
        assert!(!l.app_linked(&d, linked));
        assert_eq!(
            reset(&mut l, owner, true, true, Some(linked)),
            Err(ResetRefusal::NotAvailable)
        );
        assert!(matches!(
            reset(&mut l, owner, true, true, Some(owner)),
            Ok(ResetOutcome::OwnLink(_))
        ));
    }

    #[test]
    fn wire_dates_carry_the_offset() {
        assert_eq!(wire_date(0), "1970-01-01T03:00:00.0000000+03:00");
    }
}
