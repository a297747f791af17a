//! Running a bulk job: deduplicate, read the current state, send what is needed in chunks,
//! isolate refusals, and account for every id from what the server answered or what reading
//! the users back shows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use uuid::Uuid;

use super::index::Index;
use super::observe::{self, Seen};
use super::prepare::{self, Decision, Prepared};
use super::report::{
    BulkReport, Counts, Duplicate, Entry, LimitStop, Outcome, Plan, Prior, Progress,
};
use super::slots::{Route, Slots};
use super::{BulkJob, Change};
use crate::error::describe;
use crate::state::UserState;
use crate::transport::{Attempts, Failure, RetryPolicy};
use crate::{Error, Server, UserStatus};

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
    by_job: usize,
    jobs_done: AtomicUsize,
    /// Set when the server asked for a wait longer than the policy takes: nothing more is sent.
    stopped: std::sync::Mutex<Option<LimitStop>>,
}

impl Run<'_> {
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
            let until = std::time::SystemTime::now()
                .checked_add(*wait)
                .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
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

pub(super) async fn run(
    job: BulkJob,
    server: Server,
    user_ids: &[Uuid],
    index: Index<'_>,
    duplicates: Vec<Duplicate>,
) -> BulkReport {
    let total = index.len();
    let concurrency = job
        .options
        .concurrency
        .min(super::BulkOptions::MAX_IN_FLIGHT);
    if concurrency < job.options.concurrency {
        tracing::warn!(
            asked = job.options.concurrency,
            used = concurrency,
            "the server takes at most 15 requests in flight from one user; lowering the concurrency"
        );
    }
    let mut run = Run {
        policy: job.options.retry.unwrap_or(*job.client.retry_policy()),
        job: &job,
        server,
        concurrency,
        writes: AtomicUsize::new(0),
        reads: AtomicUsize::new(0),
        by_job: 0,
        jobs_done: AtomicUsize::new(0),
        stopped: std::sync::Mutex::new(None),
    };
    let Prepared {
        slots,
        mut counts,
        to_send,
        by_job,
        caller,
    } = prepare::prepare(&run, user_ids, &index, &duplicates).await;
    drop(index);
    run.by_job = by_job;
    let mut declined = false;
    if let Some(confirm) = &job.confirm {
        let plan = Plan {
            to_send: to_send + by_job,
            by_job,
            already_in_target: counts.already_in_target,
            refused: counts.refused,
            failed: counts.failed,
        };
        if !confirm(&plan) {
            tracing::info!(?plan, "the plan was not confirmed: nothing is sent");
            job.cancel.cancel();
            declined = true;
        }
    }
    tracing::info!(change = %job.change, users = total, to_send, by_job, "bulk change starts");
    let mut out = Out {
        run: &run,
        slots: &slots,
        keep: job.options.keep_entries,
        kept: Vec::new(),
        total,
    };
    // Those settled before sending (and, when the plan was not confirmed, everyone), in
    // batches: nothing is kept per user but the slot.
    let mut batch = Vec::new();
    for (position, &id) in user_ids.iter().enumerate() {
        let entry = match slots.route(position) {
            Route::Settled if slots.is_first(position) => {
                match prepare::decide(&run, caller.as_ref(), slots.seen(position, id)) {
                    Decision::Settled(outcome, detail) => entry(position, id, outcome, detail),
                    Decision::Chunk | Decision::Job => continue,
                }
            }
            Route::Chunk | Route::Job if declined => {
                counts.add(Outcome::Failed);
                entry(
                    position,
                    id,
                    Outcome::Failed,
                    Some("not sent: not confirmed".to_owned()),
                )
            }
            _ => continue,
        };
        batch.push(entry);
        if batch.len() == EMIT_BATCH {
            out.emit(&mut batch);
        }
    }
    out.emit(&mut batch);
    out.progress(&counts);
    if !declined {
        // Chunks are made as the stream reaches them.
        let targets = routed(user_ids, &slots, Route::Chunk);
        let mut results = futures::stream::iter(targets)
            .chunks(job.options.chunk_size)
            .map(|chunk| boxed(settle(&run, chunk)))
            .buffer_unordered(run.concurrency);
        while let Some(mut chunk_entries) = results.next().await {
            for e in &chunk_entries {
                counts.add(e.outcome);
            }
            out.emit(&mut chunk_entries);
            out.progress(&counts);
        }
    }
    if let Change::Type(to) = &job.change
        && by_job > 0
        && !declined
    {
        let jobs = routed(user_ids, &slots, Route::Job).map(|(position, id)| {
            let before = slots
                .state(position, id)
                .and_then(|state| run.server.type_from_flags(&state));
            ((position, id), before)
        });
        let mut settled = futures::stream::iter(jobs)
            .map(|(target, before)| boxed(super::demote::settle(&run, target, to, before)))
            .buffer_unordered(
                job.options
                    .job_concurrency
                    .min(super::BulkOptions::MAX_IN_FLIGHT),
            );
        while let Some(settled_entry) = settled.next().await {
            run.jobs_done.fetch_add(1, Ordering::Relaxed);
            counts.add(settled_entry.outcome);
            out.emit(&mut vec![settled_entry]);
            out.progress(&counts);
        }
    }
    let mut entries = out.kept;
    entries.sort_unstable_by_key(|e| e.position);
    let report = BulkReport {
        entries,
        duplicates,
        counts,
        requests: run.writes.load(Ordering::Relaxed),
        reads: run.reads.load(Ordering::Relaxed),
        cancelled: job.cancel.is_cancelled(),
        stopped_by_limit: run.stopped(),
    };
    tracing::info!(?report.counts, requests = report.requests, reads = report.reads, "bulk change ends");
    report
}

