//! What a change operation does: the [`Change`] itself, its validation, its request, and how to
//! tell whether a user already is as it would make them. The single calls
//! ([`Client::set_status`] and friends) and the bulk engine share all of it.

use std::collections::HashMap;

use docspace_people_gen::paths;
use docspace_people_gen::types::{UpdateMembersQuotaRequest, UpdateMembersRequest};
use reqwest::Method;
use uuid::Uuid;

use crate::enums::{UserStatus, UserType};
use crate::server::refusals::{self, Asked, Refusal};
use crate::state::UserState;
use crate::transport::{Request, Resend, fill};
use crate::{Error, Quota, Server, User};

/// A change to apply to users: the status, the type or the storage quota.
///
/// Non-exhaustive: later versions may add changes, so a `match` needs a `_` arm.
///
/// # Serialized form
///
/// A change serializes (serde) to a stable one-key object, the form journals store:
/// `{"status": 2}` and `{"type": 4}` (the numbers the server uses, which mean the same on
/// every version), `{"quota": 5368709120}` (bytes; `-1` for unlimited) and
/// `{"reset_quota": true}`, `{"resend_invitation": true}`. New kinds of change add new keys;
/// existing keys keep their meaning.
///
/// ```
/// use docspace_people::{Change, Quota, UserStatus};
///
/// let change = Change::Quota(Quota::Bytes(5 << 30));
/// let json = serde_json::to_string(&change)?;
/// assert_eq!(json, r#"{"quota":5368709120}"#);
/// assert_eq!(serde_json::from_str::<Change>(&json)?, change);
/// let terminate: Change = serde_json::from_str(r#"{"status":2}"#)?;
/// assert_eq!(terminate, Change::Status(UserStatus::Terminated));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "ChangeForm", into = "ChangeForm")]
#[non_exhaustive]
pub enum Change {
    /// Set the status: [`UserStatus::Active`] or [`UserStatus::Terminated`].
    Status(UserStatus),
    /// Set this type. The bulk engine sends promotions through `PUT people/type/{type}` and, on
    /// DocSpace 3.1 and later, lowers types (to User or Guest) through the server's
    /// type-change job, one user at a time (see [`crate::lifecycle`]).
    Type(UserType),
    /// Set the storage quota.
    Quota(Quota),
    /// Remove the custom quota, so the portal's default applies.
    ResetQuota,
    /// Send the invitation again to users who are still Pending (`PUT people/invite`;
    /// DocSpace only). An **action**: it sets nothing, so its outcome is what the server
    /// answered. Each request mails people, so a request whose answer was lost is never sent
    /// again: its users are reported [`Outcome::Unknown`](crate::bulk::Outcome::Unknown).
    /// Users who are not Pending are refused before sending (the server skips them).
    ResendInvitation,
}

/// The serialized form of [`Change`]: stable, one key per kind.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ChangeForm {
    Status(i64),
    Type(i64),
    Quota(i64),
    ResetQuota(bool),
    ResendInvitation(bool),
}

impl From<Change> for ChangeForm {
    fn from(change: Change) -> Self {
        // Numbers the enums lack (an unknown value kept from the server) serialize as -1 and
        // are refused when read back, rather than mean something else.
        match change {
            Change::Status(status) => ChangeForm::Status(status.number().unwrap_or(-1)),
            Change::Type(user_type) => ChangeForm::Type(user_type.number().unwrap_or(-1)),
            Change::Quota(quota) => ChangeForm::Quota(quota.to_wire().unwrap_or(i64::MIN)),
            Change::ResetQuota => ChangeForm::ResetQuota(true),
            Change::ResendInvitation => ChangeForm::ResendInvitation(true),
        }
    }
}

impl TryFrom<ChangeForm> for Change {
    type Error = String;

    fn try_from(form: ChangeForm) -> Result<Self, String> {
        let change = match form {
            ChangeForm::Status(n) => Change::Status(UserStatus::from_number(n)),
            ChangeForm::Type(n) => Change::Type(UserType::from_number(n)),
            ChangeForm::Quota(bytes) => Change::Quota(
                Quota::from_wire(bytes).ok_or_else(|| format!("{bytes} is not a quota"))?,
            ),
            ChangeForm::ResetQuota(_) => Change::ResetQuota,
            ChangeForm::ResendInvitation(_) => Change::ResendInvitation,
        };
        change.check().map_err(|e| e.to_string())?;
        Ok(change)
    }
}

