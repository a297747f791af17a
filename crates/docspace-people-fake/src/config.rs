//! How a fake portal is set up: server generation, seed data, quotas, time zone, faults and
//! background jobs.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use crate::faults::Faults;

/// One gibibyte, in bytes.
pub const GIB: i64 = 1024 * 1024 * 1024;

/// Which server the portal imitates: a DocSpace generation, or Workspace.
///
/// DocSpace 3.7.1 refuses a request with 403 when a target is off limits; 3.6, 3.0 and 2.6 skip
/// such users silently (2.6 also has the pre-3.0 type names; 2.6 and 3.0 report a
/// `communityServer` version). 3.0 has no type-change job and no reassignment check. Workspace
/// (CommunityServer 12.7) has its own wire: see the crate documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ServerVersion {
    /// DocSpace 2.6: the rules of 3.6, type 2 called User and 4 Collaborator.
    V2_6,
    /// DocSpace 3.0: the rules of 3.6 for status, type and quota changes, but no type-change job
    /// (`POST people/type` and its progress and terminate routes) and no
    /// `reassign/necessary`; deletions refuse active users with 500.
    V3_0,
    /// DocSpace 3.6 and earlier 3.x: no status validation, silent skips and drops.
    V3_6,
    /// DocSpace 3.7.1 and later (the default): strict validation, all-or-nothing 403.
    #[default]
    V3_7,
    /// Workspace (CommunityServer) 12.7.
    Workspace12_7,
}

/// What each version does, as predicates with version bounds: the one place where the fake tells
/// versions apart. Rules ask "does this server do X", never "is this version Y", so a version
/// added later falls on the right side of every bound (`DocSpace 3.8` would be `>= 3.7`).
impl ServerVersion {
    /// The DocSpace generation as a number that orders (`26`, `30`, `36`, `37`); `None` on
    /// Workspace.
    fn docspace_generation(self) -> Option<u32> {
        match self {
            Self::V2_6 => Some(26),
            Self::V3_0 => Some(30),
            Self::V3_6 => Some(36),
            Self::V3_7 => Some(37),
            Self::Workspace12_7 => None,
        }
    }

    /// Whether this is DocSpace at `generation` (`37` for 3.7) or later.
    fn docspace_at_least(self, generation: u32) -> bool {
        self.docspace_generation().is_some_and(|g| g >= generation)
    }

    /// Whether this is Workspace rather than DocSpace.
    pub fn is_workspace(self) -> bool {
        self.docspace_generation().is_none()
    }

    /// Whether the portal validates strictly (DocSpace 3.7.1 and later): a refused target is 403
    /// for the whole request, an invalid status is 400, deletions of active users are 400.
    pub(crate) fn validates_strictly(self) -> bool {
        self.docspace_at_least(37)
    }

    /// Whether a type-change job demands and moves a guest's rooms too (DocSpace 3.1 to 3.6; 3.7
    /// skips the move for a guest).
    pub(crate) fn moves_guest_rooms(self) -> bool {
        self.has_type_jobs() && !self.validates_strictly()
    }

    /// Whether a missing record is "The record could not be found" (DocSpace 3.0 and earlier)
    /// rather than "The user could not be found".
    pub(crate) fn says_record_not_found(self) -> bool {
        !self.is_workspace() && !self.docspace_at_least(31)
    }

    /// Whether deleting a user deletes their My Documents, Trash, mail and Talk files
    /// (Workspace's `RemoveProgressItem`).
    pub(crate) fn deletion_destroys_documents(self) -> bool {
        self.is_workspace()
    }

    /// Whether API keys can be limited to scopes such as `accounts:read` (DocSpace 3.7.1 and
    /// later).
    pub(crate) fn has_api_key_scopes(self) -> bool {
        self.validates_strictly()
    }

    /// Whether the portal serves the type-change job (`POST people/type`, its progress and
    /// terminate routes) and `GET people/reassign/necessary`: DocSpace 3.1 and later.
    pub(crate) fn has_type_jobs(self) -> bool {
        self.docspace_at_least(31)
    }

    /// Whether the portal serves data reassignment (`people/reassign/...`): DocSpace only.
    pub(crate) fn has_reassign(self) -> bool {
        true
    }

