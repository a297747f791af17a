//! Refusals the servers' rules make certain, predicted before anything is sent, and the typed
//! reason of every refusal a report carries.
//!
//! The rules (DocSpace 3.x unless said): nobody changes the owner's status or type; nobody
//! changes their own status; LDAP manages its users' status; only the owner changes another
//! administrator's status or makes DocSpace admins; `PUT people/type` only raises a type, except
//! that the owner may lower a DocSpace admin to room admin with it; lowering to User or Guest
//! is the type-change job (DocSpace 3.1 and later), which refuses the caller, terminated users
//! and, for a caller who is not the owner, DocSpace admins. Workspace skips the owner and the
//! caller for status changes, and the owner, administrators and the caller for type changes.
//! A 3.7 server answers these with 403, a 3.6 server skips them silently: either way the user is
//! not changed, so the bulk engine does not send them.
//!
//! Rules that depend on who asks are predicted only when the caller is known (a scoped API key
//! may not read `people/@self`); otherwise the server decides.

use std::fmt;

use super::Server;
use crate::enums::{UserStatus, UserType};
use crate::state::UserState;

/// Why a user was (or will be) refused: the rule, or the server's own answer.
///
/// `Display` gives the reason in words, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The portal owner: nobody changes their status or type.
    Owner,
    /// The signed-in user themself.
    Caller,
    /// An LDAP user, whose status LDAP manages.
    Ldap,
    /// An administrator whose status only the owner may change.
    Administrator,
    /// An administrator, whose type Workspace does not change.
    WorkspaceAdministrator,
    /// Only the owner makes DocSpace admins.
    OnlyOwnerMakesAdmins,
    /// Only the owner or a DocSpace admin can lower a type (the server fails anyone else's job).
    OnlyAdminsLowerTypes,
    /// A DocSpace admin, whose type only the owner may lower.
    AdminLoweredByOwnerOnly,
    /// A terminated user, whose type the server never changes.
    Terminated,
    /// A demotion on a server without the type-change job (DocSpace before 3.1).
    NoTypeChangeJob,
    /// A demotion the PUT cannot do: it only raises types.
    PromotionOnly,
    /// Not Pending: an invitation goes again only to users who have not accepted one.
    NotPending,
    /// No user has this id.
    UnknownUser,
    /// Not an address the server takes for an invitation (malformed, or punycode).
    InvalidEmail,
    /// Guests are invited through rooms, not by e-mail.
    GuestsInvitedThroughRooms,
    /// Only DocSpace admins invite room admins.
    OnlyAdminsInviteRoomAdmins,
    /// The address belongs to a disabled user (the server answers 400 "User disabled").
    DisabledAddress,
    /// The address already belongs to a user of a lower type; an invitation would raise
    /// their type without mailing them, which is a type change, not an invitation.
    AlreadyMember,
    /// The server refused, in its own words (or its status when it sent none).
    Server(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Owner => "the portal owner",
            Refusal::Caller => "yourself (the signed-in user)",
            Refusal::Ldap => "an LDAP user: LDAP manages their status",
            Refusal::Administrator => "an administrator: only the owner may change them",
            Refusal::WorkspaceAdministrator => {
                "an administrator: Workspace does not change their type"
            }
            Refusal::OnlyOwnerMakesAdmins => "only the owner makes DocSpace admins",
            Refusal::OnlyAdminsLowerTypes => {
                "only the owner or a DocSpace admin can lower a type (the server fails the job \
                 of anyone else)"
            }
            Refusal::AdminLoweredByOwnerOnly => {
                "a DocSpace admin: only the owner may lower their type"
            }
            Refusal::Terminated => {
                "a terminated user: the server changes no terminated user's type"
            }
            Refusal::NoTypeChangeJob => {
                "a demotion: unsupported before DocSpace 3.1, which has no type-change job"
            }
            Refusal::PromotionOnly => "a demotion: the type can only be raised this way",
            Refusal::NotPending => {
                "not Pending: only users who have not accepted their invitation get it again"
            }
            Refusal::UnknownUser => "no user has this id (the server answers 404)",
            Refusal::InvalidEmail => {
                "not an e-mail address the server takes (malformed or punycode)"
            }
            Refusal::GuestsInvitedThroughRooms => "guests are invited through rooms, not by e-mail",
            Refusal::OnlyAdminsInviteRoomAdmins => "only DocSpace admins invite room admins",
            Refusal::DisabledAddress => "the address of a disabled user; enable them instead",
            Refusal::AlreadyMember => {
                "already on the portal with a lower type; change it with a type change"
            }
            Refusal::Server(text) => text,
        })
    }
}

/// What a change asks of the server, as its rules see it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Asked<'a> {
    /// A status change.
    Status,
    /// A type change to this type.
    Type(&'a UserType),
    /// A quota change or reset: no rule refuses one user.
    Quota,
    /// Sending an invitation again: only users still Pending get one.
    Invitation,
}

