//! Who may change whom, and how: the rules of the three bulk operations and of quota reset.
//!
//! Server 3.7.1 (the default) refuses with 403 and, for status changes, changes nothing when any
//! target is off limits; servers 3.6 and 3.0 skip such users silently (see [`ServerVersion`]). Every
//! check that can refuse a whole request runs before the first change.

use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::model::{PortalState, UserType, activation, status};

/// One entry of a bulk response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A portal user, by index.
    User(usize),
    /// The placeholder for an unknown id.
    Lost,
}

fn require_admin(state: &PortalState, caller: Caller) -> Result<(), ApiError> {
    if state.users[caller.index].is_admin() {
        Ok(())
    } else {
        Err(ApiError::access_denied())
    }
}

/// Whether a seat is paid: an active room admin or DocSpace admin (the owner included).
fn takes_seat(user: &crate::model::User, user_type: UserType, active: bool) -> bool {
    active && (user.is_owner || matches!(user_type, UserType::RoomAdmin | UserType::DocSpaceAdmin))
}

/// The paid seats in use: active owner, DocSpace admins and room admins.
pub(crate) fn seats_in_use(state: &PortalState) -> usize {
    state
        .users
        .iter()
        .filter(|u| takes_seat(u, u.user_type, u.status == status::ACTIVE))
        .count()
}

/// 402 when the portal limits its paid seats and the user at `index`, activated (`to_type`
/// `None`) or promoted to `to_type`, would take one more than there are.
fn check_seat(
    state: &PortalState,
    index: usize,
    to_type: Option<UserType>,
) -> Result<(), ApiError> {
    let Some(seats) = state.paid_seats else {
        return Ok(());
    };
    let user = &state.users[index];
    let active = user.status == status::ACTIVE;
    let now_paid = takes_seat(user, user.user_type, active);
    let then_paid = takes_seat(user, to_type.unwrap_or(user.user_type), true);
    if now_paid || !then_paid {
        return Ok(());
    }
    if seats_in_use(state) >= seats {
        Err(ApiError::seats_taken())
    } else {
        Ok(())
    }
}

/// Whether the caller may not change the status of `target` (3.7 refuses, 3.6 skips).
fn status_off_limits(state: &PortalState, caller: Caller, target: usize) -> bool {
    let user = &state.users[target];
    let caller_is_owner = state.users[caller.index].is_owner;
    user.is_owner || target == caller.index || (!caller_is_owner && user.is_admin())
}

/// A status change. Neither product dates it: `terminated` is set only by a profile update
/// that disables (`PUT people/{id}`), so after `PUT people/status/2` it is absent (DocSpace) or
/// `null` (Workspace), and a date from before is left as it was.
fn apply_status(state: &mut PortalState, index: usize, new_status: i32) {
    let user = &mut state.users[index];
    match new_status {
        status::TERMINATED => {
            user.status = status::TERMINATED;
            let id = user.id;
            state.close_sessions_of(id);
        }
        status::ACTIVE => {
            user.status = if user.activation == activation::PENDING {
                status::PENDING
            } else {
                status::ACTIVE
            };
        }
        // 3.6 accepts other values and changes nothing.
        _ => {}
    }
}

/// `PUT /people/status/{status}`.
pub(crate) fn update_status(
    state: &mut PortalState,
    caller: Caller,
    new_status: i32,
    ids: &[Uuid],
) -> Result<Vec<Target>, ApiError> {
    if state.version.validates_strictly() {
        if new_status != status::ACTIVE && new_status != status::TERMINATED {
            return Err(ApiError::bad_argument(format!(
                "Invalid status {new_status}: only Active or Terminated"
            )));
        }
        require_admin(state, caller)?;
        let mut targets = Vec::with_capacity(ids.len());
        for id in ids {
            let index = state.index_of(*id).ok_or_else(ApiError::access_denied)?;
            if state.users[index].is_ldap || status_off_limits(state, caller, index) {
                return Err(ApiError::access_denied());
            }
            targets.push(index);
        }
        for index in &targets {
            // The seats are checked user by user: those before stay changed (402).
            if new_status == status::ACTIVE {
                check_seat(state, *index, None)?;
            }
            apply_status(state, *index, new_status);
        }
        Ok(targets.into_iter().map(Target::User).collect())
    } else {
        let workspace = state.version.is_workspace();
        require_admin(state, caller)?;
        let mut targets = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(index) = state.index_of(*id) else {
                continue;
            };
            if state.users[index].is_ldap {
                continue;
            }
            // Workspace skips only the owner and the caller; DocSpace also other admins
            // for a caller who is not the owner.
            let off_limits = if workspace {
                state.users[index].is_owner || index == caller.index
            } else {
                status_off_limits(state, caller, index)
            };
            let settable = new_status == status::ACTIVE || new_status == status::TERMINATED;
            if !off_limits && (settable || !workspace) {
                if new_status == status::ACTIVE && !workspace {
                    check_seat(state, index, None)?;
                }
                apply_status(state, index, new_status);
            }
            targets.push(Target::User(index));
        }
        Ok(targets)
    }
}

