//! Running a bulk job: deduplicate, chunk, send concurrently, isolate refusals, account.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use uuid::Uuid;

use super::report::{BulkReport, Counts, Duplicate, Entry, Outcome, Progress};
use super::retry::{GiveUp, with_retries};
use super::wire::UserState;
use super::{BulkJob, Change};
use crate::{Error, LOST_USER_ID};

/// One id to send and its input position.
type Target = (usize, Uuid);

pub(super) async fn run(job: BulkJob, user_ids: &[Uuid]) -> BulkReport {
    let (mut to_send, duplicates) = deduplicate(user_ids);
    let total = to_send.len();
    let mut counts = Counts::default();
    let mut entries = Vec::with_capacity(total);
    // Filtered in place: at 100,000 ids a second list is 2.4 MB for nothing.
    to_send.retain(|&(position, id)| {
        let known = job
            .known
            .get(&id)
            .and_then(|user| job.change.is_satisfied_by(user));
        if known == Some(true) {
            counts.add(Outcome::AlreadyInTarget);
            entries.push(entry(position, id, Outcome::AlreadyInTarget, None));
        }
        known != Some(true)
    });
    let requests = AtomicUsize::new(0);
    tracing::info!(change = %job.change, users = total, to_send = to_send.len(), "bulk change starts");
    // Chunks are copied out one at a time, as the stream reaches them.
    let chunks = to_send
        .chunks(job.options.chunk_size)
        .map(<[Target]>::to_vec);
    let mut results = futures::stream::iter(chunks)
        .map(|chunk| process_chunk(&job, &requests, chunk))
        .buffer_unordered(job.options.concurrency);
    while let Some(chunk_entries) = results.next().await {
        for e in &chunk_entries {
            counts.add(e.outcome);
        }
        entries.extend(chunk_entries);
        if let Some(progress) = &job.progress {
            progress(&Progress {
                done: counts.total(),
                total,
                refused: counts.refused,
                failed: counts.failed,
                requests: requests.load(Ordering::Relaxed),
            });
        }
    }
    drop(results);
    entries.sort_unstable_by_key(|e| e.position);
    let report = BulkReport {
        entries,
        duplicates,
        counts,
        requests: requests.load(Ordering::Relaxed),
        cancelled: job.cancel.is_cancelled(),
    };
    tracing::info!(?report.counts, requests = report.requests, "bulk change ends");
    report
}

/// Splits the input into distinct ids (with their first position) and repeats.
fn deduplicate(user_ids: &[Uuid]) -> (Vec<Target>, Vec<Duplicate>) {
    let mut first = HashMap::with_capacity(user_ids.len());
    let mut distinct = Vec::with_capacity(user_ids.len());
    let mut duplicates = Vec::new();
    for (position, id) in user_ids.iter().enumerate() {
        match first.entry(*id) {
            MapEntry::Vacant(slot) => {
                slot.insert(position);
                distinct.push((position, *id));
            }
            MapEntry::Occupied(slot) => duplicates.push(Duplicate {
                id: *id,
                position,
                first_position: *slot.get(),
            }),
        }
    }
    (distinct, duplicates)
}

fn entry(position: usize, id: Uuid, outcome: Outcome, detail: Option<String>) -> Entry {
    Entry {
        id,
        position,
        outcome,
        detail,
    }
}

fn all(targets: &[Target], outcome: Outcome, detail: &str, out: &mut Vec<Entry>) {
    out.extend(
        targets
            .iter()
            .map(|&(position, id)| entry(position, id, outcome, Some(detail.to_owned()))),
    );
}

