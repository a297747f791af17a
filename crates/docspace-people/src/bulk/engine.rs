//! Running a bulk job: deduplicate, read the current state, send what is needed in chunks,
//! isolate refusals, and account for every id from what the server answered or what reading
//! the users back shows.

use futures::StreamExt;
use uuid::Uuid;

use super::index::Index;
use super::job::BulkJob;
use super::prepare::{self, Decision, Prepared, Reading};
use super::report::{BulkReport, Counts, Duplicate, Entry, Outcome, Plan, Progress};
use super::run::{Run, Target, entry, refused};
use super::slots::{Route, Slots};
use super::{chunk, demote};
use crate::Change;
use crate::Error;
use crate::Server;
use crate::boxed::boxed;
use crate::change::Prior;

pub(super) async fn run(
    job: BulkJob,
    server: Server,
    user_ids: &[Uuid],
    index: Index<'_>,
    duplicates: Vec<Duplicate>,
) -> Result<BulkReport, Error> {
    let total = index.len();
    let concurrency = job.options.concurrency.min(crate::server::MAX_IN_FLIGHT);
    if concurrency < job.options.concurrency {
        tracing::warn!(
            asked = job.options.concurrency,
            used = concurrency,
            "the server takes at most 15 requests in flight from one user; lowering the concurrency"
        );
    }
    let mut run = Run::new(&job, server, concurrency);
    let refused_before = job.client.transport().refused_credentials();
    let Prepared {
        slots,
        mut counts,
        to_send,
        by_job,
        caller,
        ..
    } = prepare::prepare(&run, user_ids, &index, &duplicates, Reading::Deciding).await;
    drop(index);
    credentials_accepted(&job, refused_before)?;
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
                    Decision::Refused(reason) => refused(position, id, reason),
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
            .map(|part| {
                announce(&run, &slots, &part);
                boxed(chunk::settle(&run, &slots, part))
            })
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
            .map(|(target, before)| {
                announce(&run, &slots, &[target]);
                boxed(demote::settle(&run, target, to, before))
            })
            .buffer_unordered(
                job.options
                    .job_concurrency
                    .min(crate::server::MAX_IN_FLIGHT),
            );
        while let Some(settled_entry) = settled.next().await {
            run.job_done();
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
        requests: run.writes(),
        reads: run.reads(),
        cancelled: job.cancel.is_cancelled(),
        stopped_by_limit: run.stopped(),
    };
    tracing::info!(?report.counts, requests = report.requests, reads = report.reads, "bulk change ends");
    Ok(report)
}

/// Fails when the portal refused the credentials while the targets were read (nothing has been
/// sent yet): every user would otherwise be reported failed for a cause that is no user's.
pub(super) fn credentials_accepted(job: &BulkJob, refused_before: u64) -> Result<(), Error> {
    if job.client.transport().refused_credentials() > refused_before {
        return Err(Error::Unauthorized {
            message: Some(
                "the portal refused the credentials while reading the users; nothing was sent"
                    .to_owned(),
            ),
        });
    }
    Ok(())
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
            .map(|state| Prior::of(&state, &self.run.server))
    }

    /// Passes on `entries` and empties it.
    fn emit(&mut self, entries: &mut Vec<Entry>) {
        if entries.is_empty() {
            return;
        }
        for e in entries.iter_mut() {
            // An id no user has had no state, whatever the deciding users implied.
            e.prior = match e.reason {
                Some(crate::Refusal::UnknownUser) => None,
                _ => self.prior(e.position, e.id),
            };
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

fn report_progress(run: &Run<'_>, counts: &Counts, total: usize) {
    if let Some(progress) = &run.job.progress {
        progress(&Progress {
            done: counts.total(),
            total,
            refused: counts.refused,
            failed: counts.failed,
            unknown: counts.unknown,
            requests: run.writes(),
            reads: run.reads(),
            by_job: run.by_job,
            jobs_done: run.jobs_done(),
        });
    }
}

/// Passes the users about to be sent, with their prior state, to the hook of
/// [`BulkJob::on_sending`](super::BulkJob::on_sending). The stream makes a request's future
/// (and so calls this) only when it is about to be polled, so the hook runs before its first
/// send.
fn announce(run: &Run<'_>, slots: &Slots, targets: &[Target]) {
    if let Some(on_sending) = &run.job.on_sending
        && run.not_sending().is_none()
    {
        let users: Vec<(Uuid, Option<Prior>)> = targets
            .iter()
            .map(|&(position, id)| {
                let prior = slots
                    .state(position, id)
                    .map(|s| Prior::of(&s, &run.server));
                (id, prior)
            })
            .collect();
        on_sending(&users);
    }
}
