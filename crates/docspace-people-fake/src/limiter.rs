//! The DocSpace rate limiter, as a hosted portal runs it: off by default.
//!
//! Per signed-in user (anonymous requests share one key):
//! * a sliding window of requests per period (1500 a minute);
//! * at most so many writes (every method but GET: POST, PUT, DELETE) and reads (GET) in
//!   flight (15 and 50); one more is refused at once, with no queue;
//! * a daily budget of writes (10,000 POST and PUT a day; DELETE is not counted);
//! * sign-ins limited per period (5 in 15 minutes).
//!
//! A refusal is 429 with an empty body and `X-RateLimit-Limit` and `X-RateLimit-Remaining`; the
//! window and daily limits add `Retry-After` (seconds; the daily limit's is the seconds left in
//! its fixed window of a day) and `X-RateLimit-Reset` (Unix seconds), the in-flight limits do
//! not. Successful answers carry no `X-RateLimit-*` headers.
//! Refused requests consume nothing. The "day" is a counter a test can end at will
//! ([`crate::FakePortal::next_day`]).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::server::Shared;

/// The limiter's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per sliding window.
    pub per_window: u32,
    /// The window.
    pub window: Duration,
    /// Writes (every method but GET) in flight at once.
    pub writes_in_flight: u32,
    /// Reads (GET) in flight at once.
    pub reads_in_flight: u32,
    /// Writes (POST and PUT) per day.
    pub writes_per_day: u32,
    /// How long the daily limit is said to last when hit (the `Retry-After` it sends).
    pub day: Duration,
    /// Sign-ins per sign-in window.
    pub sign_ins: u32,
    /// The sign-in window.
    pub sign_in_window: Duration,
}

impl RateLimit {
    /// The numbers of a hosted DocSpace portal.
    pub const fn real() -> Self {
        RateLimit {
            per_window: 1500,
            window: Duration::from_secs(60),
            writes_in_flight: 15,
            reads_in_flight: 50,
            writes_per_day: 10_000,
            day: Duration::from_secs(24 * 3600),
            sign_ins: 5,
            sign_in_window: Duration::from_secs(15 * 60),
        }
    }
}

/// A rate-limit setting that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate limit {0:?}: expected `real`, optionally followed by comma-separated \
     overrides such as `window=100/60s`, `writes-in-flight=4`, `reads-in-flight=8`, \
     `writes-per-day=50`, `sign-ins=5/900s`"
)]
pub struct InvalidRateLimit(pub String);

impl FromStr for RateLimit {
    type Err = InvalidRateLimit;

    /// `real`, or `real,window=100/60s,writes-in-flight=2,writes-per-day=50,...`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidRateLimit(text.to_owned());
        let mut parts = text.split(',').map(str::trim);
        if parts.next() != Some("real") {
            return Err(bad());
        }
        let mut limit = RateLimit::real();
        let per = |value: &str| -> Option<(u32, Duration)> {
            let (count, seconds) = value.split_once('/')?;
            let seconds = seconds.trim_end_matches('s').parse::<u64>().ok()?;
            Some((count.parse().ok()?, Duration::from_secs(seconds)))
        };
        for part in parts {
            let (key, value) = part.split_once('=').ok_or_else(bad)?;
            match key {
                "window" => (limit.per_window, limit.window) = per(value).ok_or_else(bad)?,
                "sign-ins" => {
                    (limit.sign_ins, limit.sign_in_window) = per(value).ok_or_else(bad)?;
                }
                "writes-in-flight" => limit.writes_in_flight = value.parse().map_err(|_| bad())?,
                "reads-in-flight" => limit.reads_in_flight = value.parse().map_err(|_| bad())?,
                "writes-per-day" => limit.writes_per_day = value.parse().map_err(|_| bad())?,
                _ => return Err(bad()),
            }
        }
        Ok(limit)
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} requests per {} s, {} writes and {} reads in flight, {} writes a day, {} sign-ins per {} s",
            self.per_window,
            self.window.as_secs(),
            self.writes_in_flight,
            self.reads_in_flight,
            self.writes_per_day,
            self.sign_ins,
            self.sign_in_window.as_secs()
        )
    }
}

/// One caller's usage.
#[derive(Debug, Default)]
struct Usage {
    recent: VecDeque<Instant>,
    sign_ins: VecDeque<Instant>,
    writes_in_flight: u32,
    reads_in_flight: u32,
    writes_today: u32,
}

