//! The lifecycle operations one user at a time: the type-change job, data reassignment,
//! deletion. Preconditions the server would refuse are checked before anything is sent.

use docspace_people_gen::paths;
use docspace_people_gen::types::{StartReassignRequest, StartUpdateUserTypeRequest};
use reqwest::Method;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::follow::{Follow, JobEnd, JobKind, JobOptions};
use super::progress::{self, JobProgress};
use crate::transport::{Request, Resend, fill};
use crate::{Client, Error, User, UserStatus, UserType};

impl Client {
    /// Starts the background job that changes one user's type (`POST /api/2.0/people/type`),
    /// the only way to lower a type on DocSpace 3.1 and later, and returns its first snapshot.
    /// `to` must be [`UserType::Guest`] or [`UserType::User`]; the rooms the user owns go to
    /// `receiver` (a DocSpace admin or room admin; the caller when `None`).
    ///
    /// Low-level: follow the job with [`type_change_progress`](Self::type_change_progress).
    /// The bulk engine ([`Client::bulk`] with [`crate::Change::Type`]) starts, follows and
    /// checks demotions by itself.
    pub async fn start_type_change(
        &self,
        user: Uuid,
        to: UserType,
        receiver: Option<Uuid>,
    ) -> Result<JobProgress, Error> {
        self.require_type_job().await?;
        let request = type_change_request(user, &to, receiver)?;
        let answer = self.transport().send(&request).await?;
        progress::decode(&answer, false)?.ok_or_else(|| no_job_in_answer(answer.status.as_u16()))
    }

    /// The type-change job of `user` (`GET /api/2.0/people/type/progress/{userid}`); `None`
    /// when there is none: never started, terminated, or ended about a minute ago.
    pub async fn type_change_progress(&self, user: Uuid) -> Result<Option<JobProgress>, Error> {
        self.require_type_job().await?;
        let answer = self
            .transport()
            .send(&JobKind::TypeChange.progress_request(user, false))
            .await?;
        progress::decode(&answer, false)
    }

    /// Terminates the type-change job of `user` (`PUT /api/2.0/people/type/terminate`). The
    /// server answers "canceled" even when the job had already finished, and rolls nothing
    /// back: read the user to learn their type.
    pub async fn terminate_type_change(&self, user: Uuid) -> Result<Option<JobProgress>, Error> {
        self.require_type_job().await?;
        let answer = self
            .transport()
            .send(&JobKind::TypeChange.terminate_request(user)?)
            .await?;
        progress::decode(&answer, false)
    }

    /// Starts moving the data (rooms, folders, files) of the terminated user `from` to `to`
    /// (`POST /api/2.0/people/reassign/start`); with `delete_profile`, the job then deletes
    /// `from` for good. Low-level: [`reassign_data`](Self::reassign_data) checks the users
    /// first and follows the job.
    pub async fn start_reassign(
        &self,
        from: Uuid,
        to: Uuid,
        delete_profile: bool,
    ) -> Result<JobProgress, Error> {
        let workspace = self.require_reassign().await?;
        let answer = self
            .transport()
            .send(&reassign_request(from, to, delete_profile)?)
            .await?;
        progress::decode(&answer, workspace)?
            .ok_or_else(|| no_job_in_answer(answer.status.as_u16()))
    }

    /// The data-reassignment job of the (source) user `from`; `None` when there is none.
    ///
    /// On Workspace a finished record is returned **once**: the read that returns it removes
    /// it, so keep what this returns.
    pub async fn reassign_progress(&self, from: Uuid) -> Result<Option<JobProgress>, Error> {
        let workspace = self.require_reassign().await?;
        let answer = self
            .transport()
            .send(&JobKind::Reassign.progress_request(from, workspace))
            .await?;
        progress::decode(&answer, workspace)
    }

    /// Terminates the data-reassignment job of `from`. What already moved stays moved. On
    /// Workspace it stops nothing (the server's terminate does nothing to a queued or running
    /// move) and answers `None`: follow the job to its end instead.
    pub async fn terminate_reassign(&self, from: Uuid) -> Result<Option<JobProgress>, Error> {
        let workspace = self.require_reassign().await?;
        let answer = self
            .transport()
            .send(&JobKind::Reassign.terminate_request(from)?)
            .await?;
        progress::decode(&answer, workspace)
    }

    /// Whether `user` has data to hand over before becoming `to` (they own rooms, or, for a
    /// guest, have shared personal files): `GET /api/2.0/people/reassign/necessary`. DocSpace
    /// 3.1 and later.
    pub async fn reassign_necessary(
        &self,
        user: Uuid,
        to: Option<UserType>,
    ) -> Result<bool, Error> {
        let server = self.server().await?;
        if !server.has_type_change_job() {
            return Err(Error::Unsupported(format!(
                "{server} cannot tell whether data must be reassigned (DocSpace 3.1 and later can)"
            )));
        }
        let mut request = Request::get(paths::GET_REASSIGN_NECESSARY).query("userId", user);
        if let Some(number) = to.as_ref().and_then(UserType::number) {
            request = request.query("type", number);
        }
        let answer = self.transport().send(&request).await?;
        let envelope: docspace_people_gen::types::BooleanEnvelope = answer.json()?;
        crate::transport::envelope::check(envelope.error, envelope.status, envelope.status_code)?;
        envelope.response.ok_or_else(|| Error::UndecodableResponse {
            status: answer.status.as_u16(),
            reason: "the envelope has no `response` boolean".into(),
            snippet: String::new(),
        })
    }

