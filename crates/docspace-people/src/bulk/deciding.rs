//! The users whose state decides a change's outcome, and what the others must be.
//!
//! Before a change the engine needs each target's state only to settle those it would not
//! change (already in the target state, or refused by a rule) and to record what the others
//! were. When the users who are already in the target state, or whom a rule refuses, or whose
//! prior state is not the common one, are each selected by a `people/filter` query, reading
//! those queries whole tells everything about every other target: it is not in any of them, so
//! it is in the one state left. A department of a large portal is then settled by reading a few
//! small groups rather than the whole list or each target.
//!
//! Only a change whose rest has a single state takes part. Terminating users on DocSpace does:
//! the rest is Active, not the owner, not an administrator, not an LDAP user. Activating does not
//! (the rest would be Active or Pending, and an id no user has would look already active), nor do
//! type changes (the rest would be of two types) or quotas (no query selects by quota size).
//! Every rule of [`crate::server::refusals::predict`] for a change that takes part must have its
//! query here; the unit test below checks the rest against them.

use uuid::Uuid;

use crate::read::UserQuery;
use crate::state::UserState;
use crate::{Change, LoginKind, Server, UserStatus};

/// The queries that select every target this change on `server` would not simply change, and
/// the state of every user they do not select; `None` when the change does not take part.
pub(super) fn deciding(change: &Change, server: &Server) -> Option<(Vec<UserQuery>, Rest)> {
    if server.is_workspace() {
        // Workspace's filter has no login kind, and its statuses differ: read as before.
        return None;
    }
    match change {
        Change::Status(UserStatus::Terminated) => Some((
            vec![
                // Already terminated: settled without sending.
                UserQuery::new().status(UserStatus::Terminated),
                // Pending: their prior state is not Active.
                UserQuery::new().status(UserStatus::Pending),
                // The owner and the administrators (who some callers may not change).
                UserQuery::new().administrators(true),
                // LDAP manages its users' status.
                UserQuery::new().login_kind(LoginKind::Ldap),
            ],
            Rest::ActiveMember,
        )),
        _ => None,
    }
}

/// The state of a target no deciding query selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rest {
    /// Active, not the owner, not an administrator, not an LDAP user; the type is not known.
    ActiveMember,
}

impl Rest {
    /// The state of the user `id`, as far as it is known.
    pub(super) fn state(self, id: Uuid) -> UserState {
        match self {
            Rest::ActiveMember => UserState {
                id,
                status: Some(UserStatus::Active),
                is_owner: Some(false),
                is_admin: Some(false),
                is_room_admin: None,
                is_visitor: None,
                is_collaborator: None,
                is_ldap: Some(false),
                quota_limit: None,
                is_custom_quota: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rest of a change that takes part is neither in the target state nor refused by any
    /// rule, whoever asks (the caller is an administrator, so a deciding query lists them).
    #[test]
    fn the_rest_is_sent_by_every_rule() {
        let id = Uuid::from_u128(7);
        let owner = UserState {
            is_owner: Some(true),
            ..Rest::ActiveMember.state(Uuid::from_u128(1))
        };
        let admin = UserState {
            is_admin: Some(true),
            ..Rest::ActiveMember.state(Uuid::from_u128(2))
        };
        for version in ["DocSpace 3.6", "DocSpace 3.7.1"] {
            let server: Server = version.parse().expect("a version");
            let change = Change::Status(UserStatus::Terminated);
            let (queries, rest) = deciding(&change, &server).expect("takes part");
            assert_eq!(queries.len(), 4);
            let user = rest.state(id);
            assert_eq!(
                change.is_satisfied_by_state(&user, Some(&server)),
                Some(false)
            );
            for caller in [None, Some(&owner), Some(&admin)] {
                assert_eq!(change.refusal_of_state(&user, caller, Some(&server)), None);
            }
            assert!(!change.needs_job(&user, &server));
        }
        let workspace: Server = "Workspace 12.7".parse().expect("a version");
        assert!(deciding(&Change::Status(UserStatus::Terminated), &workspace).is_none());
        let docspace: Server = "DocSpace 3.7.1".parse().expect("a version");
        assert!(deciding(&Change::Status(UserStatus::Active), &docspace).is_none());
    }
}
