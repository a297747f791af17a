//! Pacing on the server's `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers: when the
//! window has no requests left, wait for it to reset instead of collecting 429s. The headers
//! are used when present and never depended on.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// What the server last said about the caller's window, counted down by the requests sent
/// since.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    budget: Option<Budget>,
    /// When a request was let through to probe a window whose reset has passed; the others wait
    /// for its answer rather than all leaving at once and meeting a 429.
    probe: Option<Instant>,
    /// Requests sent and not yet answered: an answer's `X-RateLimit-Remaining` may not count
    /// them yet, so they are taken off it.
    in_flight: u64,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    remaining: u64,
    reset: Instant,
}

/// How long waiters trust a probe to bring an answer before another is let through.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// How often waiters look again while a probe is out.
const PROBE_POLL: Duration = Duration::from_millis(25);

impl Pacer {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes the headers of a successful answer, if it has both.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (Some(remaining), Some(reset_unix)) =
            (number("x-ratelimit-remaining"), number("x-ratelimit-reset"))
        else {
            return;
        };
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // A reset in the past, or absurdly far (more than a day), is not trusted.
        let wait = Duration::from_secs(reset_unix.saturating_sub(now_unix).min(86_400));
        let Some(reset) = Instant::now().checked_add(wait) else {
            return;
        };
        let mut state = self.state();
        // The request answered is one of those in flight; the others are still to be counted.
        let others = state.in_flight.saturating_sub(1);
        let remaining = remaining.saturating_sub(others);
        state.budget = Some(Budget { remaining, reset });
        state.probe = None;
    }

    /// Counts a request in flight until the guard is dropped (answered, failed or abandoned).
    pub(crate) fn in_flight(&self) -> InFlight<'_> {
        self.state().in_flight += 1;
        InFlight { pacer: self }
    }

    /// Takes one request from the budget: `None` to send now, or how long to wait before
    /// asking again. Without headers from the server there is no budget and no wait.
    pub(crate) fn acquire(&self) -> Option<Duration> {
        let now = Instant::now();
        let mut state = self.state();
        let budget = state.budget.as_mut()?;
        if budget.remaining > 0 {
            budget.remaining -= 1;
            return None;
        }
        if now < budget.reset {
            return Some(budget.reset - now);
        }
        // The window has reset, but how much room it has is unknown: one request finds out.
        match state.probe {
            Some(sent) if now.duration_since(sent) < PROBE_TIMEOUT => Some(PROBE_POLL),
            _ => {
                state.probe = Some(now);
                None
            }
        }
    }
}

/// A request in flight, counted by its [`Pacer`] while it lives.
pub(crate) struct InFlight<'a> {
    pacer: &'a Pacer,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut state = self.pacer.state();
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(remaining: u64, reset_in: u64) -> HeaderMap {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut map = HeaderMap::new();
        map.insert("x-ratelimit-remaining", remaining.into());
        map.insert("x-ratelimit-reset", (now + reset_in).into());
        map
    }

    #[test]
    fn counts_down_waits_for_the_reset_then_sends_one_probe() {
        let pacer = Pacer::default();
        assert_eq!(pacer.acquire(), None, "no headers, no budget");
        pacer.observe(&headers(2, 30));
        assert_eq!(pacer.acquire(), None);
        assert_eq!(pacer.acquire(), None);
        let wait = pacer.acquire().expect("the budget is spent");
        assert!(wait > Duration::from_secs(28) && wait <= Duration::from_secs(30));
        // A reset that has passed: one probe goes, the others wait for its answer.
        pacer.observe(&headers(0, 0));
        assert_eq!(pacer.acquire(), None);
        assert_eq!(pacer.acquire(), Some(PROBE_POLL));
        pacer.observe(&headers(5, 30));
        assert_eq!(pacer.acquire(), None);
        let mut garbage = HeaderMap::new();
        garbage.insert("x-ratelimit-remaining", "soon".parse().unwrap());
        pacer.observe(&garbage);
        assert_eq!(pacer.acquire(), None, "the last good budget still counts");
    }

    #[test]
    fn requests_still_in_flight_are_taken_off_an_answers_budget() {
        let pacer = Pacer::default();
        let answered = pacer.in_flight();
        let others = [pacer.in_flight(), pacer.in_flight(), pacer.in_flight()];
        // The first answer says 3 left, before the server counted the other three.
        pacer.observe(&headers(3, 30));
        drop(answered);
        assert!(
            pacer.acquire().is_some(),
            "the three in flight take what was left"
        );
        drop(others);
        pacer.observe(&headers(2, 30));
        assert_eq!(pacer.acquire(), None);
    }
}
