//! The normalized enums. They live in the generated crate, whose types use them directly, and
//! are re-exported here; see [`docspace_people_gen::enums`] for how each reads and writes.

pub use docspace_people_gen::enums::{
    ActivationStatus, MobilePhoneActivationStatus, ParseEnumError, RawValue, Theme, UserStatus,
    UserType,
};