/// The targets going `route`, in input order. Boxed, so that the job's future is `Send` (see
/// [`Boxed`]).
fn routed<'a>(
    ids: &'a [Uuid],
    slots: &'a Slots,
    route: Route,
) -> Box<dyn Iterator<Item = Target> + Send + Sync + 'a> {
    Box::new(
        ids.iter()
            .enumerate()
            .filter(move |&(position, _)| slots.route(position) == route)
            .map(|(position, &id)| (position, id)),
    )
}

/// Entries passed to the hook at once, for those settled before sending.
const EMIT_BATCH: usize = 1024;

/// Where settled entries go: their prior state attached from the slots, then to the hook of
/// [`BulkJob::on_entries`], and into the report if it keeps them.
struct Out<'a> {
    run: &'a Run<'a>,
    slots: &'a Slots,
    keep: bool,
    kept: Vec<Entry>,
    total: usize,
}

impl Out<'_> {
    /// The state of the user at `position` before the job, if it was read.
    fn prior(&self, position: usize, id: Uuid) -> Option<Prior> {
        self.slots
            .state(position, id)
            .map(|state| prior_of(&state, &self.run.server))
    }

    /// Passes on `entries` and empties it.
    fn emit(&mut self, entries: &mut Vec<Entry>) {
        if entries.is_empty() {
            return;
        }
        for e in entries.iter_mut() {
            e.prior = self.prior(e.position, e.id);
        }
        if let Some(on_entries) = &self.run.job.on_entries {
            on_entries(entries);
        }
        if self.keep {
            self.kept.append(entries);
        } else {
            entries.clear();
        }
    }

    fn progress(&self, counts: &Counts) {
        report_progress(self.run, counts, self.total);
    }
}

/// A boxed future, so that the job's future is `Send` for every caller: without the box, the
/// compiler cannot show it for closures that return futures borrowing the job (a known
/// limitation of the compiler with higher-ranked lifetimes). `tests/it/api.rs` checks it.
pub(super) type Boxed<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + Sync + 'a>>;

pub(super) fn boxed<'a, T>(
    future: impl std::future::Future<Output = T> + Send + Sync + 'a,
) -> Boxed<'a, T> {
    Box::pin(future)
}