async fn process_chunk(job: &BulkJob, requests: &AtomicUsize, chunk: Vec<Target>) -> Vec<Entry> {
    let mut out = Vec::with_capacity(chunk.len());
    let mut stack = vec![chunk];
    while let Some(part) = stack.pop() {
        if job.cancel.is_cancelled() {
            all(
                &part,
                Outcome::Failed,
                "not sent: the job was cancelled",
                &mut out,
            );
            continue;
        }
        let ids: Vec<Uuid> = part.iter().map(|t| t.1).collect();
        let result = send_with_retries(job, requests, &ids).await;
        match result {
            Ok(users) => classify(&job.change, &part, users, &mut out),
            Err(GiveUp::Cancelled) => all(
                &part,
                Outcome::Failed,
                "not confirmed: the job was cancelled while waiting to retry",
                &mut out,
            ),
            Err(GiveUp::Error(Error::Forbidden { message })) if part.len() > 1 => {
                tracing::debug!(
                    ?message,
                    ids = part.len(),
                    "403 for a group: isolating the refused ids"
                );
                if matches!(job.change, Change::Type(_)) {
                    out.extend(isolate_type_refusals(job, requests, part).await);
                } else {
                    // A status or quota request is refused whole and changes nothing, so
                    // halving finds the refused ids in a few requests. The second half is
                    // pushed first so ids are tried in input order.
                    let mut first = part;
                    let second = first.split_off(first.len() / 2);
                    stack.push(second);
                    stack.push(first);
                }
            }
            Err(GiveUp::Error(Error::Forbidden { message })) => {
                let reason = message.unwrap_or_else(|| "forbidden (403)".to_owned());
                let single = single_refusal(job, requests, part[0], reason).await;
                out.push(single.into_entry(part[0]));
            }
            Err(GiveUp::Error(error)) if is_refusal(&error) => {
                all(&part, Outcome::Refused, &error.to_string(), &mut out);
            }
            Err(GiveUp::Error(error)) => {
                all(&part, Outcome::Failed, &describe(&error), &mut out);
            }
        }
    }
    out
}

/// What a single-id request found.
enum Single {
    /// 200: changed.
    Changed,
    /// 403, and the user is already at the target: a no-op the server refused.
    AtTarget,
    /// Refused for another reason.
    Refused(String),
    /// Could not be sent or answered.
    Failed(String),
}

impl Single {
    fn into_entry(self, (position, id): Target) -> Entry {
        match self {
            Single::Changed => entry(position, id, Outcome::Changed, None),
            Single::AtTarget => entry(
                position,
                id,
                Outcome::AlreadyInTarget,
                Some("the server refused a change to the state the user already has".to_owned()),
            ),
            Single::Refused(reason) => entry(position, id, Outcome::Refused, Some(reason)),
            Single::Failed(error) => entry(position, id, Outcome::Failed, Some(error)),
        }
    }
}

/// After a 403 on one id: for a type change (where a no-op is also a 403) look at the user.
async fn single_refusal(
    job: &BulkJob,
    requests: &AtomicUsize,
    (_, id): Target,
    reason: String,
) -> Single {
    if matches!(job.change, Change::Type(_)) {
        requests.fetch_add(1, Ordering::Relaxed);
        if let Ok(user) = job.client.user(id).await
            && job.change.is_satisfied_by(&user) == Some(true)
        {
            return Single::AtTarget;
        }
    }
    Single::Refused(reason)
}

/// Sends one id, with retries.
async fn send_single(job: &BulkJob, requests: &AtomicUsize, target: Target) -> Single {
    let result = send_with_retries(job, requests, &[target.1]).await;
    match result {
        Ok(users) => {
            let mut entries = Vec::with_capacity(1);
            classify(&job.change, &[target], users, &mut entries);
            match entries.pop() {
                Some(Entry {
                    outcome: Outcome::Changed,
                    ..
                }) => Single::Changed,
                Some(Entry { detail, .. }) => Single::Refused(detail.unwrap_or_default()),
                None => Single::Failed("no answer for the user".to_owned()),
            }
        }
        Err(GiveUp::Cancelled) => {
            Single::Failed("not confirmed: the job was cancelled while waiting to retry".to_owned())
        }
        Err(GiveUp::Error(Error::Forbidden { message })) => {
            let reason = message.unwrap_or_else(|| "forbidden (403)".to_owned());
            single_refusal(job, requests, target, reason).await
        }
        Err(GiveUp::Error(error)) if is_refusal(&error) => Single::Refused(error.to_string()),
        Err(GiveUp::Error(error)) => Single::Failed(describe(&error)),
    }
}

