//! What a background job does at each of its progress steps.
//!
//! A step does its work, then publishes its percentage; a failing step leaves the percentage
//! of the step before. Type change (3.1+): 5 start; 10 the caller must be a DocSpace
//! administrator and the receiver an existing non-guest; 40 the user's rooms go to the
//! receiver (both skipped for a guest on 3.7, always done on 3.6); 45 and 60 (room roles,
//! guest preparation) change nothing here; 100 the type changes (to Guest: out of every
//! department too). Reassignment: 5; 10 the same demand; 20, 30, 50 (documents, personal data,
//! storage providers) change nothing here; 70 the rooms go to the receiver; 90, 95; 100 the
//! profile is deleted if asked.

use uuid::Uuid;

use crate::jobs::{JobKind, JobPlan};
use crate::model::{PortalState, UserType};

/// Why the caller may not reassign data (also when the receiver is a guest).
pub(crate) const NO_PERMISSION: &str = "You don't have enough permission to perform the operation";
/// A user the job needs is gone.
pub(crate) const USER_MISSING: &str = "User could not be found";

/// The percentages a job of this kind publishes, in order; the last is 100.
pub(crate) fn checkpoints(kind: JobKind) -> &'static [u32] {
    match kind {
        JobKind::UserType => &[5, 10, 40, 45, 60, 100],
        JobKind::Reassign => &[5, 10, 20, 30, 50, 70, 90, 95, 100],
    }
}

/// The caller must be a DocSpace administrator; the receiver must exist and not be a guest.
fn demand_reassign(state: &PortalState, caller: Uuid, receiver: Uuid) -> Result<(), String> {
    let caller_is_admin = state
        .index_of(caller)
        .is_some_and(|i| state.users[i].is_admin());
    if !caller_is_admin {
        return Err(NO_PERMISSION.to_owned());
    }
    match state.index_of(receiver) {
        None => Err(USER_MISSING.to_owned()),
        Some(i) if state.users[i].user_type == UserType::Guest => Err(NO_PERMISSION.to_owned()),
        Some(_) => Ok(()),
    }
}

fn index(state: &PortalState, user: Uuid) -> Result<usize, String> {
    state.index_of(user).ok_or_else(|| USER_MISSING.to_owned())
}

/// Does the work of the step that ends at `percentage` for `user`'s job.
pub(crate) fn run(
    state: &mut PortalState,
    user: Uuid,
    plan: &JobPlan,
    percentage: u32,
) -> Result<(), String> {
    match plan {
        JobPlan::UserType {
            caller,
            new_type,
            receiver,
        } => {
            let target = index(state, user)?;
            let current = state.users[target].user_type;
            // 3.6 always demands and moves rooms; 3.7 not for a guest.
            let moves_rooms = current != UserType::Guest || state.version.moves_guest_rooms();
            match percentage {
                10 if moves_rooms => demand_reassign(state, *caller, *receiver),
                40 if moves_rooms => {
                    let to = index(state, *receiver)?;
                    state.move_rooms(target, to);
                    Ok(())
                }
                100 => {
                    change_type(state, target, *new_type);
                    Ok(())
                }
                _ => Ok(()),
            }
        }
        JobPlan::Reassign {
            caller,
            receiver,
            delete_profile,
        } => match percentage {
            10 => demand_reassign(state, *caller, *receiver),
            70 => {
                let from = index(state, user)?;
                let to = index(state, *receiver)?;
                state.move_rooms(from, to);
                state.users[from].documents_moved = true;
                Ok(())
            }
            100 if *delete_profile => {
                if let Some(from) = state.index_of(user) {
                    state.remove_users(&[from]);
                }
                Ok(())
            }
            _ => Ok(()),
        },
    }
}

/// The type change at the end of a type job: to User or Guest (a guest also leaves every
/// department); any other number changes nothing.
fn change_type(state: &mut PortalState, target: usize, new_type: i32) {
    let new_type = match UserType::from_number(new_type) {
        Some(t @ (UserType::User | UserType::Guest)) => t,
        _ => return,
    };
    let PortalState { users, groups, .. } = state;
    let Some(user) = users.get_mut(target) else {
        return;
    };
    if user.user_type == new_type {
        return;
    }
    user.user_type = new_type;
    if new_type == UserType::Guest {
        user.groups.clear();
        for group in groups.iter_mut() {
            if group.manager == Some(target) {
                group.manager = None;
            }
        }
    }
    user.refresh_keys(groups);
}