    /// Whether reassignment has Workspace's shapes: progress read with `?userId=`, a float
    /// percentage, status 3 for Failed, `{}` for no job, a finished record read only once, a
    /// terminate that does nothing, and any active non-visitor as receiver.
    pub(crate) fn reassigns_as_workspace(self) -> bool {
        self.is_workspace()
    }

    /// What `GET /api/2.0/settings/version/build` answers.
    pub(crate) fn version_build(self) -> serde_json::Value {
        match self {
            Self::V2_6 => serde_json::json!({
                "docSpace": "2.6.1.3010", "communityServer": "12.0.0", "documentServer": "8.1.0.169"
            }),
            Self::V3_0 => serde_json::json!({
                "docSpace": "3.0.4.4498", "communityServer": "12.0.0", "documentServer": "8.0.1.31"
            }),
            Self::V3_6 => {
                serde_json::json!({"docSpace": "3.6.0.2130", "documentServer": "8.3.0.92"})
            }
            Self::V3_7 => {
                serde_json::json!({"docSpace": "3.7.1.2300", "documentServer": "9.0.0.162"})
            }
            Self::Workspace12_7 => serde_json::json!({
                "communityServer": "12.7.1.1948", "documentServer": "8.2.2.22", "mailServer": "1.6.76"
            }),
        }
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V2_6 => "DocSpace 2.6",
            Self::V3_0 => "DocSpace 3.0",
            Self::V3_6 => "DocSpace 3.6",
            Self::V3_7 => "DocSpace 3.7",
            Self::Workspace12_7 => "Workspace 12.7",
        })
    }
}

/// A server version the fake does not imitate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown server version {0:?}: expected 2.6, 3.0, 3.6 or 3.7 (DocSpace), or 12.7 (Workspace)"
)]
pub struct UnknownServerVersion(pub String);

impl FromStr for ServerVersion {
    type Err = UnknownServerVersion;

    /// `2.6`, `3.0`, `3.6`, `3.7` (DocSpace) or `12.7` (Workspace), with or without more digits, and
    /// optionally after the product: `DocSpace 3.7.1`, `Workspace 12.7`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let (product, number) = match lower.split_once(' ') {
            Some((product, number)) => (Some(product.trim()), number.trim()),
            None => (None, lower.as_str()),
        };
        let number = number.trim_start_matches('v');
        let is = |prefix: &str| number == prefix || number.starts_with(&format!("{prefix}."));
        let version = if is("2.6") {
            Self::V2_6
        } else if is("3.0") {
            Self::V3_0
        } else if is("3.6") {
            Self::V3_6
        } else if is("3.7") {
            Self::V3_7
        } else if is("12.7") {
            Self::Workspace12_7
        } else {
            return Err(UnknownServerVersion(s.to_owned()));
        };
        match product {
            None => Ok(version),
            Some("docspace") if !version.is_workspace() => Ok(version),
            Some("workspace" | "communityserver") if version.is_workspace() => Ok(version),
            Some(_) => Err(UnknownServerVersion(s.to_owned())),
        }
    }
}

/// What the portal is seeded with.
///
/// The demo organisation (about fifty people, see [`crate::seed`]) is always there, since it
/// holds the documented accounts; `extra_users` adds that many generated users on top.
/// Everything is derived from `rng_seed`, so equal seeds give equal portals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    /// Generated users added after the demo organisation (for scale tests).
    pub extra_users: usize,
    /// Seed of the generator behind ids, names and quotas.
    pub rng_seed: u64,
}

impl Seed {
    /// The demo organisation only.
    pub const fn demo() -> Self {
        Self {
            extra_users: 0,
            rng_seed: 0x00D0_C5BA_CE00_0001_u64,
        }
    }

    /// Adds `n` generated users.
    pub const fn with_extra_users(mut self, n: usize) -> Self {
        self.extra_users = n;
        self
    }

    /// Uses another generator seed (changes every id).
    pub const fn with_rng_seed(mut self, seed: u64) -> Self {
        self.rng_seed = seed;
        self
    }
}

impl Default for Seed {
    fn default() -> Self {
        Self::demo()
    }
}