/// Whether `caller` may move `target` to `new_type` through `PUT /people/type/{type}`.
fn promotion_allowed(state: &PortalState, caller: Caller, target: usize, new_type: i32) -> bool {
    let user = &state.users[target];
    if user.is_owner || target == caller.index {
        return false;
    }
    let caller_is_owner = state.users[caller.index].is_owner;
    match UserType::from_number(new_type) {
        Some(UserType::DocSpaceAdmin) => {
            caller_is_owner && user.user_type != UserType::DocSpaceAdmin
        }
        // The owner may lower a DocSpace admin to room admin: the one demotion the PUT does.
        Some(UserType::RoomAdmin) => {
            matches!(user.user_type, UserType::Guest | UserType::User)
                || (caller_is_owner && user.user_type == UserType::DocSpaceAdmin)
        }
        Some(UserType::User) => user.user_type == UserType::Guest,
        Some(UserType::Guest) | None => false,
    }
}

/// Workspace's `PUT /people/type/{type}`: 1 (User) or 2 (Visitor), in either direction; the
/// owner, administrators and the caller are skipped but returned; any other number changes
/// nobody. In the model a Visitor is a guest (2) and a Workspace User a regular user (4).
fn update_type_workspace(
    state: &mut PortalState,
    caller: Caller,
    new_type: i32,
    ids: &[Uuid],
) -> Vec<Target> {
    let mut targets = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(index) = state.index_of(*id) else {
            targets.push(Target::Lost);
            continue;
        };
        let user = &mut state.users[index];
        let protected = user.is_owner || user.is_admin() || index == caller.index;
        if !protected {
            match new_type {
                1 if user.user_type == UserType::Guest => user.user_type = UserType::User,
                2 => user.user_type = UserType::Guest,
                _ => {}
            }
        }
        targets.push(Target::User(index));
    }
    targets
}

/// `PUT /people/type/{type}`: promotions only, one user at a time.
pub(crate) fn update_type(
    state: &mut PortalState,
    caller: Caller,
    new_type: i32,
    ids: &[Uuid],
) -> Result<Vec<Target>, ApiError> {
    require_admin(state, caller)?;
    if state.version.is_workspace() {
        return Ok(update_type_workspace(state, caller, new_type, ids));
    }
    let mut targets = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(index) = state.index_of(*id) else {
            targets.push(Target::Lost);
            continue;
        };
        // A terminated user's type never changes: 3.7 refuses the request there (the users
        // before stay changed), 3.6 drops them from the answer.
        if state.users[index].status == status::TERMINATED {
            if state.version.validates_strictly() {
                return Err(ApiError::access_denied());
            }
            continue;
        }
        if promotion_allowed(state, caller, index, new_type) {
            if let Some(user_type) = UserType::from_number(new_type) {
                check_seat(state, index, Some(user_type))?;
                state.users[index].user_type = user_type;
            }
        } else if state.version.validates_strictly() {
            // Users before this one stay changed, as on the real server.
            return Err(ApiError::access_denied());
        }
        targets.push(Target::User(index));
    }
    Ok(targets)
}

/// `PUT /people/userquota`.
pub(crate) fn update_quota(
    state: &mut PortalState,
    caller: Caller,
    quota: i64,
    ids: &[Uuid],
) -> Result<Vec<Target>, ApiError> {
    require_admin(state, caller)?;
    if quota < -1 {
        return Err(ApiError::bad_argument(format!(
            "Invalid quota {quota}: use a byte count or -1 for no limit"
        )));
    }
    if state.version.is_workspace() {
        return update_quota_workspace(state, quota, ids);
    }
    if quota > state.storage_limit {
        return Err(ApiError::bad_argument(format!(
            "The quota {quota} exceeds the portal's storage of {} bytes",
            state.storage_limit
        )));
    }
    Ok(ids
        .iter()
        .map(|id| match state.index_of(*id) {
            Some(index) => {
                state.users[index].custom_quota = Some(quota);
                Target::User(index)
            }
            None => Target::Lost,
        })
        .collect())
}

/// Workspace's `PUT /settings/userquota`: user by user, unknown ids dropped; a quota above the
/// portal's or below a user's usage stops the request with a 500 after the users before it
/// were saved.
fn update_quota_workspace(
    state: &mut PortalState,
    quota: i64,
    ids: &[Uuid],
) -> Result<Vec<Target>, ApiError> {
    let mut targets = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(index) = state.index_of(*id) else {
            continue;
        };
        if quota > state.storage_limit {
            return Err(ApiError::server_error(
                "The quota is greater than portals quota.",
            ));
        }
        if quota != -1 && quota < state.users[index].used_space {
            return Err(ApiError::server_error(
                "The quota is less than used memory.",
            ));
        }
        state.users[index].custom_quota = Some(quota);
        targets.push(Target::User(index));
    }
    Ok(targets)
}

