//! Pacing on the server's `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers: when the
//! window has no requests left, wait for it to reset instead of collecting 429s. The headers
//! are used when present and never depended on.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// What the server last said about the caller's window.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    budget: Mutex<Option<Budget>>,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    remaining: u64,
    reset: Instant,
}

impl Pacer {
    /// Notes the headers of an answer, if it has both.
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
        let mut budget = self
            .budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *budget = Some(Budget { remaining, reset });
    }

    /// How long to wait before the next request: until the reset, when the window is spent.
    pub(crate) fn wait(&self) -> Option<Duration> {
        let mut budget = self
            .budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = (*budget)?;
        let now = Instant::now();
        if current.reset <= now {
            *budget = None;
            return None;
        }
        (current.remaining == 0).then(|| current.reset - now)
    }

    /// Forgets the budget once its wait was served, so that the next answer sets it anew.
    pub(crate) fn waited(&self) {
        let mut budget = self
            .budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *budget = None;
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
    fn waits_only_when_the_window_is_spent() {
        let pacer = Pacer::default();
        assert_eq!(pacer.wait(), None);
        pacer.observe(&headers(10, 30));
        assert_eq!(pacer.wait(), None);
        pacer.observe(&headers(0, 30));
        let wait = pacer.wait().unwrap();
        assert!(wait > Duration::from_secs(28) && wait <= Duration::from_secs(30));
        pacer.waited();
        assert_eq!(pacer.wait(), None);
        let mut garbage = HeaderMap::new();
        garbage.insert("x-ratelimit-remaining", "soon".parse().unwrap());
        pacer.observe(&garbage);
        assert_eq!(pacer.wait(), None);
    }
}
