//! The portal's data: users, groups, sessions and API keys, and the enums they use.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::config::{PortalConfig, ServerVersion};

/// `EmployeeStatus` numbers.
pub(crate) mod status {
    /// Active.
    pub(crate) const ACTIVE: i32 = 1;
    /// Terminated ("Disabled" in the web client).
    pub(crate) const TERMINATED: i32 = 2;
    /// Pending (invited, not yet joined).
    pub(crate) const PENDING: i32 = 4;
}

/// `EmployeeActivationStatus` numbers.
pub(crate) mod activation {
    /// The email address is not confirmed.
    pub(crate) const NOT_ACTIVATED: i32 = 0;
    /// The email address is confirmed.
    pub(crate) const ACTIVATED: i32 = 1;
    /// The user has not finished the invitation.
    pub(crate) const PENDING: i32 = 2;
}

/// A user's type (`EmployeeType`, DocSpace 3.0 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum UserType {
    /// 1: may create rooms.
    RoomAdmin = 1,
    /// 2: an outside guest.
    Guest = 2,
    /// 3: a portal administrator.
    DocSpaceAdmin = 3,
    /// 4: a regular user ("Collaborator" before 3.0).
    User = 4,
}

impl UserType {
    /// The wire number.
    pub(crate) fn number(self) -> i32 {
        self as i32
    }

    /// The type with this number, if it names one (0, "All", names no single type).
    pub(crate) fn from_number(n: i32) -> Option<Self> {
        match n {
            1 => Some(Self::RoomAdmin),
            2 => Some(Self::Guest),
            3 => Some(Self::DocSpaceAdmin),
            4 => Some(Self::User),
            _ => None,
        }
    }

    /// The `EmployeeType` name of a number, as .NET writes an enum value (the number itself
    /// when it names no member).
    pub(crate) fn name_of(n: i32) -> String {
        match n {
            0 => "All".to_owned(),
            1 => "RoomAdmin".to_owned(),
            2 => "Guest".to_owned(),
            3 => "DocSpaceAdmin".to_owned(),
            4 => "User".to_owned(),
            other => other.to_string(),
        }
    }

    /// Rank for `sortBy=type`: the more powerful, the earlier.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Self::DocSpaceAdmin => 1,
            Self::RoomAdmin => 2,
            Self::User => 3,
            Self::Guest => 4,
        }
    }
}

/// The user's interface theme (`DarkThemeSettingsType`), a string on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Theme {
    Base,
    Dark,
    System,
}

impl Theme {
    /// The wire name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Base => "Base",
            Self::Dark => "Dark",
            Self::System => "System",
        }
    }
}

/// A department.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    /// Index of the manager in [`PortalState::users`].
    pub(crate) manager: Option<usize>,
}

/// A portal user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: Uuid,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) email: String,
    pub(crate) user_name: String,
    pub(crate) user_type: UserType,
    pub(crate) is_owner: bool,
    pub(crate) status: i32,
    pub(crate) activation: i32,
    pub(crate) terminated_at: Option<DateTime<Utc>>,
    pub(crate) is_ldap: bool,
    pub(crate) is_sso: bool,
    /// Indexes into [`PortalState::groups`].
    pub(crate) groups: Vec<u16>,
    /// A custom quota in bytes (`-1` no limit); `None` uses the portal default.
    pub(crate) custom_quota: Option<i64>,
    pub(crate) used_space: i64,
    /// `None` for users who cannot sign in (they never set a password).
    pub(crate) password: Option<Cow<'static, str>>,
    pub(crate) registered: DateTime<Utc>,
    pub(crate) created_by: Option<usize>,
    pub(crate) mobile_phone: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) culture: &'static str,
    pub(crate) theme: Theme,
    /// Rooms this user owns (moved to another user by type-change and reassignment jobs).
    pub(crate) rooms_owned: u32,
    /// Whether a completed reassignment moved this user's documents to someone (Workspace:
    /// deleting them afterwards destroys nothing of theirs).
    pub(crate) documents_moved: bool,
    /// The last successful sign-in (the newest of the login history's events for this user).
    pub(crate) last_sign_in: Option<DateTime<Utc>>,
    /// Lower-case keys for searching and sorting.
    pub(crate) keys: SearchKeys,
}

/// Lower-case copies of the fields that are searched and sorted on, computed once.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchKeys {
    pub(crate) first: String,
    pub(crate) last: String,
    pub(crate) display: String,
    pub(crate) email: String,
    pub(crate) department: String,
}

