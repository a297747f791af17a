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
//! * outcomes are observed, never assumed. Before sending, the engine reads the targets'
//!   current state the cheapest way: one request per user when they are few, pages of the user
//!   list when that is cheaper, or, for a change with deciding users (terminating users on
//!   DocSpace), only those: the already terminated, the pending, the administrators and the
//!   LDAP users, read whole; every other target is then known to be an active member and is
//!   sent unread. So [`Outcome::AlreadyInTarget`] (not sent) and [`Outcome::Changed`] are facts
//!   whatever form the ids came in. Ids the server does not know are [`Outcome::Refused`]:
//!   without being sent when they were read, or after the server refused or skipped them and
//!   reading them back found no user;
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

mod chunk;
mod consequences;
mod deciding;
mod demote;
mod engine;
mod index;
pub(crate) mod job;
mod names;
mod options;
mod plan;
mod prepare;
mod report;
mod run;
mod slots;
mod verdict;

pub use report::{BulkReport, Counts, Duplicate, Entry, LimitStop, Outcome, Plan, Progress};
pub use tokio_util::sync::CancellationToken;

pub use crate::change::{Aspect, Change, NotUndoable, Prior};
pub use consequences::{Consequence, Consequences};
pub use job::BulkJob;
pub use options::BulkOptions;
pub use plan::{BulkPlan, Planned, PlannedEntry};

use crate::Error;

impl BulkJob {
    /// What [`run`](Self::run) would do for `user_ids`, id by id, without sending any change:
    /// the engine stopped before its first write. It reads every target (pages of the user list
    /// or single reads, whichever takes fewer requests, even where `run` would read only the
    /// users whose state decides the change, so that each one's state is shown; users given with
    /// [`known_users`](Self::known_users) are not read) and routes each by the same rule, so a
    /// run right after finds the same decisions unless the portal changed in between. Fails
    /// as `run` does, before reading.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client, ids: Vec<uuid::Uuid>) -> Result<(), docspace_people::Error> {
    /// use docspace_people::UserStatus;
    /// use docspace_people::bulk::{Change, Planned};
    ///
    /// let plan = client.bulk(Change::Status(UserStatus::Terminated)).plan(&ids).await?;
    /// for entry in &plan.entries {
    ///     if let Planned::Refused(reason) = &entry.planned {
    ///         println!("{}: would be refused: {reason}", entry.id);
    ///     }
    /// }
    /// println!("{} to send", plan.count(|p| matches!(p, Planned::Send | Planned::ThroughJob)));
    /// # Ok(()) }
    /// ```
    pub async fn plan(&self, user_ids: &[uuid::Uuid]) -> Result<BulkPlan, Error> {
        let (server, index, duplicates) = self.check(user_ids).await?;
        plan::plan(self, server, user_ids, index, duplicates, None).await
    }

    /// [`plan`](Self::plan), passing each entry to `each` as it is made, in input order,
    /// rather than keeping them: the plan of a million users then holds a few bytes per user.
    /// The [`BulkPlan`] returned has no entries.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client, ids: Vec<uuid::Uuid>) -> Result<(), docspace_people::Error> {
    /// use docspace_people::UserStatus;
    /// use docspace_people::bulk::{Change, Planned};
    ///
    /// let mut to_send = 0;
    /// client
    ///     .bulk(Change::Status(UserStatus::Terminated))
    ///     .plan_each(&ids, |entry| {
    ///         if entry.planned == Planned::Send {
    ///             to_send += 1;
    ///         }
    ///     })
    ///     .await?;
    /// println!("{to_send} to send");
    /// # Ok(()) }
    /// ```
    pub async fn plan_each(
        &self,
        user_ids: &[uuid::Uuid],
        mut each: impl FnMut(PlannedEntry) + Send,
    ) -> Result<BulkPlan, Error> {
        let (server, index, duplicates) = self.check(user_ids).await?;
        plan::plan(self, server, user_ids, index, duplicates, Some(&mut each)).await
    }

    /// Checks what `run` and `plan` check before anything is read.
    async fn check<'a>(
        &self,
        user_ids: &'a [uuid::Uuid],
    ) -> Result<(crate::Server, index::Index<'a>, Vec<Duplicate>), Error> {
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
        self.change.check_on(&server)?;
        if let Some(receiver) = self.receiver {
            self.check_receiver(&server, receiver, user_ids).await?;
        }
        Ok((server, index, duplicates))
    }

    /// Runs the change for `user_ids`. Everything that happens once sending starts is in the
    /// report, user by user: refusals, failures, a rate-limit stop, a cancellation.
    ///
    /// # Errors
    ///
    /// Only before anything is sent:
    /// - [`Error::InvalidInput`]: no ids (or more than 2^32), a change that cannot be made
    ///   (a quota out of range, a type that is not settable), out-of-range [`BulkOptions`], a
    ///   receiver with a change other than a type change;
    /// - [`Error::Unsupported`]: the connected server does not have the change (a quota reset
    ///   on Workspace) or a receiver for it;
    /// - [`Error::Unauthorized`]: the portal refused the credentials while the targets were
    ///   read (an expired token, say), before any change was sent;
    /// - any error of learning the server's product and version
    ///   ([`Client::server`](crate::Client::server)): [`Error::Transport`],
    ///   [`Error::Unauthorized`], [`Error::Server`], [`Error::RateLimited`], ...;
    /// - with a receiver ([`reassign_to`](Self::reassign_to)): [`Error::Precondition`] when
    ///   they cannot receive (among the targets, not active, not an administrator), and the
    ///   errors of reading them.
    pub async fn run(self, user_ids: &[uuid::Uuid]) -> Result<BulkReport, Error> {
        let (server, index, duplicates) = self.check(user_ids).await?;
        engine::run(self, server, user_ids, index, duplicates).await
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
