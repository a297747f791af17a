//! The rules of the user-lifecycle requests: starting, watching and terminating type-change
//! and reassignment jobs, asking whether a reassignment is needed, and deleting users.
//!
//! Checks run in the server's order, so the first failing one decides the answer. What the
//! jobs then do is in [`crate::job_steps`].

use std::time::Instant;

use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::jobs::{JobKind, JobPlan, JobStore};
use crate::model::{PortalState, UserType, status};
use crate::params::{ReassignRequest, TypeJobRequest};
use crate::wire::LOST_USER_ID;

/// Owner or DocSpace administrator (`Action_AddRemoveUser`/`Action_EditUser` without a target).
pub(crate) fn require_admin(state: &PortalState, caller: Caller) -> Result<(), ApiError> {
    if state.users[caller.index].is_admin() {
        Ok(())
    } else {
        Err(ApiError::access_denied())
    }
}

/// `Action_AddRemoveUser` for users of `user_type`: administrators, and room admins when the
/// type is User or Guest.
fn require_add_remove(state: &PortalState, caller: Caller, user_type: i32) -> Result<(), ApiError> {
    let me = &state.users[caller.index];
    let room_admin_may = me.user_type == UserType::RoomAdmin
        && matches!(
            UserType::from_number(user_type),
            Some(UserType::User | UserType::Guest)
        );
    if me.is_admin() || room_admin_may {
        Ok(())
    } else {
        Err(ApiError::access_denied())
    }
}

/// 3.7: only the owner may look at (or stop) the job of a DocSpace administrator.
fn require_owner_for_admin_target(
    state: &PortalState,
    caller: Caller,
    target: Uuid,
) -> Result<(), ApiError> {
    let caller_is_owner = state.users[caller.index].is_owner;
    let target_is_admin = state
        .index_of(target)
        .is_some_and(|i| state.users[i].is_admin());
    if state.version.validates_strictly() && target_is_admin && !caller_is_owner {
        Err(ApiError::access_denied())
    } else {
        Ok(())
    }
}

fn cannot_update_to(user_type: i32) -> ApiError {
    ApiError::bad_argument(format!(
        "Can not update to {}",
        UserType::name_of(user_type)
    ))
}

/// `POST people/type`: who the job is about and what it does, or why it may not start.
pub(crate) fn start_type_job(
    state: &PortalState,
    caller: Caller,
    request: &TypeJobRequest,
) -> Result<(Uuid, JobPlan), ApiError> {
    let strict = state.version.validates_strictly();
    let accepted = if strict {
        matches!(request.user_type, 2 | 4)
    } else {
        // 3.6 refuses only the admin types, after the user checks; "All" starts a job that
        // moves rooms and changes no type.
        !matches!(request.user_type, 1 | 3)
    };
    if strict && !accepted {
        return Err(cannot_update_to(request.user_type));
    }
    require_add_remove(state, caller, request.user_type)?;
    let me = &state.users[caller.index];
    let receiver_id = request.reassign_user_id.unwrap_or(me.id);
    let cannot = || ApiError::bad_argument("Can not update type");
    let target = state
        .index_of(request.user_id)
        .filter(|_| request.user_id != LOST_USER_ID)
        .ok_or_else(cannot)?;
    let user = &state.users[target];
    let receiver = state.index_of(receiver_id).map(|i| &state.users[i]);
    if user.status == status::TERMINATED
        || receiver.is_some_and(|r| r.status == status::TERMINATED)
        || user.id == receiver_id
        || target == caller.index
    {
        return Err(cannot());
    }
    if !me.is_owner && user.is_admin() {
        return Err(ApiError::bad_argument("Can not update type for admin"));
    }
    let receiver_manages_rooms =
        receiver.is_some_and(|r| r.is_admin() || r.user_type == UserType::RoomAdmin);
    if !receiver_manages_rooms {
        let shown = request
            .reassign_user_id
            .map(|id| id.to_string())
            .unwrap_or_default();
        return Err(ApiError::bad_argument(format!(
            "Can not reassign to user - {shown}"
        )));
    }
    if !accepted {
        return Err(cannot_update_to(request.user_type));
    }
    Ok((
        user.id,
        JobPlan::UserType {
            caller: me.id,
            new_type: request.user_type,
            receiver: receiver_id,
        },
    ))
}

/// `GET people/type/progress/{userid}` and `PUT people/type/terminate`: administrators only.
pub(crate) fn watch_type_job(state: &PortalState, caller: Caller) -> Result<(), ApiError> {
    require_admin(state, caller)
}

/// `GET people/reassign/progress/{userid}` and `PUT people/reassign/terminate`:
/// administrators; on 3.7 the owner only for an administrator's job.
pub(crate) fn watch_reassign_job(
    state: &PortalState,
    caller: Caller,
    user: Uuid,
) -> Result<(), ApiError> {
    require_admin(state, caller)?;
    require_owner_for_admin_target(state, caller, user)
}

