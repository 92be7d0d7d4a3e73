//! Reading `login/filter` so that nothing is missed and nothing is counted twice
//! (`docspace-signins-api.md` §2).
//!
//! The server orders everyone's events newest first and cuts the page before it filters, so the
//! scan pages with no filters at all, 100 rows at a time. New sign-ins arriving during the scan
//! push every row down, and rows sharing a second may swap between calls. So pages overlap by
//! [`OVERLAP`] rows and each page must *link* to the one before: it has to contain the oldest row
//! seen so far (the anchor). A page that does not link was read too early (pages go out
//! concurrently) and the scan re-reads from the anchor's last known position, which new rows can
//! only have pushed further down.
//!
//! Deduplication needs no set of every id: every row seen is at or above the anchor, so a row is
//! new when it is older than the anchor, or shares its second and is not among the few ids of that
//! second already seen. Memory stays flat in the number of events.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use super::event::Event;
use super::InsightError;
use crate::docspace::{DocSpaceClient, LoginPage};

/// Rows per request: the most the server allows (v3.2.1+).
pub const PAGE: u32 = 100;
/// Rows each page shares with the one before: how far rows may move between two reads.
pub const OVERLAP: u32 = 10;
/// Pages in flight at once.
pub const CONCURRENCY: usize = 16;
/// Restarts allowed before the scan gives up.
const MAX_RESTARTS: u32 = 200;
/// Rows read before the scan gives up on a server that never reaches the period.
const MAX_ROWS: u64 = 5_000_000;

/// What a scan did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanReport {
    pub pages: u64,
    /// Rows received, duplicates included.
    pub rows: u64,
    /// New events in the period handed on.
    pub kept: u64,
    /// Rows whose date could not be read.
    pub malformed: u64,
    pub restarts: u32,
    /// The portal only shows its 20 newest events (free plan).
    pub partial: bool,
}

/// The oldest row seen so far and where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Anchor {
    id: i64,
    at: i64,
    pos: u64,
}

/// What one page means for the scan.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// The page continues what was seen: these rows are new.
    Linked {
        fresh: Vec<Event>,
        /// Fewer rows than asked: the end of the log.
        last: bool,
        /// Date of the page's oldest row.
        oldest: Option<i64>,
    },
    /// Every row is above the anchor (many new rows arrived): look further down.
    Above,
    /// The page starts below the anchor with rows in between unseen: re-read from `from`.
    Gap { from: u64 },
    /// Past the end.
    End,
}

/// The pure linking logic: feed pages in order of their start.
#[derive(Debug, Default)]
pub struct Linker {
    anchor: Option<Anchor>,
    /// Ids seen with the anchor's date.
    ties: HashSet<i64>,
    /// Where the scan re-reads from after a gap: a page there is read after the anchor was
    /// seen, so if the anchor is missing from it, the retention job deleted it.
    restart: Option<u64>,
}

impl Linker {
    /// Where to re-read from after a [`Step::Gap`]: the anchor's last known position, which new
    /// rows can only have pushed further down.
    pub fn restart(&mut self) -> u64 {
        let pos = self.anchor.map_or(0, |a| a.pos);
        self.restart = Some(pos);
        pos
    }

    /// One page of rows that started at `start` (rows newest first, as the server sends them).
    pub fn feed(&mut self, start: u64, rows: Vec<Event>, asked: u32) -> Step {
        let last = rows.len() < asked as usize;
        let Some(anchor) = self.anchor else {
            let mut seen = HashSet::new();
            let fresh: Vec<Event> = rows.into_iter().filter(|r| seen.insert(r.id)).collect();
            self.move_anchor(start, &fresh, None);
            return Step::Linked {
                oldest: fresh.last().map(|r| r.at),
                fresh,
                last,
            };
        };
        let Some(tail) = rows.last() else {
            return if start <= anchor.pos {
                Step::End
            } else {
                Step::Gap { from: anchor.pos }
            };
        };
        let found = rows.iter().any(|r| r.id == anchor.id);
        if !found {
            let all_seen_or_newer = rows
                .iter()
                .all(|r| r.at > anchor.at || (r.at == anchor.at && self.ties.contains(&r.id)));
            if all_seen_or_newer {
                return Step::Above;
            }
            // Rows older than the anchor and the anchor not there: the page was read before new
            // rows pushed it down, and rows in between were never seen. Unless this is the
            // re-read at the anchor's position: then the retention job deleted the anchor.
            if self.restart != Some(start) {
                return Step::Gap { from: anchor.pos };
            }
        }
        let oldest = Some(tail.at);
        let mut seen_here = HashSet::new();
        let fresh: Vec<Event> = rows
            .iter()
            .filter(|r| {
                r.id != anchor.id
                    && (r.at < anchor.at || (r.at == anchor.at && !self.ties.contains(&r.id)))
                    && seen_here.insert(r.id)
            })
            .cloned()
            .collect();
        self.move_anchor(start, &rows, Some(anchor));
        Step::Linked {
            fresh,
            last,
            oldest,
        }
    }

