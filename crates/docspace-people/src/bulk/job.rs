//! A bulk job before it runs: the change, the options, the hooks and the cancellation token.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::options::BulkOptions;
use super::report::{Entry, Plan, Progress};
use crate::change::Prior;
use crate::state::UserState;
use crate::{Change, Client, User};

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;
type ConfirmFn = Arc<dyn Fn(&Plan) -> bool + Send + Sync>;
type EntriesFn = Arc<dyn Fn(&[Entry]) + Send + Sync>;
type SendingFn = Arc<dyn Fn(&[(uuid::Uuid, Option<Prior>)]) + Send + Sync>;

/// A bulk change, configured and ready to [`run`](BulkJob::run). Made by [`Client::bulk`].
#[must_use = "a bulk job does nothing until it is run"]
pub struct BulkJob {
    pub(super) client: Client,
    pub(super) change: Change,
    pub(super) options: BulkOptions,
    pub(super) known: HashMap<uuid::Uuid, User>,
    pub(super) absent: Vec<uuid::Uuid>,
    pub(super) receiver: Option<uuid::Uuid>,
    pub(super) progress: Option<ProgressFn>,
    pub(super) confirm: Option<ConfirmFn>,
    pub(super) on_entries: Option<EntriesFn>,
    pub(super) on_sending: Option<SendingFn>,
    pub(super) cancel: CancellationToken,
    pub(super) caller: Option<KnownCaller>,
}

/// What the job was told of the signed-in user.
#[derive(Debug, Clone)]
pub(crate) enum KnownCaller {
    /// As read from `people/@self`.
    Read(UserState),
    /// Only who they are.
    Id(uuid::Uuid),
}

impl std::fmt::Debug for BulkJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkJob")
            .field("change", &self.change)
            .field("options", &self.options)
            .field("known_users", &self.known.len())
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a bulk change. See the [`bulk`](crate::bulk) module.
    pub fn bulk(&self, change: Change) -> BulkJob {
        BulkJob {
            client: self.clone(),
            change,
            options: BulkOptions::default(),
            known: HashMap::new(),
            absent: Vec::new(),
            receiver: None,
            progress: None,
            confirm: None,
            on_entries: None,
            on_sending: None,
            cancel: CancellationToken::new(),
            caller: None,
        }
    }
}

impl BulkJob {
    /// Sets the chunking, concurrency and retry settings.
    pub fn options(mut self, options: BulkOptions) -> Self {
        self.options = options;
        self
    }

    /// Ids known to name no user (a read just answered 404 for them): they are reported as
    /// unknown users ([`Refusal::UnknownUser`](crate::Refusal::UnknownUser)) without being
    /// read again.
    pub fn known_absent(mut self, ids: impl IntoIterator<Item = uuid::Uuid>) -> Self {
        self.absent.extend(ids);
        self
    }

    /// Users whose current state is known (for example from a search): those already as the
    /// change would make them are reported [`Outcome::AlreadyInTarget`](super::Outcome::AlreadyInTarget) and not sent.
    pub fn known_users(mut self, users: impl IntoIterator<Item = User>) -> Self {
        self.known.extend(users.into_iter().map(|u| (u.id, u)));
        self
    }

    /// Who receives the rooms of users whose type is lowered through the type-change job: an
    /// active DocSpace admin or room admin (checked before anything is sent). The signed-in
    /// user when not set, as on the server.
    pub fn reassign_to(mut self, receiver: uuid::Uuid) -> Self {
        self.receiver = Some(receiver);
        self
    }

    /// The signed-in user, as [`Client::me`] read them: refusals that depend on who asks are
    /// predicted from it, and the job does not read `people/@self` again.
    pub fn caller(mut self, me: &User) -> Self {
        self.caller = Some(KnownCaller::Read(UserState::from(me)));
        self
    }

    /// The signed-in user's id, when who they are is known (kept from an earlier sign-in) but
    /// not their rights. Predicting a refusal of yourself takes only the id; the job reads
    /// `people/@self` only when a target's refusal depends on the caller's rights (an
    /// administrator's status, a lowered type, making DocSpace admins). Changing one user then
    /// takes two requests: its read and its write.
    pub fn caller_id(mut self, id: uuid::Uuid) -> Self {
        self.caller = Some(KnownCaller::Id(id));
        self
    }

    /// What another operation built on this job (an offboarding) was told of the caller.
    pub(crate) fn known_caller(mut self, caller: Option<KnownCaller>) -> Self {
        if caller.is_some() {
            self.caller = caller;
        }
        self
    }

    /// Called after each chunk with the running totals.
    pub fn on_progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Called with each batch of settled entries as the job goes (those settled before sending,
    /// then each chunk's), each with the user's prior state: what a journal records, so that a
    /// run that dies can be resumed and a finished one undone.
    pub fn on_entries(mut self, on_entries: impl Fn(&[Entry]) + Send + Sync + 'static) -> Self {
        self.on_entries = Some(Arc::new(on_entries));
        self
    }

    /// Called with the users of each request (a chunk, or a user's type-change job) and their
    /// prior state just before it is first sent, on the task that sends it: what a
    /// write-ahead journal records, so that a run that dies between sending and settling
    /// still knows whom it may have changed and what they were (their outcome is then unknown
    /// until read). The request waits for the hook, so it should write and flush, and return.
    pub fn on_sending(
        mut self,
        on_sending: impl Fn(&[(uuid::Uuid, Option<Prior>)]) + Send + Sync + 'static,
    ) -> Self {
        self.on_sending = Some(Arc::new(on_sending));
        self
    }

    /// Asks `confirm` before the first change is sent, with the [`Plan`]: how many users will
    /// be sent, and how many are already in the target state or will be refused. When it
    /// returns `false`, nothing is sent: the users that would have been are reported failed
    /// "not sent: not confirmed", and the report says `cancelled`. It runs on the job's task;
    /// a hook that waits for a person should use `tokio::task::block_in_place`.
    pub fn confirm(mut self, confirm: impl Fn(&Plan) -> bool + Send + Sync + 'static) -> Self {
        self.confirm = Some(Arc::new(confirm));
        self
    }

    /// A token that cancels the job when cancelled, from another task or a signal handler.
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Uses this token to cancel the job.
    pub fn with_cancel_token(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }
}
