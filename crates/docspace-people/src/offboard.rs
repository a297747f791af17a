//! Offboarding: for each user, disable them, then (optionally) move their data to a receiver,
//! then (optionally) delete them, stopping a user's pipeline at the first step that does not
//! succeed.

use std::sync::Arc;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::bulk::{BulkOptions, BulkReport, Duplicate, LimitStop, Outcome, Prior};
use crate::jobs::{Follow, JobEnd, JobKind, Started, delete_request, reassign_request};
use crate::read::Seen;
use crate::transport::{Attempts, Failure};
use crate::{Change, Client, Error, UserStatus};

/// A step of offboarding one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// Set the status to Terminated (disabled): the user can no longer sign in.
    Disable,
    /// Move the user's rooms, folders and files to the receiver (a background job).
    Reassign,
    /// Delete the user for good. Cannot be undone.
    Delete,
}

impl Step {
    /// The step's name as reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Disable => "disable",
            Step::Reassign => "reassign",
            Step::Delete => "delete",
        }
    }
}

/// How one step ended for one user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct StepOutcome {
    /// The step.
    pub step: Step,
    /// How it ended; [`Outcome::AlreadyInTarget`] for a user already disabled.
    pub outcome: Outcome,
    /// The server's reason, the error, or a note.
    pub detail: Option<String>,
}

/// Every step run for one input id, in order. A user's pipeline stops at the first step that
/// is not changed or already done, so later steps are absent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OffboardUser {
    /// The user id.
    pub id: Uuid,
    /// Its position in the input, counting from 0.
    pub position: usize,
    /// The steps run.
    pub steps: Vec<StepOutcome>,
    /// The user's state before anything was sent, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior: Option<Prior>,
}

impl OffboardUser {
    /// Whether every planned step succeeded (`planned` is the number of steps the run had).
    pub fn completed(&self, planned: usize) -> bool {
        self.steps.len() == planned && self.steps.iter().all(|s| step_succeeded(s.outcome))
    }

    /// The last step run.
    pub fn last(&self) -> Option<&StepOutcome> {
        self.steps.last()
    }
}

fn step_succeeded(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Changed | Outcome::AlreadyInTarget)
}

/// What an offboarding is about to do, once every user's state is read, before anything is
/// sent: passed to [`Offboard::confirm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OffboardPlan {
    /// Users to disable now.
    pub to_disable: usize,
    /// Users already disabled.
    pub already_disabled: usize,
    /// Users who cannot be offboarded (unknown ids, the owner, yourself, ...).
    pub refused: usize,
    /// Users whose state could not be read.
    pub failed: usize,
    /// Whether data moves to a receiver.
    pub reassign: bool,
    /// Users who will be deleted for good if every earlier step succeeds (0 without deletion).
    pub to_delete: usize,
}

/// What offboarding does besides disabling.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OffboardOptions {
    /// Who receives the users' rooms, folders and files: an active DocSpace admin or room
    /// admin. No data moves when `None`.
    pub receiver: Option<Uuid>,
    /// Delete the users for good after the other steps. Cannot be undone.
    pub delete: bool,
    /// Delete even where deletion destroys the users' documents: on Workspace,
    /// `DELETE people/{id}` deletes their My Documents, Trash, mail and Talk files (only
    /// Common items go to the one who deletes). With a [`receiver`](Self::receiver) it is not
    /// needed: each user is deleted only once their data moved. Without either, offboarding
    /// with [`delete`](Self::delete) on such a server is refused before anything is sent.
    pub destroy_documents: bool,
    /// Chunking, concurrency, retries, and how jobs are followed.
    pub bulk: BulkOptions,
}

impl OffboardOptions {
    /// Sets [`receiver`](Self::receiver).
    pub fn receiver(mut self, receiver: Uuid) -> Self {
        self.receiver = Some(receiver);
        self
    }

    /// Sets [`delete`](Self::delete).
    pub fn delete(mut self, delete: bool) -> Self {
        self.delete = delete;
        self
    }

    /// Sets [`destroy_documents`](Self::destroy_documents): the acknowledgement that deleting
    /// users on Workspace destroys their documents.
    pub fn destroy_documents(mut self, destroy: bool) -> Self {
        self.destroy_documents = destroy;
        self
    }

