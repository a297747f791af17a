//! Which server a client talks to: DocSpace or Workspace, and which version. The two products
//! serve the same People routes with different type numbers, status codes and rules, and
//! DocSpace's rules changed between versions; everything the client predicts or classifies
//! depends on this. The repository's `docs/wire.md` tabulates the differences.

use std::fmt;
use std::str::FromStr;

use docspace_people_gen::paths;
use docspace_people_gen::types::VersionBuildEnvelope;

use crate::enums::UserType;
use crate::transport::Request;
use crate::{Client, Error};

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
/// `GET /api/2.0/settings/version/build` ([`Client::server`]), or set on the builder
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

/// The type names of each generation, in the portal's own words, with their numbers.
const WORKSPACE_TYPES: &[(&str, UserType)] =
    &[("User", UserType::RoomAdmin), ("Visitor", UserType::Guest)];
const DOCSPACE_2_TYPES: &[(&str, UserType)] = &[
    ("User", UserType::Guest),
    ("Collaborator", UserType::User),
    ("RoomAdmin", UserType::RoomAdmin),
    ("DocSpaceAdmin", UserType::DocSpaceAdmin),
];
const DOCSPACE_3_TYPES: &[(&str, UserType)] = &[
    ("Guest", UserType::Guest),
    ("User", UserType::User),
    ("RoomAdmin", UserType::RoomAdmin),
    ("DocSpaceAdmin", UserType::DocSpaceAdmin),
];

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

    /// The user types that can be set, in the portal's own words, with the type each means.
    pub fn user_types(&self) -> &'static [(&'static str, UserType)] {
        match self.product {
            Product::Workspace => WORKSPACE_TYPES,
            Product::DocSpace if self.version.major < 3 => DOCSPACE_2_TYPES,
            Product::DocSpace => DOCSPACE_3_TYPES,
        }
    }

    /// The type a name means on this server (any case; `-`, `_` and spaces ignored), or an
    /// error listing the names it has.
    pub fn user_type_named(&self, name: &str) -> Result<UserType, Error> {
        let wanted = fold(name);
        self.user_types()
            .iter()
            .find(|(known, _)| fold(known) == wanted)
            .map(|(_, user_type)| user_type.clone())
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "{self} has no user type `{name}`; its types are: {}",
                    self.type_names_listed()
                ))
            })
    }

    /// The portal's own name for a type, if it has that type.
    pub fn type_name(&self, user_type: &UserType) -> Option<&'static str> {
        self.user_types()
            .iter()
            .find(|(_, t)| t == user_type)
            .map(|(name, _)| *name)
    }

    /// The portal's name for a type as a command-line word: `room-admin`, `visitor`.
    pub fn type_label(&self, user_type: &UserType) -> Option<String> {
        self.type_name(user_type).map(kebab)
    }

    /// The settable type names, lower case with dashes, for messages: `user, visitor`.
    pub fn type_names_listed(&self) -> String {
        self.user_types()
            .iter()
            .map(|(name, _)| kebab(name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The type a user has, in this server's terms, from the flags of the user object: on
    /// Workspace `isVisitor` tells Visitor (2) from User (1); on DocSpace see
    /// [`User::user_type`](crate::User::user_type).
    pub(crate) fn type_from_flags(&self, user: &crate::state::UserState) -> Option<UserType> {
        match self.product {
            Product::Workspace => user.is_visitor.map(|visitor| {
                if visitor {
                    UserType::Guest
                } else {
                    UserType::RoomAdmin
                }
            }),
            Product::DocSpace => user.user_type(),
        }
    }

    /// Refuses what this server cannot do, before anything is sent: a type it does not have, a
    /// quota reset or a per-user quota on Workspace without them.
    pub(crate) fn check_change(&self, change: &crate::Change) -> Result<(), Error> {
        use crate::Change;
        match change {
            Change::Type(user_type) => self.check_settable(user_type),
            Change::ResetQuota if self.is_workspace() => Err(Error::Unsupported(format!(
                "{self} has no quota reset (DocSpace's people/resetquota); set a quota instead"
            ))),
            Change::Quota(_) if self.is_workspace() && self.version < Version::new(12, 5, 2) => {
                Err(Error::Unsupported(format!(
                    "{self} has no per-user quotas (Workspace has them since 12.5.2)"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Refuses a type this server cannot set.
    pub(crate) fn check_settable(&self, user_type: &UserType) -> Result<(), Error> {
        if self.type_name(user_type).is_some() {
            return Ok(());
        }
        Err(Error::invalid_input(format!(
            "{self} cannot set type {} (number {}); its types are: {}",
            user_type,
            user_type
                .number()
                .map_or_else(|| "?".to_owned(), |n| n.to_string()),
            self.type_names_listed()
        )))
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

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `RoomAdmin` -> `room-admin`, `DocSpaceAdmin` -> `docspace-admin`.
fn kebab(name: &str) -> String {
    match name {
        "DocSpaceAdmin" => "docspace-admin".to_owned(),
        "RoomAdmin" => "room-admin".to_owned(),
        other => other.to_lowercase(),
    }
}

impl Client {
    /// The server this client talks to: asked once (`GET /api/2.0/settings/version/build`,
    /// which needs no sign-in) and remembered, unless it was set on the builder.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// let server = client.server().await?;
    /// println!("{server}: types {}", server.type_names_listed());
    /// # Ok(()) }
    /// ```
    pub async fn server(&self) -> Result<Server, Error> {
        self.inner
            .server
            .get_or_try_init(|| async {
                let answer = self.send(&Request::get(paths::GET_VERSION_BUILD)).await?;
                let envelope: VersionBuildEnvelope = answer.json()?;
                crate::envelope::check(envelope.error, envelope.status, envelope.status_code)?;
                let versions = envelope.response.unwrap_or_default();
                let server = Server::from_versions(
                    versions.doc_space.as_deref(),
                    versions.community_server.as_deref(),
                )?;
                tracing::info!(%server, "detected the server");
                Ok(server)
            })
            .await
            .copied()
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
        assert!(ws.check_settable(&UserType::User).is_err());
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
