//! What a bulk job reports: one entry per distinct id, the repeated ids, and running totals.

use uuid::Uuid;

use crate::Refusal;
use crate::change::Prior;

/// How a change ended for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The server applied the change.
    Changed,
    /// The user already was as the change would make them; nothing was sent for them.
    AlreadyInTarget,
    /// The server would not change this user; `detail` says why.
    Refused,
    /// The user was not changed: the request could not be made (transport failure, retries
    /// exhausted, cancelled, ...), and the user is not in the target state (read back, or never
    /// sent). `detail` holds the error. Sending again may succeed.
    Failed,
    /// Whether the change was applied is not known: the answer was lost and the user could not
    /// be read back, or the server does not show the value. `detail` says why. Check the user
    /// before sending again; counts as not done.
    Unknown,
}

/// The outcome's name as reports write it (`changed`, `already_in_target`, ...).
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Outcome {
    /// Every outcome, in the order reports count them.
    pub const ALL: [Outcome; 5] = [
        Outcome::Changed,
        Outcome::AlreadyInTarget,
        Outcome::Refused,
        Outcome::Failed,
        Outcome::Unknown,
    ];

    /// The outcome's name as reports write it: `changed`, `already_in_target`, `refused`,
    /// `failed`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Changed => "changed",
            Outcome::AlreadyInTarget => "already_in_target",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
        }
    }
}

/// The outcome for one input id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Entry {
    /// The user id.
    pub id: Uuid,
    /// Its position in the input, counting from 0 (its first occurrence).
    pub position: usize,
    /// How it ended.
    pub outcome: Outcome,
    /// The server's reason or the error, for refusals and failures; a note otherwise.
    pub detail: Option<String>,
    /// Why the user was refused, typed, for [`Outcome::Refused`]: a rule the engine applied
    /// before sending, or the server's own answer ([`Refusal::Server`]). Match on it rather
    /// than on `detail`'s text.
    #[serde(skip)]
    pub reason: Option<Refusal>,
    /// The user's state before the job, when it was read (not for unknown ids).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior: Option<Prior>,
    /// The user's email address, once [`Client::name_entries`](crate::Client::name_entries)
    /// has read it (the engine keeps a few bytes per user, not their names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's display name, as [`email`](Self::email).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// An id that appeared more than once in the input. It was sent once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Duplicate {
    /// The user id.
    pub id: Uuid,
    /// The position of the repeat, counting from 0.
    pub position: usize,
    /// The position of its first occurrence.
    pub first_position: usize,
}

/// Totals by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Counts {
    /// Changed by the server.
    pub changed: usize,
    /// Already in the target state.
    pub already_in_target: usize,
    /// Refused by the server.
    pub refused: usize,
    /// Failed.
    pub failed: usize,
    /// Unknown.
    pub unknown: usize,
}

impl Counts {
    pub(crate) fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Changed => self.changed += 1,
            Outcome::AlreadyInTarget => self.already_in_target += 1,
            Outcome::Refused => self.refused += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }

    /// All ids accounted for.
    pub fn total(&self) -> usize {
        self.changed + self.already_in_target + self.refused + self.failed + self.unknown
    }
}

/// `3 changed, 1 already in target, 0 refused, 0 failed, 0 unknown`.
///
/// ```
/// let counts = docspace_people::bulk::Counts::default();
/// assert_eq!(
///     counts.to_string(),
///     "0 changed, 0 already in target, 0 refused, 0 failed, 0 unknown"
/// );
/// ```
impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} changed, {} already in target, {} refused, {} failed, {} unknown",
            self.changed, self.already_in_target, self.refused, self.failed, self.unknown
        )
    }
}

/// Running totals, passed to the progress callback after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Distinct ids accounted for so far.
    pub done: usize,
    /// Distinct ids in the job.
    pub total: usize,
    /// Refused so far.
    pub refused: usize,
    /// Failed so far.
    pub failed: usize,
    /// Unknown so far.
    pub unknown: usize,
    /// Change requests sent so far, retries and splits included.
    pub requests: usize,
    /// Reads of users' state sent so far.
    pub reads: usize,
    /// Users whose type is lowered through the type-change job, one job each.
    pub by_job: usize,
    /// Of those, the users settled so far.
    pub jobs_done: usize,
}

/// The result of a bulk job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct BulkReport {
    /// One entry per distinct input id, in input order; empty when
    /// [`BulkOptions::keep_entries`](super::options::BulkOptions::keep_entries) is off.
    pub entries: Vec<Entry>,
    /// Repeated input ids, in input order.
    pub duplicates: Vec<Duplicate>,
    /// Totals by outcome.
    pub counts: Counts,
    /// Change requests (PUTs) sent, retries and splits included.
    pub requests: usize,
    /// Reads (GETs) of users' state sent, before the change and after lost answers.
    pub reads: usize,
    /// Whether the job was cancelled before it finished.
    pub cancelled: bool,
    /// Set when the portal's rate limit stopped the job: the server asked to wait longer than
    /// the retry policy's `max_retry_after` (after its daily write limit, hours). The ids not
    /// sent are failed "not sent"; running the same change again after this wait finishes the
    /// job, since users already changed are found in the target state and skipped.
    pub stopped_by_limit: Option<LimitStop>,
}

/// What a job is about to do, once every target's state is read and the server's refusals are
/// predicted, before the first change is sent: passed to the hook of
/// [`BulkJob::confirm`](super::job::BulkJob::confirm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// Users whose change will be sent.
    pub to_send: usize,
    /// Of those, the users whose type is lowered through the type-change job, one job each.
    pub by_job: usize,
    /// Users already in the target state (not sent).
    pub already_in_target: usize,
    /// Users the server will refuse, or who do not exist (not sent).
    pub refused: usize,
    /// Users whose state could not be read (not sent).
    pub failed: usize,
}

/// Why and until when the portal's rate limit stopped a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LimitStop {
    /// How long the server asked to wait, counted from when it said so.
    pub wait: std::time::Duration,
    /// When the job can go on, by this machine's clock.
    pub until: std::time::SystemTime,
}

impl BulkReport {
    /// Whether every id was changed or already in the target state.
    pub fn is_complete_success(&self) -> bool {
        self.counts.refused == 0 && self.counts.failed == 0 && self.counts.unknown == 0
    }

    /// The entries with this outcome.
    pub fn with_outcome(&self, outcome: Outcome) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.outcome == outcome)
    }
}