    /// Sets [`bulk`](Self::bulk).
    pub fn bulk(mut self, bulk: BulkOptions) -> Self {
        self.bulk = bulk;
        self
    }

    /// The steps each user goes through.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = vec![Step::Disable];
        if self.receiver.is_some() {
            steps.push(Step::Reassign);
        }
        if self.delete {
            steps.push(Step::Delete);
        }
        steps
    }
}

/// What an offboarding did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OffboardReport {
    /// One entry per distinct input id, in input order.
    pub users: Vec<OffboardUser>,
    /// Repeated input ids.
    pub duplicates: Vec<Duplicate>,
    /// The steps each user was to go through.
    pub steps: Vec<Step>,
    /// Writes sent (PUT, POST, DELETE), retries included.
    pub requests: usize,
    /// Reads sent.
    pub reads: usize,
    /// Whether the run was cancelled (or not confirmed).
    pub cancelled: bool,
    /// Set when the portal's rate limit stopped the run.
    pub stopped_by_limit: Option<LimitStop>,
}

impl OffboardReport {
    /// Users whose every step succeeded.
    pub fn completed(&self) -> usize {
        let planned = self.steps.len();
        self.users.iter().filter(|u| u.completed(planned)).count()
    }
}

type ConfirmFn = Arc<dyn Fn(&OffboardPlan) -> bool + Send + Sync>;
type StepFn = Arc<dyn Fn(Uuid, &StepOutcome) + Send + Sync>;
type SendingFn = Arc<dyn Fn(&[(Uuid, Option<crate::bulk::Prior>)]) + Send + Sync>;
type DisabledFn = Arc<dyn Fn(&[crate::bulk::Entry]) + Send + Sync>;

/// An offboarding, configured and ready to [`run`](Offboard::run). Made by
/// [`Client::offboard`].
#[must_use = "offboarding does nothing until it is run"]
pub struct Offboard {
    client: Client,
    options: OffboardOptions,
    confirm: Option<ConfirmFn>,
    on_step: Option<StepFn>,
    on_disabled: Option<DisabledFn>,
    on_sending: Option<SendingFn>,
    cancel: CancellationToken,
    caller: Option<crate::bulk::job::KnownCaller>,
}

impl std::fmt::Debug for Offboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offboard")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// What offboarding `users` with `options` will do besides disabling them: who owns rooms
    /// (one `reassign/necessary` read each, DocSpace 3.1 and later) and whether they go to the
    /// receiver, and on Workspace whether a deletion destroys the user's documents. Sends no
    /// change.
    ///
    /// # Errors
    ///
    /// The errors of reading the server and the users' rooms.
    pub async fn offboarding_consequences(
        &self,
        users: &[Uuid],
        options: &OffboardOptions,
    ) -> Result<crate::bulk::Consequences, Error> {
        use crate::bulk::Consequence;
        let server = self.server().await?;
        let mut result = crate::bulk::Consequences::default();
        let mut seen = std::collections::HashSet::new();
        for id in users.iter().filter(|id| seen.insert(**id)) {
            let mut found = Vec::new();
            // A user the portal does not have is the plan's to report, not this.
            let owns = server.has_type_change_job()
                && match self.reassign_necessary(*id, None).await {
                    Ok(owns) => owns,
                    Err(Error::NotFound { .. }) => false,
                    Err(e) => return Err(e),
                };
            if owns {
                found.push(if options.receiver.is_some() {
                    Consequence::OwnsRooms
                } else {
                    Consequence::RoomsStay
                });
            }
            if options.delete && options.receiver.is_none() && server.deletion_destroys_documents()
            {
                found.push(Consequence::DocumentsDestroyed);
            }
            if !found.is_empty() {
                result.by_user.insert(*id, found);
            }
        }
        Ok(result)
    }
}