    /// Moves the data of the terminated user `from` to `to` and follows the job to its end.
    ///
    /// Refused before anything is sent ([`Error::Precondition`], naming the user) when `from`
    /// is not terminated or is the owner or the caller, or when `to` is not an active DocSpace
    /// admin or room admin. With `delete_profile`, the job deletes `from` for good once the
    /// data has moved; that cannot be undone.
    pub async fn reassign_data(
        &self,
        from: Uuid,
        to: Uuid,
        delete_profile: bool,
        options: &JobOptions,
        cancel: Option<&CancellationToken>,
    ) -> Result<JobEnd, Error> {
        options.check()?;
        self.require_reassign().await?;
        let source = self
            .user(from)
            .await
            .map_err(|e| not_found_is_precondition(e, from))?;
        let caller = self.me().await?;
        check_reassign_source(&source, &caller)?;
        self.check_receiver_of(to, &[from]).await?;
        let first = self.start_reassign(from, to, delete_profile).await?;
        let follow = Follow {
            client: self,
            options,
            policy: self.retry_policy(),
            cancel,
            on_read: &|| {},
            on_write: &|| {},
        };
        Ok(follow.run(JobKind::Reassign, from, Some(first)).await)
    }

    /// Deletes one user for good (`DELETE /api/2.0/people/{userid}`) and returns them as they
    /// were. It cannot be undone.
    ///
    /// The user is read first: one who is not terminated (disabled), or is the owner, is
    /// refused with [`Error::Precondition`] naming them, and nothing is sent. Disable users
    /// with [`set_status`](Self::set_status) and [`crate::UserStatus::Terminated`] first.
    ///
    /// On a server where deletion destroys the user's documents (Workspace: their My
    /// Documents, Trash, mail and Talk files go with them) it is refused with
    /// [`Error::Precondition`], and nothing is sent: use
    /// [`delete_user_destroying_documents`](Self::delete_user_destroying_documents) to delete
    /// anyway.
    pub async fn delete_user(&self, id: Uuid) -> Result<User, Error> {
        self.delete(id, false).await
    }

    /// [`delete_user`](Self::delete_user), also where deleting destroys the user's documents
    /// (Workspace): the caller acknowledges that their My Documents, Trash, mail and Talk files
    /// are deleted with them.
    pub async fn delete_user_destroying_documents(&self, id: Uuid) -> Result<User, Error> {
        self.delete(id, true).await
    }

    async fn delete(&self, id: Uuid, destroy_documents: bool) -> Result<User, Error> {
        let server = self.server().await?;
        if server.deletion_destroys_documents() && !destroy_documents {
            return Err(Error::Precondition {
                user: id,
                reason: format!(
                    "is not deleted: on {server}, deletion also deletes their My Documents, \
                     Trash, mail and Talk files for good (use \
                     delete_user_destroying_documents to delete anyway)"
                ),
            });
        }
        let user = self
            .user(id)
            .await
            .map_err(|e| not_found_is_precondition(e, id))?;
        check_deletable(&user)?;
        match self.transport().send(&delete_request(id)).await {
            Ok(answer) => crate::transport::envelope::user(&answer),
            // Read a moment ago, gone now: a resend after a lost answer found its work done.
            Err(Error::NotFound { .. }) => Ok(user),
            Err(error) => Err(error),
        }
    }

    /// Reads `receiver` and checks, before anything is sent, that they can receive the rooms
    /// and data of `users`: an active DocSpace admin or room admin, not one of `users`.
    pub(crate) async fn check_receiver_of(
        &self,
        receiver: Uuid,
        users: &[Uuid],
    ) -> Result<(), Error> {
        if users.contains(&receiver) {
            return Err(Error::Precondition {
                user: receiver,
                reason: "is also one of the users whose rooms and data move".into(),
            });
        }
        let user = self
            .user(receiver)
            .await
            .map_err(|e| not_found_is_precondition(e, receiver))?;
        check_receiver(&user, &self.server().await?)
    }

    async fn require_type_job(&self) -> Result<(), Error> {
        let server = self.server().await?;
        if server.has_type_change_job() {
            Ok(())
        } else if server.is_workspace() {
            Err(Error::Unsupported(format!(
                "{server} has no type-change job; it lowers a type to Visitor with the plain \
                 type change"
            )))
        } else {
            Err(Error::Unsupported(format!(
                "{server} cannot lower a user's type: the type-change job exists since DocSpace 3.1"
            )))
        }
    }

