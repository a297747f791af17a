//! The People API's enums, read from either wire form and open to values added later.
//!
//! Every enum here:
//! * deserializes from its name in any case (also with `-`, `_` or spaces between words, and the
//!   older names the server used) or from its number, given as a JSON number or a string;
//! * keeps a value it does not know in `Unknown(..)` instead of failing the response;
//! * serializes in the form the server sends (a number, or the current name);
//! * implements [`Display`](std::fmt::Display) (the current name) and [`FromStr`], which is
//!   strict: it refuses unknown names and numbers, since it reads what a person typed;
//! * exposes its number through `number()`, the form that is stable across server versions.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A wire value that no variant of the enum knows, kept as the server sent it.
///
/// Opaque on purpose: it is made only by reading a value this version of the crate does not
/// know, so `UserStatus::Unknown(..)` never stands for a value that has a variant (there is no
/// `Unknown` that means Active). Read it with [`number`](Self::number) or
/// [`name`](Self::name).
///
/// To match forward-compatibly, do not match on what an `Unknown` holds: a later version of
/// the crate may learn that value, and it then arrives as its own variant. Match the variants
/// you handle and treat the rest (`_`) by [`number()`](UserStatus::number), which every value
/// has the same way in every version:
///
/// ```
/// use docspace_people_gen::enums::UserStatus;
///
/// fn describe(status: &UserStatus) -> String {
///     match status {
///         UserStatus::Active => "active".into(),
///         UserStatus::Terminated => "terminated".into(),
///         other => format!("status number {:?}", other.number()),
///     }
/// }
/// assert_eq!(describe(&UserStatus::from_number(16)), "status number Some(16)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawValue(Raw);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Raw {
    Number(i64),
    Name(String),
}

impl RawValue {
    /// The number the server sent, if it sent a number.
    pub fn number(&self) -> Option<i64> {
        match &self.0 {
            Raw::Number(n) => Some(*n),
            Raw::Name(_) => None,
        }
    }

    /// The name the server sent, if it sent a name.
    pub fn name(&self) -> Option<&str> {
        match &self.0 {
            Raw::Number(_) => None,
            Raw::Name(s) => Some(s),
        }
    }
}

impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Raw::Number(n) => write!(f, "{n}"),
            Raw::Name(s) => f.write_str(s),
        }
    }
}

/// Text that names no known value of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{input}`: expected one of {expected}")]
pub struct ParseEnumError {
    /// What was being parsed, e.g. "user status".
    pub kind: &'static str,
    /// The text that was refused.
    pub input: String,
    /// The accepted names and numbers.
    pub expected: &'static str,
}

/// Compares a name with `-`, `_` and spaces removed and ASCII case ignored, without allocating.
fn name_matches(input: &str, name: &str) -> bool {
    let mut wanted = name.bytes();
    for byte in input.bytes().filter(|b| !matches!(b, b'-' | b'_' | b' ')) {
        match wanted.next() {
            Some(w) if w.eq_ignore_ascii_case(&byte) => {}
            _ => return false,
        }
    }
    wanted.next().is_none()
}

