//! What each server does, with no IO: the one home of the servers' rules in the library.
//!
//! DocSpace and Workspace serve the same People routes with different type numbers, status
//! codes and rules, and DocSpace's rules changed between versions; everything the client
//! predicts or classifies depends on this. Here are the product and version
//! ([`Server`]) with capabilities as predicates with version bounds (this file), the type names
//! and reading a type from the flags (`types.rs`), predicted refusals (`refusals.rs`), and what
//! a failed answer means (`answers.rs`). The repository's `docs/wire.md` tabulates the
//! differences.

use std::fmt;
use std::str::FromStr;

use crate::Error;

pub(crate) mod answers;
pub(crate) mod refusals;
mod types;

pub use refusals::Refusal;

/// Requests one user may have in flight at once: the server's limiter refuses more.
pub(crate) const MAX_IN_FLIGHT: usize = 15;

/// The product a portal runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Product {
    /// ONLYOFFICE DocSpace.
    DocSpace,
    /// ONLYOFFICE Workspace (CommunityServer), which shares the People routes.
    Workspace,
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Product::DocSpace => "DocSpace",
            Product::Workspace => "Workspace",
        })
    }
}

/// A version as a server reports it: up to four dot-separated numbers (`3.7.1.2300`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version {
    /// The first number.
    pub major: u32,
    /// The second number.
    pub minor: u32,
    /// The third number (0 when absent).
    pub patch: u32,
    /// The fourth number, the build (0 when absent).
    pub build: u32,
}

impl Version {
    /// A version from its numbers.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
            build: 0,
        }
    }
}

impl FromStr for Version {
    type Err = Error;

    /// Reads `3.7`, `3.7.1` or `3.7.1.2300` (a leading `v` is allowed).
    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = || Error::invalid_input(format!("`{text}` is not a version such as 3.7.1"));
        let trimmed = text.trim().trim_start_matches(['v', 'V']);
        let mut numbers = [0u32; 4];
        let mut count = 0;
        for part in trimmed.split('.') {
            let slot = numbers.get_mut(count).ok_or_else(bad)?;
            *slot = part.parse().map_err(|_| bad())?;
            count += 1;
        }
        if count < 2 {
            return Err(bad());
        }
        let [major, minor, patch, build] = numbers;
        Ok(Version {
            major,
            minor,
            patch,
            build,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if self.build > 0 {
            write!(f, ".{}", self.build)?;
        }
        Ok(())
    }
}

/// The server a client talks to: its product and version. Learned once from
/// `GET /api/2.0/settings/version/build` ([`Client::server`](crate::Client::server)), or set on the builder
/// ([`ClientBuilder::server`](crate::ClientBuilder::server)) to skip that request.
///
/// ```
/// use docspace_people::{Server, UserType};
///
/// let workspace: Server = "Workspace 12.7".parse()?;
/// assert_eq!(workspace.user_type_named("visitor")?, UserType::Guest); // number 2
/// assert_eq!(workspace.type_name(&UserType::RoomAdmin), Some("User")); // number 1
/// let err = workspace.user_type_named("room-admin").unwrap_err();
/// assert!(err.to_string().contains("user, visitor"));
///
/// let docspace: Server = "DocSpace 3.7.1".parse()?;
/// assert_eq!(docspace.user_type_named("user")?, UserType::User); // number 4
/// # Ok::<(), docspace_people::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Server {
    /// DocSpace or Workspace.
    pub product: Product,
    /// The product's version.
    pub version: Version,
}

impl Server {
    /// A DocSpace server of this version.
    pub const fn docspace(version: Version) -> Self {
        Server {
            product: Product::DocSpace,
            version,
        }
    }

    /// A Workspace (CommunityServer) server of this version.
    pub const fn workspace(version: Version) -> Self {
        Server {
            product: Product::Workspace,
            version,
        }
    }

    /// Works the server out from the version endpoint's answer: `docSpace` present means
    /// DocSpace at that version; only without it does `communityServer` mean Workspace (DocSpace
    /// before 3.1 also sends a meaningless `communityServer`).
    pub fn from_versions(
        doc_space: Option<&str>,
        community_server: Option<&str>,
    ) -> Result<Self, Error> {
        match (doc_space, community_server) {
            (Some(version), _) => Ok(Server::docspace(version.parse()?)),
            (None, Some(version)) => Ok(Server::workspace(version.parse()?)),
            (None, None) => Err(Error::UndecodableResponse {
                status: 200,
                reason: "the version answer names neither DocSpace nor Workspace".into(),
                snippet: String::new(),
            }),
        }
    }

    /// Whether this is Workspace.
    pub fn is_workspace(&self) -> bool {
        self.product == Product::Workspace
    }

    /// Whether this is DocSpace at `version` or later.
    pub fn is_docspace_at_least(&self, version: Version) -> bool {
        self.product == Product::DocSpace && self.version >= version
    }

