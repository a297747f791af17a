//! Bulk changes at portal scale: any number of users, in chunks, concurrently, with retries, and
//! an exact account of what happened to every id.
//!
//! ```no_run
//! # async fn run(client: docspace_people::Client, leavers: Vec<uuid::Uuid>) -> Result<(), docspace_people::Error> {
//! use docspace_people::UserStatus;
//! use docspace_people::bulk::{BulkOptions, Change, Outcome};
//!
//! let report = client
//!     .bulk(Change::Status(UserStatus::Terminated))
//!     .options(BulkOptions::default().chunk_size(100).concurrency(4))
//!     .on_progress(|p| eprintln!("{}/{} done, {} failed", p.done, p.total, p.failed))
//!     .run(&leavers)
//!     .await?;
//! for entry in report.entries.iter().filter(|e| e.outcome != Outcome::Changed) {
//!     println!("{}: {:?} {}", entry.id, entry.outcome, entry.detail.as_deref().unwrap_or(""));
//! }
//! # Ok(()) }
//! ```
//!
//! What the engine guarantees:
//! * every distinct input id ends exactly once in [`BulkReport::entries`] (or, with
//!   [`BulkOptions::keep_entries`] off, in one call of the [`BulkJob::on_entries`] hook);
//!   repeated ids are listed in [`BulkReport::duplicates`] and sent once;
//! * memory stays at about 17 bytes per input id besides the ids themselves, however many
//!   users the job reads: their states are packed, not kept;
//! * outcomes are observed, never assumed. Before sending, the engine reads each target's
//!   current state (one request per user when they are few, pages of the user list when that is
//!   cheaper), so [`Outcome::AlreadyInTarget`] (not sent) and [`Outcome::Changed`] are facts
//!   whatever form the ids came in. Ids the server does not know are [`Outcome::Refused`]
//!   without being sent;
//! * when an answer is lost, broken, or retries run out on a change that may have been applied,
//!   the engine reads those users back and reports what it finds: changed, or
//!   [`Outcome::Failed`] (not changed). Only when it cannot tell is a user
//!   [`Outcome::Unknown`], with the reason;
//! * retryable failures (429 honouring `Retry-After`, 5xx, dropped connections, timeouts) are
//!   retried by the client's [`crate::RetryPolicy`] (or
//!   [`BulkOptions::retry`]); the PUTs set a value, so sending one twice is safe;
//! * a 3.7 server refuses a whole status or quota request (403) when one target is protected,
//!   and applies a type change user by user up to the first refused one: the engine reads the
//!   users back, keeps those changed, and splits the rest until it has isolated the refused ids.
//!   Against a 3.6 server, which skips such users silently, it compares what came back with
//!   what was asked;
//! * cancelling stops sending (requests in flight finish and are accounted) and the ids not sent
//!   are reported as failed with "not sent: cancelled";
//! * reads are counted apart from changes ([`BulkReport::reads`], [`BulkReport::requests`]);
//! * a type change lowers types on DocSpace 3.1 and later through the server's type-change job,
//!   one user at a time, [`BulkOptions::job_concurrency`] at once, each settled by reading the
//!   user back ([`crate::lifecycle`]); [`BulkJob::reassign_to`] names who receives their rooms.

mod demote;
mod engine;
mod index;
pub(crate) mod observe;
mod prepare;
mod report;
mod slots;

use std::collections::HashMap;
use std::sync::Arc;

pub use report::{BulkReport, Counts, Duplicate, Entry, LimitStop, Outcome, Plan, Prior, Progress};
pub use tokio_util::sync::CancellationToken;

pub use crate::change::Change;
use crate::{Client, Error, RetryPolicy, User};

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
    pub jobs: crate::lifecycle::JobOptions,
    /// Whether [`BulkReport::entries`] keeps every entry (the default). With `false` the
    /// entries go only to the hook of [`BulkJob::on_entries`], and the job's memory stays
    /// a few bytes per user however many there are: for runs of millions, where the caller
    /// writes each entry out (a journal, a report file) as it comes.
    pub keep_entries: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: 100,
            concurrency: 4,
            retry: None,
            job_concurrency: 2,
            jobs: crate::lifecycle::JobOptions::default(),
            keep_entries: true,
        }
    }
}