fn report_progress(run: &Run<'_>, counts: &Counts, total: usize) {
    if let Some(progress) = &run.job.progress {
        progress(&Progress {
            done: counts.total(),
            total,
            refused: counts.refused,
            failed: counts.failed,
            unknown: counts.unknown,
            requests: run.writes.load(Ordering::Relaxed),
            reads: run.reads.load(Ordering::Relaxed),
            by_job: run.by_job,
            jobs_done: run.jobs_done.load(Ordering::Relaxed),
        });
    }
}

pub(super) fn entry(position: usize, id: Uuid, outcome: Outcome, detail: Option<String>) -> Entry {
    Entry {
        id,
        position,
        outcome,
        detail,
        prior: None,
    }
}

/// A user's state as the journal keeps it.
fn prior_of(state: &UserState, server: &Server) -> Prior {
    Prior {
        status: state.status.clone(),
        user_type: server.type_from_flags(state),
        quota: state.quota_limit.and_then(crate::Quota::from_wire),
        custom_quota: state.is_custom_quota,
    }
}

fn all(targets: &[Target], outcome: Outcome, detail: &str, out: &mut Vec<Entry>) {
    out.extend(
        targets
            .iter()
            .map(|&(position, id)| entry(position, id, outcome, Some(detail.to_owned()))),
    );
}

/// Sends one chunk (of users not yet in the target state) and settles every id in it.
async fn settle(run: &Run<'_>, chunk: Vec<Target>) -> Vec<Entry> {
    let job = run.job;
    let mut out = Vec::with_capacity(chunk.len());
    let mut stack = vec![chunk];
    while let Some(part) = stack.pop() {
        if let Some(detail) = run.not_sending() {
            all(&part, Outcome::Failed, &detail, &mut out);
            continue;
        }
        let ids: Vec<Uuid> = part.iter().map(|t| t.1).collect();
        let attempts = Attempts {
            policy: &run.policy,
            cancel: Some(&job.cancel),
            on_send: &|| run.count_write(),
        };
        let result = match job.change.request(&ids, Some(&run.server)) {
            Ok(request) => job.client.execute(&request, &attempts).await,
            Err(error) => Err(Failure::Error(error)),
        };
        let answer = result.and_then(|answer| {
            crate::envelope::states(&answer)
                .map(|(users, _)| users)
                .map_err(Failure::Error)
        });
        match answer {
            Ok(users) => {
                let unconfirmed = classify_answer(run, &part, users, &mut out);
                let why = "the server's answer left this user out (an LDAP or protected user?)";
                let unchanged = read_back(run, &unconfirmed, why, &mut out).await;
                all(
                    &unchanged,
                    Outcome::Refused,
                    &format!("not changed (read back): {why}"),
                    &mut out,
                );
            }
            Err(Failure::Cancelled) => {
                let why = "cancelled while waiting to retry";
                let unchanged = read_back(run, &part, why, &mut out).await;
                all(
                    &unchanged,
                    Outcome::Failed,
                    &format!("not changed (read back): {why}"),
                    &mut out,
                );
            }
            Err(Failure::Error(Error::Forbidden { message })) => {
                let reason = message.unwrap_or_else(|| "forbidden (403)".to_owned());
                isolate(run, part, &reason, &mut stack, &mut out).await;
            }
            Err(Failure::Error(Error::Server {
                status: 500,
                message: Some(message),
            })) if run.server.is_workspace() => {
                // Workspace's answer to a permission failure. Whoever was changed before it
                // is found by reading back; the others were refused.
                let why = format!("refused with 500: {message}");
                let unchanged = read_back(run, &part, &why, &mut out).await;
                all(&unchanged, Outcome::Refused, &message, &mut out);
            }
            Err(Failure::Error(error)) if is_refusal(&error) => {
                // The server checked the request and changed nothing.
                all(&part, Outcome::Refused, &error.to_string(), &mut out);
            }
            Err(Failure::Error(error @ Error::Unauthorized { .. })) => {
                all(&part, Outcome::Failed, &describe(&error), &mut out);
            }
            Err(Failure::Error(error)) => {
                // The answer was lost or broken: the change may or may not have been applied.
                run.note_limit(&error);
                let why = describe(&error);
                let mut unchanged = read_back(run, &part, &why, &mut out).await;
                let partial = matches!(job.change, Change::Type(_));
                if partial && unchanged.len() > 1 && answer_was_lost(&error) {
                    // The server answers but the answers are lost, so the refusal of one user,
                    // at which a 3.7 type change stops, cannot be seen: resend in halves.
                    // (Status and quota requests are refused whole, so halving would not help.)
                    let second = unchanged.split_off(unchanged.len() / 2);
                    stack.push(second);
                    stack.push(unchanged);
                } else {
                    let detail = format!("not changed (read back): {why}");
                    all(&unchanged, Outcome::Failed, &detail, &mut out);
                }
            }
        }
    }
    out
}

