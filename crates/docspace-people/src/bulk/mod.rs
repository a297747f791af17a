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
//! * every distinct input id ends exactly once in [`BulkReport::entries`], as
//!   [`Outcome::Changed`], [`Outcome::AlreadyInTarget`], [`Outcome::Refused`] (with the server's
//!   reason) or [`Outcome::Failed`] (with the error), whatever faults occur; repeated ids are
//!   listed in [`BulkReport::duplicates`] and sent once;
//! * retryable failures (429 honouring `Retry-After`, 5xx, dropped connections, timeouts) are
//!   retried with exponential backoff and full jitter, within a bound on attempts and on time per
//!   request; the PUTs are idempotent, so a retry after a lost response is safe;
//! * a 3.7 server refuses a whole request (403) when one target is protected: the engine splits
//!   the chunk until it has isolated the refused ids and still changes everyone else; against a
//!   3.6 server, which skips such users silently, it compares what came back with what was asked;
//! * cancelling stops sending (requests in flight finish and are accounted) and the ids not sent
//!   are reported as failed with "cancelled";
//! * memory is bounded by chunk size and concurrency: users returned by the server are checked
//!   and dropped, only a small entry per id is kept.

mod engine;
mod report;
mod retry;
mod wire;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use report::{BulkReport, Counts, Duplicate, Entry, Outcome, Progress};
pub use tokio_util::sync::CancellationToken;

use crate::enums::{UserStatus, UserType};
use crate::{Client, Error, Quota, User};
use wire::UserState;

/// The change to apply to every user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Set the status: [`UserStatus::Active`] or [`UserStatus::Terminated`].
    Status(UserStatus),
    /// Promote to this type.
    Type(UserType),
    /// Set the storage quota.
    Quota(Quota),
    /// Remove the custom quota, so the portal's default applies.
    ResetQuota,
}

impl Change {
    /// Whether `user` already is as this change would make them. `None` when the user object
    /// does not say (e.g. no `quotaLimit` because per-user quotas are off).
    pub fn is_satisfied_by(&self, user: &User) -> Option<bool> {
        self.is_satisfied_by_state(&UserState {
            id: user.id,
            status: user.status.clone(),
            is_owner: user.is_owner,
            is_admin: user.is_admin,
            is_room_admin: user.is_room_admin,
            is_visitor: user.is_visitor,
            is_collaborator: user.is_collaborator,
            quota_limit: user.quota_limit.and_then(Quota::to_wire),
            is_custom_quota: user.is_custom_quota,
        })
    }

    pub(crate) fn is_satisfied_by_state(&self, user: &UserState) -> Option<bool> {
        match self {
            Change::Status(UserStatus::Active) => user
                .status
                .as_ref()
                // Re-activating an unfinished invitation leaves the user Pending: that is the
                // server's answer to "activate", not a refusal.
                .map(|s| matches!(s, UserStatus::Active | UserStatus::Pending)),
            Change::Status(status) => user.status.as_ref().map(|s| s == status),
            Change::Type(user_type) => user.user_type().map(|t| &t == user_type),
            Change::Quota(quota) => user
                .quota_limit
                .map(|q| Quota::from_wire(q) == Some(*quota)),
            Change::ResetQuota => user.is_custom_quota.map(|custom| !custom),
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Status(status) => write!(f, "status {status}"),
            Change::Type(user_type) => write!(f, "type {user_type}"),
            Change::Quota(quota) => write!(f, "quota {quota}"),
            Change::ResetQuota => f.write_str("quota reset to the portal default"),
        }
    }
}

/// Chunking, concurrency and retry settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Ids per request (default 100).
    pub chunk_size: usize,
    /// Requests in flight at once (default 4).
    pub concurrency: usize,
    /// Attempts per request, the first included (default 5).
    pub max_attempts: u32,
    /// Time from a request's first attempt after which no retry starts (default 2 minutes).
    pub max_elapsed: Duration,
    /// Backoff before the first retry (default 250 ms); doubles each retry, with full jitter.
    pub initial_backoff: Duration,
    /// Largest backoff (default 30 s), `Retry-After` excepted.
    pub max_backoff: Duration,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: 100,
            concurrency: 4,
            max_attempts: 5,
            max_elapsed: Duration::from_secs(120),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
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

    /// Sets [`max_attempts`](Self::max_attempts).
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets [`max_elapsed`](Self::max_elapsed).
    pub fn max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Sets [`initial_backoff`](Self::initial_backoff) and [`max_backoff`](Self::max_backoff).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    fn check(&self) -> Result<(), Error> {
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
        if self.max_attempts == 0 {
            return Err(Error::invalid_input("max attempts must be at least 1"));
        }
        Ok(())
    }
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// A bulk change, configured and ready to [`run`](BulkJob::run). Made by [`Client::bulk`].
pub struct BulkJob {
    client: Client,
    change: Change,
    options: BulkOptions,
    known: HashMap<uuid::Uuid, User>,
    progress: Option<ProgressFn>,
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
            progress: None,
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

    /// Called after each chunk with the running totals.
    pub fn on_progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
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

    /// Runs the change for `user_ids`. Fails only on bad input (no ids, a change that cannot be
    /// made, out-of-range options), before anything is sent; everything that happens after is
    /// in the report.
    pub async fn run(self, user_ids: &[uuid::Uuid]) -> Result<BulkReport, Error> {
        self.options.check()?;
        check_change(&self.change)?;
        if user_ids.is_empty() {
            return Err(Error::invalid_input("no user ids given"));
        }
        Ok(engine::run(self, user_ids).await)
    }
}

fn check_change(change: &Change) -> Result<(), Error> {
    match change {
        Change::Status(UserStatus::Active | UserStatus::Terminated) => Ok(()),
        Change::Status(status) => Err(Error::invalid_input(format!(
            "status {status} cannot be set; only Active or Terminated"
        ))),
        Change::Type(user_type) if user_type.is_known() && *user_type != UserType::All => Ok(()),
        Change::Type(user_type) => Err(Error::invalid_input(format!(
            "type {user_type} cannot be set; use RoomAdmin, Guest, DocSpaceAdmin or User"
        ))),
        Change::ResetQuota => Ok(()),
        Change::Quota(quota) => quota.to_wire().map(|_| ()).ok_or_else(|| {
            Error::invalid_input(format!("quota {quota} is larger than the server can store"))
        }),
    }
}