/// The limiter's state.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    pub(crate) limit: Option<RateLimit>,
    usage: HashMap<String, Usage>,
    /// Counts the days ended with `next_day`, so a test can see the limiter moved on.
    pub(crate) day: u64,
    /// When the current day's fixed window began (at the first request, or `next_day`).
    day_began: Option<Instant>,
    /// 429s answered.
    pub(crate) refused: u64,
}

impl Limiter {
    pub(crate) fn new(limit: Option<RateLimit>) -> Self {
        Limiter {
            limit,
            ..Limiter::default()
        }
    }

    /// Starts a new day: the daily write budgets are full again.
    pub(crate) fn next_day(&mut self) {
        self.day += 1;
        self.day_began = Some(Instant::now());
        for usage in self.usage.values_mut() {
            usage.writes_today = 0;
        }
    }
}

enum Kind {
    /// GET.
    Read,
    /// POST and PUT: in flight as writes, and in the daily budget.
    Write,
    /// DELETE and any other method but GET: in flight as writes, outside the daily budget.
    Unbudgeted,
    /// `POST /authentication`: a write, and limited per sign-in window.
    SignIn,
}

/// What the limiter decided.
enum Verdict {
    Pass,
    Refuse {
        retry_after: Option<Duration>,
        limit: u32,
    },
}

fn unix_in(wait: Duration) -> u64 {
    (SystemTime::now() + wait)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn decide(limiter: &mut Limiter, key: &str, kind: &Kind, now: Instant) -> Option<Verdict> {
    let limit = limiter.limit?;
    let day_began = *limiter.day_began.get_or_insert(now);
    let usage = limiter.usage.entry(key.to_owned()).or_default();
    while usage
        .recent
        .front()
        .is_some_and(|t| now.duration_since(*t) >= limit.window)
    {
        usage.recent.pop_front();
    }
    while usage
        .sign_ins
        .front()
        .is_some_and(|t| now.duration_since(*t) >= limit.sign_in_window)
    {
        usage.sign_ins.pop_front();
    }
    let until_free = |queue: &VecDeque<Instant>, period: Duration| {
        queue
            .front()
            .map_or(Duration::ZERO, |t| {
                period.saturating_sub(now.duration_since(*t))
            })
            .max(Duration::from_secs(1))
    };
    if usage.recent.len() as u32 >= limit.per_window {
        return Some(Verdict::Refuse {
            retry_after: Some(until_free(&usage.recent, limit.window)),
            limit: limit.per_window,
        });
    }
    match kind {
        Kind::SignIn if usage.sign_ins.len() as u32 >= limit.sign_ins => {
            return Some(Verdict::Refuse {
                retry_after: Some(until_free(&usage.sign_ins, limit.sign_in_window)),
                limit: limit.sign_ins,
            });
        }
        Kind::Write | Kind::SignIn if usage.writes_today >= limit.writes_per_day => {
            // The seconds left in the day's fixed window, not a whole day.
            let left = limit
                .day
                .saturating_sub(now.duration_since(day_began))
                .max(Duration::from_secs(1));
            return Some(Verdict::Refuse {
                retry_after: Some(left),
                limit: limit.writes_per_day,
            });
        }
        Kind::Write | Kind::Unbudgeted | Kind::SignIn
            if usage.writes_in_flight >= limit.writes_in_flight =>
        {
            return Some(Verdict::Refuse {
                retry_after: None,
                limit: limit.writes_in_flight,
            });
        }
        Kind::Read if usage.reads_in_flight >= limit.reads_in_flight => {
            return Some(Verdict::Refuse {
                retry_after: None,
                limit: limit.reads_in_flight,
            });
        }
        _ => {}
    }
    usage.recent.push_back(now);
    match kind {
        Kind::Read => usage.reads_in_flight += 1,
        Kind::Unbudgeted => usage.writes_in_flight += 1,
        Kind::Write | Kind::SignIn => {
            usage.writes_in_flight += 1;
            usage.writes_today += 1;
        }
    }
    if matches!(kind, Kind::SignIn) {
        usage.sign_ins.push_back(now);
    }
    Some(Verdict::Pass)
}

fn release(limiter: &mut Limiter, key: &str, kind: &Kind) {
    if let Some(usage) = limiter.usage.get_mut(key) {
        match kind {
            Kind::Read => usage.reads_in_flight = usage.reads_in_flight.saturating_sub(1),
            Kind::Write | Kind::Unbudgeted | Kind::SignIn => {
                usage.writes_in_flight = usage.writes_in_flight.saturating_sub(1);
            }
        }
    }
}

/// Whom a request counts against: its user, or "anonymous".
fn key_of(shared: &Shared, headers: &HeaderMap) -> String {
    let state = shared.state.read();
    match crate::auth::authenticate(&state, headers, Utc::now()) {
        Ok(caller) => state.users[caller.index].id.to_string(),
        Err(_) => "anonymous".to_owned(),
    }
}

fn header(value: impl ToString) -> HeaderValue {
    HeaderValue::from_str(&value.to_string()).unwrap_or(HeaderValue::from_static("0"))
}

pub(crate) async fn limit_layer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if shared.limiter.lock().limit.is_none() {
        return next.run(request).await;
    }
    let kind = if request.uri().path().ends_with("/authentication") {
        Kind::SignIn
    } else if matches!(*request.method(), Method::POST | Method::PUT) {
        Kind::Write
    } else if request.method() == Method::GET {
        Kind::Read
    } else {
        Kind::Unbudgeted
    };
    let key = key_of(&shared, request.headers());
    let verdict = {
        let mut limiter = shared.limiter.lock();
        let verdict = decide(&mut limiter, &key, &kind, Instant::now());
        if matches!(verdict, Some(Verdict::Refuse { .. })) {
            limiter.refused += 1;
        }
        verdict
    };
    match verdict {
        None => next.run(request).await,
        Some(Verdict::Refuse { retry_after, limit }) => {
            let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-limit", header(limit));
            headers.insert("x-ratelimit-remaining", header(0));
            if let Some(wait) = retry_after {
                headers.insert("retry-after", header(wait.as_secs().max(1)));
                headers.insert("x-ratelimit-reset", header(unix_in(wait)));
            }
            response
        }
        // Successes carry no `X-RateLimit-*`: only refusals do.
        Some(Verdict::Pass) => {
            let response = next.run(request).await;
            shared.limiter.lock().release_for(&key, &kind);
            response
        }
    }
}