/// Everything a [`crate::FakePortal`] is started with.
///
/// `PortalConfig::default()` is the 3.7 demo organisation with per-user quotas on and no faults,
/// listening on a free loopback port.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Address to listen on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// The server generation to imitate.
    pub version: ServerVersion,
    /// The users to seed.
    pub seed: Seed,
    /// Whether per-user storage quotas are enabled: `quotaLimit` and `isCustomQuota` appear in
    /// user objects only when they are.
    pub per_user_quota: bool,
    /// Quota of users without a custom one, in bytes (`-1` for no limit).
    pub default_user_quota: i64,
    /// The portal's total storage, in bytes: a larger user quota is refused with 400.
    pub storage_limit: i64,
    /// The paid seats (active room admins and DocSpace admins, the owner included), if
    /// limited: activating or promoting past them answers 402, part-way through a request.
    pub paid_seats: Option<usize>,
    /// Whether the plan keeps the login history (the paid audit feature; on by default). Off,
    /// `security/audit/login/filter` ignores every filter and answers the last 20 sign-ins, as
    /// the server does on such plans.
    pub login_history: bool,
    /// The portal's time zone, in minutes east of UTC (dates are written in it).
    pub utc_offset_minutes: i32,
    /// Faults to inject; none by default. Can be changed at run time with
    /// [`crate::FakePortal::set_faults`].
    pub faults: Faults,
    /// The rate limiter of a hosted portal; off (`None`) by default.
    pub rate_limit: Option<crate::RateLimit>,
    /// How long one background job (type change, data reassignment) takes from its first
    /// progress step to its last; 1 s by default. The steps are spread evenly over it.
    pub job_duration: Duration,
    /// How long a job's progress record stays readable after its last update; 60 s by default
    /// (the server's cleaner). Zero: a finished job's record is gone at once. A job that
    /// publishes nothing for this long (non-zero) is cancelled, as on the server.
    pub job_record_ttl: Duration,
    /// Jobs of one kind run one after another on this many workers; 1 by default, as on the
    /// server (a single reader per queue). 0 counts as 1.
    pub job_workers: usize,
}

impl PortalConfig {
    /// The 3.7 demo organisation, as [`Default`].
    pub fn demo() -> Self {
        Self::default()
    }

    /// Adds `n` generated users to the demo organisation.
    pub fn with_extra_users(mut self, n: usize) -> Self {
        self.seed.extra_users = n;
        self
    }

    /// Imitates another server generation.
    pub fn with_version(mut self, version: ServerVersion) -> Self {
        self.version = version;
        self
    }

    /// Injects these faults from the start.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// A plan without the login history (see [`PortalConfig::login_history`]).
    pub fn without_login_history(mut self) -> Self {
        self.login_history = false;
        self
    }

    /// Limits the paid seats to `seats` (see [`PortalConfig::paid_seats`]).
    pub fn with_paid_seats(mut self, seats: usize) -> Self {
        self.paid_seats = Some(seats);
        self
    }

    /// Turns per-user quotas on or off.
    pub fn with_per_user_quota(mut self, enabled: bool) -> Self {
        self.per_user_quota = enabled;
        self
    }

    /// Listens on this address instead of a free loopback port.
    pub fn with_bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }

    /// Uses this seed.
    pub fn with_seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// Runs the rate limiter with these numbers ([`crate::RateLimit::real`] for a hosted portal's).
    pub fn with_rate_limit(mut self, limit: crate::RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Sets the portal's time zone, in minutes east of UTC.
    pub fn with_utc_offset_minutes(mut self, minutes: i32) -> Self {
        self.utc_offset_minutes = minutes;
        self
    }

    /// Sets how long one background job takes (tests use a few milliseconds).
    pub fn with_job_duration(mut self, duration: Duration) -> Self {
        self.job_duration = duration;
        self
    }

    /// Sets how long a job's progress record stays readable after its last update.
    pub fn with_job_record_ttl(mut self, ttl: Duration) -> Self {
        self.job_record_ttl = ttl;
        self
    }

    /// Sets how many workers run the jobs of one kind (at least one).
    pub fn with_job_workers(mut self, workers: usize) -> Self {
        self.job_workers = workers;
        self
    }
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            version: ServerVersion::V3_7,
            seed: Seed::demo(),
            per_user_quota: true,
            paid_seats: None,
            login_history: true,
            default_user_quota: 10 * GIB,
            storage_limit: 100 * GIB,
            utc_offset_minutes: 180,
            faults: Faults::none(),
            rate_limit: None,
            job_duration: Duration::from_secs(1),
            job_record_ttl: Duration::from_secs(60),
            job_workers: 1,
        }
    }
}
