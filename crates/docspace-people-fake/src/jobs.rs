//! Background jobs (type changes, data reassignment): their progress records and the queue of
//! jobs waiting or running.
//!
//! Like the server's task queue, there is one slot per user and kind. Starting a job while the
//! slot holds an unfinished one returns that one unchanged; a finished one is replaced. A
//! record stays readable for the configured time after its last update, then vanishes (a
//! running job that has not published for that long is cancelled, as the server's cleaner
//! does). Terminating removes the record at once and asks the job to stop at its next step;
//! the job then publishes itself once more, as canceled.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};
use tokio::sync::watch;
use uuid::Uuid;

/// The kinds of background job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    /// A type change started with `POST /api/2.0/people/type` (`UpdateUserTypeProgressItem`).
    UserType,
    /// A data reassignment started with `POST /api/2.0/people/reassign/start`
    /// (`ReassignProgressItem`).
    Reassign,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 2] = [JobKind::UserType, JobKind::Reassign];

    /// The server's name of the job item, the last part of a job id.
    pub fn item_name(self) -> &'static str {
        match self {
            Self::UserType => "UpdateUserTypeProgressItem",
            Self::Reassign => "ReassignProgressItem",
        }
    }

    /// Position in per-kind arrays.
    pub(crate) fn index(self) -> usize {
        match self {
            Self::UserType => 0,
            Self::Reassign => 1,
        }
    }

    /// The job id the server gives a user's job of this kind (tenant 1).
    pub(crate) fn job_id(self, user: Uuid) -> String {
        format!("1_{user}_{}", self.item_name())
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.item_name())
    }
}

/// A job's state (`DistributedTaskStatus`), a number on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// 0: created, not yet queued (the server never shows it).
    Created,
    /// 1: queued or running.
    Running,
    /// 2: finished successfully.
    Completed,
    /// 3: terminated.
    Canceled,
    /// 4: failed; the record's `error` says why.
    Failed,
}

impl JobStatus {
    /// The wire number.
    pub fn number(self) -> i32 {
        match self {
            Self::Created => 0,
            Self::Running => 1,
            Self::Completed => 2,
            Self::Canceled => 3,
            Self::Failed => 4,
        }
    }
}

impl Serialize for JobStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i32(self.number())
    }
}

/// A job's progress record, as `GET .../progress/{userid}` shows it (`TaskProgressResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobProgress {
    /// `1_{userId}_{ItemName}`.
    pub id: String,
    /// Why the job failed; empty otherwise.
    pub error: String,
    /// 0 to 100.
    pub percentage: u32,
    /// Whether the job has ended (completed, canceled or failed).
    pub is_completed: bool,
    /// The job's state.
    pub status: JobStatus,
}

/// What a job does, fixed when it is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobPlan {
    /// Change the user's type (0 "All" on 3.6 changes nothing) and give their rooms to the
    /// receiver.
    UserType {
        caller: Uuid,
        new_type: i32,
        receiver: Uuid,
    },
    /// Give the user's data to the receiver and, if asked, delete the profile.
    Reassign {
        caller: Uuid,
        receiver: Uuid,
        delete_profile: bool,
    },
}

impl JobPlan {
    pub(crate) fn kind(&self) -> JobKind {
        match self {
            Self::UserType { .. } => JobKind::UserType,
            Self::Reassign { .. } => JobKind::Reassign,
        }
    }
}

/// A job queued or running.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// The user the job is about (the slot's user).
    pub(crate) user: Uuid,
    pub(crate) plan: JobPlan,
    /// Terminated: stop at the next step.
    pub(crate) cancelled: bool,
    /// An injected failure ([`JobStore::fail_next`]), taken when the job begins.
    pub(crate) injected_failure: Option<String>,
    /// The last percentage published.
    pub(crate) percentage: u32,
}

/// A published record.
#[derive(Debug, Clone)]
struct Record {
    progress: JobProgress,
    updated: Instant,
    /// The job that publishes into this record.
    job: u64,
}

/// The job store. Lives behind one mutex; never held across an `.await`.
#[derive(Debug)]
pub(crate) struct JobStore {
    records: HashMap<(Uuid, JobKind), Record>,
    jobs: HashMap<u64, Job>,
    queues: [VecDeque<u64>; 2],
    failures: HashMap<Uuid, String>,
    paused: bool,
    next_id: u64,
    ttl: Duration,
    /// How many jobs are queued or running, for waiters.
    active: watch::Sender<usize>,
}

