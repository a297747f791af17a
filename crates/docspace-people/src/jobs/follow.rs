//! Following a background job to its end: poll with backoff, stop at a timeout or on
//! cancellation (terminating the job on the server), and notice a record that vanished.

use std::time::{Duration, Instant};

use docspace_people_gen::paths;
use docspace_people_gen::types::TerminateRequest;
use reqwest::Method;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::progress::{self, JobProgress, JobStatus};
use crate::transport::{Attempts, Failure, Request, Resend, fill};
use crate::{Client, Error, RetryPolicy};

/// How long a terminated job may take to stop before the client gives up waiting.
const STOP_WAIT: Duration = Duration::from_secs(30);

/// The two kinds of job: a user's type change, and the move of a user's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobKind {
    /// `POST people/type`, followed at `people/type/progress/{userid}`.
    TypeChange,
    /// `POST people/reassign/start`, followed at `people/reassign/progress/{userid}`.
    Reassign,
}

impl JobKind {
    fn progress_path(self, user: Uuid) -> String {
        let template = match self {
            JobKind::TypeChange => paths::GET_USER_TYPE_UPDATE_PROGRESS,
            JobKind::Reassign => paths::GET_REASSIGN_PROGRESS,
        };
        fill(template, "userid", user)
    }

    fn terminate_path(self) -> &'static str {
        match self {
            JobKind::TypeChange => paths::TERMINATE_USER_TYPE_UPDATE,
            JobKind::Reassign => paths::TERMINATE_REASSIGN,
        }
    }

    /// The read of `user`'s job: on Workspace a reassignment is read with `?userId=`.
    pub(crate) fn progress_request(self, user: Uuid, workspace: bool) -> Request {
        match self {
            JobKind::Reassign if workspace => {
                Request::get(paths::GET_WORKSPACE_REASSIGN_PROGRESS).query("userId", user)
            }
            _ => Request::get(self.progress_path(user)),
        }
    }

    pub(crate) fn terminate_request(self, user: Uuid) -> Result<Request, Error> {
        Request::with_json(
            Method::PUT,
            self.terminate_path(),
            &TerminateRequest { user_id: user },
            Resend::Idempotent,
        )
    }
}

/// How jobs are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobOptions {
    /// The first wait between two reads of the job's progress (default 250 ms). It grows by
    /// half after each read that shows no progress, up to `max_poll_interval`.
    pub poll_interval: Duration,
    /// The longest wait between two reads (default 2 s). The server forgets a job about a
    /// minute after its last update, so this stays well below that.
    pub max_poll_interval: Duration,
    /// How long one job may take, queueing included, before it is terminated (default 10 min).
    pub timeout: Duration,
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            poll_interval: Self::DEFAULT_POLL_INTERVAL,
            max_poll_interval: Duration::from_secs(2),
            timeout: Duration::from_secs(600),
        }
    }
}

impl JobOptions {
    /// The default first wait between two reads of a job's progress.
    pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(250);
    /// The longest wait between two reads accepted: the server forgets a job about a minute
    /// after its last update.
    pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(30);

    /// Sets [`poll_interval`](Self::poll_interval).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets [`max_poll_interval`](Self::max_poll_interval).
    pub fn max_poll_interval(mut self, interval: Duration) -> Self {
        self.max_poll_interval = interval;
        self
    }

    /// Sets [`timeout`](Self::timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.poll_interval.is_zero() || self.poll_interval > Self::MAX_POLL_INTERVAL {
            return Err(Error::invalid_input(format!(
                "job poll interval {:?} is out of range (0, 30 s]",
                self.poll_interval
            )));
        }
        if self.max_poll_interval < self.poll_interval
            || self.max_poll_interval > Self::MAX_POLL_INTERVAL
        {
            return Err(Error::invalid_input(format!(
                "job max poll interval {:?} must be between the poll interval and 30 s: the \
                 server forgets a job about a minute after its last update",
                self.max_poll_interval
            )));
        }
        if self.timeout.is_zero() {
            return Err(Error::invalid_input("the job timeout must not be zero"));
        }
        Ok(())
    }
}

