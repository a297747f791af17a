//! The workers that run background jobs: for each kind, a fixed number of workers (one by
//! default, like the server's single reader per queue) take jobs in the order they were
//! started and step through them, spreading the steps evenly over the configured duration.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::job_steps;
use crate::jobs::{JobKind, JobStatus};
use crate::server::Shared;

/// Percentage at which an injected failure ([`crate::FakePortal::fail_job_for`]) stops a job.
const INJECTED_FAILURE_AT: u32 = 40;

/// Wakes the workers of each kind.
#[derive(Debug, Default)]
pub(crate) struct JobSignals {
    wake: [Notify; 2],
}

impl JobSignals {
    /// A job of this kind was queued.
    pub(crate) fn queued(&self, kind: JobKind) {
        self.wake[kind.index()].notify_one();
    }

    /// The workers may have work (they were released from a pause).
    pub(crate) fn wake_all(&self) {
        for wake in &self.wake {
            wake.notify_waiters();
        }
    }
}

/// Starts `workers` workers (at least one) for every kind, on the current runtime.
pub(crate) fn spawn_workers(shared: &Arc<Shared>, workers: usize) -> Vec<JoinHandle<()>> {
    JobKind::ALL
        .iter()
        .flat_map(|kind| std::iter::repeat_n(*kind, workers.max(1)))
        .map(|kind| tokio::spawn(worker(shared.clone(), kind)))
        .collect()
}

async fn worker(shared: Arc<Shared>, kind: JobKind) {
    loop {
        let notified = shared.job_signals.wake[kind.index()].notified();
        tokio::pin!(notified);
        // Registered before looking, so a job queued in between is not missed.
        notified.as_mut().enable();
        let next = shared.jobs.lock().pop(kind);
        match next {
            Some((id, job)) => {
                tracing::debug!(%kind, user = %job.user, "job starts");
                run(&shared, kind, id, job.cancelled, job.injected_failure).await;
            }
            None => notified.await,
        }
    }
}

async fn run(
    shared: &Shared,
    kind: JobKind,
    id: u64,
    cancelled: bool,
    injected_failure: Option<String>,
) {
    if cancelled {
        // Terminated while queued: it ends without running.
        shared
            .jobs
            .lock()
            .finish(id, JobStatus::Canceled, "", Instant::now());
        return;
    }
    let checkpoints = job_steps::checkpoints(kind);
    let step = shared.job_duration / u32::try_from(checkpoints.len()).unwrap_or(1).max(1);
    for &percentage in checkpoints {
        pause(step).await;
        let mut state = shared.state.write();
        let mut jobs = shared.jobs.lock();
        let now = Instant::now();
        let Some(job) = jobs.job(id) else {
            return;
        };
        let (user, plan) = (job.user, job.plan.clone());
        if percentage > INJECTED_FAILURE_AT
            && let Some(message) = &injected_failure
        {
            jobs.set_percentage(id, INJECTED_FAILURE_AT);
            jobs.finish(id, JobStatus::Failed, message, now);
            tracing::debug!(%kind, %user, "job failed (injected)");
            return;
        }
        if let Err(message) = job_steps::run(&mut state, user, &plan, percentage) {
            jobs.finish(id, JobStatus::Failed, &message, now);
            tracing::debug!(%kind, %user, %message, "job failed");
            return;
        }
        jobs.publish(id, percentage, now);
        if jobs.job(id).is_some_and(|j| j.cancelled) {
            jobs.finish(id, JobStatus::Canceled, "", now);
            tracing::debug!(%kind, %user, percentage, "job canceled");
            return;
        }
        if percentage >= 100 {
            jobs.finish(id, JobStatus::Completed, "", now);
            tracing::debug!(%kind, %user, "job completed");
            return;
        }
    }
}

/// Waits one step (or just yields, for a zero duration).
async fn pause(step: Duration) {
    if step.is_zero() {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(step).await;
    }
}
