//! The context of one bulk run, shared by every part of it: the job, the server, the policy,
//! the request counters, and the rate-limit stop.

use std::sync::atomic::{AtomicUsize, Ordering};

use uuid::Uuid;

use super::job::BulkJob;
use super::report::{Entry, LimitStop, Outcome};
use crate::transport::RetryPolicy;
use crate::{Error, Refusal, Server};

/// Where a wait beyond the clock's range is saturated: a hundred years ahead.
const FAR_AHEAD: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 24 * 3600);

/// One id to send and its input position.
pub(super) type Target = (usize, Uuid);

/// The job and its request counters, shared by the chunks in flight.
pub(super) struct Run<'a> {
    pub(super) job: &'a BulkJob,
    pub(super) server: Server,
    pub(super) policy: RetryPolicy,
    /// Requests in flight, within what the server takes.
    pub(super) concurrency: usize,
    writes: AtomicUsize,
    reads: AtomicUsize,
    /// Users to change through the type-change job, and those settled so far.
    pub(super) by_job: usize,
    jobs_done: AtomicUsize,
    /// Set when the server asked for a wait longer than the policy takes: nothing more is sent.
    stopped: std::sync::Mutex<Option<LimitStop>>,
}

impl<'a> Run<'a> {
    /// The context of a run of `job` on `server`, `concurrency` requests at once.
    pub(super) fn new(job: &'a BulkJob, server: Server, concurrency: usize) -> Self {
        Run {
            policy: job.options.retry.unwrap_or(*job.client.retry_policy()),
            job,
            server,
            concurrency,
            writes: AtomicUsize::new(0),
            reads: AtomicUsize::new(0),
            by_job: 0,
            jobs_done: AtomicUsize::new(0),
            stopped: std::sync::Mutex::new(None),
        }
    }

    /// Writes sent so far.
    pub(super) fn writes(&self) -> usize {
        self.writes.load(Ordering::Relaxed)
    }

    /// Reads sent so far.
    pub(super) fn reads(&self) -> usize {
        self.reads.load(Ordering::Relaxed)
    }

    /// Counts a user settled through the type-change job.
    pub(super) fn job_done(&self) {
        self.jobs_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Users settled through the type-change job so far.
    pub(super) fn jobs_done(&self) -> usize {
        self.jobs_done.load(Ordering::Relaxed)
    }

    pub(super) fn count_write(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn count_read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn stopped(&self) -> Option<LimitStop> {
        *self
            .stopped
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Why nothing more is sent, if so: the job was cancelled, or the rate limit stopped it.
    pub(super) fn not_sending(&self) -> Option<String> {
        if self.job.cancel.is_cancelled() {
            return Some("not sent: the job was cancelled".to_owned());
        }
        self.stopped().map(|stop| {
            format!(
                "not sent: the portal's rate limit stopped the job; it can go on in {} s",
                stop.wait.as_secs()
            )
        })
    }

    /// Stops sending when the server asks for a wait longer than the policy takes.
    pub(super) fn note_limit(&self, error: &Error) {
        if let Error::RateLimited {
            retry_after: Some(wait),
            ..
        } = error
            && *wait > self.policy.max_retry_after
        {
            // A wait too long to add to the clock (`Retry-After: 18446744073709551615`) means
            // "not before someone clears it": saturate far ahead, never wrap to the past.
            let now = std::time::SystemTime::now();
            let until = now
                .checked_add(*wait)
                .or_else(|| now.checked_add(FAR_AHEAD))
                .unwrap_or(now);
            let mut stopped = self
                .stopped
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if stopped.is_none() {
                tracing::warn!(
                    wait_s = wait.as_secs(),
                    "the portal's rate limit stops the job"
                );
                *stopped = Some(LimitStop { wait: *wait, until });
            }
        }
    }
}

/// An entry with no prior state yet (the engine attaches it when the entry is passed on).
pub(super) fn entry(position: usize, id: Uuid, outcome: Outcome, detail: Option<String>) -> Entry {
    // A refusal made here is the server's answer; predicted ones are made by `refused`.
    let reason = (outcome == Outcome::Refused)
        .then(|| Refusal::Server(detail.clone().unwrap_or_else(|| "refused".to_owned())));
    Entry {
        id,
        position,
        outcome,
        detail,
        reason,
        prior: None,
        email: None,
        display_name: None,
    }
}

/// An entry for a user refused by a rule, before sending.
pub(super) fn refused(position: usize, id: Uuid, reason: Refusal) -> Entry {
    Entry {
        id,
        position,
        outcome: Outcome::Refused,
        detail: Some(format!("{reason}; not sent")),
        reason: Some(reason),
        prior: None,
        email: None,
        display_name: None,
    }
}

/// The same outcome for every target.
pub(super) fn all(targets: &[Target], outcome: Outcome, detail: &str, out: &mut Vec<Entry>) {
    out.extend(
        targets
            .iter()
            .map(|&(position, id)| entry(position, id, outcome, Some(detail.to_owned()))),
    );
}