/// What a user was before a change, as read from the portal before anything was sent: what
/// [`Change::undo`] restores.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Prior {
    /// The status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<crate::UserStatus>,
    /// The type, as the connected server reads the flags.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub user_type: Option<crate::UserType>,
    /// The storage quota, when the portal shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<crate::Quota>,
    /// Whether the quota was the user's own rather than the portal default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_quota: Option<bool>,
}

impl Prior {
    /// The prior state of a user read as `state` from `server`.
    pub(crate) fn of(state: &UserState, server: &Server) -> Prior {
        Prior {
            status: state.status.clone(),
            user_type: server.type_from_flags(state),
            quota: state.quota_limit.and_then(Quota::from_wire),
            custom_quota: state.is_custom_quota,
        }
    }
}

/// What part of a user a [`Change`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aspect {
    /// The status.
    Status,
    /// The type.
    Type,
    /// The storage quota.
    Quota,
}

/// Why a change cannot be undone for a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotUndoable(String);

impl Change {
    /// The change that gives a user back what they had before this change, from their `prior`
    /// state, on `server`: the status they had (Pending users are activated again, which
    /// leaves them Pending), their type, their own quota or the portal default.
    ///
    /// ```
    /// use docspace_people::{Change, Server, UserStatus};
    /// use docspace_people::bulk::Prior;
    ///
    /// let server: Server = "DocSpace 3.7.1".parse()?;
    /// let mut prior = Prior::default();
    /// prior.status = Some(UserStatus::Active);
    /// let undo = Change::Status(UserStatus::Terminated).undo(Some(&prior), &server)?;
    /// assert_eq!(undo, Change::Status(UserStatus::Active));
    /// assert!(Change::ResetQuota.undo(None, &server).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn undo(&self, prior: Option<&Prior>, server: &Server) -> Result<Change, NotUndoable> {
        let not = |why: &str| NotUndoable(why.to_owned());
        let prior = prior.ok_or_else(|| not("its state before the run was not recorded"))?;
        match self {
            Change::Status(_) => match prior.status {
                Some(UserStatus::Terminated) => Ok(Change::Status(UserStatus::Terminated)),
                Some(UserStatus::Active | UserStatus::Pending) => {
                    Ok(Change::Status(UserStatus::Active))
                }
                _ => Err(not("its status before the run is not one that can be set")),
            },
            Change::Type(_) => prior
                .user_type
                .clone()
                .map(Change::Type)
                .ok_or_else(|| not("its type before the run was not recorded")),
            Change::Quota(_) | Change::ResetQuota => match (prior.custom_quota, prior.quota) {
                (Some(false), _) if server.has_quota_reset() => Ok(Change::ResetQuota),
                (_, Some(quota)) => Ok(Change::Quota(quota)),
                _ => Err(not("its quota before the run was not shown by the portal")),
            },
            Change::ResendInvitation => Err(not("an invitation sent cannot be taken back")),
        }
    }

    /// Whether a request of this change may be sent again when its answer was lost: true for
    /// changes that set a value (sending twice sets it twice); false for actions such as
    /// sending mail, whose lost answers are reported unknown rather than sent again.
    pub fn is_safe_to_resend(&self) -> bool {
        match self {
            Change::Status(_) | Change::Type(_) | Change::Quota(_) | Change::ResetQuota => true,
            Change::ResendInvitation => false,
        }
    }

    /// Whether this change is an action with no target state (sending mail): its outcome is
    /// what the server answered, and no user is ever "already" as it would make them.
    pub fn is_action(&self) -> bool {
        match self {
            Change::Status(_) | Change::Type(_) | Change::Quota(_) | Change::ResetQuota => false,
            Change::ResendInvitation => true,
        }
    }

    /// What part of a user this change is about: what a plan shows as the user's state now.
    pub fn aspect(&self) -> Aspect {
        match self {
            Change::Status(_) | Change::ResendInvitation => Aspect::Status,
            Change::Type(_) => Aspect::Type,
            Change::Quota(_) | Change::ResetQuota => Aspect::Quota,
        }
    }

    /// The change in the portal's own words: `type visitor` on Workspace where
    /// [`Display`](std::fmt::Display) says DocSpace's `type Guest`.
    ///
    /// ```
    /// use docspace_people::{Change, Server, UserType};
    ///
    /// let workspace: Server = "Workspace 12.7".parse()?;
    /// assert_eq!(Change::Type(UserType::Guest).display_on(&workspace), "type visitor");
    /// # Ok::<(), docspace_people::Error>(())
    /// ```
    pub fn display_on(&self, server: &Server) -> String {
        match self {
            Change::Type(user_type) => format!(
                "type {}",
                server
                    .type_label(user_type)
                    .unwrap_or_else(|| user_type.to_string().to_lowercase())
            ),
            Change::Status(_)
            | Change::Quota(_)
            | Change::ResetQuota
            | Change::ResendInvitation => self.to_string(),
        }
    }

    /// A short name of the kind of change, for file names and logs: `status`, `type`,
    /// `quota`, `reset-quota`.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Status(_) => "status",
            Change::Type(_) => "type",
            Change::Quota(_) => "quota",
            Change::ResetQuota => "reset-quota",
            Change::ResendInvitation => "resend-invitation",
        }
    }
}