/// How an enum appears in JSON bodies.
#[derive(Clone, Copy)]
enum WireForm {
    Number,
    Name,
}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident, kind = $kind:literal, wire = $wire:ident, expected = $expected:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $number:literal, $canonical:literal $(| $alias:literal)*;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A value this version of the crate does not know, kept as the server sent it.
            Unknown(RawValue),
        }

        impl $name {
            /// Every value this version knows, in number order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value with this number; a number not known here becomes `Unknown`.
            pub fn from_number(number: i64) -> Self {
                match number {
                    $($number => $name::$variant,)+
                    other => $name::Unknown(RawValue(Raw::Number(other))),
                }
            }

            /// The value with this name (any case, older names too), if it is known.
            pub fn from_name(name: &str) -> Option<Self> {
                $(
                    if name_matches(name, $canonical) $(|| name_matches(name, $alias))* {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// The number, which means the same on every server version. `None` only for an
            /// unknown value that arrived as a name.
            pub fn number(&self) -> Option<i64> {
                match self {
                    $($name::$variant => Some($number),)+
                    $name::Unknown(raw) => raw.number(),
                }
            }

            /// The current name of a known value; `None` for an unknown one.
            pub fn as_str(&self) -> Option<&'static str> {
                match self {
                    $($name::$variant => Some($canonical),)+
                    $name::Unknown(_) => None,
                }
            }

            /// Whether this is a value this version of the crate knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// Reads a wire string: a name, or a number written as text. Never fails.
            fn from_wire_str(text: &str) -> Self {
                if let Ok(number) = text.trim().parse::<i64>() {
                    return Self::from_number(number);
                }
                Self::from_name(text)
                    .unwrap_or_else(|| $name::Unknown(RawValue(Raw::Name(text.to_owned()))))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($name::$variant => f.write_str($canonical),)+
                    $name::Unknown(raw) => raw.fmt(f),
                }
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                let parsed = match text.trim().parse::<i64>() {
                    Ok(number) => Some(Self::from_number(number)).filter(Self::is_known),
                    Err(_) => Self::from_name(text.trim()),
                };
                parsed.ok_or_else(|| ParseEnumError {
                    kind: $kind,
                    input: text.to_owned(),
                    expected: $expected,
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match (self, WireForm::$wire) {
                    ($name::Unknown(RawValue(Raw::Number(n))), _) => serializer.serialize_i64(*n),
                    ($name::Unknown(RawValue(Raw::Name(s))), _) => serializer.serialize_str(s),
                    $(($name::$variant, WireForm::Number) => serializer.serialize_i64($number),)+
                    $(($name::$variant, WireForm::Name) => serializer.serialize_str($canonical),)+
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireVisitor;

                impl Visitor<'_> for WireVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a {} as a number or a name", $kind)
                    }

                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        Ok($name::from_number(v))
                    }

                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        i64::try_from(v)
                            .map($name::from_number)
                            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
                    }

                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire_str(v))
                    }
                }

                deserializer.deserialize_any(WireVisitor)
            }
        }
    };
}

wire_enum! {
    /// A user's status (`EmployeeStatus`). An integer on the wire.
    ///
    /// ```
    /// use docspace_people_gen::enums::UserStatus;
    ///
    /// let status: UserStatus = serde_json::from_str("2").unwrap();
    /// assert_eq!(status, UserStatus::Terminated);
    /// assert_eq!(serde_json::from_str::<UserStatus>("\"terminated\"").unwrap(), status);
    /// assert_eq!(serde_json::to_string(&status).unwrap(), "2");
    /// assert_eq!(status.to_string(), "Terminated");
    /// assert_eq!("Disabled".parse::<UserStatus>().unwrap(), status);
    /// assert!("Sleeping".parse::<UserStatus>().is_err());
    /// ```
    UserStatus, kind = "user status", wire = Number,
    expected = "Active (1), Terminated (2), Pending (4), Default (5), All (7)" {
        /// Can sign in and work.
        Active = 1, "Active";
        /// Disabled: cannot sign in. The web client says "Disabled".
        Terminated = 2, "Terminated" | "Disabled";
        /// Invited, invitation not accepted yet. Called LeaveOfAbsence before server 3.0.
        Pending = 4, "Pending" | "LeaveOfAbsence";
        /// Active or Pending (a filter value).
        Default = 5, "Default";
        /// Any status (a filter value).
        All = 7, "All";
    }
}

