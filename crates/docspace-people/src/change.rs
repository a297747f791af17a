//! What a change operation does: the [`Change`] itself, its validation, its request, and how to
//! tell whether a user already is as it would make them. The single calls
//! ([`Client::set_status`] and friends) and the bulk engine share all of it.

use std::collections::HashMap;

use docspace_people_gen::paths;
use docspace_people_gen::types::{UpdateMembersQuotaRequest, UpdateMembersRequest};
use reqwest::Method;
use uuid::Uuid;

use crate::enums::{UserStatus, UserType};
use crate::state::UserState;
use crate::transport::{Request, Resend, fill};
use crate::{Client, Error, Quota, Server, User};

/// A change to apply to users: the status, the type or the storage quota.
///
/// Non-exhaustive: later versions may add changes, so a `match` needs a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq)]
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
            Change::Quota(quota) => user
                .quota_limit
                .map(|q| Quota::from_wire(q) == Some(*quota)),
            Change::ResetQuota => user.is_custom_quota.map(|custom| !custom),
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
            .map(str::to_owned)
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
            .map(str::to_owned)
    }

    pub(crate) fn refusal_of_state(
        &self,
        user: &UserState,
        caller: Option<&UserState>,
        server: Option<&Server>,
    ) -> Option<&'static str> {
        let caller_is_owner = caller.and_then(|c| c.is_owner) == Some(true);
        let caller_known = caller.is_some();
        let is_caller = caller.is_some_and(|c| c.id == user.id);
        if server.is_some_and(Server::is_workspace) {
            return match self {
                Change::Status(_) if user.is_owner == Some(true) => Some("the portal owner"),
                Change::Status(_) if is_caller => Some("yourself (the signed-in user)"),
                Change::Status(_) if user.is_ldap == Some(true) => {
                    Some("an LDAP user: LDAP manages their status")
                }
                Change::Type(_) if user.is_owner == Some(true) => Some("the portal owner"),
                Change::Type(_) if user.is_admin == Some(true) => {
                    Some("an administrator: Workspace does not change their type")
                }
                Change::Type(_) if is_caller => Some("yourself (the signed-in user)"),
                _ => None,
            };
        }
        match self {
            Change::Status(_) => {
                if user.is_owner == Some(true) {
                    Some("the portal owner")
                } else if caller.is_some_and(|c| c.id == user.id) {
                    Some("yourself (the signed-in user)")
                } else if user.is_ldap == Some(true) {
                    Some("an LDAP user: LDAP manages their status")
                } else if user.is_admin == Some(true) && caller_known && !caller_is_owner {
                    Some("an administrator: only the owner may change them")
                } else {
                    None
                }
            }
            Change::Type(target) => {
                if user.is_owner == Some(true) {
                    return Some("the portal owner");
                }
                if *target == UserType::DocSpaceAdmin && caller_known && !caller_is_owner {
                    return Some("only the owner makes DocSpace admins");
                }
                let now = server
                    .map_or_else(|| user.user_type(), |s| s.type_from_flags(user))
                    .as_ref()
                    .and_then(rank);
                match (now, rank(target)) {
                    (Some(now), Some(wanted)) if now > wanted => {
                        demotion_refusal(user, target, caller, server)
                    }
                    _ => None,
                }
            }
            Change::Quota(_) | Change::ResetQuota => None,
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
            (server.type_from_flags(user).as_ref().and_then(rank), rank(target)),
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
            Change::ResetQuota => Ok(()),
            Change::Quota(quota) => quota.to_wire().map(|_| ()).ok_or_else(|| {
                Error::invalid_input(format!("quota {quota} is larger than the server can store"))
            }),
        }
    }

    /// The PUT that applies this change to `ids` (already checked) on `server` (DocSpace's
    /// routes when not known).
    pub(crate) fn request(&self, ids: &[Uuid], server: Option<&Server>) -> Result<Request, Error> {
        let workspace = server.is_some_and(Server::is_workspace);
        let mut request = self.request_on(ids, workspace)?;
        request.server_error_is_answer = workspace;
        Ok(request)
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
        let resend = Resend::Idempotent;
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
        }
    }
}

/// The order of types for promotions.
/// Why lowering `user` to `target` will be refused, if it will. DocSpace 3.1 and later lower
/// a type to Guest or User through the type-change job, which refuses the caller themself, a
/// terminated user, and (for a caller who is not the owner) a DocSpace admin. Nothing else
/// lowers a type there, and nothing at all before 3.1.
fn demotion_refusal(
    user: &UserState,
    target: &UserType,
    caller: Option<&UserState>,
    server: Option<&Server>,
) -> Option<&'static str> {
    let by_job = matches!(target, UserType::Guest | UserType::User);
    match server {
        Some(server) if server.has_type_change_job() && by_job => {
            let caller_is_owner = caller.and_then(|c| c.is_owner) == Some(true);
            let caller_is_admin = caller_is_owner || caller.and_then(|c| c.is_admin) == Some(true);
            if caller.is_some_and(|c| c.id == user.id) {
                Some("yourself (the signed-in user)")
            } else if caller.is_some() && !caller_is_admin {
                Some(
                    "only the owner or a DocSpace admin can lower a type (the server fails the \
                     job of anyone else)",
                )
            } else if user.status == Some(UserStatus::Terminated) {
                Some("a terminated user: the type-change job refuses them")
            } else if user.is_admin == Some(true) && caller.is_some() && !caller_is_owner {
                Some("a DocSpace admin: only the owner may lower their type")
            } else {
                None
            }
        }
        Some(server) if !server.is_workspace() && by_job => {
            Some("a demotion: unsupported before DocSpace 3.1, which has no type-change job")
        }
        _ => Some("a demotion: the type can only be raised this way"),
    }
}

fn rank(user_type: &UserType) -> Option<u8> {
    match user_type {
        UserType::Guest => Some(0),
        UserType::User => Some(1),
        UserType::RoomAdmin => Some(2),
        UserType::DocSpaceAdmin => Some(3),
        _ => None,
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

impl Client {
    /// Applies `change` to `user_ids` in one request and returns the users as the server
    /// reports them. The one path of [`set_status`](Client::set_status),
    /// [`set_type`](Client::set_type), [`set_quota`](Client::set_quota) and
    /// [`reset_quota`](Client::reset_quota).
    pub async fn apply(&self, change: &Change, user_ids: &[Uuid]) -> Result<Vec<User>, Error> {
        change.check()?;
        check_user_ids(user_ids)?;
        // A status change is the same everywhere; types and quotas depend on the server.
        let server = self.server_if(!matches!(change, Change::Status(_))).await?;
        if let Some(server) = &server {
            server.check_change(change)?;
        }
        tracing::debug!(%change, users = user_ids.len(), "bulk PUT");
        let answer = self
            .send(&change.request(user_ids, server.as_ref())?)
            .await?;
        crate::envelope::users(&answer)
    }
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
