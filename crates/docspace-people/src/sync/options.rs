//! What a sync may do: joiners, leavers, scope, protection and the safeguards.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::Error;
pub use crate::user::LoginKind;

/// What to do with people in the source who are not on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Joiners {
    /// List them as missing (the default: single-sign-on portals create users at their first
    /// sign-in).
    #[default]
    List,
    /// Invite them by e-mail.
    Invite,
}

/// What to do with active users in scope who are absent from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leavers {
    /// Disable them (the default).
    #[default]
    Disable,
    /// Offboard them: disable, then move their data to [`SyncOptions::reassign_to`].
    Offboard,
}

/// The most leavers a plan may have before it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaverLimit {
    /// At most this many.
    Count(usize),
    /// At most this percentage of the active users in scope.
    Percent(u8),
}

impl LeaverLimit {
    /// The default: 10% of the active users in scope, and at least 5.
    pub const DEFAULT_PERCENT: u8 = 10;
    /// The least the default allows.
    pub const DEFAULT_FLOOR: usize = 5;

    /// The count this limit allows, for `active` users in scope.
    pub fn allowed(limit: Option<Self>, active: usize) -> usize {
        match limit {
            Some(LeaverLimit::Count(n)) => n,
            Some(LeaverLimit::Percent(p)) => active * usize::from(p) / 100,
            None => (active * usize::from(Self::DEFAULT_PERCENT) / 100).max(Self::DEFAULT_FLOOR),
        }
    }
}

impl fmt::Display for LeaverLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaverLimit::Count(n) => write!(f, "{n}"),
            LeaverLimit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl FromStr for LeaverLimit {
    type Err = Error;

    /// `25` or `10%` (0 to 100).
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        let bad =
            || Error::invalid_input(format!("`{s}` is not a count or a percentage (0% to 100%)"));
        match s.strip_suffix('%') {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= 100)
                .map(LeaverLimit::Percent)
                .ok_or_else(bad),
            None => s
                .parse::<usize>()
                .map(LeaverLimit::Count)
                .map_err(|_| bad()),
        }
    }
}

/// What a sync may do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SyncOptions {
    /// People in the source who are not on the portal.
    pub joiners: Joiners,
    /// Active users in scope absent from the source.
    pub leavers: Leavers,
    /// Who receives the rooms of demoted users and the data of offboarded ones. Demotions and
    /// offboarding are not planned without one.
    pub reassign_to: Option<Uuid>,
    /// The login kinds sync manages; users of other kinds are left alone.
    pub scope: Vec<LoginKind>,
    /// E-mail addresses or globs (`svc-*@example.com`, any case) of users sync never touches.
    pub protect: Vec<String>,
    /// The most leavers before the plan is held; `None` for the default.
    pub max_leavers: Option<LeaverLimit>,
    /// Apply a source with fewer rows than half the active users in scope.
    pub allow_small_source: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            joiners: Joiners::default(),
            leavers: Leavers::default(),
            reassign_to: None,
            scope: vec![LoginKind::Standard, LoginKind::Sso],
            protect: Vec::new(),
            max_leavers: None,
            allow_small_source: false,
        }
    }
}

impl SyncOptions {
    /// Sets what to do with joiners.
    pub fn joiners(mut self, joiners: Joiners) -> Self {
        self.joiners = joiners;
        self
    }

    /// Sets what to do with leavers.
    pub fn leavers(mut self, leavers: Leavers) -> Self {
        self.leavers = leavers;
        self
    }

    /// Sets who receives rooms and data.
    pub fn reassign_to(mut self, receiver: Uuid) -> Self {
        self.reassign_to = Some(receiver);
        self
    }

    /// Sets the login kinds sync manages.
    pub fn scope(mut self, scope: impl IntoIterator<Item = LoginKind>) -> Self {
        self.scope = scope.into_iter().collect();
        self
    }

    /// Adds an address or glob of users never touched.
    pub fn protect(mut self, pattern: impl Into<String>) -> Self {
        self.protect.push(pattern.into());
        self
    }

    /// Sets the most leavers.
    pub fn max_leavers(mut self, limit: LeaverLimit) -> Self {
        self.max_leavers = Some(limit);
        self
    }

    /// Allows a small source.
    pub fn allow_small_source(mut self, allow: bool) -> Self {
        self.allow_small_source = allow;
        self
    }

    /// The protection pattern `email` matches, if any.
    pub(crate) fn protection_of(&self, email: Option<&str>) -> Option<&str> {
        let email = email?.trim();
        self.protect
            .iter()
            .find(|p| wildmatch::WildMatch::new_case_insensitive(p.trim()).matches(email))
            .map(String::as_str)
    }

    /// Checks the options before anything is read.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.scope.is_empty() {
            return Err(Error::invalid_input(
                "the scope names no login kind: sync would manage nobody",
            ));
        }
        if self.leavers == Leavers::Offboard && self.reassign_to.is_none() {
            return Err(Error::invalid_input(
                "offboarding leavers needs a receiver of their data (reassign_to)",
            ));
        }
        if let Some(pattern) = self.protect.iter().find(|p| p.trim().is_empty()) {
            return Err(Error::invalid_input(format!(
                "an empty protection pattern `{pattern}` would protect nobody"
            )));
        }
        Ok(())
    }
}