/// `POST people/reassign/start`: whose data moves and where, or why it may not.
pub(crate) fn start_reassign(
    state: &PortalState,
    caller: Caller,
    request: &ReassignRequest,
) -> Result<(Uuid, JobPlan), ApiError> {
    require_admin(state, caller)?;
    let me = &state.users[caller.index];
    let lookup = |id: Uuid| {
        state
            .index_of(id)
            .filter(|_| id != LOST_USER_ID)
            .map(|i| &state.users[i])
    };
    let workspace = state.version.reassigns_as_workspace();
    let receiver = lookup(request.to_user_id)
        .filter(|r| {
            r.is_admin()
                || r.user_type == UserType::RoomAdmin
                || (workspace && r.user_type != UserType::Guest)
        })
        .filter(|r| r.status != status::TERMINATED);
    let Some(receiver) = receiver else {
        let shown = lookup(request.to_user_id).map_or(LOST_USER_ID, |r| r.id);
        return Err(ApiError::bad_argument(format!(
            "Can not reassign data to user with id = {shown}"
        )));
    };
    let source = lookup(request.from_user_id);
    let refused = match source {
        None => true,
        Some(from) => {
            from.is_owner
                || from.id == me.id
                || from.status != status::TERMINATED
                || (from.is_admin() && !me.is_owner && !workspace)
        }
    };
    if refused {
        let shown = source.map_or(LOST_USER_ID, |f| f.id);
        return Err(ApiError::bad_argument(format!(
            "Can not reassign data from user with id = {shown}"
        )));
    }
    Ok((
        request.from_user_id,
        JobPlan::Reassign {
            caller: me.id,
            receiver: receiver.id,
            delete_profile: request.delete_profile,
        },
    ))
}

/// `GET people/reassign/necessary`: whether the user owns rooms (for the nil GUID, whether
/// the portal has any room at all).
pub(crate) fn reassign_necessary(
    state: &PortalState,
    caller: Caller,
    user: Uuid,
    user_type: i32,
) -> Result<bool, ApiError> {
    require_add_remove(state, caller, user_type)?;
    let target = state.index_of(user).map(|i| &state.users[i]);
    if target.is_some_and(|t| t.is_admin()) && !state.users[caller.index].is_owner {
        return Err(ApiError::access_denied());
    }
    Ok(if user.is_nil() {
        state.users.iter().any(|u| u.rooms_owned > 0)
    } else {
        target.is_some_and(|t| t.rooms_owned > 0)
    })
}

fn reassign_not_complete(state: &PortalState, index: usize) -> ApiError {
    ApiError::server_error(format!(
        "Data reassign process for {} is not complete.",
        state.users[index].display_name()
    ))
}

/// `DELETE people/{userid}`: the user to delete, or why not.
pub(crate) fn check_delete_one(
    state: &PortalState,
    jobs: &mut JobStore,
    caller: Caller,
    raw: &str,
) -> Result<usize, ApiError> {
    require_admin(state, caller)?;
    let index = state
        .find(raw)
        .ok_or_else(|| ApiError::user_not_found_in(state.version))?;
    let user = &state.users[index];
    if user.is_ldap {
        return Err(ApiError::access_denied());
    }
    if user.status != status::TERMINATED {
        return Err(if state.version.validates_strictly() {
            ApiError::invalid_operation("The user is not suspended")
        } else {
            ApiError::server_error("The user is not suspended")
        });
    }
    if !state.version.is_workspace() && user.is_admin() && !state.users[caller.index].is_owner {
        return Err(ApiError::access_denied());
    }
    if jobs.unfinished(user.id, JobKind::Reassign, Instant::now()) {
        return Err(reassign_not_complete(state, index));
    }
    Ok(index)
}

/// What `PUT people/delete` answers with and whom it deletes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct BulkDelete {
    /// The users to return (as they were before), in request order.
    pub(crate) returned: Vec<usize>,
    /// The users to delete.
    pub(crate) deleted: Vec<usize>,
}

/// `PUT people/delete`: 3.7 refuses the whole request when a listed user is active; earlier
/// servers and Workspace skip active users but return them. Users the caller may not delete
/// (an administrator, for a caller who is not the owner) are returned but kept.
pub(crate) fn check_delete_many(
    state: &PortalState,
    jobs: &mut JobStore,
    caller: Caller,
    ids: &[Uuid],
) -> Result<BulkDelete, ApiError> {
    require_admin(state, caller)?;
    let now = Instant::now();
    let known: Vec<usize> = ids.iter().filter_map(|id| state.index_of(*id)).collect();
    if let Some(busy) = known
        .iter()
        .find(|i| jobs.unfinished(state.users[**i].id, JobKind::Reassign, now))
    {
        return Err(reassign_not_complete(state, *busy));
    }
    let returned: Vec<usize> = known
        .into_iter()
        .filter(|i| !state.users[*i].is_ldap)
        .collect();
    let active = |i: &usize| state.users[*i].status != status::TERMINATED;
    if state.version.validates_strictly() && returned.iter().any(active) {
        return Err(ApiError::invalid_operation("Users are not suspended"));
    }
    let me = &state.users[caller.index];
    let mut deleted: Vec<usize> = returned
        .iter()
        .copied()
        .filter(|i| !active(i))
        // An administrator only by the owner, a room admin only by an administrator.
        .filter(|i| me.is_owner || !state.users[*i].is_admin())
        .filter(|i| me.is_admin() || state.users[*i].user_type != UserType::RoomAdmin)
        .collect();
    deleted.sort_unstable();
    deleted.dedup();
    Ok(BulkDelete { returned, deleted })
}

/// Deletes users: their rooms go to the caller (the server's background clean-up), then they
/// vanish. On Workspace the clean-up deletes their own documents instead (only Common items go
/// to the caller): recorded in `destroyed_documents`.
pub(crate) fn delete_users(state: &mut PortalState, caller: Caller, indexes: &[usize]) {
    for index in indexes {
        state.move_rooms(*index, caller.index);
        if state.version.deletion_destroys_documents() && !state.users[*index].documents_moved {
            let id = state.users[*index].id;
            state.destroyed_documents.push(id);
        }
    }
    state.remove_users(indexes);
}
