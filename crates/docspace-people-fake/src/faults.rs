//! Fault injection: added latency, 429, 500/502 with an HTML body, dropped connections.
//!
//! Off by default. Each fault has a [`Trigger`] that decides, per request, whether it fires.
//! Rates use a seeded generator, so a given sequence of requests always sees the same faults.
//! When several faults fire on one request the first of 429, 500, 502, dropped connection wins;
//! latency is added independently, before the request is handled.
//!
//! **State:** 429, 500 and 502 are answered without handling the request, so nothing changes.
//! A dropped connection does the same in [`DropMode::BeforeHandling`] (the default). In
//! [`DropMode::AfterHandling`] the request *is* handled (its change is applied) and then the
//! response is cut off after its headers and part of its body: the real-world hazard of a change
//! that happened although the client never saw the answer.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::rng::SplitMix64;

/// When a fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// On every request.
    Always,
    /// With this probability (0.0 to 1.0) per request, drawn from the seeded generator.
    Rate(f64),
    /// On every Nth request (the Nth, 2Nth, ...), counting requests the faults apply to.
    EveryNth(u64),
    /// On the first N requests only (useful to test retries).
    FirstN(u64),
}

impl Trigger {
    fn fires(self, request_number: u64, rng: &mut SplitMix64) -> bool {
        match self {
            Self::Always => true,
            // Always draw, so one fault's rate does not shift another's sequence.
            Self::Rate(p) => rng.next_f64() < p,
            Self::EveryNth(n) => n > 0 && request_number.is_multiple_of(n),
            Self::FirstN(n) => request_number <= n,
        }
    }
}

/// A trigger that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid fault {0:?}: expected KIND[@TRIGGER] with KIND 429, 500, 502, drop, drop-after or latency=MS, TRIGGER always, rate=P, every=N or first=N"
)]
pub struct InvalidFault(pub String);

impl FromStr for Trigger {
    type Err = InvalidFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidFault(s.to_owned());
        let s = s.trim();
        if s.eq_ignore_ascii_case("always") {
            return Ok(Self::Always);
        }
        let (key, value) = s.split_once('=').ok_or_else(bad)?;
        match key.trim() {
            "rate" => {
                let value = value.trim();
                let p = match value.strip_suffix('%') {
                    Some(percent) => percent.parse::<f64>().map_err(|_| bad())? / 100.0,
                    None => value.parse::<f64>().map_err(|_| bad())?,
                };
                if (0.0..=1.0).contains(&p) {
                    Ok(Self::Rate(p))
                } else {
                    Err(bad())
                }
            }
            "every" => match value.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Self::EveryNth(n)),
                _ => Err(bad()),
            },
            "first" => value.trim().parse().map(Self::FirstN).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

/// Whether a dropped connection happens before or after the request is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DropMode {
    /// The request is not handled: nothing changes; the client gets headers and a cut body.
    #[default]
    BeforeHandling,
    /// The request is handled (its change is applied), then the response is cut off.
    AfterHandling,
}

/// Added latency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// How long to wait before handling the request.
    pub delay: Duration,
    /// Which requests wait.
    pub trigger: Trigger,
}

/// The kinds of fault that replace a response (latency only delays one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// 429 Too Many Requests with a `Retry-After` header and an empty body.
    TooManyRequests,
    /// 500 with an HTML body.
    InternalServerError,
    /// 502 with an HTML body (a proxy in front of the portal).
    BadGateway,
    /// Headers sent, body cut off, connection closed.
    DroppedConnection,
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooManyRequests => "429",
            Self::InternalServerError => "500",
            Self::BadGateway => "502",
            Self::DroppedConnection => "drop",
        })
    }
}

/// The faults to inject. [`Faults::none`] (the default) injects nothing.
///
/// ```
/// use std::time::Duration;
/// use docspace_people_fake::{DropMode, Faults, Trigger};
///
/// let faults = Faults::none()
///     .with_latency(Duration::from_millis(20), Trigger::Rate(0.5))
///     .with_too_many_requests(Trigger::EveryNth(3), 2)
///     .with_dropped_connection(Trigger::FirstN(1), DropMode::AfterHandling)
///     .writes_only();
/// assert!(!faults.is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Added latency.
    pub latency: Option<Latency>,
    /// 429 with `Retry-After`.
    pub too_many_requests: Option<Trigger>,
    /// The `Retry-After` value of a 429, in seconds.
    pub retry_after_secs: u64,
    /// 500 with an HTML body.
    pub internal_server_error: Option<Trigger>,
    /// 502 with an HTML body.
    pub bad_gateway: Option<Trigger>,
    /// A connection dropped mid-response.
    pub dropped_connection: Option<Trigger>,
    /// Whether a dropped connection applies the change first.
    pub drop_mode: DropMode,
    /// Only requests that change data see faults (and count towards `EveryNth` and `FirstN`):
    /// `PUT`, `DELETE`, and `POST` other than signing in.
    pub writes_only: bool,
    /// Seed of the generator behind [`Trigger::Rate`].
    pub rng_seed: u64,
    /// Every request with a query value containing this text (ignoring case) fails with 500,
    /// however often it is retried: a search for one address the portal cannot answer.
    pub failing_value: Option<String>,
}

