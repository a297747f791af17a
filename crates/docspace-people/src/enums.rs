//! The normalized enums. They live in the generated crate, whose types use them directly, and
//! are re-exported here. Each reads the server's number or name (the servers send either, and
//! Workspace and DocSpace number types differently) and keeps a value it does not know as
//! `Unknown` with the [`RawValue`] sent, rather than failing; it writes the number. Each
//! type's own page says which numbers and names it takes.

pub use docspace_people_gen::enums::{
    ActivationStatus, MobilePhoneActivationStatus, ParseEnumError, RawValue, Theme, UserStatus,
    UserType,
};
