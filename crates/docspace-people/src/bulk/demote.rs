//! Settling one user whose type is lowered through the server's type-change job: start it,
//! follow it, and read the user back, since neither the job's record nor its absence says for
//! certain what happened to the user.

use std::collections::HashMap;

use uuid::Uuid;

use super::engine::{Run, Target, changed, entry, is_refusal, read_states};
use super::observe::Seen;
use super::report::{Entry, Outcome};
use crate::lifecycle::{Follow, JobEnd, JobKind, type_change_request};
use crate::transport::{Attempts, Failure};
use crate::{Error, UserType};

/// Starts and follows the job for `target`, then reads the user back.
pub(super) async fn settle(
    run: &Run<'_>,
    target: Target,
    to: &UserType,
    before: Option<UserType>,
) -> Entry {
    let job = run.job;
    let (position, id) = target;
    if job.cancel.is_cancelled() {
        return not_sent(target, "not sent: the job was cancelled");
    }
    if let Some(stop) = run.stopped() {
        let detail = format!(
            "not sent: the portal's rate limit stopped the job; it can go on in {} s",
            stop.wait.as_secs()
        );
        return not_sent(target, &detail);
    }
    let writes = Attempts {
        policy: &run.policy,
        cancel: Some(&job.cancel),
        on_send: &|| run.count_write(),
    };
    let start = match type_change_request(id, to, job.receiver) {
        Ok(request) => job.client.execute(&request, &writes).await,
        Err(error) => Err(Failure::Error(error)),
    };
    let first = match start.map(|answer| crate::lifecycle::decode_progress(&answer)) {
        Ok(Ok(first)) => first,
        Ok(Err(error)) | Err(Failure::Error(error))
            if is_refusal(&error) || is_forbidden(&error) =>
        {
            // The server checked the request and started nothing.
            return entry(position, id, Outcome::Refused, Some(refusal_text(&error)));
        }
        Ok(Err(error)) | Err(Failure::Error(error)) => {
            // The start may have been taken: a job may run. Following finds it, or finds none.
            run.note_limit(&error);
            tracing::debug!(%id, %error, "the start of a type-change job was lost; looking for the job");
            None
        }
        Err(Failure::Cancelled) => None,
    };
    let reads = Attempts {
        policy: &run.policy,
        cancel: Some(&job.cancel),
        on_send: &|| run.count_read(),
    };
    // Terminating must go through even when the run is cancelled.
    let terminate = Attempts {
        policy: &run.policy,
        cancel: None,
        on_send: &|| run.count_write(),
    };
    let settle_reads = Attempts {
        policy: &run.policy,
        cancel: None,
        on_send: &|| run.count_read(),
    };
    let follow = Follow {
        client: &job.client,
        options: &job.options.jobs,
        reads: &reads,
        writes: &terminate,
        settle_reads: &settle_reads,
        cancel: Some(&job.cancel),
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
    match seen.remove(&id) {
        Some(Seen::State(user)) => {
            match run
                .job
                .change
                .is_satisfied_by_state(&user, Some(&run.server))
            {
                Some(true) => {
                    let note = match end {
                        JobEnd::Completed(_) => "by the type-change job".to_owned(),
                        _ => format!(
                            "by the type-change job; confirmed by reading the user back ({how})"
                        ),
                    };
                    changed(&run.job.change, target, &user, Some(note))
                }
                _ => {
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
            }
        }
        Some(Seen::Missing) => entry(
            position,
            id,
            Outcome::Unknown,
            Some(format!(
                "{how}; and the user could no longer be found when read back"
            )),
        ),
        Some(Seen::Unreadable(error)) => entry(
            position,
            id,
            Outcome::Unknown,
            Some(format!("{how}; and reading the user back failed: {error}")),
        ),
        None => entry(
            position,
            id,
            Outcome::Unknown,
            Some(format!("{how}; and the user was not read back")),
        ),
    }
}

fn not_sent(target: Target, detail: &str) -> Entry {
    entry(target.0, target.1, Outcome::Failed, Some(detail.to_owned()))
}

fn is_forbidden(error: &Error) -> bool {
    matches!(error, Error::Forbidden { .. })
}

fn refusal_text(error: &Error) -> String {
    match error.server_message() {
        Some(message) => format!("the type-change job was refused: {message}"),
        None => format!("the type-change job was refused: {error}"),
    }
}