impl Faults {
    /// No faults.
    pub const fn none() -> Self {
        Self {
            latency: None,
            too_many_requests: None,
            retry_after_secs: 1,
            internal_server_error: None,
            bad_gateway: None,
            dropped_connection: None,
            drop_mode: DropMode::BeforeHandling,
            writes_only: false,
            rng_seed: 42,
            failing_value: None,
        }
    }

    /// Fails with 500, every time, each request with a query value containing `text` (ignoring
    /// case), e.g. the search for one address.
    pub fn with_failing_value(mut self, text: impl Into<String>) -> Self {
        self.failing_value = Some(text.into().to_lowercase());
        self
    }

    /// Whether a request with this query string fails for [`Faults::failing_value`].
    pub(crate) fn fails_query(&self, query: Option<&str>) -> bool {
        let (Some(text), Some(query)) = (&self.failing_value, query) else {
            return false;
        };
        let values: Vec<(String, String)> =
            axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
                &format!("/?{query}").parse().unwrap_or_default(),
            )
            .map(|q| q.0)
            .unwrap_or_default();
        values
            .iter()
            .any(|(_, v)| v.to_lowercase().contains(text.as_str()))
    }

    /// Whether no fault is configured.
    pub fn is_none(&self) -> bool {
        self.latency.is_none()
            && self.too_many_requests.is_none()
            && self.internal_server_error.is_none()
            && self.bad_gateway.is_none()
            && self.dropped_connection.is_none()
            && self.failing_value.is_none()
    }

    /// Adds `delay` to the requests `trigger` selects.
    pub fn with_latency(mut self, delay: Duration, trigger: Trigger) -> Self {
        self.latency = Some(Latency { delay, trigger });
        self
    }

    /// Answers 429 with `Retry-After: retry_after_secs`.
    pub fn with_too_many_requests(mut self, trigger: Trigger, retry_after_secs: u64) -> Self {
        self.too_many_requests = Some(trigger);
        self.retry_after_secs = retry_after_secs;
        self
    }

    /// Answers 500 with an HTML body.
    pub fn with_internal_server_error(mut self, trigger: Trigger) -> Self {
        self.internal_server_error = Some(trigger);
        self
    }

    /// Answers 502 with an HTML body.
    pub fn with_bad_gateway(mut self, trigger: Trigger) -> Self {
        self.bad_gateway = Some(trigger);
        self
    }

    /// Drops the connection mid-response, before or after handling the request.
    pub fn with_dropped_connection(mut self, trigger: Trigger, mode: DropMode) -> Self {
        self.dropped_connection = Some(trigger);
        self.drop_mode = mode;
        self
    }

    /// Injects faults only into requests that change data: `PUT`, `DELETE`, and `POST` other
    /// than signing in.
    pub fn writes_only(mut self) -> Self {
        self.writes_only = true;
        self
    }

    /// Seeds the generator behind [`Trigger::Rate`].
    pub fn with_rng_seed(mut self, seed: u64) -> Self {
        self.rng_seed = seed;
        self
    }

    /// Adds one fault from its command-line form `KIND[@TRIGGER]`: `429@rate=0.1`,
    /// `500@every=5`, `502`, `drop@first=1`, `drop-after@every=2`, `latency=200@rate=50%`
    /// (milliseconds). Without a trigger the fault fires on every request.
    pub fn add_spec(mut self, spec: &str) -> Result<Self, InvalidFault> {
        let bad = || InvalidFault(spec.to_owned());
        let (kind, trigger) = match spec.split_once('@') {
            Some((kind, trigger)) => (kind.trim(), trigger.parse::<Trigger>()?),
            None => (spec.trim(), Trigger::Always),
        };
        match kind {
            "429" => self.too_many_requests = Some(trigger),
            "500" => self.internal_server_error = Some(trigger),
            "502" => self.bad_gateway = Some(trigger),
            "drop" => {
                self.dropped_connection = Some(trigger);
                self.drop_mode = DropMode::BeforeHandling;
            }
            "drop-after" => {
                self.dropped_connection = Some(trigger);
                self.drop_mode = DropMode::AfterHandling;
            }
            other => {
                let millis = other
                    .strip_prefix("latency=")
                    .and_then(|ms| ms.trim().trim_end_matches("ms").parse::<u64>().ok())
                    .ok_or_else(bad)?;
                self.latency = Some(Latency {
                    delay: Duration::from_millis(millis),
                    trigger,
                });
            }
        }
        Ok(self)
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::none()
    }
}

