//! How a fake portal is set up: server generation, seed data, quotas, time zone, faults.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;

use crate::faults::Faults;

/// One gibibyte, in bytes.
pub const GIB: i64 = 1024 * 1024 * 1024;

/// Which generation of the DocSpace server the portal imitates.
///
/// The two differ in how the bulk operations treat users they may not change (see the crate
/// documentation): 3.7.1 refuses the whole request with 403, 3.6 skips such users silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ServerVersion {
    /// Server 3.6 and earlier: no status validation, silent skips and drops.
    V3_6,
    /// Server 3.7.1 and later (the default): strict validation, all-or-nothing 403.
    #[default]
    V3_7,
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V3_6 => "3.6",
            Self::V3_7 => "3.7",
        })
    }
}

/// A server version that is neither 3.6 nor 3.7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown server version {0:?}: expected 3.6 or 3.7")]
pub struct UnknownServerVersion(pub String);

impl FromStr for ServerVersion {
    type Err = UnknownServerVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().trim_start_matches(['v', 'V']);
        if trimmed == "3.6" || trimmed.starts_with("3.6.") {
            Ok(Self::V3_6)
        } else if trimmed == "3.7" || trimmed.starts_with("3.7.") {
            Ok(Self::V3_7)
        } else {
            Err(UnknownServerVersion(s.to_owned()))
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
    /// The portal's time zone, in minutes east of UTC (dates are written in it).
    pub utc_offset_minutes: i32,
    /// Faults to inject; none by default. Can be changed at run time with
    /// [`crate::FakePortal::set_faults`].
    pub faults: Faults,
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

    /// Sets the portal's time zone, in minutes east of UTC.
    pub fn with_utc_offset_minutes(mut self, minutes: i32) -> Self {
        self.utc_offset_minutes = minutes;
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
            default_user_quota: 10 * GIB,
            storage_limit: 100 * GIB,
            utc_offset_minutes: 180,
            faults: Faults::none(),
        }
    }
}
