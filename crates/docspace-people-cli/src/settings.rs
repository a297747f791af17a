//! The arguments of the changing commands, resolved once into [`Settings`]: defaults and
//! ranges come from the library's constants (`BulkOptions`, `JobOptions`), here and in
//! `cli.rs`, so the two cannot drift.

use docspace_people::Uuid;
use docspace_people::bulk::BulkOptions;
use docspace_people::lifecycle::JobOptions;

use crate::cli::{JobArgs, RunOptions};

/// How a run is made: chunking, guard rails, and where the journal goes.
pub struct Settings {
    /// Ids per request.
    pub chunk_size: usize,
    /// Requests in flight.
    pub concurrency: usize,
    /// Do not ask.
    pub yes: bool,
    /// Refuse bigger runs.
    pub max_changes: Option<usize>,
    /// Where the journal goes, if one is kept.
    pub journal: Option<std::path::PathBuf>,
    /// Who receives the rooms of demoted users.
    pub reassign_to: Option<Uuid>,
    /// Type-change jobs followed at once.
    pub job_concurrency: usize,
    /// The first wait between two reads of a job's progress.
    pub job_poll: std::time::Duration,
    /// Who the run is for, as far as the command knows.
    pub caller: crate::session::Caller,
}

impl Settings {
    /// The settings the command line asks for, with this journal. Clap has checked the ranges
    /// (taken from the library's constants); a value that does not fit a `usize` falls back to
    /// the library's default.
    pub fn new(run: &RunOptions, journal: Option<std::path::PathBuf>) -> Self {
        Settings {
            chunk_size: count(run.chunk_size, BulkOptions::DEFAULT_CHUNK_SIZE),
            concurrency: count(run.concurrency, BulkOptions::DEFAULT_CONCURRENCY),
            yes: run.yes,
            max_changes: run.max_changes,
            journal,
            reassign_to: None,
            job_concurrency: BulkOptions::DEFAULT_JOB_CONCURRENCY,
            job_poll: JobOptions::DEFAULT_POLL_INTERVAL,
            caller: crate::session::Caller::Unknown,
        }
    }

    /// The same, following type-change jobs as `jobs` says.
    pub fn with_jobs(mut self, jobs: &JobArgs) -> Self {
        self.job_concurrency = count(jobs.jobs, BulkOptions::DEFAULT_JOB_CONCURRENCY);
        self.job_poll = std::time::Duration::from_millis(jobs.job_poll_ms);
        self
    }

    /// The engine's options for these settings.
    pub fn bulk_options(&self) -> BulkOptions {
        BulkOptions::default()
            .chunk_size(self.chunk_size)
            .concurrency(self.concurrency)
            .job_concurrency(self.job_concurrency)
            .jobs(
                JobOptions::default()
                    .poll_interval(self.job_poll)
                    .max_poll_interval(
                        self.job_poll
                            .saturating_mul(8)
                            .min(JobOptions::MAX_POLL_INTERVAL),
                    ),
            )
    }
}

fn count(value: u64, default: usize) -> usize {
    usize::try_from(value).unwrap_or(default)
}