impl Client {
    /// Starts an offboarding: for each user, disable, then optionally move their data to a
    /// receiver, then optionally delete.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client, leavers: Vec<uuid::Uuid>, keeper: uuid::Uuid) -> Result<(), docspace_people::Error> {
    /// use docspace_people::lifecycle::OffboardOptions;
    ///
    /// let report = client
    ///     .offboard(OffboardOptions::default().receiver(keeper).delete(true))
    ///     .confirm(|plan| plan.to_delete < 50)
    ///     .run(&leavers)
    ///     .await?;
    /// println!("{} of {} offboarded", report.completed(), report.users.len());
    /// # Ok(()) }
    /// ```
    pub fn offboard(&self, options: OffboardOptions) -> Offboard {
        Offboard {
            client: self.clone(),
            options,
            confirm: None,
            on_step: None,
            on_disabled: None,
            on_sending: None,
            cancel: CancellationToken::new(),
            caller: None,
        }
    }
}

impl Offboard {
    /// Asks `confirm` with the plan before anything is sent; `false` sends nothing.
    pub fn confirm(
        mut self,
        confirm: impl Fn(&OffboardPlan) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.confirm = Some(Arc::new(confirm));
        self
    }

    /// Called as each user's reassignment or deletion step ends.
    pub fn on_step(mut self, on_step: impl Fn(Uuid, &StepOutcome) + Send + Sync + 'static) -> Self {
        self.on_step = Some(Arc::new(on_step));
        self
    }

    /// Called with each batch of settled entries of the disable step, with each user's prior
    /// state (see [`crate::bulk::BulkJob::on_entries`]).
    pub fn on_disabled(
        mut self,
        on_entries: impl Fn(&[crate::bulk::Entry]) + Send + Sync + 'static,
    ) -> Self {
        self.on_disabled = Some(Arc::new(on_entries));
        self
    }

    /// Called with the users of each disable request and their prior state just before it is
    /// sent: see [`BulkJob::on_sending`](crate::bulk::BulkJob::on_sending).
    pub fn on_sending(
        mut self,
        on_sending: impl Fn(&[(Uuid, Option<crate::bulk::Prior>)]) + Send + Sync + 'static,
    ) -> Self {
        self.on_sending = Some(Arc::new(on_sending));
        self
    }

