//! A background job as the server reports it: the progress record of the type-change and
//! data-reassignment jobs.

use docspace_people_gen::types;

use crate::Error;
use crate::transport::Answer;

/// Where a job stands, by the server's own numbering.
///
/// Non-exhaustive, and [`JobStatus::Other`] keeps a number this crate does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JobStatus {
    /// 0: queued.
    Created,
    /// 1: started, or waiting for the server's worker (jobs of one kind run one at a time).
    Running,
    /// 2: finished.
    Completed,
    /// 3: terminated, by a client or because the server expired it.
    Canceled,
    /// 4: failed; [`JobProgress::error`] says why.
    Failed,
    /// A number this crate does not know.
    Other(i32),
}

impl JobStatus {
    fn from_number(n: i32) -> Self {
        match n {
            0 => JobStatus::Created,
            1 => JobStatus::Running,
            2 => JobStatus::Completed,
            3 => JobStatus::Canceled,
            4 => JobStatus::Failed,
            other => JobStatus::Other(other),
        }
    }
}

/// One snapshot of a job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct JobProgress {
    /// The server's id of the job (`{tenant}_{user}_{kind}`), when it sent one.
    pub id: Option<String>,
    /// Where it stands.
    pub status: JobStatus,
    /// How far it got, 0 to 100.
    pub percentage: u8,
    /// Whether it ended, however it ended.
    pub is_completed: bool,
    /// Why it failed; `None` when the server's `error` is empty, as it is unless the job failed.
    pub error: Option<String>,
}

impl JobProgress {
    /// Whether the job finished well: completed, with no error.
    pub fn succeeded(&self) -> bool {
        self.is_completed && self.status == JobStatus::Completed && self.error.is_none()
    }

    /// A job that ended (completed or not) or whose status says it did.
    pub(crate) fn has_ended(&self) -> bool {
        self.is_completed
            || matches!(
                self.status,
                JobStatus::Completed | JobStatus::Canceled | JobStatus::Failed
            )
    }
}

impl From<types::TaskProgress> for JobProgress {
    fn from(wire: types::TaskProgress) -> Self {
        JobProgress::read(wire, false)
    }
}

impl JobProgress {
    /// A record as `workspace` or DocSpace numbers it: Workspace's reassignment says 0 Queued,
    /// 1 Started, 2 Done, **3 Failed**, and writes the percentage as a float.
    fn read(wire: types::TaskProgress, workspace: bool) -> Self {
        let percentage = wire
            .percentage
            .filter(|p| p.is_finite())
            .unwrap_or(0.0)
            .clamp(0.0, 100.0)
            .round();
        let status = match wire.status {
            None => JobStatus::Running,
            Some(3) if workspace => JobStatus::Failed,
            Some(n) => JobStatus::from_number(n),
        };
        JobProgress {
            id: wire.id,
            status,
            // Clamped to 0..=100 and rounded: the cast cannot truncate.
            percentage: percentage as u8,
            is_completed: wire.is_completed.unwrap_or(false),
            error: wire.error.filter(|e| !e.trim().is_empty()),
        }
    }
}

/// The job of a progress envelope; `None` when there is no job: no `response` (DocSpace), or
/// an empty object (Workspace). `workspace` picks Workspace's numbering of the status.
pub(crate) fn decode(answer: &Answer, workspace: bool) -> Result<Option<JobProgress>, Error> {
    let envelope: types::TaskProgressEnvelope = answer.json()?;
    crate::transport::envelope::check(envelope.error, envelope.status, envelope.status_code)?;
    Ok(envelope
        .response
        .filter(|p| p.id.is_some() || p.status.is_some() || p.is_completed.is_some())
        .map(|p| JobProgress::read(p, workspace)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_error_is_none_and_numbers_are_clamped() {
        let wire: types::TaskProgress = serde_json::from_str(
            r#"{"id":"1_x_UpdateUserTypeProgressItem","error":"","percentage":140,"isCompleted":true,"status":2}"#,
        )
        .unwrap();
        let progress = JobProgress::from(wire);
        assert!(progress.succeeded());
        assert_eq!(progress.percentage, 100);
        let odd: types::TaskProgress =
            serde_json::from_str(r#"{"percentage":-3,"status":9,"error":"boom"}"#).unwrap();
        let workspace: types::TaskProgress = serde_json::from_str(
            r#"{"id":"x","percentage":66.0,"status":3,"isCompleted":true,"error":"Disk full"}"#,
        )
        .unwrap();
        let workspace = JobProgress::read(workspace, true);
        assert_eq!(
            (workspace.status, workspace.percentage),
            (JobStatus::Failed, 66)
        );
        let odd = JobProgress::from(odd);
        assert_eq!(odd.status, JobStatus::Other(9));
        assert_eq!(odd.percentage, 0);
        assert_eq!(odd.error.as_deref(), Some("boom"));
        assert!(!odd.succeeded());
    }
}