/// How following a job ended. The job's effect (a type, moved data) is a separate question,
/// answered by reading the user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobEnd {
    /// The server reported the job finished, with no error.
    Completed(JobProgress),
    /// The server reported the job failed (or finished with an error).
    Failed(JobProgress),
    /// The server reported the job terminated: by another client, or expired while it ran.
    Canceled(JobProgress),
    /// The job's record was gone before it was seen to end: the server forgets jobs about a
    /// minute after their last update, and a terminated job at once.
    Vanished {
        /// The last snapshot seen, if any.
        last: Option<JobProgress>,
    },
    /// The job ran longer than [`JobOptions::timeout`]; it was terminated on the server.
    TimedOut {
        /// The last snapshot seen, if any.
        last: Option<JobProgress>,
    },
    /// Following was cancelled; the job was terminated on the server.
    Cancelled {
        /// The last snapshot seen, if any.
        last: Option<JobProgress>,
    },
    /// The job's progress could not be read (after retries). It may still be running.
    Unreadable {
        /// The error, described.
        error: String,
        /// The last snapshot seen, if any.
        last: Option<JobProgress>,
    },
}

impl JobEnd {
    /// The last snapshot of the job that was seen.
    pub fn last(&self) -> Option<&JobProgress> {
        match self {
            JobEnd::Completed(p) | JobEnd::Failed(p) | JobEnd::Canceled(p) => Some(p),
            JobEnd::Vanished { last }
            | JobEnd::TimedOut { last }
            | JobEnd::Cancelled { last }
            | JobEnd::Unreadable { last, .. } => last.as_ref(),
        }
    }

    /// A sentence about how it ended, for reports.
    pub fn describe(&self) -> String {
        let at = |p: Option<&JobProgress>| {
            p.map_or(String::new(), |p| format!(" at {} %", p.percentage))
        };
        match self {
            JobEnd::Completed(_) => "the job completed".to_owned(),
            JobEnd::Failed(p) => format!(
                "the job failed{}: {}",
                at(Some(p)),
                p.error.as_deref().unwrap_or("no reason given")
            ),
            JobEnd::Canceled(p) => format!(
                "the job was terminated on the server{} (not by this run)",
                at(Some(p))
            ),
            JobEnd::Vanished { last } => format!(
                "the job's record vanished before it was seen to end{}",
                at(last.as_ref())
            ),
            JobEnd::TimedOut { last } => format!(
                "the job did not end in time and was terminated{}",
                at(last.as_ref())
            ),
            JobEnd::Cancelled { last } => {
                format!("cancelled; the job was terminated{}", at(last.as_ref()))
            }
            JobEnd::Unreadable { error, .. } => {
                format!("the job's progress could not be read ({error}); it may still be running")
            }
        }
    }

    fn of(progress: JobProgress) -> Self {
        match progress.status {
            _ if progress.succeeded() => JobEnd::Completed(progress),
            JobStatus::Canceled => JobEnd::Canceled(progress),
            _ => JobEnd::Failed(progress),
        }
    }
}

/// How a start request ended.
pub(crate) enum Started {
    /// The server answered with the job (`None`: an answer without one).
    Answered(Option<JobProgress>),
    /// The server refused to start it, with this error.
    Refused(Error),
    /// No answer (the error, or `None` when cancelled): the job may or may not run.
    Unanswered(Option<Error>),
}

impl Started {
    /// The refusal's text, with the server's own message when it sent one.
    pub(crate) fn refusal_text(error: &Error, what: &str) -> String {
        match error.server_message() {
            Some(message) => format!("{what} was refused: {message}"),
            None => format!("{what} was refused: {error}"),
        }
    }
}

/// What following a job needs besides the job.
pub(crate) struct Follow<'a> {
    pub(crate) client: &'a Client,
    pub(crate) options: &'a JobOptions,
    /// Retries of every request.
    pub(crate) policy: &'a RetryPolicy,
    /// Stops polling, and terminates the job, when cancelled.
    pub(crate) cancel: Option<&'a CancellationToken>,
    /// Called once per read sent.
    pub(crate) on_read: &'a (dyn Fn() + Send + Sync),
    /// Called once per write sent (terminate is a PUT).
    pub(crate) on_write: &'a (dyn Fn() + Send + Sync),
}

