//! How a bulk job runs: chunk size, concurrency, retries, jobs, and what the report keeps.

use crate::{Error, RetryPolicy};

/// Chunking, concurrency and retry settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Ids per request (default 100).
    pub chunk_size: usize,
    /// Requests in flight at once (default 4); also bounds the reads of users' state. Values
    /// above [`BulkOptions::MAX_IN_FLIGHT`] (15) are lowered to it, with a warning.
    pub concurrency: usize,
    /// How failed requests are retried; the client's policy when `None` (the default).
    pub retry: Option<RetryPolicy>,
    /// Type-change jobs (demotions) followed at once (default 2, at most 15). The server runs
    /// jobs of one kind one after another, so more than a few only queue there; and a job that
    /// waits about a minute without an update is expired by the server.
    pub job_concurrency: usize,
    /// How jobs are polled and how long one may take.
    pub jobs: crate::jobs::JobOptions,
    /// Whether [`BulkReport::entries`](super::BulkReport::entries) keeps every entry (the default). With `false` the
    /// entries go only to the hook of [`BulkJob::on_entries`](super::BulkJob::on_entries), and the job's memory stays
    /// a few bytes per user however many there are: for runs of millions, where the caller
    /// writes each entry out (a journal, a report file) as it comes.
    pub keep_entries: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: Self::DEFAULT_CHUNK_SIZE,
            concurrency: Self::DEFAULT_CONCURRENCY,
            retry: None,
            job_concurrency: Self::DEFAULT_JOB_CONCURRENCY,
            jobs: crate::jobs::JobOptions::default(),
            keep_entries: true,
        }
    }
}

impl BulkOptions {
    /// The default ids per request.
    pub const DEFAULT_CHUNK_SIZE: usize = 100;
    /// The largest chunk accepted.
    pub const MAX_CHUNK_SIZE: usize = 1000;
    /// The default requests in flight.
    pub const DEFAULT_CONCURRENCY: usize = 4;
    /// The largest concurrency accepted (values above [`MAX_IN_FLIGHT`](Self::MAX_IN_FLIGHT)
    /// are lowered to it when sending).
    pub const MAX_CONCURRENCY: usize = 64;
    /// The default type-change jobs followed at once.
    pub const DEFAULT_JOB_CONCURRENCY: usize = 2;

    /// Sets [`chunk_size`](Self::chunk_size).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Sets [`concurrency`](Self::concurrency).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets [`job_concurrency`](Self::job_concurrency).
    pub fn job_concurrency(mut self, jobs: usize) -> Self {
        self.job_concurrency = jobs;
        self
    }

    /// Sets how jobs are polled and timed out.
    pub fn jobs(mut self, options: crate::jobs::JobOptions) -> Self {
        self.jobs = options;
        self
    }

    /// Sets [`keep_entries`](Self::keep_entries).
    pub fn keep_entries(mut self, keep: bool) -> Self {
        self.keep_entries = keep;
        self
    }

    /// Retries this job's requests by `policy` instead of the client's.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Requests the server takes in flight from one user: a hosted DocSpace refuses the 16th
    /// write at once. The engine never goes above it, whatever `concurrency` says.
    pub const MAX_IN_FLIGHT: usize = crate::server::MAX_IN_FLIGHT;

    pub(crate) fn check(&self) -> Result<(), Error> {
        if !(1..=Self::MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return Err(Error::invalid_input(format!(
                "chunk size {} is out of range 1..={}",
                self.chunk_size,
                Self::MAX_CHUNK_SIZE
            )));
        }
        if !(1..=Self::MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::invalid_input(format!(
                "concurrency {} is out of range 1..={}",
                self.concurrency,
                Self::MAX_CONCURRENCY
            )));
        }
        if !(1..=Self::MAX_IN_FLIGHT).contains(&self.job_concurrency) {
            return Err(Error::invalid_input(format!(
                "job concurrency {} is out of range 1..={}",
                self.job_concurrency,
                Self::MAX_IN_FLIGHT
            )));
        }
        self.jobs.check()
    }
}