/// A 3.7 server applies a type change user by user and stops with 403 at the first refused
/// one: the users before it were changed, the ones after it were not looked at. Resending one
/// by one in order, the first ids now answer 403 at the target type. If the run of such ids
/// ends with a refusal (a forbidden change), all of them were changed by the group request; if
/// it ends otherwise, its last id was the culprit, a no-op.
async fn isolate_type_refusals(
    job: &BulkJob,
    requests: &AtomicUsize,
    part: Vec<Target>,
) -> Vec<Entry> {
    let mut out = Vec::with_capacity(part.len());
    let mut leading_run: Vec<Target> = Vec::new();
    let mut in_leading_run = true;
    for target in part {
        if job.cancel.is_cancelled() {
            out.push(
                Single::Failed("not sent: the job was cancelled".to_owned()).into_entry(target),
            );
            continue;
        }
        let single = send_single(job, requests, target).await;
        if !in_leading_run {
            out.push(single.into_entry(target));
            continue;
        }
        match single {
            Single::AtTarget => leading_run.push(target),
            Single::Refused(_) | Single::Failed(_) => {
                out.extend(leading_run.drain(..).map(changed_by_group));
                out.push(single.into_entry(target));
                in_leading_run = false;
            }
            Single::Changed => {
                flush_run_with_culprit(&mut leading_run, &mut out);
                out.push(single.into_entry(target));
                in_leading_run = false;
            }
        }
    }
    flush_run_with_culprit(&mut leading_run, &mut out);
    out
}

fn changed_by_group((position, id): Target) -> Entry {
    entry(
        position,
        id,
        Outcome::Changed,
        Some("changed by a request the server then refused for another user".to_owned()),
    )
}

/// The last id of the run was the no-op that made the group fail; the others were changed.
fn flush_run_with_culprit(run: &mut Vec<Target>, out: &mut Vec<Entry>) {
    if let Some(culprit) = run.pop() {
        out.extend(run.drain(..).map(changed_by_group));
        out.push(Single::AtTarget.into_entry(culprit));
    }
}

/// Sends the change for `ids`, retrying as the options allow, counting every request.
async fn send_with_retries(
    job: &BulkJob,
    requests: &AtomicUsize,
    ids: &[Uuid],
) -> Result<Vec<UserState>, GiveUp> {
    let count = || {
        requests.fetch_add(1, Ordering::Relaxed);
    };
    with_retries(&job.options, &job.cancel, count, || {
        super::wire::send(&job.client, &job.change, ids)
    })
    .await
}

/// The error with its causes, for a report line.
fn describe(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Errors that are the server's considered answer about these users, not a failure to ask.
fn is_refusal(error: &Error) -> bool {
    matches!(
        error,
        Error::BadRequest { .. }
            | Error::PaymentRequired { .. }
            | Error::NotFound { .. }
            | Error::Forbidden { .. }
    )
}

/// Compares what came back with what was asked: a 3.6 server answers 200 but returns skipped
/// users unchanged and drops unknown and LDAP ids.
fn classify(change: &Change, targets: &[Target], users: Vec<UserState>, out: &mut Vec<Entry>) {
    let has_placeholder = users.iter().any(|u| u.id == LOST_USER_ID);
    let by_id: HashMap<Uuid, UserState> = users.into_iter().map(|u| (u.id, u)).collect();
    for &(position, id) in targets {
        let (outcome, detail) = match by_id.get(&id) {
            Some(user) => match change.is_satisfied_by_state(user) {
                Some(true) => (Outcome::Changed, pending_note(change, user)),
                None => (
                    Outcome::Changed,
                    Some("accepted; the server's answer does not show the new value".to_owned()),
                ),
                Some(false) => (
                    Outcome::Refused,
                    Some("the server returned the user unchanged (it skips the owner, the caller and administrators)".to_owned()),
                ),
            },
            None if has_placeholder || id == LOST_USER_ID => (
                Outcome::Refused,
                Some("unknown user: the server answered with its placeholder for unknown ids".to_owned()),
            ),
            None => (
                Outcome::Refused,
                Some("the server left this id out of its answer (unknown id or LDAP user)".to_owned()),
            ),
        };
        out.push(entry(position, id, outcome, detail));
    }
}

fn pending_note(change: &Change, user: &UserState) -> Option<String> {
    (matches!(change, Change::Status(crate::UserStatus::Active))
        && user.status == Some(crate::UserStatus::Pending))
    .then(|| "activated, but Pending: the user never accepted the invitation".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_reported_not_sent() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let (distinct, duplicates) = deduplicate(&[a, b, a, a]);
        assert_eq!(distinct, [(0, a), (1, b)]);
        assert_eq!(duplicates.len(), 2);
        assert_eq!(
            duplicates[1],
            Duplicate {
                id: a,
                position: 3,
                first_position: 0
            }
        );
    }
}
