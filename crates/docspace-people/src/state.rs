//! The few fields of a user that decide whether a change is needed or was made.
//!
//! The bulk engine reads many users (before a change, in the server's answers, and when it
//! reads users back); decoding only these fields skips the forty-odd strings of a full user
//! object without allocating them.

use serde::Deserialize;
use uuid::Uuid;

use crate::enums::{UserStatus, UserType};
use crate::{Quota, User};

/// A user's status, type and quota, as far as the server said.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserState {
    pub(crate) id: Uuid,
    #[serde(default)]
    pub(crate) status: Option<UserStatus>,
    #[serde(default)]
    pub(crate) is_owner: Option<bool>,
    #[serde(default)]
    pub(crate) is_admin: Option<bool>,
    #[serde(default)]
    pub(crate) is_room_admin: Option<bool>,
    #[serde(default)]
    pub(crate) is_visitor: Option<bool>,
    #[serde(default)]
    pub(crate) is_collaborator: Option<bool>,
    #[serde(default, rename = "isLDAP")]
    pub(crate) is_ldap: Option<bool>,
    #[serde(default)]
    pub(crate) quota_limit: Option<i64>,
    #[serde(default)]
    pub(crate) is_custom_quota: Option<bool>,
}

impl UserState {
    /// A user of whom only the id is known.
    pub(crate) fn only_id(id: Uuid) -> Self {
        UserState {
            id,
            status: None,
            is_owner: None,
            is_admin: None,
            is_room_admin: None,
            is_visitor: None,
            is_collaborator: None,
            is_ldap: None,
            quota_limit: None,
            is_custom_quota: None,
        }
    }

    pub(crate) fn user_type(&self) -> Option<UserType> {
        crate::user::type_from_flags(
            self.is_owner,
            self.is_admin,
            self.is_room_admin,
            self.is_visitor,
            self.is_collaborator,
        )
    }
}

impl From<&User> for UserState {
    fn from(user: &User) -> Self {
        UserState {
            id: user.id,
            status: user.status.clone(),
            is_owner: user.is_owner,
            is_admin: user.is_admin,
            is_room_admin: user.is_room_admin,
            is_visitor: user.is_visitor,
            is_collaborator: user.is_collaborator,
            is_ldap: user.is_ldap,
            quota_limit: user.quota_limit.and_then(Quota::to_wire),
            is_custom_quota: user.is_custom_quota,
        }
    }
}