impl Follow<'_> {
    /// Whether the server is Workspace, whose reassignment has its own shapes.
    async fn workspace(&self) -> bool {
        self.client.server().await.is_ok_and(|s| s.is_workspace())
    }

    /// Progress reads, stopped by the cancellation.
    fn reads(&self) -> Attempts<'_> {
        Attempts {
            policy: self.policy,
            cancel: self.cancel,
            on_send: self.on_read,
        }
    }

    /// Reads after a terminate: not stopped by the cancellation that caused it.
    fn settling_reads(&self) -> Attempts<'_> {
        Attempts {
            policy: self.policy,
            cancel: None,
            on_send: self.on_read,
        }
    }

    /// Terminate must go through whatever cancelled the run.
    fn terminating(&self) -> Attempts<'_> {
        Attempts {
            policy: self.policy,
            cancel: None,
            on_send: self.on_write,
        }
    }

    /// Sends the request that starts a job. Starting again returns the running job, so a start
    /// whose answer was lost is resent by the policy, and if it stays unanswered the caller
    /// follows the job anyway: polling finds it, or finds none.
    pub(crate) async fn start(&self, request: &Request) -> Started {
        let writes = Attempts {
            policy: self.policy,
            cancel: self.cancel,
            on_send: self.on_write,
        };
        let workspace = self.workspace().await;
        let answer = match self.client.transport().execute(request, &writes).await {
            Ok(answer) => progress::decode(&answer, workspace),
            Err(Failure::Error(error)) => Err(error),
            Err(Failure::Cancelled) => return Started::Unanswered(None),
        };
        match answer {
            Ok(first) => Started::Answered(first),
            // The server checked the request and started nothing.
            Err(
                error @ (Error::BadRequest { .. }
                | Error::Forbidden { .. }
                | Error::NotFound { .. }
                | Error::PaymentRequired { .. }),
            ) => Started::Refused(error),
            Err(error) => Started::Unanswered(Some(error)),
        }
    }

    /// Polls the job of `user` until it ends. `first` is what the start request answered
    /// (`None` when that answer was lost).
    pub(crate) async fn run(
        &self,
        kind: JobKind,
        user: Uuid,
        first: Option<JobProgress>,
    ) -> JobEnd {
        let started = Instant::now();
        let workspace = self.workspace().await;
        let mut interval = self.options.poll_interval;
        let mut last = first;
        loop {
            if let Some(progress) = &last
                && progress.has_ended()
            {
                return JobEnd::of(progress.clone());
            }
            let Some(left) = self.options.timeout.checked_sub(started.elapsed()) else {
                return self
                    .stop(kind, user, last, |last| JobEnd::TimedOut { last })
                    .await;
            };
            let wait = interval.min(left);
            match self.cancel {
                Some(cancel) => tokio::select! {
                    () = cancel.cancelled() => {
                        return self.stop(kind, user, last, |last| JobEnd::Cancelled { last }).await;
                    }
                    () = tokio::time::sleep(wait) => {}
                },
                None => tokio::time::sleep(wait).await,
            }
            let read = self
                .client
                .transport()
                .execute(&kind.progress_request(user, workspace), &self.reads())
                .await;
            let now = match read {
                Ok(answer) => progress::decode(&answer, workspace),
                Err(Failure::Cancelled) => {
                    return self
                        .stop(kind, user, last, |last| JobEnd::Cancelled { last })
                        .await;
                }
                Err(Failure::Error(error)) => Err(error),
            };
            match now {
                Ok(Some(progress)) => {
                    let moved = last.as_ref().is_none_or(|l| {
                        l.percentage != progress.percentage || l.status != progress.status
                    });
                    interval = if moved {
                        self.options.poll_interval
                    } else {
                        interval
                            .saturating_add(interval / 2)
                            .min(self.options.max_poll_interval)
                    };
                    last = Some(progress);
                }
                Ok(None) => return JobEnd::Vanished { last },
                Err(error) => {
                    return JobEnd::Unreadable {
                        error: crate::error::describe(&error),
                        last,
                    };
                }
            }
        }
    }

    /// Terminates the job and waits until it has stopped: the server stops a job only at its
    /// next step, so the user is read only once the record says the job ended or is gone.
    /// When the job cannot be terminated, or does not stop in time, the end is
    /// [`JobEnd::Unreadable`]: it may still change the user.
    async fn stop(
        &self,
        kind: JobKind,
        user: Uuid,
        last: Option<JobProgress>,
        end: impl FnOnce(Option<JobProgress>) -> JobEnd,
    ) -> JobEnd {
        let workspace = self.workspace().await;
        if workspace && kind == JobKind::Reassign {
            // Workspace's terminate stops nothing: follow the move to its end and say what it
            // did, rather than claim it was stopped.
            return self.outlast(kind, user, last).await;
        }
        if let Err(error) = self.terminate(kind, user).await {
            return JobEnd::Unreadable {
                error: format!("the job could not be terminated: {error}"),
                last,
            };
        }
        let deadline = Instant::now() + STOP_WAIT;
        while Instant::now() < deadline {
            let read = self
                .client
                .transport()
                .execute(
                    &kind.progress_request(user, workspace),
                    &self.settling_reads(),
                )
                .await;
            match read.map(|answer| progress::decode(&answer, workspace)) {
                Ok(Ok(None)) => return end(last),
                Ok(Ok(Some(now))) if now.has_ended() => return end(Some(now)),
                Ok(Ok(Some(_))) => {}
                Ok(Err(error)) | Err(Failure::Error(error)) => {
                    return JobEnd::Unreadable {
                        error: format!(
                            "terminated, but whether the job stopped could not be read: {}",
                            crate::error::describe(&error)
                        ),
                        last,
                    };
                }
                Err(Failure::Cancelled) => break,
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
        JobEnd::Unreadable {
            error: "terminated, but the job had not stopped after 30 s".to_owned(),
            last,
        }
    }

    /// Follows a job that cannot be stopped (Workspace's reassignment) for up to [`STOP_WAIT`]
    /// more: its end if it ends, else [`JobEnd::Unreadable`] saying it still runs.
    async fn outlast(&self, kind: JobKind, user: Uuid, last: Option<JobProgress>) -> JobEnd {
        let deadline = Instant::now() + STOP_WAIT;
        let mut last = last;
        while Instant::now() < deadline {
            let read = self
                .client
                .transport()
                .execute(&kind.progress_request(user, true), &self.settling_reads())
                .await;
            match read.map(|answer| progress::decode(&answer, true)) {
                Ok(Ok(Some(now))) if now.has_ended() => return JobEnd::of(now),
                Ok(Ok(Some(now))) => last = Some(now),
                // Read once: a record gone after a lost answer is an end nobody saw.
                Ok(Ok(None)) => return JobEnd::Vanished { last },
                Ok(Err(error)) | Err(Failure::Error(error)) => {
                    return JobEnd::Unreadable {
                        error: crate::error::describe(&error),
                        last,
                    };
                }
                Err(Failure::Cancelled) => break,
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
        JobEnd::Unreadable {
            error: "Workspace cannot stop a data move once started, and it is still running"
                .to_owned(),
            last,
        }
    }

    /// Sends terminate. Its answer says "canceled" whatever happened, so it is not used.
    async fn terminate(&self, kind: JobKind, user: Uuid) -> Result<(), String> {
        let result = match kind.terminate_request(user) {
            Ok(request) => self
                .client
                .transport()
                .execute(&request, &self.terminating())
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    Failure::Error(error) => error.to_string(),
                    Failure::Cancelled => "cancelled".to_owned(),
                }),
            Err(error) => Err(error.to_string()),
        };
        match &result {
            Ok(()) => tracing::info!(%user, ?kind, "job terminated"),
            Err(error) => tracing::warn!(%user, ?kind, %error, "the job could not be terminated"),
        }
        result
    }
}