/// What the fault layer decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Decision {
    pub(crate) delay: Option<Duration>,
    pub(crate) fault: Option<FaultKind>,
}

/// The live fault configuration with its request counter and generator.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: Faults,
    requests_seen: u64,
    rng: SplitMix64,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = SplitMix64::new(faults.rng_seed);
        Self {
            faults,
            requests_seen: 0,
            rng,
        }
    }

    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    pub(crate) fn drop_mode(&self) -> DropMode {
        self.faults.drop_mode
    }

    pub(crate) fn retry_after_secs(&self) -> u64 {
        self.faults.retry_after_secs
    }

    /// Decides the faults of the next request; `is_write` tells whether it changes data.
    pub(crate) fn decide(&mut self, is_write: bool) -> Decision {
        if self.faults.is_none() || (self.faults.writes_only && !is_write) {
            return Decision::default();
        }
        self.requests_seen += 1;
        let n = self.requests_seen;
        let rng = &mut self.rng;
        let delay = self
            .faults
            .latency
            .filter(|latency| latency.trigger.fires(n, rng))
            .map(|latency| latency.delay);
        let candidates = [
            (self.faults.too_many_requests, FaultKind::TooManyRequests),
            (
                self.faults.internal_server_error,
                FaultKind::InternalServerError,
            ),
            (self.faults.bad_gateway, FaultKind::BadGateway),
            (self.faults.dropped_connection, FaultKind::DroppedConnection),
        ];
        let mut fault = None;
        for (trigger, kind) in candidates {
            if let Some(trigger) = trigger
                && trigger.fires(n, rng)
                && fault.is_none()
            {
                fault = Some(kind);
            }
        }
        Decision { delay, fault }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let f = Faults::none()
            .add_spec("429@rate=0.25")
            .and_then(|f| f.add_spec("500@every=5"))
            .and_then(|f| f.add_spec("502"))
            .and_then(|f| f.add_spec("drop-after@first=2"))
            .and_then(|f| f.add_spec("latency=150@rate=50%"))
            .unwrap();
        assert_eq!(f.too_many_requests, Some(Trigger::Rate(0.25)));
        assert_eq!(f.internal_server_error, Some(Trigger::EveryNth(5)));
        assert_eq!(f.bad_gateway, Some(Trigger::Always));
        assert_eq!(f.dropped_connection, Some(Trigger::FirstN(2)));
        assert_eq!(f.drop_mode, DropMode::AfterHandling);
        assert_eq!(
            f.latency,
            Some(Latency {
                delay: Duration::from_millis(150),
                trigger: Trigger::Rate(0.5)
            })
        );
        assert!(Faults::none().add_spec("418").is_err());
        assert!(Faults::none().add_spec("429@every=0").is_err());
        assert!(Faults::none().add_spec("429@rate=2").is_err());
    }

    #[test]
    fn every_nth_and_first_n() {
        let mut state =
            FaultState::new(Faults::none().with_internal_server_error(Trigger::EveryNth(3)));
        let fired: Vec<bool> = (0..6).map(|_| state.decide(true).fault.is_some()).collect();
        assert_eq!(fired, [false, false, true, false, false, true]);
        let mut state = FaultState::new(
            Faults::none()
                .with_bad_gateway(Trigger::FirstN(2))
                .writes_only(),
        );
        assert_eq!(state.decide(false).fault, None);
        assert_eq!(state.decide(true).fault, Some(FaultKind::BadGateway));
        assert_eq!(state.decide(true).fault, Some(FaultKind::BadGateway));
        assert_eq!(state.decide(true).fault, None);
    }

    #[test]
    fn rates_are_deterministic() {
        let faults = Faults::none().with_too_many_requests(Trigger::Rate(0.3), 1);
        let run = || {
            let mut state = FaultState::new(faults.clone());
            (0..200)
                .map(|_| state.decide(true).fault.is_some())
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let hits = first.iter().filter(|f| **f).count();
        assert!((30..90).contains(&hits), "{hits} hits of 200 at rate 0.3");
    }
}