    /// Every server reassigns data; whether it is Workspace, whose progress has its own shapes.
    async fn require_reassign(&self) -> Result<bool, Error> {
        Ok(self.server().await?.is_workspace())
    }
}

/// The POST that starts a user's type-change job.
pub(crate) fn type_change_request(
    user: Uuid,
    to: &UserType,
    receiver: Option<Uuid>,
) -> Result<Request, Error> {
    let number = match to {
        UserType::Guest | UserType::User => to.number().and_then(|n| i32::try_from(n).ok()),
        _ => None,
    }
    .ok_or_else(|| {
        Error::invalid_input(format!(
            "the type-change job sets only Guest or User, not {to}"
        ))
    })?;
    // Starting twice returns the running job, so a start whose answer was lost may be resent.
    Request::with_json(
        Method::POST,
        paths::START_USER_TYPE_UPDATE,
        &StartUpdateUserTypeRequest {
            type_: number,
            user_id: user,
            reassign_user_id: receiver,
        },
        Resend::Idempotent,
    )
}

/// The POST that starts moving a user's data.
pub(crate) fn reassign_request(
    from: Uuid,
    to: Uuid,
    delete_profile: bool,
) -> Result<Request, Error> {
    Request::with_json(
        Method::POST,
        paths::START_REASSIGN,
        &StartReassignRequest {
            from_user_id: from,
            to_user_id: to,
            delete_profile: Some(delete_profile),
        },
        Resend::Idempotent,
    )
}

/// The DELETE of one user. Sending it again after a lost answer finds no user (404), which
/// the caller reads as deleted.
pub(crate) fn delete_request(id: Uuid) -> Request {
    let mut request = Request::get(fill(paths::DELETE_PROFILE, "userid", id));
    request.method = Method::DELETE;
    request
}

fn no_job_in_answer(status: u16) -> Error {
    Error::UndecodableResponse {
        status,
        reason: "the server started no job (the answer has no `response`)".into(),
        snippet: String::new(),
    }
}

fn not_found_is_precondition(error: Error, id: Uuid) -> Error {
    match error {
        Error::NotFound { .. } => Error::Precondition {
            user: id,
            reason: "does not exist (404)".into(),
        },
        other => other,
    }
}

fn name_of(user: &User) -> String {
    user.display_name
        .clone()
        .or_else(|| user.email.clone())
        .map_or_else(String::new, |n| format!("({n}) "))
}

/// Deletion needs a terminated user who is not the owner.
pub(crate) fn check_deletable(user: &User) -> Result<(), Error> {
    if user.is_owner == Some(true) {
        return Err(Error::Precondition {
            user: user.id,
            reason: format!(
                "{}is the portal owner, who cannot be deleted",
                name_of(user)
            ),
        });
    }
    if user.status != Some(UserStatus::Terminated) {
        return Err(Error::Precondition {
            user: user.id,
            reason: format!(
                "{}is not terminated (status {}): the server deletes only disabled users; \
                 disable them first",
                name_of(user),
                user.status
                    .as_ref()
                    .map_or_else(|| "unknown".to_owned(), ToString::to_string)
            ),
        });
    }
    Ok(())
}

/// The source of a reassignment: terminated, not the owner, not the caller.
pub(crate) fn check_reassign_source(user: &User, caller: &User) -> Result<(), Error> {
    if user.id == caller.id {
        return Err(Error::Precondition {
            user: user.id,
            reason: format!(
                "{}is the signed-in user, whose data cannot be moved",
                name_of(user)
            ),
        });
    }
    if user.is_owner == Some(true) {
        return Err(Error::Precondition {
            user: user.id,
            reason: format!(
                "{}is the portal owner, whose data cannot be moved",
                name_of(user)
            ),
        });
    }
    if user.status != Some(UserStatus::Terminated) {
        return Err(Error::Precondition {
            user: user.id,
            reason: format!(
                "{}is not terminated: data moves only from disabled users; disable them first",
                name_of(user)
            ),
        });
    }
    Ok(())
}

/// Who receives rooms and data: an active DocSpace admin or room admin (on Workspace, any
/// active user who is not a visitor).
fn check_receiver(receiver: &User, server: &crate::Server) -> Result<(), Error> {
    let problem = if receiver.status == Some(UserStatus::Terminated) {
        Some("is terminated")
    } else if server.is_workspace() {
        (receiver.is_visitor == Some(true)).then_some("is a visitor")
    } else if !matches!(
        receiver.user_type(),
        Some(UserType::DocSpaceAdmin | UserType::RoomAdmin)
    ) {
        Some("is not a DocSpace admin or room admin")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::Precondition {
            user: receiver.id,
            reason: format!(
                "{}{problem}, so cannot receive rooms and data",
                name_of(receiver)
            ),
        }),
        None => Ok(()),
    }
}
