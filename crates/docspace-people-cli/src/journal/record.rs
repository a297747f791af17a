//! The records a journal's lines hold, as they are written and read.

use docspace_people::bulk::{Change, Prior};
use docspace_people::{UserStatus, Uuid};
use serde::{Deserialize, Serialize};

/// The journal format's version.
pub const VERSION: u32 = 1;

/// What a run did, as the journal writes it: a change, in the library's stable serialized form
/// (`{"status":2}`, `{"type":4}`, `{"quota":5368709120}`, `{"reset_quota":true}`), or an
/// offboarding (`{"offboard":{"receiver":…,"delete":true}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChangeRecord {
    /// An offboarding: disable, then optionally move data to `receiver`, then optionally
    /// delete. Its `user` records are the disable step; `step` records the others.
    Offboard {
        /// The offboarding's steps.
        offboard: OffboardRecord,
    },
    /// A change.
    Change(Change),
}

/// The steps of an offboarding, as the journal writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffboardRecord {
    /// Who received the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<Uuid>,
    /// Whether users were deleted.
    pub delete: bool,
}

impl ChangeRecord {
    /// The record of `change`.
    pub fn of(change: &Change) -> Self {
        ChangeRecord::Change(change.clone())
    }

    /// The change whose outcomes the `user` records hold: for an offboarding, the disable step.
    pub fn change(&self) -> Change {
        match self {
            ChangeRecord::Change(change) => change.clone(),
            ChangeRecord::Offboard { .. } => Change::Status(UserStatus::Terminated),
        }
    }
}

/// One line of a journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A run starts.
    Start {
        /// The format's version.
        version: u32,
        /// The portal's URL.
        portal: String,
        /// The server, as detected.
        server: String,
        /// The change.
        change: ChangeRecord,
        /// The ids the run targets, in input order (a repeated id may be listed again).
        ids: Vec<Uuid>,
        /// Who received the rooms of demoted users (`type set --reassign-to`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receiver: Option<Uuid>,
        /// The email addresses of the input whose look-up failed: `resume` looks them up again.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        unresolved: Vec<String>,
        /// When (UTC, RFC 3339).
        at: String,
    },
    /// A user's outcome, with their state before the run.
    User {
        /// The user id.
        id: Uuid,
        /// `changed`, `already_in_target`, `refused`, `failed` or `unknown`.
        outcome: String,
        /// The reason or note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// The state before the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prior: Option<Prior>,
    },
    /// A user about to be sent, with their state before: written and flushed before the
    /// request.
    Sending {
        /// The user id.
        id: Uuid,
        /// The state before the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prior: Option<Prior>,
    },
    /// A later step of an offboarding for one user (the disable step is a `user` record).
    Step {
        /// The user id.
        id: Uuid,
        /// `reassign` or `delete`.
        step: String,
        /// `changed`, `refused`, `failed` or `unknown`.
        outcome: String,
        /// The reason or note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// A run ends.
    End {
        /// When (UTC, RFC 3339).
        at: String,
        /// When the portal's rate limit lets the run go on, if it stopped it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stopped_until: Option<String>,
        /// The run was declined (not confirmed, or over `--max-changes`): nothing was sent,
        /// and `resume` refuses to send it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        declined: bool,
    },
}