impl JobStore {
    /// An empty store whose records live `ttl` after their last update.
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            records: HashMap::new(),
            jobs: HashMap::new(),
            queues: [VecDeque::new(), VecDeque::new()],
            failures: HashMap::new(),
            paused: false,
            next_id: 1,
            ttl,
            active: watch::Sender::new(0),
        }
    }

    /// Drops expired records. A finished record expires `ttl` after its last update; an
    /// unfinished one that has not been updated for `ttl` (non-zero) is dropped and its job
    /// cancelled, as the server's cleaner does.
    ///
    /// A job still waiting in its queue is not cancelled with its record: it runs later, and
    /// its record reappears when it publishes (a vanished record never means "will not run").
    fn purge(&mut self, now: Instant) {
        let ttl = self.ttl;
        let jobs = &mut self.jobs;
        let queues = &self.queues;
        self.records.retain(|_, record| {
            let age = now.saturating_duration_since(record.updated);
            if record.progress.is_completed {
                return age < ttl;
            }
            if ttl.is_zero() || age < ttl {
                return true;
            }
            let queued = queues.iter().any(|q| q.contains(&record.job));
            if !queued && let Some(job) = jobs.get_mut(&record.job) {
                job.cancelled = true;
            }
            false
        });
    }

    /// The record of `user`'s job of this kind, if there is one.
    pub(crate) fn progress(
        &mut self,
        user: Uuid,
        kind: JobKind,
        now: Instant,
    ) -> Option<JobProgress> {
        self.purge(now);
        self.records.get(&(user, kind)).map(|r| r.progress.clone())
    }

    /// The record of `user`'s job as Workspace reads it: a finished one is removed by the read
    /// that returns it.
    pub(crate) fn progress_once(
        &mut self,
        user: Uuid,
        kind: JobKind,
        now: Instant,
    ) -> Option<JobProgress> {
        let progress = self.progress(user, kind, now)?;
        if progress.is_completed {
            self.records.remove(&(user, kind));
        }
        Some(progress)
    }

    /// Who receives the data of `user`'s reassignment, while its job is known.
    pub(crate) fn receiver_of(&self, user: Uuid, kind: JobKind) -> Option<Uuid> {
        let record = self.records.get(&(user, kind))?;
        match self.jobs.get(&record.job).map(|j| &j.plan) {
            Some(JobPlan::Reassign { receiver, .. } | JobPlan::UserType { receiver, .. }) => {
                Some(*receiver)
            }
            None => None,
        }
    }

    /// Whether `user` has an unfinished job of this kind.
    pub(crate) fn unfinished(&mut self, user: Uuid, kind: JobKind, now: Instant) -> bool {
        self.progress(user, kind, now)
            .is_some_and(|p| !p.is_completed)
    }

    /// Starts a job for `user`, or returns the unfinished one in the slot unchanged. The second
    /// value says whether a job was queued (a worker must be woken).
    pub(crate) fn start(&mut self, user: Uuid, plan: JobPlan, now: Instant) -> (JobProgress, bool) {
        let kind = plan.kind();
        self.purge(now);
        if let Some(record) = self.records.get(&(user, kind))
            && !record.progress.is_completed
        {
            return (record.progress.clone(), false);
        }
        let id = self.next_id;
        self.next_id += 1;
        let progress = JobProgress {
            id: kind.job_id(user),
            error: String::new(),
            percentage: 0,
            is_completed: false,
            status: JobStatus::Running,
        };
        self.records.insert(
            (user, kind),
            Record {
                progress: progress.clone(),
                updated: now,
                job: id,
            },
        );
        self.jobs.insert(
            id,
            Job {
                user,
                plan,
                cancelled: false,
                injected_failure: None,
                percentage: 0,
            },
        );
        self.queues[kind.index()].push_back(id);
        self.active.send_replace(self.jobs.len());
        (progress, true)
    }

    /// Terminates `user`'s job of this kind: the record is removed and the job asked to stop.
    /// Returns the last record, marked canceled and completed, or `None` if there was none.
    pub(crate) fn terminate(
        &mut self,
        user: Uuid,
        kind: JobKind,
        now: Instant,
    ) -> Option<JobProgress> {
        self.purge(now);
        let record = self.records.remove(&(user, kind))?;
        if let Some(job) = self.jobs.get_mut(&record.job) {
            job.cancelled = true;
        }
        let mut progress = record.progress;
        progress.status = JobStatus::Canceled;
        progress.is_completed = true;
        Some(progress)
    }

    /// The next job of this kind to run, unless paused. Takes the user's injected failure.
    pub(crate) fn pop(&mut self, kind: JobKind) -> Option<(u64, Job)> {
        if self.paused {
            return None;
        }
        let id = self.queues[kind.index()].pop_front()?;
        let job = self.jobs.get_mut(&id)?;
        if !job.cancelled {
            job.injected_failure = self.failures.remove(&job.user);
        }
        Some((id, job.clone()))
    }

    /// The job with this id, if it has not finished.
    pub(crate) fn job(&self, id: u64) -> Option<&Job> {
        self.jobs.get(&id)
    }

    /// Publishes a job's progress (if its slot is still its own or empty).
    pub(crate) fn publish(&mut self, id: u64, percentage: u32, now: Instant) {
        let Some(job) = self.jobs.get_mut(&id) else {
            return;
        };
        job.percentage = percentage;
        let (user, kind) = (job.user, job.plan.kind());
        self.write(id, user, kind, now, |p| p.percentage = percentage);
    }

    /// Ends a job with this status (and error text for a failure), publishing it a last time.
    pub(crate) fn finish(&mut self, id: u64, status: JobStatus, error: &str, now: Instant) {
        let Some(job) = self.jobs.remove(&id) else {
            return;
        };
        let percentage = job.percentage;
        self.write(id, job.user, job.plan.kind(), now, |p| {
            p.status = status;
            p.is_completed = true;
            p.error = error.to_owned();
            p.percentage = percentage;
        });
        self.active.send_replace(self.jobs.len());
    }

    /// Sets the percentage a job will be reported at when it ends.
    pub(crate) fn set_percentage(&mut self, id: u64, percentage: u32) {
        if let Some(job) = self.jobs.get_mut(&id) {
            job.percentage = percentage;
        }
    }

    fn write(
        &mut self,
        id: u64,
        user: Uuid,
        kind: JobKind,
        now: Instant,
        change: impl FnOnce(&mut JobProgress),
    ) {
        let record = self.records.entry((user, kind)).or_insert_with(|| Record {
            progress: JobProgress {
                id: kind.job_id(user),
                error: String::new(),
                percentage: 0,
                is_completed: false,
                status: JobStatus::Running,
            },
            updated: now,
            job: id,
        });
        // A newer job owns the slot: this one no longer publishes.
        if record.job != id {
            return;
        }
        change(&mut record.progress);
        record.updated = now;
    }

    /// Makes `user`'s next job fail (see [`crate::FakePortal::fail_job_for`]).
    pub(crate) fn fail_next(&mut self, user: Uuid, message: &str) {
        self.failures.insert(user, message.to_owned());
    }

    /// Holds (or releases) the workers before their next job.
    pub(crate) fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// A receiver of the number of jobs queued or running.
    pub(crate) fn watch_active(&self) -> watch::Receiver<usize> {
        self.active.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> JobPlan {
        JobPlan::Reassign {
            caller: Uuid::nil(),
            receiver: Uuid::nil(),
            delete_profile: false,
        }
    }

    #[test]
    fn one_slot_per_user_and_kind() {
        let mut store = JobStore::new(Duration::from_secs(60));
        let user = Uuid::new_v4();
        let now = Instant::now();
        let (first, queued) = store.start(user, plan(), now);
        assert!(queued);
        assert_eq!(first.id, format!("1_{user}_ReassignProgressItem"));
        assert_eq!((first.status, first.percentage), (JobStatus::Running, 0));
        let (again, queued) = store.start(user, plan(), now);
        assert!(!queued);
        assert_eq!(again, first);
        let (id, _) = store.pop(JobKind::Reassign).expect("queued");
        store.publish(id, 30, now);
        store.finish(id, JobStatus::Completed, "", now);
        let done = store
            .progress(user, JobKind::Reassign, now)
            .expect("record");
        assert!(done.is_completed);
        assert_eq!(done.percentage, 30);
        // A finished job is replaced.
        let (_, queued) = store.start(user, plan(), now);
        assert!(queued);
    }

    #[test]
    fn records_expire_and_terminated_jobs_republish() {
        let mut store = JobStore::new(Duration::ZERO);
        let user = Uuid::new_v4();
        let now = Instant::now();
        store.start(user, plan(), now);
        assert!(store.progress(user, JobKind::Reassign, now).is_some());
        let ended = store
            .terminate(user, JobKind::Reassign, now)
            .expect("record");
        assert_eq!(ended.status, JobStatus::Canceled);
        assert!(store.progress(user, JobKind::Reassign, now).is_none());
        let (id, job) = store.pop(JobKind::Reassign).expect("queued");
        assert!(job.cancelled);
        store.finish(id, JobStatus::Canceled, "", now);
        // TTL zero: gone as soon as it is finished.
        assert!(store.progress(user, JobKind::Reassign, now).is_none());
        assert_eq!(*store.watch_active().borrow(), 0);
    }
}