impl User {
    /// The name as people read it (not HTML-encoded).
    pub(crate) fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// Owner or DocSpace administrator.
    pub(crate) fn is_admin(&self) -> bool {
        self.is_owner || self.user_type == UserType::DocSpaceAdmin
    }

    /// Recomputes [`User::keys`] after the names or groups changed.
    pub(crate) fn refresh_keys(&mut self, groups: &[Group]) {
        let department = self
            .groups
            .iter()
            .filter_map(|g| groups.get(usize::from(*g)))
            .map(|g| g.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        self.keys = SearchKeys {
            first: self.first_name.to_lowercase(),
            last: self.last_name.to_lowercase(),
            display: self.display_name().to_lowercase(),
            email: self.email.to_lowercase(),
            department: department.to_lowercase(),
        };
    }
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyScope {
    /// `accounts:write` and everything else.
    Full,
    /// `accounts:read` only: the PUT operations answer 403 with an empty body.
    ReadOnly,
    /// `accounts:read` and `accounts:write` (DocSpace 3.7.1's least privilege for people
    /// changes): `people/@self` needs `accounts.self:read` and answers 403, and the anonymous
    /// `settings/version/build` answers 403 with an empty body to a request carrying the key.
    Accounts,
}

impl KeyScope {
    /// Whether the key may change people (`accounts:write`).
    pub(crate) fn can_write(self) -> bool {
        matches!(self, KeyScope::Full | KeyScope::Accounts)
    }

    /// Whether the key may read the caller's own profile and call routes outside `people`.
    pub(crate) fn is_global(self) -> bool {
        matches!(self, KeyScope::Full | KeyScope::ReadOnly)
    }
}

/// An API key.
#[derive(Debug, Clone)]
pub(crate) struct ApiKey {
    pub(crate) user: Uuid,
    pub(crate) scope: KeyScope,
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: Uuid,
    pub(crate) expires: DateTime<Utc>,
}

/// All mutable portal data, kept behind one lock.
#[derive(Debug)]
pub(crate) struct PortalState {
    pub(crate) users: Vec<User>,
    pub(crate) by_id: HashMap<Uuid, usize>,
    /// Lower-case email to index.
    pub(crate) by_email: HashMap<String, usize>,
    pub(crate) groups: Vec<Group>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) api_keys: HashMap<String, ApiKey>,
    pub(crate) version: ServerVersion,
    pub(crate) per_user_quota: bool,
    pub(crate) paid_seats: Option<usize>,
    pub(crate) default_user_quota: i64,
    pub(crate) storage_limit: i64,
    /// Users whose documents a deletion destroyed (Workspace deletes a user's My Documents,
    /// Trash, mail and Talk files with them), in order: what tests check.
    pub(crate) destroyed_documents: Vec<Uuid>,
    /// The users an invitation was mailed to (again), in order: what tests check.
    pub(crate) invitations_sent: Vec<Uuid>,
    /// Failed sign-ins by login (lower case), for the brute-force block.
    pub(crate) sign_in_failures: HashMap<String, Vec<chrono::DateTime<chrono::Utc>>>,
    /// Successful sign-ins, oldest first.
    pub(crate) login_events: Vec<crate::audit::LoginEvent>,
    /// Whether the plan keeps the login history (the audit feature): without it the audit
    /// routes ignore their filters and answer the last 20 events.
    pub(crate) login_history: bool,
}

impl PortalState {
    /// An empty portal with the settings of `config`.
    pub(crate) fn empty(config: &PortalConfig) -> Self {
        Self {
            users: Vec::new(),
            by_id: HashMap::new(),
            by_email: HashMap::new(),
            groups: Vec::new(),
            sessions: HashMap::new(),
            api_keys: HashMap::new(),
            version: config.version,
            per_user_quota: config.per_user_quota,
            paid_seats: config.paid_seats,
            default_user_quota: config.default_user_quota,
            storage_limit: config.storage_limit,
            destroyed_documents: Vec::new(),
            invitations_sent: Vec::new(),
            sign_in_failures: HashMap::new(),
            login_events: Vec::new(),
            login_history: config.login_history,
        }
    }

    /// Adds a user (its keys computed) and returns its index.
    pub(crate) fn push_user(&mut self, mut user: User) -> usize {
        user.refresh_keys(&self.groups);
        let index = self.users.len();
        self.by_id.insert(user.id, index);
        self.by_email.insert(user.keys.email.clone(), index);
        self.users.push(user);
        index
    }