/// `PUT /people/resetquota`: back to the portal default.
pub(crate) fn reset_quota(
    state: &mut PortalState,
    caller: Caller,
    ids: &[Uuid],
) -> Result<Vec<Target>, ApiError> {
    require_admin(state, caller)?;
    let mut targets = Vec::with_capacity(ids.len());
    for id in ids {
        match state.index_of(*id) {
            Some(index) => {
                state.users[index].custom_quota = None;
                targets.push(Target::User(index));
            }
            // 3.7 looks each user up in its loop: an unknown one is 403, after the users
            // before it were reset. Earlier servers answer the placeholder user.
            None if state.version.validates_strictly() => {
                return Err(ApiError::access_denied());
            }
            None => targets.push(Target::Lost),
        }
    }
    Ok(targets)
}

/// Whether the server takes `email` as an address: one `@` between a local part and a dotted
/// domain, no spaces, and no punycode (`xn--`), which the server refuses too.
fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.is_ascii()
        && !email
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        && !domain.to_ascii_lowercase().contains("xn--")
}

/// `POST /people/invite`: invites each address with its type, in order. Refusals about the
/// caller and the types come first (403), then the paid seats (402), both before anything is
/// done; a bad address stops the request with 400 after the earlier ones were handled. A new
/// address becomes a Pending user and is mailed; a known one is not mailed, and a lower type is
/// raised. Answers the indexes of every Pending user.
pub(crate) fn invite_users(
    state: &mut PortalState,
    caller: Caller,
    invitations: &[(i32, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<usize>, ApiError> {
    let inviter = &state.users[caller.index];
    let (caller_is_admin, caller_is_owner) = (inviter.is_admin(), inviter.is_owner);
    if !caller_is_admin && inviter.user_type != UserType::RoomAdmin {
        return Err(ApiError::access_denied());
    }
    let mut types = Vec::with_capacity(invitations.len());
    for (number, _) in invitations {
        let user_type = UserType::from_number(*number).ok_or_else(ApiError::access_denied)?;
        let allowed = match user_type {
            UserType::Guest => false,
            UserType::User => true,
            UserType::RoomAdmin => caller_is_admin,
            UserType::DocSpaceAdmin => caller_is_owner,
        };
        if !allowed {
            return Err(ApiError::access_denied());
        }
        types.push(user_type);
    }
    if let Some(seats) = state.paid_seats {
        let paid = types
            .iter()
            .filter(|t| matches!(t, UserType::RoomAdmin | UserType::DocSpaceAdmin))
            .count();
        let in_use = state
            .users
            .iter()
            .filter(|u| takes_seat(u, u.user_type, u.status == status::ACTIVE))
            .count();
        if paid > 0 && in_use + paid > seats {
            return Err(ApiError::seats_taken());
        }
    }
    for ((_, email), user_type) in invitations.iter().zip(types) {
        let email = email.trim();
        if !is_valid_email(email) {
            return Err(ApiError::bad_argument("Incorrect email"));
        }
        match state.index_by_email(email) {
            Some(index) if state.users[index].status == status::TERMINATED => {
                return Err(ApiError::bad_argument(format!("User disabled: {email}")));
            }
            Some(index) => {
                let user = &mut state.users[index];
                // `rank` puts the more powerful first: a larger rank is a lower type.
                if !user.is_owner && user.user_type.rank() > user_type.rank() {
                    user.user_type = user_type;
                }
            }
            None => {
                let index =
                    state.push_user(crate::seed::invitee(email, user_type, caller.index, now));
                let id = state.users[index].id;
                state.invitations_sent.push(id);
            }
        }
    }
    Ok((0..state.users.len())
        .filter(|&i| state.users[i].status == status::PENDING)
        .collect())
}

/// `PUT /people/invite`: mails the invitation again to the listed users who are still Pending
/// (with `all`, to every Pending user, the list ignored), and answers the listed users that
/// exist (with `all`, the Pending users mailed). Administrators only.
pub(crate) fn resend_invitations(
    state: &mut PortalState,
    caller: Caller,
    ids: &[Uuid],
    all: bool,
) -> Result<Vec<Target>, ApiError> {
    require_admin(state, caller)?;
    let listed: Vec<usize> = if all {
        (0..state.users.len())
            .filter(|&i| state.users[i].status == status::PENDING)
            .collect()
    } else {
        ids.iter().filter_map(|id| state.index_of(*id)).collect()
    };
    for &index in &listed {
        if state.users[index].status == status::PENDING {
            let id = state.users[index].id;
            state.invitations_sent.push(id);
        }
    }
    Ok(listed.into_iter().map(Target::User).collect())
}
