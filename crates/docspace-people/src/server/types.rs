//! User types on each server: their names in the portal's own words, and reading a user's
//! type from the flags of the user object.

use super::{Product, Server};
use crate::enums::UserType;
use crate::state::UserState;
use crate::{Error, User};

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
    pub(crate) fn type_from_flags(&self, user: &UserState) -> Option<UserType> {
        self.type_of(user.is_visitor, user.user_type())
    }

    /// The type of a user with these flags: on Workspace from `isVisitor`, on DocSpace the
    /// type the `is*` flags describe (`docspace_type`, from [`type_from_flags`]).
    pub(crate) fn type_of(
        &self,
        is_visitor: Option<bool>,
        docspace_type: Option<UserType>,
    ) -> Option<UserType> {
        match self.product {
            Product::Workspace => is_visitor.map(|visitor| {
                if visitor {
                    UserType::Guest
                } else {
                    UserType::RoomAdmin
                }
            }),
            Product::DocSpace => docspace_type,
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

impl User {
    /// The user's type as `server` reads the flags: on Workspace `isVisitor` alone tells
    /// Visitor (2) from User (1); on DocSpace as [`user_type`](Self::user_type). Its name in
    /// the portal's words is [`Server::type_name`](crate::Server::type_name).
    pub fn user_type_on(&self, server: &Server) -> Option<UserType> {
        server.type_of(self.is_visitor, self.user_type())
    }
}