    /// The index of the user with this id.
    pub(crate) fn index_of(&self, id: Uuid) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// The user a `{userid}` path segment names, as the server looks it up: a GUID by id (the
    /// placeholder [`crate::LOST_USER_ID`] names no one), anything else as a user name.
    pub(crate) fn find(&self, raw: &str) -> Option<usize> {
        let raw = raw.trim();
        match Uuid::parse_str(raw) {
            Ok(id) if id == crate::wire::LOST_USER_ID => None,
            Ok(id) => self.index_of(id),
            Err(_) => self
                .users
                .iter()
                .position(|u| u.user_name.eq_ignore_ascii_case(raw)),
        }
    }

    /// The index of the user with this email address (any case).
    pub(crate) fn index_by_email(&self, email: &str) -> Option<usize> {
        self.by_email.get(&email.trim().to_lowercase()).copied()
    }

    /// The quota a user has, custom or default.
    pub(crate) fn quota_of(&self, user: &User) -> i64 {
        user.custom_quota.unwrap_or(self.default_user_quota)
    }

    /// Starts a session for `user` and returns its token.
    pub(crate) fn open_session(&mut self, user: Uuid, now: DateTime<Utc>) -> (String, Session) {
        let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        let session = Session {
            user,
            expires: now + chrono::Duration::days(30),
        };
        self.sessions.insert(token.clone(), session.clone());
        (token, session)
    }

    /// Ends every session of `user` (terminating signs the user out).
    pub(crate) fn close_sessions_of(&mut self, user: Uuid) {
        self.sessions.retain(|_, session| session.user != user);
    }

    /// Moves every room `from` owns to `to` (indexes).
    pub(crate) fn move_rooms(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let Some(rooms) = self
            .users
            .get_mut(from)
            .map(|u| std::mem::take(&mut u.rooms_owned))
        else {
            return;
        };
        if let Some(receiver) = self.users.get_mut(to) {
            receiver.rooms_owned = receiver.rooms_owned.saturating_add(rooms);
        }
    }

    /// Deletes these users (indexes; duplicates and bad indexes are ignored): they vanish from
    /// every list and lookup, their sessions and API keys stop working, and references to them
    /// (`createdBy`, group managers) are dropped. Other users' indexes shift down.
    pub(crate) fn remove_users(&mut self, indexes: &[usize]) {
        let mut removed = vec![false; self.users.len()];
        for index in indexes {
            if let Some(flag) = removed.get_mut(*index) {
                *flag = true;
            }
        }
        if !removed.contains(&true) {
            return;
        }
        let gone: Vec<Uuid> = self
            .users
            .iter()
            .zip(&removed)
            .filter(|(_, r)| **r)
            .map(|(u, _)| u.id)
            .collect();
        // Old index to new index.
        let mut next = 0;
        let remap: Vec<Option<usize>> = removed
            .iter()
            .map(|r| {
                if *r {
                    None
                } else {
                    next += 1;
                    Some(next - 1)
                }
            })
            .collect();
        let moved = |old: Option<usize>| old.and_then(|i| remap.get(i).copied().flatten());
        let mut flags = removed.iter();
        self.users
            .retain(|_| !flags.next().copied().unwrap_or(false));
        for user in &mut self.users {
            user.created_by = moved(user.created_by);
        }
        for group in &mut self.groups {
            group.manager = moved(group.manager);
        }
        self.by_id = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id, i))
            .collect();
        self.by_email = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.keys.email.clone(), i))
            .collect();
        self.sessions.retain(|_, s| !gone.contains(&s.user));
        self.api_keys.retain(|_, k| !gone.contains(&k.user));
    }
}

#[cfg(test)]
mod tests {
    use crate::config::PortalConfig;
    use crate::seed;

    #[test]
    fn removing_users_keeps_references_straight() {
        let mut state = seed::build(&PortalConfig::default());
        let count = state.users.len();
        let owner = state.index_by_email(seed::OWNER_EMAIL).unwrap_or(0);
        let owner_id = state.users[owner].id;
        let last_id = state.users[count - 1].id;
        let second_id = state.users[1].id;
        state.remove_users(&[owner, 1, 1, count + 5]);
        assert_eq!(state.users.len(), count - 2);
        assert!(state.index_of(owner_id).is_none());
        assert!(state.index_of(second_id).is_none());
        assert!(state.index_by_email(seed::OWNER_EMAIL).is_none());
        let last = state.index_of(last_id).unwrap_or(usize::MAX);
        assert_eq!(state.users[last].id, last_id);
        assert!(state.users.iter().all(|u| u.created_by.is_none()));
        assert!(state.api_keys.values().all(|k| k.user != owner_id));
        assert!(state.sessions.values().all(|s| s.user != owner_id));
    }
}