impl BulkOptions {
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
    pub fn jobs(mut self, options: crate::lifecycle::JobOptions) -> Self {
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
    pub const MAX_IN_FLIGHT: usize = 15;

    pub(crate) fn check(&self) -> Result<(), Error> {
        if !(1..=1000).contains(&self.chunk_size) {
            return Err(Error::invalid_input(format!(
                "chunk size {} is out of range 1..=1000",
                self.chunk_size
            )));
        }
        if !(1..=64).contains(&self.concurrency) {
            return Err(Error::invalid_input(format!(
                "concurrency {} is out of range 1..=64",
                self.concurrency
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

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;
type ConfirmFn = Arc<dyn Fn(&Plan) -> bool + Send + Sync>;
type EntriesFn = Arc<dyn Fn(&[Entry]) + Send + Sync>;

/// A bulk change, configured and ready to [`run`](BulkJob::run). Made by [`Client::bulk`].
pub struct BulkJob {
    client: Client,
    change: Change,
    options: BulkOptions,
    known: HashMap<uuid::Uuid, User>,
    receiver: Option<uuid::Uuid>,
    progress: Option<ProgressFn>,
    confirm: Option<ConfirmFn>,
    on_entries: Option<EntriesFn>,
    cancel: CancellationToken,
}

impl std::fmt::Debug for BulkJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkJob")
            .field("change", &self.change)
            .field("options", &self.options)
            .field("known_users", &self.known.len())
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a bulk change. See the [`bulk`](crate::bulk) module.
    pub fn bulk(&self, change: Change) -> BulkJob {
        BulkJob {
            client: self.clone(),
            change,
            options: BulkOptions::default(),
            known: HashMap::new(),
            receiver: None,
            progress: None,
            confirm: None,
            on_entries: None,
            cancel: CancellationToken::new(),
        }
    }
}

impl BulkJob {
    /// Sets the chunking, concurrency and retry settings.
    pub fn options(mut self, options: BulkOptions) -> Self {
        self.options = options;
        self
    }

    /// Users whose current state is known (for example from a search): those already as the
    /// change would make them are reported [`Outcome::AlreadyInTarget`] and not sent.
    pub fn known_users(mut self, users: impl IntoIterator<Item = User>) -> Self {
        self.known.extend(users.into_iter().map(|u| (u.id, u)));
        self
    }

    /// Who receives the rooms of users whose type is lowered through the type-change job: an
    /// active DocSpace admin or room admin (checked before anything is sent). The signed-in
    /// user when not set, as on the server.
    pub fn reassign_to(mut self, receiver: uuid::Uuid) -> Self {
        self.receiver = Some(receiver);
        self
    }

    /// Called after each chunk with the running totals.
    pub fn on_progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Called with each batch of settled entries as the job goes (those settled before sending,
    /// then each chunk's), each with the user's prior state: what a journal records, so that a
    /// run that dies can be resumed and a finished one undone.
    pub fn on_entries(mut self, on_entries: impl Fn(&[Entry]) + Send + Sync + 'static) -> Self {
        self.on_entries = Some(Arc::new(on_entries));
        self
    }

    /// Asks `confirm` before the first change is sent, with the [`Plan`]: how many users will
    /// be sent, and how many are already in the target state or will be refused. When it
    /// returns `false`, nothing is sent: the users that would have been are reported failed
    /// "not sent: not confirmed", and the report says `cancelled`. It runs on the job's task;
    /// a hook that waits for a person should use `tokio::task::block_in_place`.
    pub fn confirm(mut self, confirm: impl Fn(&Plan) -> bool + Send + Sync + 'static) -> Self {
        self.confirm = Some(Arc::new(confirm));
        self
    }

    /// A token that cancels the job when cancelled, from another task or a signal handler.
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Uses this token to cancel the job.
    pub fn with_cancel_token(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    /// Runs the change for `user_ids`. Fails only before any change is sent: on bad input (no
    /// ids, a change that cannot be made or that the connected server does not have,
    /// out-of-range options), or when the server's product and version cannot be learned
    /// ([`Client::server`]); everything that happens after is in the report.
    pub async fn run(self, user_ids: &[uuid::Uuid]) -> Result<BulkReport, Error> {
        self.options.check()?;
        self.change.check()?;
        if user_ids.is_empty() {
            return Err(Error::invalid_input("no user ids given"));
        }
        let (index, duplicates) = index::Index::new(user_ids)?;
        let server = self
            .client
            .server_if(true)
            .await?
            .ok_or_else(|| Error::invalid_input("the server is not known"))?;
        server.check_change(&self.change)?;
        if let Some(receiver) = self.receiver {
            self.check_receiver(&server, receiver, user_ids).await?;
        }
        Ok(engine::run(self, server, user_ids, index, duplicates).await)
    }

    async fn check_receiver(
        &self,
        server: &crate::Server,
        receiver: uuid::Uuid,
        user_ids: &[uuid::Uuid],
    ) -> Result<(), Error> {
        if !matches!(self.change, Change::Type(_)) {
            return Err(Error::invalid_input(
                "a receiver of rooms only applies to type changes",
            ));
        }
        if !server.has_type_change_job() {
            return Err(Error::Unsupported(format!(
                "{server} has no type-change job, so no receiver of rooms"
            )));
        }
        self.client.check_receiver_of(receiver, user_ids).await
    }
}