    /// Whether a refused status or type change answers 403 and (for status) changes nothing,
    /// as DocSpace does since 3.7.1; before, and on Workspace, such users are skipped silently.
    pub fn refuses_with_403(&self) -> bool {
        self.product == Product::DocSpace && self.version >= Version::new(3, 7, 1)
    }

    /// Whether the server lowers types through the type-change job (`POST people/type`) and
    /// answers `reassign/necessary`: DocSpace 3.1 and later. Before, a type could only be
    /// raised; Workspace lowers a type with the plain `PUT people/type/{type}`.
    pub fn has_type_change_job(&self) -> bool {
        self.product == Product::DocSpace && self.version >= Version::new(3, 1, 0)
    }

    /// Whether the server resets quotas to the portal default (`PUT people/resetquota`):
    /// DocSpace only.
    pub fn has_quota_reset(&self) -> bool {
        self.product == Product::DocSpace
    }

    /// Whether the server has per-user quotas: DocSpace, and Workspace since 12.5.2.
    pub fn has_user_quotas(&self) -> bool {
        self.product == Product::DocSpace || self.version >= Version::new(12, 5, 2)
    }

    /// Whether the server answers `quotaLimit: -1` for a quota it saved while per-user quotas
    /// are off on the portal (Workspace), so that -1 does not mean "unlimited" there.
    pub fn hides_quota_when_off(&self) -> bool {
        self.product == Product::Workspace
    }

    /// Whether the server sends invitations again on request (`PUT people/invite`): DocSpace.
    pub fn has_invitations(&self) -> bool {
        self.product == Product::DocSpace
    }

    /// Whether the server takes API keys (`Authorization: Bearer sk-...`): DocSpace only.
    pub fn has_api_keys(&self) -> bool {
        self.product == Product::DocSpace
    }

    /// Whether the server moves a user's data to a receiver (`people/reassign/...`) in a way
    /// this library drives: DocSpace.
    pub fn has_reassign(&self) -> bool {
        self.product == Product::DocSpace
    }

    /// Whether deleting a user destroys their documents: on Workspace, `DELETE people/{id}`
    /// starts a job that deletes the user's My Documents, Trash, mail and Talk files (only
    /// Common items go to the one who deletes). DocSpace keeps nothing of a deleted user either
    /// but asks for a reassignment first.
    pub fn deletion_destroys_documents(&self) -> bool {
        self.product == Product::Workspace
    }
}

/// `DocSpace 3.7.1` or `Workspace 12.7`, as [`Display`](fmt::Display) writes it.
impl FromStr for Server {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let (product, version) = text.trim().split_once(' ').ok_or_else(|| {
            Error::invalid_input(format!(
                "`{text}` is not a server such as `DocSpace 3.7.1` or `Workspace 12.7`"
            ))
        })?;
        let version = version.parse()?;
        match product.to_ascii_lowercase().as_str() {
            "docspace" => Ok(Server::docspace(version)),
            "workspace" | "communityserver" => Ok(Server::workspace(version)),
            other => Err(Error::invalid_input(format!(
                "unknown product `{other}`: DocSpace or Workspace"
            ))),
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.product, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_told_apart_docspace_first() {
        let s = Server::from_versions(Some("3.0.4.4498"), Some("12.0.0")).unwrap();
        assert_eq!(s.product, Product::DocSpace);
        assert_eq!(s.version, "3.0.4.4498".parse().unwrap());
        let s = Server::from_versions(None, Some("12.7.1.1234")).unwrap();
        assert!(s.is_workspace());
        assert!(Server::from_versions(None, None).is_err());
        assert!(Server::from_versions(Some("latest"), None).is_err());
    }

    #[test]
    fn type_names_follow_the_generation() {
        let ws: Server = "Workspace 12.7".parse().unwrap();
        assert_eq!(ws.user_type_named("User").unwrap().number(), Some(1));
        assert_eq!(ws.user_type_named("VISITOR").unwrap().number(), Some(2));
        let ds2: Server = "DocSpace 2.6".parse().unwrap();
        assert_eq!(ds2.user_type_named("user").unwrap().number(), Some(2));
        assert_eq!(
            ds2.user_type_named("collaborator").unwrap().number(),
            Some(4)
        );
        let ds3: Server = "DocSpace 3.6".parse().unwrap();
        assert_eq!(ds3.user_type_named("user").unwrap().number(), Some(4));
        assert_eq!(ds3.user_type_named("room_admin").unwrap().number(), Some(1));
        let err = ds3.user_type_named("visitor").unwrap_err().to_string();
        assert!(
            err.contains("guest, user, room-admin, docspace-admin"),
            "{err}"
        );
        assert!(ws.check_settable(&crate::UserType::User).is_err());
        assert!(!ds3.refuses_with_403());
        assert!(
            "DocSpace 3.7.1"
                .parse::<Server>()
                .unwrap()
                .refuses_with_403()
        );
        assert!(
            !"DocSpace 3.7.0"
                .parse::<Server>()
                .unwrap()
                .refuses_with_403()
        );
    }
}
