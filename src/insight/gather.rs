//! The workflow both front-ends call: bring the local copy of the sign-in history up to date,
//! read the policy and the people alongside, and count the period in one streamed pass.

use std::sync::atomic::AtomicBool;

use futures::StreamExt;
use uuid::Uuid;

use super::cache::{CacheStore, Header};
use super::people::Roster;
use super::scan::{scan, ScanReport};
use super::tally::Tally;
use super::{InsightError, MAX_DAYS};
use crate::docspace::{ApiError, DocSpaceClient, Employee};
use crate::policy::PortalPolicy;
use crate::service::Connection;

/// People pages in flight at once: 2,000 people take one round after the first page.
const PEOPLE_CONCURRENCY: usize = 32;
/// Most people read: far above any DocSpace portal, low enough to bound memory.
const MAX_PEOPLE: u64 = 200_000;

/// How far the scan got, for progress bars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub pages: u64,
    pub events: u64,
}

/// Everything the reports are made from.
#[derive(Debug)]
pub struct Gathered {
    pub portal: String,
    pub days: u32,
    pub now: i64,
    pub live: PortalPolicy,
    pub roster: Roster,
    pub tally: Tally,
    /// The portal only showed its 20 newest events.
    pub partial: bool,
    pub scan: ScanReport,
    /// The local copy after this look.
    pub cache: Header,
    pub me: Uuid,
}

/// Updates the local copy from the portal, then counts the last `days` days.
pub async fn gather(
    conn: &Connection,
    store: &CacheStore,
    days: u32,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<Gathered, InsightError> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(InsightError::Invalid {
            field: "days".into(),
            message: format!("{days} is out of range. Give a number of days from 1 to {MAX_DAYS} (the longest a portal keeps sign-ins)."),
        });
    }
    let client = conn.client();
    let portal = conn.portal().to_string();
    let now = chrono::Utc::now().timestamp();
    let window_start = now - i64::from(days) * 86_400;
    // A damaged copy is only a copy: start again.
    let header = store
        .header(&portal)
        .or_else(|_| store.forget(&portal).map(|_| None))?;
    // Only what is newer than the copy is read when the copy covers the period.
    let (scan_from, covered_from) = match header {
        Some(h)
            if !h.partial
                && h.covered_from <= window_start
                && h.newest.is_some_and(|n| n >= window_start) =>
        {
            (h.newest.unwrap_or(window_start), h.covered_from)
        }
        _ => (window_start, window_start),
    };
    let mut pending = store.begin(&portal)?;
    let mut write_error = None;
    let mut sink = |e: super::Event| -> Result<(), InsightError> {
        pending
            .push(&e)
            .inspect_err(|e| write_error = Some(e.to_string()))
    };
    let report = |r: &ScanReport| {
        progress(Progress {
            pages: r.pages,
            events: r.kept,
        })
    };
    let (live, people, (retention, scanned)) =
        tokio::join!(client.policy(), all_people(client), async {
            tokio::join!(
                client.login_retention_days(),
                scan(client, scan_from, &mut sink, &report, cancel)
            )
        });
    let scanned = match scanned.and_then(|s| Ok((s, live?, people?))) {
        Ok(all) => all,
        Err(e) => {
            pending.discard();
            return Err(e);
        }
    };
    let (scan_report, live, people) = scanned;
    // The lifetime is only used to prune; when the portal does not say, keep the most it could.
    let retention = retention.ok().flatten().unwrap_or(MAX_DAYS);
    let keep_from = now - i64::from(retention) * 86_400;
    let cache = store.commit(
        &portal,
        pending,
        scan_from,
        keep_from,
        covered_from,
        scan_report.partial,
    )?;
    let mut tally = Tally::new(window_start);
    for e in store.events(&portal)? {
        let e = e?;
        if e.at < window_start {
            break; // newest first: the rest is older
        }
        tally.add(&e);
    }
    Ok(Gathered {
        portal,
        days,
        now,
        live,
        roster: Roster::new(people),
        tally,
        partial: scan_report.partial,
        scan: scan_report,
        cache,
        me: conn.me().id,
    })
}

/// Everyone on the portal: the first page says how many, the rest are read concurrently.
async fn all_people(client: &DocSpaceClient) -> Result<Vec<Employee>, ApiError> {
    let first = client.people("", 0, 100).await?;
    let total = first.total.min(MAX_PEOPLE);
    let mut people = first.items;
    let starts = (100..total)
        .step_by(100)
        .filter_map(|s| u32::try_from(s).ok());
    let mut pages = futures::stream::iter(starts)
        .map(|start| client.people("", start, 100))
        .buffered(PEOPLE_CONCURRENCY);
    while let Some(page) = pages.next().await {
        people.extend(page?.items);
    }
    people.sort_by_key(|p| p.id);
    people.dedup_by_key(|p| p.id);
    Ok(people)
}

/// Resets a person's authenticator app (owner only): they are signed out everywhere and must
/// link an app again at their next sign-in. Returns who it was.
pub async fn reset_app(conn: &Connection, person: &Employee) -> Result<(), InsightError> {
    let me = conn.me();
    if !me.is_owner && person.id != me.id {
        return Err(InsightError::NotOwner {
            name: me.display_name.clone(),
        });
    }
    match conn.client().reset_tfa_app(person.id).await {
        Ok(_) => Ok(()),
        Err(ApiError::Forbidden { message, .. })
            if message.contains("not available") || message.contains("Not available") =>
        {
            Err(InsightError::NothingToReset {
                portal: conn.portal().to_string(),
                name: person.display_name.clone(),
            })
        }
        Err(ApiError::Forbidden { .. }) => Err(InsightError::NotOwner {
            name: me.display_name.clone(),
        }),
        Err(e) => Err(e.into()),
    }
}