    /// Uses this token to cancel the run: nothing more is started, and a running job is
    /// terminated.
    pub fn with_cancel_token(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    /// The signed-in user, as [`Client::me`] read them: the disable step predicts the refusals
    /// that depend on who asks from it, and does not read `people/@self` again (see
    /// [`BulkJob::caller`](crate::bulk::BulkJob::caller)).
    pub fn caller(mut self, me: &crate::User) -> Self {
        self.caller = Some(crate::bulk::job::KnownCaller::Read(
            crate::state::UserState::from(me),
        ));
        self
    }

    /// The signed-in user's id, when who they are is known but not their rights (see
    /// [`BulkJob::caller_id`](crate::bulk::BulkJob::caller_id)).
    pub fn caller_id(mut self, id: Uuid) -> Self {
        self.caller = Some(crate::bulk::job::KnownCaller::Id(id));
        self
    }

    /// Runs the offboarding of `user_ids`. Fails only before anything is sent: no ids, bad
    /// options, a receiver who cannot receive (or is among the users), or a server without
    /// these operations.
    pub async fn run(self, user_ids: &[Uuid]) -> Result<OffboardReport, Error> {
        if user_ids.is_empty() {
            return Err(Error::invalid_input("no user ids given"));
        }
        self.options.bulk.check()?;
        let server = self.client.server().await?;
        // A user is deleted only after their reassignment completed in this run (the steps
        // stop at the first that does not succeed), so with a receiver nothing of theirs is
        // destroyed.
        if self.options.delete
            && server.deletion_destroys_documents()
            && self.options.receiver.is_none()
            && !self.options.destroy_documents
        {
            return Err(Error::Unsupported(format!(
                "on {server}, deleting a user also deletes their My Documents, Trash, mail and \
                 Talk files for good; nothing was sent. Move their data first (a receiver), \
                 offboard without deleting, or acknowledge the loss with \
                 OffboardOptions::destroy_documents"
            )));
        }
        if let Some(receiver) = self.options.receiver {
            self.check_receiver(receiver, user_ids).await?;
        }
        let steps = self.options.steps();
        let delete = self.options.delete;
        let mut disable = self
            .client
            .bulk(Change::Status(UserStatus::Terminated))
            .options(self.options.bulk.clone())
            .with_cancel_token(self.cancel.clone())
            .known_caller(self.caller.clone());
        if let Some(confirm) = self.confirm.clone() {
            let reassign = self.options.receiver.is_some();
            disable = disable.confirm(move |plan| {
                let going_on = plan.to_send + plan.already_in_target;
                confirm(&OffboardPlan {
                    to_disable: plan.to_send,
                    already_disabled: plan.already_in_target,
                    refused: plan.refused,
                    failed: plan.failed,
                    reassign,
                    to_delete: if delete { going_on } else { 0 },
                })
            });
        }
        if let Some(on_sending) = self.on_sending.clone() {
            disable = disable.on_sending(move |users| on_sending(users));
        }
        if let Some(on_entries) = self.on_disabled.clone() {
            disable = disable.on_entries(move |entries| on_entries(entries));
        }
        let disabled: BulkReport = disable.run(user_ids).await?;
        let mut users: Vec<OffboardUser> = disabled
            .entries
            .into_iter()
            .map(|e| OffboardUser {
                id: e.id,
                position: e.position,
                steps: vec![StepOutcome {
                    step: Step::Disable,
                    outcome: e.outcome,
                    detail: e.detail,
                }],
                prior: e.prior,
            })
            .collect();
        let counters = Counters::default();
        let stage = Stage {
            client: &self.client,
            options: &self.options,
            cancel: &self.cancel,
            on_step: self.on_step.as_deref(),
            counters: &counters,
        };
        if let Some(receiver) = self.options.receiver {
            stage
                .each(&mut users, self.options.bulk.job_concurrency, |id| {
                    stage.reassign(id, receiver)
                })
                .await;
        }
        if delete {
            stage
                .each(
                    &mut users,
                    self.options
                        .bulk
                        .concurrency
                        .min(BulkOptions::MAX_IN_FLIGHT),
                    |id| stage.delete(id),
                )
                .await;
        }
        Ok(OffboardReport {
            users,
            duplicates: disabled.duplicates,
            steps,
            requests: disabled.requests
                + counters.writes.load(std::sync::atomic::Ordering::Relaxed),
            reads: disabled.reads + counters.reads.load(std::sync::atomic::Ordering::Relaxed),
            cancelled: disabled.cancelled || self.cancel.is_cancelled(),
            stopped_by_limit: disabled.stopped_by_limit,
        })
    }

    async fn check_receiver(&self, receiver: Uuid, ids: &[Uuid]) -> Result<(), Error> {
        self.client.check_receiver_of(receiver, ids).await
    }
}

#[derive(Default)]
struct Counters {
    writes: std::sync::atomic::AtomicUsize,
    reads: std::sync::atomic::AtomicUsize,
}

type StepHook = dyn Fn(Uuid, &StepOutcome) + Send + Sync;

/// What the reassign and delete steps share.
struct Stage<'a> {
    client: &'a Client,
    options: &'a OffboardOptions,
    cancel: &'a CancellationToken,
    on_step: Option<&'a StepHook>,
    counters: &'a Counters,
}

