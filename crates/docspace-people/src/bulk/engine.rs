//! Running a bulk job: deduplicate, chunk, send concurrently, isolate refusals, account.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use uuid::Uuid;

use super::report::{BulkReport, Counts, Duplicate, Entry, Outcome, Progress};
use super::retry::{GiveUp, with_retries};
use super::{BulkJob, Change};
use crate::{Error, LOST_USER_ID, User};

/// One id to send and its input position.
type Target = (usize, Uuid);

/// A group of ids sent in one request.
struct Part {
    targets: Vec<Target>,
    /// Whether these ids were in a type-change request that the server refused part way; some
    /// of them may have been changed by it.
    after_partial_refusal: bool,
}

pub(super) async fn run(job: BulkJob, user_ids: &[Uuid]) -> BulkReport {
    let (distinct, duplicates) = deduplicate(user_ids);
    let total = distinct.len();
    let mut counts = Counts::default();
    let mut entries = Vec::with_capacity(total);
    let mut to_send = Vec::with_capacity(total);
    for (position, id) in distinct {
        let known = job
            .known
            .get(&id)
            .and_then(|user| job.change.is_satisfied_by(user));
        if known == Some(true) {
            counts.add(Outcome::AlreadyInTarget);
            entries.push(entry(position, id, Outcome::AlreadyInTarget, None));
        } else {
            to_send.push((position, id));
        }
    }
    let requests = AtomicUsize::new(0);
    let chunks: Vec<Vec<Target>> = to_send
        .chunks(job.options.chunk_size)
        .map(<[Target]>::to_vec)
        .collect();
    drop(to_send);
    tracing::info!(change = %job.change, users = total, chunks = chunks.len(), "bulk change starts");
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
    // Depth-first, second half pushed first, so ids are tried in input order.
    let mut stack = vec![Part {
        targets: chunk,
        after_partial_refusal: false,
    }];
    while let Some(part) = stack.pop() {
        if job.cancel.is_cancelled() {
            all(
                &part.targets,
                Outcome::Failed,
                "not sent: the job was cancelled",
                &mut out,
            );
            continue;
        }
        let ids: Vec<Uuid> = part.targets.iter().map(|t| t.1).collect();
        let result = with_retries(
            &job.options,
            &job.cancel,
            || {
                requests.fetch_add(1, Ordering::Relaxed);
            },
            || send(job, &ids),
        )
        .await;
        match result {
            Ok(users) => classify(&job.change, &part.targets, users, &mut out),
            Err(GiveUp::Cancelled) => all(
                &part.targets,
                Outcome::Failed,
                "not confirmed: the job was cancelled while waiting to retry",
                &mut out,
            ),
            Err(GiveUp::Error(Error::Forbidden { message })) if part.targets.len() > 1 => {
                split(&job.change, part, &mut stack);
                tracing::debug!(?message, "403 for a group: isolating the refused ids");
            }
            Err(GiveUp::Error(Error::Forbidden { message })) => {
                let reason = message.unwrap_or_else(|| "forbidden (403)".to_owned());
                refused_single(job, requests, &part, reason, &mut out).await;
            }
            Err(GiveUp::Error(error)) if is_refusal(&error) => {
                all(
                    &part.targets,
                    Outcome::Refused,
                    &error.to_string(),
                    &mut out,
                );
            }
            Err(GiveUp::Error(error)) => {
                all(&part.targets, Outcome::Failed, &error.to_string(), &mut out);
            }
        }
    }
    out
}

/// A 3.7 server refuses a whole status or quota request and changes nothing, so halving finds
/// the refused ids in a few requests. Type changes are applied one by one up to the refused
/// user, so the ids are retried singly and checked.
fn split(change: &Change, part: Part, stack: &mut Vec<Part>) {
    if matches!(change, Change::Type(_)) {
        stack.extend(part.targets.into_iter().rev().map(|target| Part {
            targets: vec![target],
            after_partial_refusal: true,
        }));
        return;
    }
    let mut first = part.targets;
    let second = first.split_off(first.len() / 2);
    stack.push(Part {
        targets: second,
        after_partial_refusal: part.after_partial_refusal,
    });
    stack.push(Part {
        targets: first,
        after_partial_refusal: part.after_partial_refusal,
    });
}

/// One id the server refused. For a type change, a 403 also answers a no-op, so look at the
/// user: already at the target type means done (by this job's earlier request, or before).
async fn refused_single(
    job: &BulkJob,
    requests: &AtomicUsize,
    part: &Part,
    reason: String,
    out: &mut Vec<Entry>,
) {
    let &[(position, id)] = part.targets.as_slice() else {
        return all(&part.targets, Outcome::Refused, &reason, out);
    };
    if let Change::Type(_) = job.change {
        requests.fetch_add(1, Ordering::Relaxed);
        if let Ok(user) = job.client.user(id).await
            && job.change.is_satisfied_by(&user) == Some(true)
        {
            let (outcome, note) = if part.after_partial_refusal {
                (
                    Outcome::Changed,
                    "changed before the server refused another user of its request",
                )
            } else {
                (
                    Outcome::AlreadyInTarget,
                    "the server refused a change to the type the user already has",
                )
            };
            out.push(entry(position, id, outcome, Some(note.to_owned())));
            return;
        }
    }
    out.push(entry(position, id, Outcome::Refused, Some(reason)));
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

async fn send(job: &BulkJob, ids: &[Uuid]) -> Result<Vec<User>, Error> {
    match &job.change {
        Change::Status(status) => job.client.set_status(status.clone(), ids).await,
        Change::Type(user_type) => job.client.set_type(user_type.clone(), ids).await,
        Change::Quota(quota) => job.client.set_quota(*quota, ids).await,
        Change::ResetQuota => job.client.reset_quota(ids).await,
    }
}

/// Compares what came back with what was asked: a 3.6 server answers 200 but returns skipped
/// users unchanged and drops unknown and LDAP ids.
fn classify(change: &Change, targets: &[Target], users: Vec<User>, out: &mut Vec<Entry>) {
    let has_placeholder = users.iter().any(User::is_lost_user);
    let by_id: HashMap<Uuid, User> = users.into_iter().map(|u| (u.id, u)).collect();
    for &(position, id) in targets {
        let (outcome, detail) = match by_id.get(&id) {
            Some(user) => match change.is_satisfied_by(user) {
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

fn pending_note(change: &Change, user: &User) -> Option<String> {
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