impl Change {
    /// Whether `user` already is as this change would make them, reading the type as DocSpace
    /// does. `None` when the user object does not say (e.g. no `quotaLimit` because per-user
    /// quotas are off). See [`is_satisfied_on`](Self::is_satisfied_on) for another server.
    pub fn is_satisfied_by(&self, user: &User) -> Option<bool> {
        self.is_satisfied_by_state(&UserState::from(user), None)
    }

    /// Whether `user` already is as this change would make them on `server` (Workspace tells
    /// types apart by `isVisitor` alone).
    pub fn is_satisfied_on(&self, user: &User, server: &Server) -> Option<bool> {
        self.is_satisfied_by_state(&UserState::from(user), Some(server))
    }

    pub(crate) fn is_satisfied_by_state(
        &self,
        user: &UserState,
        server: Option<&Server>,
    ) -> Option<bool> {
        match self {
            Change::Status(UserStatus::Active) => user
                .status
                .as_ref()
                // Re-activating an unfinished invitation leaves the user Pending: that is the
                // server's answer to "activate", not a refusal.
                .map(|s| matches!(s, UserStatus::Active | UserStatus::Pending)),
            Change::Status(status) => user.status.as_ref().map(|s| s == status),
            Change::Type(user_type) => {
                let now = match server {
                    Some(server) => server.type_from_flags(user),
                    None => user.user_type(),
                };
                now.map(|t| &t == user_type)
            }
            Change::Quota(quota) => {
                let shown = user.quota_limit.and_then(Quota::from_wire);
                match shown {
                    // Workspace shows -1 while per-user quotas are off, though it saves the
                    // value: -1 there says nothing about a size.
                    Some(Quota::Unlimited)
                        if *quota != Quota::Unlimited
                            && server.is_some_and(|s| s.hides_quota_when_off()) =>
                    {
                        None
                    }
                    shown => user.quota_limit.map(|_| shown == Some(*quota)),
                }
            }
            Change::ResetQuota => user.is_custom_quota.map(|custom| !custom),
            // An action: nobody is already "invited again".
            Change::ResendInvitation => Some(false),
        }
    }