/// After a 403. A 3.7 server refuses a status or quota change whole when one target is
/// protected, and applies a type change user by user until the first refused one. Reading the
/// users back tells which were changed; the others are sent again in halves, down to single
/// ids, whose 403 is the server's refusal of that user.
async fn isolate(
    run: &Run<'_>,
    part: Vec<Target>,
    reason: &str,
    stack: &mut Vec<Vec<Target>>,
    out: &mut Vec<Entry>,
) {
    let partial = matches!(run.job.change, Change::Type(_));
    if part.len() == 1 && !partial {
        all(&part, Outcome::Refused, reason, out);
        return;
    }
    let mut remaining = part;
    let mut unreadable = HashMap::new();
    if partial {
        let seen = read_states(run, &remaining).await;
        let mut still = Vec::with_capacity(remaining.len());
        for target in remaining {
            match seen.get(&target.1) {
                Some(Seen::State(user))
                    if run
                        .job
                        .change
                        .is_satisfied_by_state(user, Some(&run.server))
                        == Some(true) =>
                {
                    let note = "changed by a request the server then refused for another user";
                    out.push(changed(
                        &run.job.change,
                        target,
                        user,
                        Some(note.to_owned()),
                    ));
                }
                Some(Seen::Missing) => out.push(entry(
                    target.0,
                    target.1,
                    Outcome::Unknown,
                    Some(format!(
                        "{reason}; and the user could no longer be found when read back"
                    )),
                )),
                Some(Seen::Unreadable(error)) => {
                    unreadable.insert(target.1, error.clone());
                    still.push(target);
                }
                Some(Seen::State(_)) | None => still.push(target),
            }
        }
        remaining = still;
    }
    match remaining.as_slice() {
        [] => {}
        [(position, id)] => out.push(match unreadable.get(id) {
            Some(error) => entry(
                *position,
                *id,
                Outcome::Unknown,
                Some(format!(
                    "{reason}; and reading the user back failed: {error}"
                )),
            ),
            None => entry(*position, *id, Outcome::Refused, Some(reason.to_owned())),
        }),
        _ => {
            // The second half is pushed first so ids are tried in input order.
            let second = remaining.split_off(remaining.len() / 2);
            stack.push(second);
            stack.push(remaining);
        }
    }
}

/// Reads `targets` back, one request each, without stopping for a cancellation: their
/// outcome must be known whatever happens.
pub(super) async fn read_states(run: &Run<'_>, targets: &[Target]) -> HashMap<Uuid, Seen> {
    let ids: Vec<Uuid> = targets.iter().map(|t| t.1).collect();
    let attempts = Attempts {
        policy: &run.policy,
        cancel: None,
        on_send: &|| run.count_read(),
    };
    observe::read_each(
        &run.job.client,
        &ids,
        run.job.options.concurrency,
        &attempts,
    )
    .await
    .into_iter()
    .collect()
}