    fn move_anchor(&mut self, start: u64, rows: &[Event], old: Option<Anchor>) {
        let Some(tail) = rows.last() else {
            return;
        };
        let next = Anchor {
            id: tail.id,
            at: tail.at,
            pos: start + rows.len() as u64 - 1,
        };
        // A page may come back older than its anchor only in a broken log; never move up.
        if old.is_some_and(|o| next.at > o.at) {
            return;
        }
        if old.is_none_or(|o| o.at != next.at) {
            self.ties.clear();
        }
        self.ties
            .extend(rows.iter().filter(|r| r.at == next.at).map(|r| r.id));
        self.anchor = Some(next);
    }
}

/// Scans the portal's history from the newest event down to `before` (unix seconds), handing
/// every event dated at or after it to `sink` exactly once, newest first.
pub async fn scan(
    client: &DocSpaceClient,
    before: i64,
    sink: &mut (dyn FnMut(Event) -> Result<(), InsightError> + Send),
    progress: &(dyn Fn(&ScanReport) + Sync),
    cancel: &AtomicBool,
) -> Result<ScanReport, InsightError> {
    let mut state = Scan {
        portal: client.portal().to_string(),
        report: ScanReport::default(),
        linker: Linker::default(),
        first_ids: Vec::new(),
        before,
        sink,
        progress,
    };
    // The free plan answers the 20 newest whatever `count` says: a 1-row probe sees more. The
    // first page goes alone, so a second look that only needs it sends nothing more.
    let (probe, first) = tokio::join!(client.login_events(0, 1), client.login_events(0, PAGE));
    state.report.partial = probe?.rows.len() > 1;
    let first = first?;
    state.first_ids = first.rows.iter().map(|r| r.id).collect();
    let step = u64::from(PAGE - OVERLAP);
    let mut from = match state.page(first)? {
        Flow::Done => return Ok(state.report),
        Flow::Next => step,
        Flow::Restart(at) => at,
    };
    loop {
        let starts = (0u64..).map(move |i| from + i * step);
        let mut pages = futures::stream::iter(starts)
            .map(|start| fetch(client, start))
            .buffered(CONCURRENCY);
        loop {
            let Some(page) = pages.next().await else {
                return Ok(state.report);
            };
            if cancel.load(Ordering::Relaxed) {
                return Err(InsightError::Cancelled);
            }
            match state.page(page?)? {
                Flow::Done => return Ok(state.report),
                Flow::Next => {}
                Flow::Restart(at) => {
                    from = at;
                    break;
                }
            }
        }
    }
}

/// What to do after a page.
enum Flow {
    Done,
    Next,
    /// Drop the pages in flight and read on from this position.
    Restart(u64),
}

struct Scan<'a> {
    portal: String,
    report: ScanReport,
    linker: Linker,
    first_ids: Vec<i64>,
    before: i64,
    sink: &'a mut (dyn FnMut(Event) -> Result<(), InsightError> + Send),
    progress: &'a (dyn Fn(&ScanReport) + Sync),
}

impl Scan<'_> {
    fn page(&mut self, page: LoginPage) -> Result<Flow, InsightError> {
        let start = u64::from(page.start);
        let report = &mut self.report;
        report.pages += 1;
        report.rows += page.rows.len() as u64;
        if report.rows > MAX_ROWS {
            return Err(InsightError::Runaway {
                portal: self.portal.clone(),
                limit: MAX_ROWS,
            });
        }
        if start > 0
            && !self.first_ids.is_empty()
            && page
                .rows
                .iter()
                .map(|r| r.id)
                .eq(self.first_ids.iter().copied())
        {
            // The same page again: the free plan ignores paging.
            report.partial = true;
            return Ok(Flow::Done);
        }
        let rows: Vec<Event> = page
            .rows
            .into_iter()
            .filter_map(|dto| {
                let e = Event::from_dto(dto);
                report.malformed += u64::from(e.is_none());
                e
            })
            .collect();
        match self.linker.feed(start, rows, PAGE) {
            Step::Linked {
                fresh,
                last,
                oldest,
            } => {
                for e in fresh.into_iter().filter(|e| e.at >= self.before) {
                    self.report.kept += 1;
                    (self.sink)(e)?;
                }
                (self.progress)(&self.report);
                Ok(if last || oldest.is_none_or(|o| o < self.before) {
                    Flow::Done
                } else {
                    Flow::Next
                })
            }
            Step::Above => Ok(Flow::Next),
            Step::End => Ok(Flow::Done),
            Step::Gap { .. } => {
                self.report.restarts += 1;
                if self.report.restarts > MAX_RESTARTS {
                    return Err(InsightError::Unstable {
                        portal: self.portal.clone(),
                        restarts: self.report.restarts,
                    });
                }
                Ok(Flow::Restart(self.linker.restart()))
            }
        }
    }
}