impl Limiter {
    fn release_for(&mut self, key: &str, kind: &Kind) {
        release(self, key, kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_and_overrides() {
        assert_eq!("real".parse::<RateLimit>().unwrap(), RateLimit::real());
        let small: RateLimit = "real,window=100/10s,writes-in-flight=2,writes-per-day=50"
            .parse()
            .unwrap();
        assert_eq!(
            (small.per_window, small.window),
            (100, Duration::from_secs(10))
        );
        assert_eq!(small.writes_in_flight, 2);
        assert_eq!(small.writes_per_day, 50);
        assert!("fake".parse::<RateLimit>().is_err());
        assert!("real,speed=9".parse::<RateLimit>().is_err());
    }

    #[test]
    fn refusals_consume_nothing_and_days_end() {
        let mut limiter = Limiter::new(Some(RateLimit {
            writes_per_day: 2,
            writes_in_flight: 1,
            ..RateLimit::real()
        }));
        let now = Instant::now();
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Write, now),
            Some(Verdict::Pass)
        ));
        // One write in flight: the next is refused at once, without Retry-After.
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Write, now),
            Some(Verdict::Refuse {
                retry_after: None,
                ..
            })
        ));
        release(&mut limiter, "a", &Kind::Write);
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Write, now),
            Some(Verdict::Pass)
        ));
        release(&mut limiter, "a", &Kind::Write);
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Write, now),
            Some(Verdict::Refuse {
                retry_after: Some(_),
                ..
            })
        ));
        // Another caller has a budget of its own; reads are not writes.
        assert!(matches!(
            decide(&mut limiter, "b", &Kind::Write, now),
            Some(Verdict::Pass)
        ));
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Read, now),
            Some(Verdict::Pass)
        ));
        limiter.next_day();
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Write, now),
            Some(Verdict::Pass)
        ));
    }

    #[test]
    fn deletes_are_writes_in_flight_outside_the_daily_budget() {
        let mut limiter = Limiter::new(Some(RateLimit {
            writes_per_day: 1,
            writes_in_flight: 1,
            ..RateLimit::real()
        }));
        let now = Instant::now();
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Unbudgeted, now),
            Some(Verdict::Pass)
        ));
        // In flight: a POST waits for it like any write.
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Write, now),
            Some(Verdict::Refuse {
                retry_after: None,
                ..
            })
        ));
        release(&mut limiter, "a", &Kind::Unbudgeted);
        // The delete did not use the day's single write.
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Write, now),
            Some(Verdict::Pass)
        ));
        release(&mut limiter, "a", &Kind::Write);
        assert!(matches!(
            decide(&mut limiter, "a", &Kind::Unbudgeted, now),
            Some(Verdict::Pass)
        ));
    }
}