    /// Why the server will refuse this change for `user`, when its rules say so for certain;
    /// `None` when the change may go through. `caller` is the signed-in user, if known.
    ///
    /// The rules (DocSpace 3.x; `docs/wire.md` in the repository has them by server): nobody changes the owner's status or type; nobody changes
    /// their own status; LDAP users' status is managed by LDAP; only the owner changes another
    /// administrator's status or makes DocSpace admins; `PUT people/type` only promotes
    /// (Guest < User < RoomAdmin < DocSpaceAdmin). A 3.7 server answers these with 403, a 3.6
    /// server skips them silently: either way the user is not changed, so the bulk engine does
    /// not send them and the dry run shows them.
    ///
    /// ```
    /// use docspace_people::{Change, User, UserType, UserStatus};
    ///
    /// let room_admin: User = serde_json::from_str(
    ///     r#"{"id": "75a5f745-f697-4418-b38d-0fe0d277e258", "isRoomAdmin": true}"#,
    /// )?;
    /// let reason = Change::Type(UserType::Guest).refusal(&room_admin, None);
    /// assert_eq!(reason.as_deref(), Some("a demotion: the type can only be raised this way"));
    /// assert_eq!(Change::Status(UserStatus::Terminated).refusal(&room_admin, None), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn refusal(&self, user: &User, caller: Option<&User>) -> Option<String> {
        let caller = caller.map(UserState::from);
        self.refusal_of_state(&UserState::from(user), caller.as_ref(), None)
            .map(|r| r.to_string())
    }

    /// [`refusal`](Self::refusal) by the rules of `server`. Workspace skips the owner and the
    /// caller for status changes, and the owner, administrators and the caller for type
    /// changes; it has no promotion-only rule (demoting to Visitor is allowed).
    pub fn refusal_on(
        &self,
        user: &User,
        caller: Option<&User>,
        server: &Server,
    ) -> Option<String> {
        let caller = caller.map(UserState::from);
        self.refusal_of_state(&UserState::from(user), caller.as_ref(), Some(server))
            .map(|r| r.to_string())
    }

    pub(crate) fn refusal_of_state(
        &self,
        user: &UserState,
        caller: Option<&UserState>,
        server: Option<&Server>,
    ) -> Option<Refusal> {
        refusals::predict(server, self.asked(), user, caller)
    }

    /// Whether the refusal of this change for `user` on `server` may depend on the rights of
    /// who asks, not only on who they are (see [`refusals::rights_matter`]).
    pub(crate) fn caller_rights_matter(&self, user: &UserState, server: &Server) -> bool {
        refusals::rights_matter(Some(server), self.asked(), user)
    }

    /// What this change asks, as the servers' rules see it.
    fn asked(&self) -> Asked<'_> {
        match self {
            Change::Status(_) => Asked::Status,
            Change::Type(user_type) => Asked::Type(user_type),
            Change::Quota(_) | Change::ResetQuota => Asked::Quota,
            Change::ResendInvitation => Asked::Invitation,
        }
    }

    /// Whether this change lowers `user`'s type on `server` through the server's type-change
    /// job (DocSpace 3.1 and later), one user at a time, rather than in a chunk of the PUT.
    ///
    /// ```
    /// use docspace_people::{Change, Server, User, UserType};
    ///
    /// let room_admin: User = serde_json::from_str(
    ///     r#"{"id": "75a5f745-f697-4418-b38d-0fe0d277e258", "isRoomAdmin": true}"#,
    /// )?;
    /// let server: Server = "DocSpace 3.7.1".parse()?;
    /// assert!(Change::Type(UserType::Guest).is_demotion_on(&room_admin, &server));
    /// assert!(!Change::Type(UserType::DocSpaceAdmin).is_demotion_on(&room_admin, &server));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_demotion_on(&self, user: &User, server: &Server) -> bool {
        self.needs_job(&UserState::from(user), server)
    }

    /// Whether this change lowers `user`'s type on a server that does that through the
    /// type-change job (DocSpace 3.1 and later), rather than the PUT.
    pub(crate) fn needs_job(&self, user: &UserState, server: &Server) -> bool {
        let Change::Type(target) = self else {
            return false;
        };
        if !server.has_type_change_job() || !matches!(target, UserType::Guest | UserType::User) {
            return false;
        }
        matches!(
            (server.type_from_flags(user).as_ref().and_then(refusals::rank), refusals::rank(target)),
            (Some(now), Some(wanted)) if now > wanted
        )
    }

    /// Refuses a change that cannot be made, before anything is sent.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self {
            Change::Status(UserStatus::Active | UserStatus::Terminated) => Ok(()),
            Change::Status(status) => Err(Error::invalid_input(format!(
                "status {status} cannot be set; only Active or Terminated"
            ))),
            Change::Type(user_type) if user_type.is_known() && *user_type != UserType::All => {
                Ok(())
            }
            Change::Type(user_type) => Err(Error::invalid_input(format!(
                "type {user_type} cannot be set; use RoomAdmin, Guest, DocSpaceAdmin or User"
            ))),
            Change::ResetQuota | Change::ResendInvitation => Ok(()),
            Change::Quota(quota) => quota.to_wire().map(|_| ()).ok_or_else(|| {
                Error::invalid_input(format!("quota {quota} is larger than the server can store"))
            }),
        }
    }

    /// Refuses what `server` cannot do, before anything is sent: a type it does not have, a
    /// quota reset or a per-user quota on a server without them.
    pub(crate) fn check_on(&self, server: &Server) -> Result<(), Error> {
        match self {
            Change::Type(user_type) => server.check_settable(user_type),
            Change::ResetQuota if !server.has_quota_reset() => Err(Error::Unsupported(format!(
                "{server} has no quota reset (DocSpace's people/resetquota); set a quota instead"
            ))),
            Change::Quota(_) if !server.has_user_quotas() => Err(Error::Unsupported(format!(
                "{server} has no per-user quotas (Workspace has them since 12.5.2)"
            ))),
            Change::ResendInvitation if !server.has_invitations() => Err(Error::Unsupported(
                format!("{server} has no invitations to send again (DocSpace's PUT people/invite)"),
            )),
            Change::Status(_)
            | Change::Quota(_)
            | Change::ResetQuota
            | Change::ResendInvitation => Ok(()),
        }
    }

    /// The PUT that applies this change to `ids` (already checked) on `server` (DocSpace's
    /// routes when not known).
    pub(crate) fn request(&self, ids: &[Uuid], server: Option<&Server>) -> Result<Request, Error> {
        let workspace = server.is_some_and(Server::is_workspace);
        self.request_on(ids, workspace)
    }

    fn request_on(&self, ids: &[Uuid], workspace: bool) -> Result<Request, Error> {
        let members = UpdateMembersRequest {
            user_ids: ids.to_vec(),
            resend_all: None,
        };
        let number = |n: Option<i64>| {
            n.ok_or_else(|| Error::invalid_input(format!("{self} has no number to send")))
        };
        let put = Method::PUT;
        let resend = if self.is_safe_to_resend() {
            Resend::Idempotent
        } else {
            Resend::IfNotTaken
        };
        match self {
            Change::Status(status) => {
                let path = fill(
                    paths::UPDATE_USER_STATUS,
                    "status",
                    number(status.number())?,
                );
                Request::with_json(put, path, &members, resend)
            }
            Change::Type(user_type) => {
                let path = fill(paths::UPDATE_USER_TYPE, "type", number(user_type.number())?);
                Request::with_json(put, path, &members, resend)
            }
            Change::Quota(quota) => {
                let quota = quota.to_wire().ok_or_else(|| {
                    Error::invalid_input(format!(
                        "quota {quota} is larger than the server can store"
                    ))
                })?;
                let body = UpdateMembersQuotaRequest {
                    user_ids: members.user_ids,
                    quota,
                };
                let path = if workspace {
                    paths::UPDATE_WORKSPACE_USER_QUOTA
                } else {
                    paths::UPDATE_USER_QUOTA
                };
                Request::with_json(put, path, &body, resend)
            }
            Change::ResetQuota => {
                Request::with_json(put, paths::RESET_USERS_QUOTA, &members, resend)
            }
            Change::ResendInvitation => {
                // The list, never the whole portal: `resendAll: true` mails every Pending user.
                let body = UpdateMembersRequest {
                    resend_all: Some(false),
                    ..members
                };
                Request::with_json(put, paths::RESEND_USER_INVITES, &body, resend)
            }
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Status(status) => write!(f, "status {status}"),
            Change::Type(user_type) => write!(f, "type {user_type}"),
            Change::Quota(quota) => write!(f, "quota {quota}"),
            Change::ResetQuota => f.write_str("quota reset to the portal default"),
            Change::ResendInvitation => f.write_str("invitation resend"),
        }
    }
}

/// Refuses an empty list and duplicated ids. Duplicates are refused rather than dropped, so
/// that the response lines up one to one with what the caller asked for.
pub(crate) fn check_user_ids(user_ids: &[Uuid]) -> Result<(), Error> {
    if user_ids.is_empty() {
        return Err(Error::invalid_input("no user ids given"));
    }
    let mut seen = HashMap::with_capacity(user_ids.len());
    for (index, id) in user_ids.iter().enumerate() {
        if let Some(first) = seen.insert(id, index) {
            return Err(Error::invalid_input(format!(
                "user id {id} is listed twice (#{} and #{})",
                first + 1,
                index + 1
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_are_checked() {
        let id = Uuid::from_u128(1);
        assert!(check_user_ids(&[]).is_err());
        assert!(check_user_ids(&[id]).is_ok());
        let err = check_user_ids(&[id, Uuid::from_u128(2), id]).unwrap_err();
        assert!(err.to_string().contains("#1 and #3"), "{err}");
    }
}