async fn fetch(client: &DocSpaceClient, start: u64) -> Result<LoginPage, InsightError> {
    let start = u32::try_from(start).map_err(|_| InsightError::Runaway {
        portal: client.portal().to_string(),
        limit: MAX_ROWS,
    })?;
    Ok(client.login_events(start, PAGE).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::insight::event::sample as ev;

    /// A log newest first: (id, at).
    fn log(n: i64) -> Vec<Event> {
        (0..n).rev().map(|i| ev(i + 1, i / 3)).collect()
    }

    fn page(log: &[Event], start: usize, count: usize) -> Vec<Event> {
        log.iter().skip(start).take(count).cloned().collect()
    }

    fn fresh_ids(step: Step) -> Vec<i64> {
        match step {
            Step::Linked { fresh, .. } => fresh.iter().map(|e| e.id).collect(),
            other => panic!("not linked: {other:?}"),
        }
    }

    #[test]
    fn overlapping_pages_give_each_row_once() {
        let l = log(250);
        let mut k = Linker::default();
        let mut all = Vec::new();
        for start in [0usize, 90, 180] {
            all.extend(fresh_ids(k.feed(start as u64, page(&l, start, 100), 100)));
        }
        all.sort();
        assert_eq!(all, (1..=250).collect::<Vec<_>>());
    }

    #[test]
    fn arrivals_between_pages_are_not_counted_twice() {
        let mut l = log(300);
        let mut k = Linker::default();
        let mut all = fresh_ids(k.feed(0, page(&l, 0, 100), 100));
        // 50 new rows on top: the next page sees 50 rows it had already.
        for i in 0..50 {
            l.insert(0, ev(1000 + i, 10_000));
        }
        all.extend(fresh_ids(k.feed(90, page(&l, 90, 100), 100)));
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len());
        assert_eq!(all.len(), 140);
    }

    #[test]
    fn a_page_read_too_early_is_a_gap() {
        let mut l = log(300);
        let mut k = Linker::default();
        // Page 2 was read before 30 rows arrived, page 1 after: page 2 does not reach the anchor.
        let early = page(&l, 90, 100);
        for i in 0..30 {
            l.insert(0, ev(1000 + i, 10_000));
        }
        fresh_ids(k.feed(0, page(&l, 0, 100), 100));
        assert_eq!(k.feed(90, early, 100), Step::Gap { from: 99 });
    }

    #[test]
    fn many_arrivals_put_the_anchor_further_down() {
        let mut l = log(300);
        let mut k = Linker::default();
        fresh_ids(k.feed(0, page(&l, 0, 100), 100));
        for i in 0..200 {
            l.insert(0, ev(1000 + i, 10_000));
        }
        assert_eq!(k.feed(90, page(&l, 90, 100), 100), Step::Above);
        let ids = fresh_ids(k.feed(270, page(&l, 270, 100), 100));
        assert!(
            ids.iter().all(|&id| id < 201),
            "only older rows are new: {ids:?}"
        );
    }

    #[test]
    fn ties_reordered_across_the_boundary_are_neither_lost_nor_doubled() {
        // Newest first: 3 rows at second 6, 8 sharing second 5, then 100 at second 4.
        let mut l: Vec<Event> = (50..53).map(|i| ev(i, 6)).collect();
        l.extend((1..=8).map(|i| ev(i, 5)));
        l.extend((100..200).map(|i| ev(i, 4)));
        let mut k = Linker::default();
        // The first page ends inside the tie group; then the group's order changes.
        let mut all = fresh_ids(k.feed(0, page(&l, 0, 7), 7));
        l[3..11].reverse();
        all.extend(fresh_ids(k.feed(1, page(&l, 1, 100), 100)));
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!((all.len(), count), (101, 101));
    }

    #[test]
    fn a_deleted_anchor_is_passed_on_the_re_read() {
        let mut l = log(300);
        let mut k = Linker::default();
        fresh_ids(k.feed(0, page(&l, 0, 100), 100));
        let anchor = k.restart();
        l.remove(anchor as usize);
        let ids = fresh_ids(k.feed(anchor, page(&l, anchor as usize, 100), 100));
        assert_eq!(ids.len(), 100);
    }
}