wire_enum! {
    /// A user's type (`EmployeeType`). A string on the wire, whose names changed between server
    /// versions while the numbers kept their meaning; the current (DocSpace 3.0) names are used.
    /// The older names `Visitor` (2) and `Collaborator` (4) are read as [`Guest`](Self::Guest)
    /// and [`User`](Self::User). The name `User` is read as 4, its meaning since DocSpace 3.0
    /// (DocSpace 1.x-2.x servers used it for 2): send numbers to stay version-safe.
    ///
    /// ```
    /// use docspace_people_gen::enums::UserType;
    ///
    /// assert_eq!("Visitor".parse::<UserType>().unwrap(), UserType::Guest);
    /// assert_eq!("room-admin".parse::<UserType>().unwrap(), UserType::RoomAdmin);
    /// assert_eq!(UserType::User.number(), Some(4));
    /// assert_eq!(serde_json::to_string(&UserType::Guest).unwrap(), "\"Guest\"");
    /// ```
    UserType, kind = "user type", wire = Name,
    expected = "All (0), RoomAdmin (1), Guest (2), DocSpaceAdmin (3), User (4); also Visitor (2), Collaborator (4)" {
        /// Any type (a filter value).
        All = 0, "All";
        /// Creates and manages rooms.
        RoomAdmin = 1, "RoomAdmin";
        /// Works only in rooms they were invited to. Called Visitor on Workspace.
        Guest = 2, "Guest" | "Visitor";
        /// Administers the portal.
        DocSpaceAdmin = 3, "DocSpaceAdmin";
        /// A regular user (since DocSpace 3.0; called Collaborator before).
        User = 4, "User" | "Collaborator";
    }
}

wire_enum! {
    /// Whether a user confirmed their email address (`EmployeeActivationStatus`). An integer on
    /// the wire.
    ActivationStatus, kind = "activation status", wire = Number,
    expected = "NotActivated (0), Activated (1), Pending (2), AutoGenerated (4)" {
        /// Not confirmed.
        NotActivated = 0, "NotActivated";
        /// Confirmed.
        Activated = 1, "Activated";
        /// Invitation sent, not accepted yet.
        Pending = 2, "Pending";
        /// Created by the system; responses normally strip this flag.
        AutoGenerated = 4, "AutoGenerated";
    }
}

wire_enum! {
    /// Whether a user confirmed their mobile phone. An integer on the wire.
    MobilePhoneActivationStatus, kind = "mobile phone activation status", wire = Number,
    expected = "NotActivated (0), Activated (1)" {
        /// Not confirmed.
        NotActivated = 0, "NotActivated";
        /// Confirmed.
        Activated = 1, "Activated";
    }
}

wire_enum! {
    /// A user's interface theme (`DarkThemeSettingsType`). A string on the wire.
    Theme, kind = "theme", wire = Name, expected = "Base (0), Dark (1), System (2)" {
        /// The light theme.
        Base = 0, "Base";
        /// The dark theme.
        Dark = 1, "Dark";
        /// Follows the operating system.
        System = 2, "System";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_case_and_separators() {
        assert!(name_matches("docspace-admin", "DocSpaceAdmin"));
        assert!(name_matches("ROOM_ADMIN", "RoomAdmin"));
        assert!(!name_matches("RoomAdmins", "RoomAdmin"));
        assert!(!name_matches("Room", "RoomAdmin"));
        assert!(!name_matches("", "All"));
    }

    #[test]
    fn unknown_wire_values_are_kept() {
        let status: UserStatus = serde_json::from_str("8").unwrap();
        assert_eq!(status, UserStatus::from_number(8));
        let UserStatus::Unknown(raw) = &status else {
            panic!("8 is not known: {status:?}")
        };
        assert_eq!((raw.number(), raw.name()), (Some(8), None));
        assert_eq!(serde_json::to_string(&status).unwrap(), "8");
        let kind: UserType = serde_json::from_str("\"Contractor\"").unwrap();
        assert_eq!(kind.to_string(), "Contractor");
        assert_eq!(kind.number(), None);
        assert_eq!(serde_json::to_string(&kind).unwrap(), "\"Contractor\"");
    }

    #[test]
    fn numbers_written_as_text_are_numbers() {
        let status: MobilePhoneActivationStatus = serde_json::from_str("\"1\"").unwrap();
        assert_eq!(status, MobilePhoneActivationStatus::Activated);
    }

    #[test]
    fn from_str_refuses_unknown_values_with_the_choices() {
        let err = "7".parse::<ActivationStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown activation status `7`: expected one of NotActivated (0), Activated (1), Pending (2), AutoGenerated (4)"
        );
        assert!("".parse::<Theme>().is_err());
    }

    #[test]
    fn other_json_types_are_refused() {
        assert!(serde_json::from_str::<Theme>("true").is_err());
        assert!(serde_json::from_str::<Theme>("{}").is_err());
        assert!(serde_json::from_str::<Theme>("1.5").is_err());
    }
}
