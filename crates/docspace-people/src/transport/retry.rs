//! The retry policy: which failures are retried, how long to wait, and when to give up.

use std::time::Duration;

use crate::Error;

/// How the client retries a request that failed in a way that sending it again may fix: rate
/// limiting (429), 500/502/503/504, dropped connections and timeouts.
///
/// Set it once on [`ClientBuilder::retry`](crate::ClientBuilder::retry); every idempotent call
/// uses it (reads, and the four bulk PUTs, which set a value and so may be sent twice). Signing
/// in is retried only after failures that show the server did not take the request (no
/// connection, 429, 502/503/504). The bulk engine takes the client's policy unless
/// [`BulkOptions::retry`](crate::bulk::BulkOptions::retry) overrides it.
///
/// ```
/// use std::time::Duration;
/// use docspace_people::{Client, RetryPolicy};
///
/// let policy = RetryPolicy::default()
///     .max_attempts(8)
///     .backoff(Duration::from_millis(100), Duration::from_secs(10))
///     .max_retry_after(Duration::from_secs(30))
///     .deadline(Duration::from_secs(120));
/// let client = Client::builder("https://portal.example.com")
///     .token("token")
///     .retry(policy)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), docspace_people::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
    pub(crate) deadline: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, backoff from 250 ms doubling up to 30 s with full jitter, a `Retry-After` of
    /// at most 2 minutes honoured, and no retry started more than 5 minutes after the first
    /// attempt.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            deadline: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Attempts per request, the first included (at least 1; 0 is taken as 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry, doubling with each retry up to `max`; each wait is a
    /// random time up to that bound ("full jitter"), so that many clients do not retry in step.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The longest `Retry-After` the client waits for. When the server asks for more (after a
    /// daily limit it can be hours), the client gives up at once with
    /// [`Error::RateLimited`], which carries the server's wait, instead of sleeping silently.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// No retry starts later than this after the first attempt.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The attempts per request.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How long to wait before retry number `retry` (from 1) after `error`, or `None` to give
    /// up. `elapsed` is the time since the first attempt.
    pub(crate) fn delay(&self, retry: u32, error: &Error, elapsed: Duration) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        let exponential = self
            .initial_backoff
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(20))
            .min(self.max_backoff);
        let jittered = exponential.mul_f64(fastrand::f64());
        let delay = match error.retry_after() {
            Some(asked) if asked > self.max_retry_after => return None,
            Some(asked) => asked.max(jittered),
            None => jittered,
        };
        match elapsed.checked_add(delay) {
            Some(end) if end <= self.deadline => Some(delay),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(seconds: u64) -> Error {
        Error::RateLimited {
            retry_after: Some(Duration::from_secs(seconds)),
            message: None,
        }
    }

    #[test]
    fn backoff_is_capped_and_honours_retry_after() {
        let policy = RetryPolicy::default()
            .max_attempts(50)
            .backoff(Duration::from_millis(100), Duration::from_secs(1));
        let error = Error::Server {
            status: 503,
            message: None,
        };
        for n in 1..40 {
            let delay = policy.delay(n, &error, Duration::ZERO).unwrap();
            assert!(delay <= Duration::from_secs(1));
        }
        let delay = policy.delay(1, &limited(5), Duration::ZERO).unwrap();
        assert!(delay >= Duration::from_secs(5));
    }

    #[test]
    fn huge_waits_give_up_instead_of_overflowing() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, &limited(u64::MAX), Duration::ZERO), None);
        let patient = policy
            .max_retry_after(Duration::MAX)
            .deadline(Duration::MAX);
        assert_eq!(
            patient.delay(1, &limited(u64::MAX), Duration::from_secs(10)),
            None
        );
        assert_eq!(policy.delay(5, &limited(1), Duration::ZERO), None);
        assert_eq!(policy.delay(1, &limited(1), Duration::from_secs(300)), None);
    }
}
