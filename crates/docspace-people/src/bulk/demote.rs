//! Settling one user whose type is lowered through the server's type-change job: start it,
//! follow it, and read the user back, since neither the job's record nor its absence says for
//! certain what happened to the user.

use std::collections::HashMap;

use uuid::Uuid;

use super::report::{Entry, Outcome};
use super::run::{Run, Target, entry};
use super::verdict::{ReadBack, changed, judge, read_states};
use crate::UserType;
use crate::jobs::{Follow, JobEnd, JobKind, Started, type_change_request};
use crate::read::Seen;
use crate::state::UserState;

/// Starts and follows the job for `target`, then reads the user back.
pub(super) async fn settle(
    run: &Run<'_>,
    target: Target,
    to: &UserType,
    before: Option<UserType>,
) -> Entry {
    let job = run.job;
    let (position, id) = target;
    if let Some(detail) = run.not_sending() {
        return entry(position, id, Outcome::Failed, Some(detail));
    }
    let follow = Follow {
        client: &job.client,
        options: &job.options.jobs,
        policy: &run.policy,
        cancel: Some(&job.cancel),
        on_read: &|| run.count_read(),
        on_write: &|| run.count_write(),
    };
    let first = match type_change_request(id, to, job.receiver) {
        Ok(request) => match follow.start(&request).await {
            Started::Answered(first) => first,
            Started::Refused(error) => {
                let detail = Started::refusal_text(&error, "the type-change job");
                return entry(position, id, Outcome::Refused, Some(detail));
            }
            Started::Unanswered(error) => {
                if let Some(error) = &error {
                    run.note_limit(error);
                }
                tracing::debug!(%id, "the start of a type-change job went unanswered; looking for the job");
                None
            }
        },
        Err(error) => {
            let detail = format!("not sent: {error}");
            return entry(position, id, Outcome::Failed, Some(detail));
        }
    };
    let end = follow.run(JobKind::TypeChange, id, first).await;
    tracing::debug!(%id, end = %end.describe(), "type-change job followed");
    let seen = read_states(run, &[target]).await;
    outcome(run, target, &end, seen, before.as_ref())
}

fn outcome(
    run: &Run<'_>,
    target: Target,
    end: &JobEnd,
    mut seen: HashMap<Uuid, Seen>,
    before: Option<&UserType>,
) -> Entry {
    let (position, id) = target;
    let how = end.describe();
    let change = &run.job.change;
    let in_target = |user: &UserState| change.is_satisfied_by_state(user, Some(&run.server));
    match judge(&how, seen.remove(&id), in_target) {
        ReadBack::InTarget(user) => {
            let note = match end {
                JobEnd::Completed(_) => "by the type-change job".to_owned(),
                _ => format!("by the type-change job; confirmed by reading the user back ({how})"),
            };
            changed(change, target, &user, Some(note))
        }
        ReadBack::NotInTarget(user) => {
            let now = run.server.type_from_flags(&user);
            if let (Some(now), Some(before)) = (&now, before)
                && now != before
            {
                // Changed, though not as asked: another job's type won.
                return entry(
                    position,
                    id,
                    Outcome::Unknown,
                    Some(format!(
                        "{how}; the user reads back as {now}, neither as before ({before}) \
                         nor as asked"
                    )),
                );
            }
            let outcome = match end {
                // The job may yet change the user.
                JobEnd::Unreadable { .. } => Outcome::Unknown,
                _ => Outcome::Failed,
            };
            let detail = match end {
                JobEnd::Completed(_) => {
                    "the job reported success, but the user reads back unchanged".to_owned()
                }
                _ => format!("not changed (read back): {how}"),
            };
            entry(position, id, outcome, Some(detail))
        }
        ReadBack::Unknown(detail) => entry(position, id, Outcome::Unknown, Some(detail)),
    }
}
