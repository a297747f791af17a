//! Retrying one request: exponential backoff with full jitter, `Retry-After`, and bounds.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::BulkOptions;
use crate::Error;

/// Why [`with_retries`] gave up.
pub(crate) enum GiveUp {
    /// The last error (not retryable, or out of attempts or time).
    Error(Error),
    /// The job was cancelled while waiting to retry.
    Cancelled,
}

/// Runs `attempt` until it succeeds, fails for good, runs out of attempts or time, or the job is
/// cancelled while waiting. `on_attempt` counts requests.
pub(crate) async fn with_retries<T, F, Fut>(
    options: &BulkOptions,
    cancel: &CancellationToken,
    mut on_attempt: impl FnMut(),
    mut attempt: F,
) -> Result<T, GiveUp>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    let mut number = 1u32;
    loop {
        on_attempt();
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !error.is_retryable() || number >= options.max_attempts {
            return Err(GiveUp::Error(error));
        }
        let delay = backoff(options, number, error.retry_after());
        if started.elapsed() + delay > options.max_elapsed {
            return Err(GiveUp::Error(error));
        }
        tracing::debug!(attempt = number, delay_ms = delay.as_millis() as u64, %error, "retrying");
        tokio::select! {
            () = cancel.cancelled() => return Err(GiveUp::Cancelled),
            () = tokio::time::sleep(delay) => {}
        }
        number += 1;
    }
}

/// Full jitter: a random delay up to `initial * 2^(n-1)`, capped; at least what the server asked.
fn backoff(options: &BulkOptions, retry_number: u32, retry_after: Option<Duration>) -> Duration {
    let exponential = options
        .initial_backoff
        .saturating_mul(1u32 << (retry_number - 1).min(20))
        .min(options.max_backoff);
    let jittered = exponential.mul_f64(fastrand::f64());
    retry_after.map_or(jittered, |asked| asked.max(jittered))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_honours_retry_after() {
        let options =
            BulkOptions::default().backoff(Duration::from_millis(100), Duration::from_secs(1));
        for n in 1..40 {
            assert!(backoff(&options, n, None) <= Duration::from_secs(1));
        }
        assert!(backoff(&options, 1, Some(Duration::from_secs(5))) >= Duration::from_secs(5));
    }
}
