//! A far-away portal: every API answer waits `latency ± jitter`, and every API request is logged
//! with its start and end times, so tests and benchmarks can count the round trips a path makes
//! one after the other (its waves). The `/sandbox/` control API is neither delayed nor logged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::shared::Shared;

/// Longest latency or jitter the sandbox accepts: far beyond any real portal, short of a hang.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// The log keeps this many requests, the newest; older ones are dropped.
const MAX_LOGGED: usize = 100_000;

/// One API request as the portal saw it: times in ms since the sandbox started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    pub start_ms: u64,
    /// When the answer (after the latency) left the handler.
    pub end_ms: u64,
}

/// Latency settings and the request log.
#[derive(Debug)]
pub struct Distance {
    pub latency_ms: u64,
    pub jitter_ms: u64,
    epoch: Instant,
    log: Vec<LoggedRequest>,
}

impl Distance {
    pub fn new(latency_ms: u64, jitter_ms: u64) -> Distance {
        Distance {
            latency_ms: latency_ms.min(MAX_LATENCY_MS),
            jitter_ms: jitter_ms.min(MAX_LATENCY_MS),
            epoch: Instant::now(),
            log: Vec::new(),
        }
    }

    pub fn set(&mut self, latency_ms: Option<u64>, jitter_ms: Option<u64>) {
        if let Some(ms) = latency_ms {
            self.latency_ms = ms.min(MAX_LATENCY_MS);
        }
        if let Some(ms) = jitter_ms {
            self.jitter_ms = ms.min(MAX_LATENCY_MS);
        }
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        self.log.clone()
    }

    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    fn delay(&self) -> Duration {
        let jitter = if self.jitter_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=self.jitter_ms)
        };
        Duration::from_millis(self.latency_ms.saturating_add(jitter))
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn push(&mut self, entry: LoggedRequest) {
        if self.log.len() >= MAX_LOGGED {
            self.log.remove(0);
        }
        self.log.push(entry);
    }
}

/// The number of round trips one after the other: requests are grouped into waves of
/// overlapping requests (a request that starts while one of the wave is still in flight joins
/// it), and a request that starts only after every request of the wave had its answer begins
/// the next wave. For one client this is the number of round trips on its critical path, and it
/// does not grow when a burst of concurrent requests starts a little staggered.
pub fn waves(log: &[LoggedRequest]) -> usize {
    let mut sorted: Vec<&LoggedRequest> = log.iter().collect();
    sorted.sort_by_key(|r| (r.start_ms, r.end_ms));
    let mut count = 0;
    let mut wave_end: Option<u64> = None;
    for r in sorted {
        match wave_end {
            Some(end) if r.start_ms < end => wave_end = Some(end.max(r.end_ms)),
            _ => {
                count += 1;
                wave_end = Some(r.end_ms);
            }
        }
    }
    count
}

/// The middleware, outermost: waits the latency, then lets the request (and any fault) through.
pub async fn far_away(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let query = request.uri().query().map(str::to_string);
    let (start_ms, delay) = {
        let d = shared.distance();
        (d.now_ms(), d.delay())
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let response = next.run(request).await;
    let mut d = shared.distance();
    let end_ms = d.now_ms();
    d.push(LoggedRequest {
        method,
        path,
        query,
        start_ms,
        end_ms,
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(start_ms: u64, end_ms: u64) -> LoggedRequest {
        LoggedRequest {
            method: "GET".into(),
            path: "/x".into(),
            query: None,
            start_ms,
            end_ms,
        }
    }

    #[test]
    fn overlapping_requests_are_one_wave_and_chains_add_up() {
        assert_eq!(waves(&[]), 0);
        assert_eq!(waves(&[req(0, 150), req(2, 151), req(3, 152)]), 1);
        assert_eq!(waves(&[req(0, 150), req(150, 300)]), 2);
        // A staggered burst is one wave; what starts after all of it is the next.
        let log = [
            req(0, 150),
            req(100, 250),
            req(200, 350),
            req(351, 500),
            req(352, 501),
            req(501, 650),
        ];
        assert_eq!(waves(&log), 3);
    }

    #[test]
    fn settings_are_capped() {
        let mut d = Distance::new(u64::MAX, 5);
        assert_eq!(d.latency_ms, MAX_LATENCY_MS);
        d.set(None, Some(7));
        assert_eq!((d.latency_ms, d.jitter_ms), (MAX_LATENCY_MS, 7));
        let delay = d.delay().as_millis() as u64;
        assert!((MAX_LATENCY_MS..=MAX_LATENCY_MS + 7).contains(&delay));
    }
}
