//! Sending one chunk of users (not yet in the target state) and settling every id in it: from
//! the answer, by reading back when the answer does not tell, and by splitting a refused chunk
//! down to the users the server refuses.

use std::collections::HashMap;

use uuid::Uuid;

use super::report::{Entry, Outcome};
use super::run::{Run, Target, all, entry};
use super::slots::Slots;
use super::verdict::{changed, read_back, read_states, unknown_id, unreadable as unreadable_text};
use crate::Change;
use crate::Error;
use crate::error::describe;
use crate::read::Seen;
use crate::server::answers::{self, Meaning};
use crate::state::UserState;
use crate::transport::{Attempts, Failure};

/// Sends one chunk (of users not yet in the target state) and settles every id in it.
pub(super) async fn settle(run: &Run<'_>, slots: &Slots, chunk: Vec<Target>) -> Vec<Entry> {
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
            Ok(request) => job.client.transport().execute(&request, &attempts).await,
            Err(error) => Err(Failure::Error(error)),
        };
        let answer = result.and_then(|answer| {
            crate::transport::envelope::states(&answer)
                .map(|(users, _)| users)
                .map_err(Failure::Error)
        });
        if job.change.is_action() {
            settle_action(run, &part, answer, &mut out);
            continue;
        }
        match answer {
            Ok(users) => {
                let unconfirmed = classify_answer(run, &part, users, &mut out);
                let why = "the server's answer left this user out (an LDAP or protected user?)";
                let unchanged = read_back(run, slots, &unconfirmed, why, &mut out).await;
                all(
                    &unchanged,
                    Outcome::Refused,
                    &format!("not changed (read back): {why}"),
                    &mut out,
                );
            }
            Err(Failure::Cancelled) => {
                let why = "cancelled while waiting to retry";
                let unchanged = read_back(run, slots, &part, why, &mut out).await;
                all(
                    &unchanged,
                    Outcome::Failed,
                    &format!("not changed (read back): {why}"),
                    &mut out,
                );
            }
            Err(Failure::Error(Error::Forbidden { message })) => {
                let reason = message.unwrap_or_else(|| "forbidden (403)".to_owned());
                isolate(run, slots, part, &reason, &mut stack, &mut out).await;
            }
            Err(Failure::Error(
                error @ (Error::PaymentRequired { .. } | Error::ServerRefused { .. }),
            )) => {
                // The server handles the users in order and stopped at the one it refused,
                // after changing those before it (402 at the seat limit, Workspace's quota
                // refusals): whoever was changed is found by reading back; the first unchanged
                // user is the refused one, and those after it were never considered, so they
                // are sent again rather than reported refused for another user's reason.
                let reason = error
                    .server_message()
                    .map_or_else(|| error.to_string(), str::to_owned);
                let why = format!("refused: {error}");
                let settled_before = out.len();
                let mut unchanged = read_back(run, slots, &part, &why, &mut out).await;
                let order: HashMap<Uuid, usize> =
                    ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
                let place = |id: &Uuid| order.get(id).copied().unwrap_or(usize::MAX);
                unchanged.sort_by_key(|t| place(&t.1));
                // A user the read could not settle (unknown) may be the one the server stopped
                // at: then the first unchanged one is not known to be refused, and all of them
                // are sent again.
                let first_unknown = out[settled_before..]
                    .iter()
                    .filter(|e| e.outcome == Outcome::Unknown)
                    .map(|e| place(&e.id))
                    .min();
                let stopper_unknown = match (first_unknown, unchanged.first()) {
                    (Some(unknown), Some(first)) => unknown < place(&first.1),
                    _ => false,
                };
                if stopper_unknown {
                    stack.push(unchanged);
                } else if !unchanged.is_empty() {
                    let rest = unchanged.split_off(1);
                    all(&unchanged, Outcome::Refused, &reason, &mut out);
                    if !rest.is_empty() {
                        stack.push(rest);
                    }
                }
            }
            Err(Failure::Error(error)) if answers::meaning(&error) == Meaning::Answer => {
                // The server checked the request and changed nothing.
                all(&part, Outcome::Refused, &error.to_string(), &mut out);
            }
            Err(Failure::Error(error)) if answers::meaning(&error) == Meaning::Unauthorized => {
                all(&part, Outcome::Failed, &describe(&error), &mut out);
            }
            Err(Failure::Error(error)) => {
                // The answer was lost or broken: the change may or may not have been applied.
                run.note_limit(&error);
                let why = describe(&error);
                let mut unchanged = read_back(run, slots, &part, &why, &mut out).await;
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

/// Settles the users of an action's request (an invitation sent again) from what the server
/// answered: nothing can be read back, since the portal keeps no trace of mail sent, and the
/// request is never sent again once it may have been taken.
fn settle_action(
    run: &Run<'_>,
    part: &[Target],
    answer: Result<Vec<UserState>, Failure>,
    out: &mut Vec<Entry>,
) {
    match answer {
        Ok(users) => {
            let listed: std::collections::HashSet<Uuid> = users.iter().map(|u| u.id).collect();
            for &(position, id) in part {
                out.push(if listed.contains(&id) {
                    entry(
                        position,
                        id,
                        Outcome::Changed,
                        Some("invitation sent again".to_owned()),
                    )
                } else {
                    entry(
                        position,
                        id,
                        Outcome::Unknown,
                        Some(
                            "the server's answer left this user out; whether it mailed them is \
                             not known"
                                .to_owned(),
                        ),
                    )
                });
            }
        }
        // Only a request the server certainly did not take is retried: cancelled while
        // waiting, nothing went.
        Err(Failure::Cancelled) => {
            all(
                part,
                Outcome::Failed,
                "not sent: the job was cancelled",
                out,
            );
        }
        Err(Failure::Error(error @ (Error::InvalidInput(_) | Error::Unsupported(_)))) => {
            all(part, Outcome::Failed, &format!("not sent: {error}"), out);
        }
        Err(Failure::Error(error)) => match answers::meaning(&error) {
            Meaning::Answer => {
                let reason = error
                    .server_message()
                    .map_or_else(|| error.to_string(), str::to_owned);
                all(part, Outcome::Refused, &reason, out);
            }
            Meaning::Unauthorized | Meaning::NotTaken => {
                run.note_limit(&error);
                let detail = format!(
                    "not sent (the server did not take it): {}",
                    describe(&error)
                );
                all(part, Outcome::Failed, &detail, out);
            }
            Meaning::MaybeTaken | Meaning::Final => {
                let detail = format!(
                    "{}; the server may have sent it, so it is not sent again",
                    describe(&error)
                );
                all(part, Outcome::Unknown, &detail, out);
            }
        },
    }
}

/// After a 403. A 3.7 server refuses a status or quota change whole when one target is
/// protected, and applies a type change user by user until the first refused one. Reading the
/// users back tells which were changed; the others are sent again in halves, down to single
/// ids, whose 403 is the server's refusal of that user.
async fn isolate(
    run: &Run<'_>,
    slots: &Slots,
    part: Vec<Target>,
    reason: &str,
    stack: &mut Vec<Vec<Target>>,
    out: &mut Vec<Entry>,
) {
    let partial = matches!(run.job.change, Change::Type(_));
    if part.len() == 1 && !partial {
        // A target sent unread may be an id no user has, which 3.7 refuses too: read it.
        if let [target] = part.as_slice()
            && slots.is_implied(target.0)
            && matches!(
                read_states(run, &part).await.remove(&target.1),
                Some(Seen::Missing)
            )
        {
            out.push(unknown_id(*target));
            return;
        }
        all(&part, Outcome::Refused, reason, out);
        return;
    }
    let mut remaining = part;
    let mut unreadable = HashMap::new();
    if partial {
        let mut seen = read_states(run, &remaining).await;
        let mut still = Vec::with_capacity(remaining.len());
        let change = &run.job.change;
        for target in remaining {
            let in_target =
                |user: &UserState| change.is_satisfied_by_state(user, Some(&run.server));
            match seen.remove(&target.1) {
                Some(Seen::Unreadable(error)) => {
                    unreadable.insert(target.1, error);
                    still.push(target);
                }
                Some(Seen::Missing) if slots.is_implied(target.0) => out.push(unknown_id(target)),
                Some(Seen::Missing) => {
                    let detail = unreadable_text(reason, &Seen::Missing);
                    out.push(entry(target.0, target.1, Outcome::Unknown, Some(detail)));
                }
                Some(Seen::State(user)) if in_target(&user) == Some(true) => {
                    let note = "changed by a request the server then refused for another user";
                    out.push(changed(change, target, &user, Some(note.to_owned())));
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
                Some(unreadable_text(reason, &Seen::Unreadable(error.clone()))),
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
    // An answer that lists a user twice in different states contradicts itself: such users are
    // read back rather than taken at either entry.
    let mut by_id: HashMap<Uuid, Option<UserState>> = HashMap::with_capacity(users.len());
    for user in users {
        match by_id.entry(user.id) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Some(user));
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                if slot.get().as_ref() != Some(&user) {
                    tracing::warn!(id = %user.id, "the answer lists a user twice, differently");
                    slot.insert(None);
                }
            }
        }
    }
    let mut unconfirmed = Vec::new();
    for &target in targets {
        let (position, id) = target;
        match by_id.get(&id).and_then(Option::as_ref) {
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
