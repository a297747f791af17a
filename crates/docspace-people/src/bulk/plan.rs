//! The dry run: the engine stopped before the first write. [`BulkJob::plan`] reads every target
//! (where a run may read only the deciding users and imply the others, a plan shows each one's
//! state) and routes each by the run's rule ([`super::prepare::decide`]), so the plan and the
//! run agree on every decision by construction. The one difference: an id no user has is
//! refused by the plan, and by the run once the server refused or skipped it.

use uuid::Uuid;

use super::index::Index;
use super::job::BulkJob;
use super::prepare::{self, Decision, Prepared, Reading};
use super::report::{Duplicate, Outcome};
use super::run::Run;
use crate::change::Prior;
use crate::{Refusal, Server};

/// What the engine would do with one user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Planned {
    /// Already as the change would make them: not sent.
    AlreadyInTarget,
    /// Sent in a chunk of the change's request.
    Send,
    /// Sent through the server's type-change job, one user at a time (a demotion on DocSpace
    /// 3.1 and later).
    ThroughJob,
    /// Not sent: the server's rules refuse it for certain, or no user has the id.
    Refused(Refusal),
    /// Not sent: the user's current state could not be read; why.
    Unreadable(String),
}

/// One input id in a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedEntry {
    /// The user id.
    pub id: Uuid,
    /// Its position in the input, counting from 0 (its first occurrence).
    pub position: usize,
    /// What the engine would do.
    pub planned: Planned,
    /// A note: for example that the portal does not show the value the change sets, so the user
    /// is sent although they may already be so.
    pub note: Option<String>,
    /// The user's current state, when it was read.
    pub prior: Option<Prior>,
}

/// What [`BulkJob::run`] would do, id by id, made without sending any change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkPlan {
    /// One entry per distinct input id, in input order (none when they were passed to the
    /// hook of [`BulkJob::plan_each`] instead).
    pub entries: Vec<PlannedEntry>,
    /// Repeated ids (they would be sent once).
    pub duplicates: Vec<Duplicate>,
    /// Read requests made to plan.
    pub reads: usize,
    /// Whether the signed-in user could be read, where refusals depend on who asks. When not
    /// (an API key without the scope to read `people/@self`, say), those refusals are left to
    /// the server.
    pub caller_known: bool,
    /// The server the plan is for.
    pub server: Server,
}

impl BulkPlan {
    /// How many entries are planned so.
    pub fn count(&self, matches: impl Fn(&Planned) -> bool) -> usize {
        self.entries.iter().filter(|e| matches(&e.planned)).count()
    }
}

/// Plans `job` for `user_ids` on `server` (already checked).
pub(super) async fn plan(
    job: &BulkJob,
    server: Server,
    user_ids: &[Uuid],
    index: Index<'_>,
    duplicates: Vec<Duplicate>,
    mut each: Option<&mut (dyn FnMut(PlannedEntry) + Send)>,
) -> Result<BulkPlan, crate::Error> {
    let concurrency = job.options.concurrency.min(crate::server::MAX_IN_FLIGHT);
    let run = Run::new(job, server, concurrency);
    let refused_before = job.client.transport().refused_credentials();
    let Prepared {
        slots,
        caller,
        caller_needed,
        ..
    } = prepare::prepare(&run, user_ids, &index, &duplicates, Reading::Every).await;
    drop(index);
    super::engine::credentials_accepted(job, refused_before)?;
    let mut entries = match each {
        Some(_) => Vec::new(),
        None => Vec::with_capacity(user_ids.len() - duplicates.len()),
    };
    for (position, &id) in user_ids.iter().enumerate() {
        if !slots.is_first(position) {
            continue;
        }
        let state = slots.state(position, id);
        let mut note = None;
        let planned = match prepare::decide(&run, caller.as_ref(), slots.seen(position, id)) {
            Decision::Settled(Outcome::AlreadyInTarget, _) => Planned::AlreadyInTarget,
            Decision::Settled(_, detail) => {
                Planned::Unreadable(detail.unwrap_or_else(|| "not read".to_owned()))
            }
            Decision::Refused(reason) => Planned::Refused(reason),
            Decision::Chunk => {
                let shown = state
                    .as_ref()
                    .and_then(|s| job.change.is_satisfied_by_state(s, Some(&server)));
                if shown.is_none() {
                    note = Some(
                        "the portal does not show this value (per-user quotas off?); it is sent"
                            .to_owned(),
                    );
                }
                Planned::Send
            }
            Decision::Job => Planned::ThroughJob,
        };
        let entry = PlannedEntry {
            id,
            position,
            planned,
            note,
            prior: state.as_ref().map(|s| Prior::of(s, &server)),
        };
        match each.as_mut() {
            Some(each) => each(entry),
            None => entries.push(entry),
        }
    }
    Ok(BulkPlan {
        entries,
        duplicates,
        reads: run.reads(),
        caller_known: caller.is_some() || !caller_needed,
        server,
    })
}