impl Stage<'_> {
    fn policy(&self) -> crate::RetryPolicy {
        self.options
            .bulk
            .retry
            .unwrap_or(*self.client.retry_policy())
    }

    fn count_write(&self) {
        self.counters
            .writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn count_read(&self) {
        self.counters
            .reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs `step` for every user whose pipeline is still going, `concurrency` at a time.
    async fn each<'s, F, Fut>(&'s self, users: &mut [OffboardUser], concurrency: usize, step: F)
    where
        F: Fn(Uuid) -> Fut,
        Fut: std::future::Future<Output = StepOutcome> + Send + 's,
    {
        let going: Vec<(usize, Uuid)> = users
            .iter()
            .enumerate()
            .filter(|(_, u)| u.steps.iter().all(|s| step_succeeded(s.outcome)))
            .map(|(i, u)| (i, u.id))
            .collect();
        let mut results = futures::stream::iter(going)
            .map(|(index, id)| {
                let future = step(id);
                async move { (index, future.await) }
            })
            .buffer_unordered(concurrency.max(1));
        while let Some((index, outcome)) = results.next().await {
            if let Some(on_step) = self.on_step {
                on_step(users[index].id, &outcome);
            }
            users[index].steps.push(outcome);
        }
    }

    async fn reassign(&self, id: Uuid, receiver: Uuid) -> StepOutcome {
        let outcome = |outcome, detail: String| StepOutcome {
            step: Step::Reassign,
            outcome,
            detail: Some(detail),
        };
        if self.cancel.is_cancelled() {
            return outcome(Outcome::Failed, "not sent: cancelled".into());
        }
        let policy = self.policy();
        let follow = Follow {
            client: self.client,
            options: &self.options.bulk.jobs,
            policy: &policy,
            cancel: Some(self.cancel),
            on_read: &|| self.count_read(),
            on_write: &|| self.count_write(),
        };
        let first = match reassign_request(id, receiver, false) {
            Ok(request) => match follow.start(&request).await {
                Started::Answered(first) => first,
                Started::Refused(error) => {
                    let detail = Started::refusal_text(&error, "the reassignment");
                    return outcome(Outcome::Refused, detail);
                }
                Started::Unanswered(_) => None,
            },
            Err(error) => return outcome(Outcome::Failed, format!("not sent: {error}")),
        };
        let end = follow.run(JobKind::Reassign, id, first).await;
        match end {
            JobEnd::Completed(_) => outcome(Outcome::Changed, "data moved to the receiver".into()),
            JobEnd::Failed(_) => outcome(Outcome::Failed, end.describe()),
            // Rooms may have moved and files not: the user is not deleted on a guess.
            _ => outcome(
                Outcome::Unknown,
                format!("{}; the data may have moved only in part", end.describe()),
            ),
        }
    }

    async fn delete(&self, id: Uuid) -> StepOutcome {
        let outcome = |outcome, detail: String| StepOutcome {
            step: Step::Delete,
            outcome,
            detail: Some(detail),
        };
        if self.cancel.is_cancelled() {
            return outcome(Outcome::Failed, "not sent: cancelled".into());
        }
        let policy = self.policy();
        let sends = std::sync::atomic::AtomicUsize::new(0);
        let writes = Attempts {
            policy: &policy,
            cancel: None,
            on_send: &|| {
                sends.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.count_write();
            },
        };
        match self
            .client
            .transport()
            .execute(&delete_request(id), &writes)
            .await
        {
            Ok(_) => outcome(Outcome::Changed, "deleted".into()),
            Err(Failure::Error(Error::NotFound { .. }))
                if sends.load(std::sync::atomic::Ordering::Relaxed) > 1 =>
            {
                // Existing a moment ago and gone after a resend: the first one did it.
                outcome(Outcome::Changed, "deleted (the user is gone)".into())
            }
            Err(Failure::Error(Error::NotFound { .. })) => outcome(
                Outcome::AlreadyInTarget,
                "already gone (404): deleted by someone else".into(),
            ),
            Err(Failure::Error(error @ (Error::Forbidden { .. } | Error::BadRequest { .. }))) => {
                outcome(
                    Outcome::Refused,
                    error
                        .server_message()
                        .map_or_else(|| error.to_string(), str::to_owned),
                )
            }
            Err(failure) => {
                let why = match failure {
                    Failure::Error(error) => crate::error::describe(&error),
                    Failure::Cancelled => "cancelled".into(),
                };
                let quiet = Attempts {
                    policy: &policy,
                    cancel: None,
                    on_send: &|| self.count_read(),
                };
                match crate::read::read_one(self.client, id, &quiet).await {
                    Seen::Missing => outcome(
                        Outcome::Changed,
                        format!("deleted: confirmed by reading the user back ({why})"),
                    ),
                    Seen::State(_) => {
                        outcome(Outcome::Failed, format!("not deleted (read back): {why}"))
                    }
                    Seen::Unreadable(error) => outcome(
                        Outcome::Unknown,
                        format!("{why}; and reading the user back failed: {error}"),
                    ),
                }
            }
        }
    }
}
