//! The desired state: one row per person who should have access.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::enums::UserType;
use crate::{Error, Quota};

/// How a row names its person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncKey {
    /// By e-mail address (any case).
    Email(String),
    /// By user id.
    Id(Uuid),
}

impl fmt::Display for SyncKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncKey::Email(email) => f.write_str(email),
            SyncKey::Id(id) => write!(f, "{id}"),
        }
    }
}

/// Whether the person should be able to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesiredStatus {
    /// Active (the default).
    #[default]
    Active,
    /// Disabled: a leaver kept in the source.
    Disabled,
}

impl FromStr for DesiredStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "active" | "enabled" => Ok(DesiredStatus::Active),
            "disabled" | "terminated" => Ok(DesiredStatus::Disabled),
            other => Err(Error::invalid_input(format!(
                "status `{other}` is neither `active` nor `disabled`"
            ))),
        }
    }
}

/// The quota a row asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaWish {
    /// This quota, set for the user.
    Set(Quota),
    /// The portal's default: a custom quota is removed.
    Default,
}

impl fmt::Display for QuotaWish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuotaWish::Set(quota) => write!(f, "{quota}"),
            QuotaWish::Default => f.write_str("default"),
        }
    }
}

impl FromStr for QuotaWish {
    type Err = Error;

    /// A size (`5GiB`), `unlimited`, or `default`.
    fn from_str(s: &str) -> Result<Self, Error> {
        if s.trim().eq_ignore_ascii_case("default") {
            return Ok(QuotaWish::Default);
        }
        s.parse::<Quota>()
            .map(QuotaWish::Set)
            .map_err(|e| Error::invalid_input(e.to_string()))
    }
}

/// One person who should have access, as the source of truth says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DesiredUser {
    /// Who.
    pub key: SyncKey,
    /// Their type, or `None` to leave it (joiners are then invited as User).
    pub user_type: Option<UserType>,
    /// Their quota, or `None` to leave it.
    pub quota: Option<QuotaWish>,
    /// Active or disabled.
    pub status: DesiredStatus,
    /// Where the row came from (a line number), for messages and plans.
    pub line: Option<usize>,
}

impl DesiredUser {
    /// An active person, by e-mail address.
    pub fn email(email: impl Into<String>) -> Self {
        Self::keyed(SyncKey::Email(email.into().trim().to_owned()))
    }

    /// An active person, by id.
    pub fn id(id: Uuid) -> Self {
        Self::keyed(SyncKey::Id(id))
    }

    /// An active person, by `key`.
    pub fn keyed(key: SyncKey) -> Self {
        DesiredUser {
            key,
            user_type: None,
            quota: None,
            status: DesiredStatus::Active,
            line: None,
        }
    }

    /// With this type.
    pub fn with_type(mut self, user_type: UserType) -> Self {
        self.user_type = Some(user_type);
        self
    }

    /// With this quota.
    pub fn with_quota(mut self, quota: QuotaWish) -> Self {
        self.quota = Some(quota);
        self
    }

    /// With this status.
    pub fn with_status(mut self, status: DesiredStatus) -> Self {
        self.status = status;
        self
    }

    /// From this line of the source.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}