/// Settles users whose change may have been applied (the answer was lost, broken, or left them
/// out) from their state now: in the target state means changed (they were not before), and a
/// user who cannot be read is unknown. Returns those read back not in the target state, for
/// the caller to settle.
async fn read_back(
    run: &Run<'_>,
    targets: &[Target],
    why: &str,
    out: &mut Vec<Entry>,
) -> Vec<Target> {
    let mut unchanged = Vec::new();
    if targets.is_empty() {
        return unchanged;
    }
    tracing::debug!(users = targets.len(), why, "reading users back");
    let seen = read_states(run, targets).await;
    for &target in targets {
        let (position, id) = target;
        out.push(match seen.get(&id) {
            Some(Seen::State(user)) => match run
                .job
                .change
                .is_satisfied_by_state(user, Some(&run.server))
            {
                Some(true) => changed(
                    &run.job.change,
                    target,
                    user,
                    Some(format!("confirmed by reading the user back ({why})")),
                ),
                Some(false) => {
                    unchanged.push(target);
                    continue;
                }
                None => entry(
                    position,
                    id,
                    Outcome::Unknown,
                    Some(format!(
                        "{why}; and the user as read back does not show the value"
                    )),
                ),
            },
            Some(Seen::Missing) => entry(
                position,
                id,
                Outcome::Unknown,
                Some(format!(
                    "{why}; and the user could no longer be found when read back"
                )),
            ),
            Some(Seen::Unreadable(error)) => entry(
                position,
                id,
                Outcome::Unknown,
                Some(format!("{why}; and reading the user back failed: {error}")),
            ),
            None => entry(
                position,
                id,
                Outcome::Unknown,
                Some(format!("{why}; and the user was not read back")),
            ),
        });
    }
    unchanged
}

/// Whether the server answered but the answer broke off: it took the request.
fn answer_was_lost(error: &Error) -> bool {
    matches!(error, Error::Transport(e) if !e.is_connect() && !e.is_timeout() && (e.is_body() || e.is_decode()))
}

/// Checks the users of a 200 answer against the change. Returns the targets the answer does
/// not settle (left out of it), to be read back.
fn classify_answer(
    run: &Run<'_>,
    targets: &[Target],
    users: Vec<UserState>,
    out: &mut Vec<Entry>,
) -> Vec<Target> {
    let change = &run.job.change;
    let by_id: HashMap<Uuid, UserState> = users.into_iter().map(|u| (u.id, u)).collect();
    let mut unconfirmed = Vec::new();
    for &target in targets {
        let (position, id) = target;
        match by_id.get(&id) {
            Some(user) => out.push(match change.is_satisfied_by_state(user, Some(&run.server)) {
                Some(true) => changed(change, target, user, None),
                Some(false) => entry(
                    position,
                    id,
                    Outcome::Refused,
                    Some(
                        "the server returned the user unchanged (it skips the owner, the \
                         caller, administrators and users it may not change)"
                            .to_owned(),
                    ),
                ),
                None => entry(
                    position,
                    id,
                    Outcome::Unknown,
                    Some(
                        "the server accepted the change, but its answer does not show the value \
                         (per-user quotas off?)"
                            .to_owned(),
                    ),
                ),
            }),
            None => unconfirmed.push(target),
        }
    }
    unconfirmed
}

/// A user the run changed: they were not in the target state before, and now are.
pub(super) fn changed(
    change: &Change,
    (position, id): Target,
    user: &UserState,
    note: Option<String>,
) -> Entry {
    let pending = (matches!(change, Change::Status(UserStatus::Active))
        && user.status == Some(UserStatus::Pending))
    .then(|| "activated, but Pending: the user never accepted the invitation".to_owned());
    let detail = match (note, pending) {
        (Some(note), Some(pending)) => Some(format!("{pending}; {note}")),
        (note, pending) => note.or(pending),
    };
    entry(position, id, Outcome::Changed, detail)
}

/// Errors that are the server's considered answer about the whole request (it checked the
/// request and changed nothing), not a failure to ask.
pub(super) fn is_refusal(error: &Error) -> bool {
    matches!(
        error,
        Error::BadRequest { .. } | Error::PaymentRequired { .. } | Error::NotFound { .. }
    )
}
