//! Settling users by reading them back, after an answer that does not say what happened to them
//! (lost, broken, refused part-way, or leaving them out). One verdict for chunks, demotions and
//! offboarding: in the target state means changed (they were not before), not in it means the
//! caller's reason stands, and a user who cannot be read is unknown, with why.

use std::collections::HashMap;

use uuid::Uuid;

use super::report::{Entry, Outcome};
use super::run::{Run, Target, entry};
use super::slots::Slots;
use crate::Change;
use crate::Refusal;
use crate::UserStatus;
use crate::read::{self, Seen};
use crate::state::UserState;
use crate::transport::Attempts;

/// What reading a user back shows.
pub(crate) enum ReadBack {
    /// As the change would make them.
    InTarget(UserState),
    /// Not as the change would make them.
    NotInTarget(UserState),
    /// Cannot tell; the reason, with `why` the read was needed.
    Unknown(String),
}

/// The one verdict of a read-back: `seen` is what reading found (`None`: not read), `why` is
/// what made the read necessary, and `in_target` says whether a user is as the change would
/// make them (`None`: the user object does not show it).
pub(crate) fn judge(
    why: &str,
    seen: Option<Seen>,
    in_target: impl Fn(&UserState) -> Option<bool>,
) -> ReadBack {
    match seen {
        Some(Seen::State(user)) => match in_target(&user) {
            Some(true) => ReadBack::InTarget(user),
            Some(false) => ReadBack::NotInTarget(user),
            None => ReadBack::Unknown(format!(
                "{why}; and the user as read back does not show the value"
            )),
        },
        Some(other) => ReadBack::Unknown(unreadable(why, &other)),
        None => ReadBack::Unknown(format!("{why}; and the user was not read back")),
    }
}

/// Why a user read back is unknown: gone, or unreadable.
pub(crate) fn unreadable(why: &str, seen: &Seen) -> String {
    match seen {
        Seen::Missing => format!("{why}; and the user could no longer be found when read back"),
        Seen::Unreadable(error) => format!("{why}; and reading the user back failed: {error}"),
        Seen::State(_) => format!("{why}; and the user was read back"),
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
    read::read_each(
        &run.job.client,
        &ids,
        run.job.options.concurrency,
        &attempts,
    )
    .await
    .into_iter()
    .collect()
}

/// Settles users whose change may have been applied from their state now (see [`judge`]).
/// Returns those read back not in the target state, for the caller to settle.
pub(super) async fn read_back(
    run: &Run<'_>,
    slots: &Slots,
    targets: &[Target],
    why: &str,
    out: &mut Vec<Entry>,
) -> Vec<Target> {
    let mut unchanged = Vec::new();
    if targets.is_empty() {
        return unchanged;
    }
    tracing::debug!(users = targets.len(), why, "reading users back");
    let mut seen = read_states(run, targets).await;
    let change = &run.job.change;
    for &target in targets {
        let in_target = |user: &UserState| change.is_satisfied_by_state(user, Some(&run.server));
        let seen = seen.remove(&target.1);
        if matches!(seen, Some(Seen::Missing)) && slots.is_implied(target.0) {
            out.push(unknown_id(target));
            continue;
        }
        match judge(why, seen, in_target) {
            ReadBack::InTarget(user) => out.push(changed(
                change,
                target,
                &user,
                Some(format!("confirmed by reading the user back ({why})")),
            )),
            ReadBack::NotInTarget(_) => unchanged.push(target),
            ReadBack::Unknown(detail) => {
                out.push(entry(target.0, target.1, Outcome::Unknown, Some(detail)));
            }
        }
    }
    unchanged
}

/// A target sent without being read (its state implied by the deciding users) that reading back
/// finds no user has: the refusal a read before sending would have made.
pub(super) fn unknown_id((position, id): Target) -> Entry {
    let mut entry = entry(
        position,
        id,
        Outcome::Refused,
        Some(format!(
            "{}; found by reading it back after sending",
            Refusal::UnknownUser
        )),
    );
    entry.reason = Some(Refusal::UnknownUser);
    entry
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