/// The refusal the rules of `server` (DocSpace 3.x when not known) make certain for `user`,
/// asked by `caller` (if known); `None` when the change may go through.
pub(crate) fn predict(
    server: Option<&Server>,
    asked: Asked<'_>,
    user: &UserState,
    caller: Option<&UserState>,
) -> Option<Refusal> {
    let caller_is_owner = caller.and_then(|c| c.is_owner) == Some(true);
    let caller_known = caller.is_some();
    let is_caller = caller.is_some_and(|c| c.id == user.id);
    let is_owner = user.is_owner == Some(true);
    if server.is_some_and(Server::is_workspace) {
        return match asked {
            Asked::Status | Asked::Type(_) if is_owner => Some(Refusal::Owner),
            Asked::Status if is_caller => Some(Refusal::Caller),
            Asked::Status if user.is_ldap == Some(true) => Some(Refusal::Ldap),
            Asked::Type(_) if user.is_admin == Some(true) => Some(Refusal::WorkspaceAdministrator),
            Asked::Type(_) if is_caller => Some(Refusal::Caller),
            _ => None,
        };
    }
    match asked {
        Asked::Status => {
            if is_owner {
                Some(Refusal::Owner)
            } else if is_caller {
                Some(Refusal::Caller)
            } else if user.is_ldap == Some(true) {
                Some(Refusal::Ldap)
            } else if user.is_admin == Some(true) && caller_known && !caller_is_owner {
                Some(Refusal::Administrator)
            } else {
                None
            }
        }
        Asked::Type(target) => {
            if is_owner {
                return Some(Refusal::Owner);
            }
            if user.status == Some(UserStatus::Terminated) {
                // 3.7 refuses the request there, 3.6 drops them: never changed either way.
                return Some(Refusal::Terminated);
            }
            if *target == UserType::DocSpaceAdmin && caller_known && !caller_is_owner {
                return Some(Refusal::OnlyOwnerMakesAdmins);
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
        Asked::Quota => None,
        Asked::Invitation => match user.status {
            Some(UserStatus::Pending) => None,
            _ => Some(Refusal::NotPending),
        },
    }
}

/// Whether `email` is an address `POST people/invite` takes: one `@` between a local part and
/// a dotted domain, no spaces or control characters, and no punycode label (`xn--`), which the
/// server refuses with 400 "Incorrect email", stopping the request there.
pub(crate) fn is_invitable_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.to_ascii_lowercase().contains("xn--")
}

/// The refusal certain for inviting `email` as `user_type` by `caller` (if known): before
/// anything is sent, since the server stops a request at its first bad invitation.
pub(crate) fn invitation(
    email: &str,
    user_type: &UserType,
    caller: Option<&UserState>,
) -> Option<Refusal> {
    let caller_is_owner = caller.and_then(|c| c.is_owner) == Some(true);
    let caller_is_admin = caller_is_owner || caller.and_then(|c| c.is_admin) == Some(true);
    if !is_invitable_email(email) {
        Some(Refusal::InvalidEmail)
    } else if *user_type == UserType::Guest {
        Some(Refusal::GuestsInvitedThroughRooms)
    } else if caller.is_none() {
        None
    } else if *user_type == UserType::DocSpaceAdmin && !caller_is_owner {
        Some(Refusal::OnlyOwnerMakesAdmins)
    } else if *user_type == UserType::RoomAdmin && !caller_is_admin {
        Some(Refusal::OnlyAdminsInviteRoomAdmins)
    } else {
        None
    }
}

/// Whether [`predict`]'s answer for `user` may depend on the rights of who asks (owner,
/// administrator or neither), not only on who they are: when it does not, the caller's id is
/// all a prediction needs, and `people/@self` need not be read.
pub(crate) fn rights_matter(server: Option<&Server>, asked: Asked<'_>, user: &UserState) -> bool {
    if server.is_some_and(Server::is_workspace) {
        return false;
    }
    match asked {
        // Only the owner changes another administrator's status.
        Asked::Status => user.is_admin == Some(true),
        Asked::Type(target) => {
            let now = server
                .map_or_else(|| user.user_type(), |s| s.type_from_flags(user))
                .as_ref()
                .and_then(rank);
            let lowered = matches!((now, rank(target)), (Some(now), Some(wanted)) if now > wanted);
            *target == UserType::DocSpaceAdmin || lowered
        }
        Asked::Quota | Asked::Invitation => false,
    }
}

/// Why lowering `user` to `target` will be refused, if it will.
fn demotion_refusal(
    user: &UserState,
    target: &UserType,
    caller: Option<&UserState>,
    server: Option<&Server>,
) -> Option<Refusal> {
    let caller_is_owner = caller.and_then(|c| c.is_owner) == Some(true);
    if lowered_by_put(user, target) {
        // The owner's demotion of a DocSpace admin to room admin (3.6 and 3.7+).
        return match caller {
            Some(_) if !caller_is_owner => Some(Refusal::AdminLoweredByOwnerOnly),
            _ => None,
        };
    }
    let by_job = matches!(target, UserType::Guest | UserType::User);
    match server {
        Some(server) if server.has_type_change_job() && by_job => {
            let caller_is_admin = caller_is_owner || caller.and_then(|c| c.is_admin) == Some(true);
            if caller.is_some_and(|c| c.id == user.id) {
                Some(Refusal::Caller)
            } else if caller.is_some() && !caller_is_admin {
                Some(Refusal::OnlyAdminsLowerTypes)
            } else if user.status == Some(UserStatus::Terminated) {
                Some(Refusal::Terminated)
            } else if user.is_admin == Some(true) && caller.is_some() && !caller_is_owner {
                Some(Refusal::AdminLoweredByOwnerOnly)
            } else {
                None
            }
        }
        Some(server) if !server.is_workspace() && by_job => Some(Refusal::NoTypeChangeJob),
        _ => Some(Refusal::PromotionOnly),
    }
}

/// Whether this demotion is the one `PUT people/type` does: a DocSpace admin (not the owner)
/// lowered to room admin, which the server allows the owner.
pub(crate) fn lowered_by_put(user: &UserState, target: &UserType) -> bool {
    *target == UserType::RoomAdmin
        && user.is_owner != Some(true)
        && user.user_type() == Some(UserType::DocSpaceAdmin)
}

/// The order of types for promotions.
pub(crate) fn rank(user_type: &UserType) -> Option<u8> {
    match user_type {
        UserType::Guest => Some(0),
        UserType::User => Some(1),
        UserType::RoomAdmin => Some(2),
        UserType::DocSpaceAdmin => Some(3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(json: &str) -> UserState {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn only_the_owner_lowers_an_admin_to_room_admin() {
        let server: Server = "DocSpace 3.6".parse().unwrap();
        let admin = state(r#"{"id":"75a5f745-f697-4418-b38d-0fe0d277e258","isAdmin":true}"#);
        let owner = state(r#"{"id":"9924256a-739c-462b-af15-e652a3b1b6eb","isOwner":true}"#);
        let other = state(r#"{"id":"9924256a-739c-462b-af15-e652a3b1b6ec","isAdmin":true}"#);
        let to_room_admin = Asked::Type(&UserType::RoomAdmin);
        assert_eq!(
            predict(Some(&server), to_room_admin, &admin, Some(&owner)),
            None
        );
        assert_eq!(
            predict(Some(&server), to_room_admin, &admin, Some(&other)),
            Some(Refusal::AdminLoweredByOwnerOnly)
        );
        // Unknown caller (a scoped key): left to the server.
        assert_eq!(predict(Some(&server), to_room_admin, &admin, None), None);
        // Lower than room admin is the job's, whatever the caller.
        assert_eq!(
            predict(
                Some(&server),
                Asked::Type(&UserType::Guest),
                &admin,
                Some(&other)
            ),
            Some(Refusal::AdminLoweredByOwnerOnly)
        );
    }

    /// Where rights do not matter, callers with the same id and any rights get the same answer.
    #[test]
    fn where_rights_do_not_matter_only_the_callers_id_counts() {
        let id = "9924256a-739c-462b-af15-e652a3b1b6eb";
        let callers = [
            state(&format!(r#"{{"id":"{id}","isOwner":true}}"#)),
            state(&format!(r#"{{"id":"{id}","isAdmin":true}}"#)),
            state(&format!(r#"{{"id":"{id}","isRoomAdmin":true}}"#)),
            state(&format!(r#"{{"id":"{id}"}}"#)),
        ];
        let users = [
            r#"{"isOwner":true}"#,
            r#"{"isAdmin":true}"#,
            r#"{"isRoomAdmin":true}"#,
            r#"{"isCollaborator":true}"#,
            r#"{"isVisitor":true}"#,
            r#"{"isVisitor":true,"status":2}"#,
            r#"{"isLDAP":true,"isCollaborator":true}"#,
            r#"{}"#,
        ];
        let types = [
            UserType::Guest,
            UserType::User,
            UserType::RoomAdmin,
            UserType::DocSpaceAdmin,
        ];
        for version in [
            "DocSpace 3.0",
            "DocSpace 3.6",
            "DocSpace 3.7.1",
            "Workspace 12.7",
        ] {
            let server: Server = version.parse().unwrap();
            for (n, fields) in users.iter().enumerate() {
                let others = fields.trim_start_matches('{');
                let sep = if others == "}" { "" } else { "," };
                let user = state(&format!(
                    r#"{{"id":"75a5f745-f697-4418-b38d-0fe0d277e25{n}"{sep}{others}"#
                ));
                let mut asks = vec![Asked::Status, Asked::Quota, Asked::Invitation];
                asks.extend(types.iter().map(Asked::Type));
                for asked in asks {
                    if rights_matter(Some(&server), asked, &user) {
                        continue;
                    }
                    let answers: Vec<_> = callers
                        .iter()
                        .map(|c| predict(Some(&server), asked, &user, Some(c)))
                        .collect();
                    assert!(
                        answers.windows(2).all(|w| w[0] == w[1]),
                        "{version} {asked:?} {fields}: {answers:?}"
                    );
                }
            }
        }
    }
}
