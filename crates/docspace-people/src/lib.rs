#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
pub mod bulk;
mod change;
mod client;
mod dates;
pub mod enums;
mod envelope;
mod error;
pub mod lifecycle;
mod quota;
mod search;
mod server;
mod state;
mod transport;
mod user;
mod wire_form;

pub use change::Change;
pub use client::{Client, ClientBuilder, DEFAULT_TIMEOUT, parse_user_ids};
pub use enums::{ActivationStatus, MobilePhoneActivationStatus, Theme, UserStatus, UserType};
pub use error::Error;
pub use quota::{ParseQuotaError, Quota};
pub use search::{MAX_PAGE_SIZE, SortBy, UserPage, UserQuery};
pub use server::{Product, Server, Version};
pub use transport::{DEFAULT_MAX_BODY_SIZE, RetryPolicy};
pub use user::{Contact, Group, LOST_USER_ID, User, UserSummary};

/// The generated low-level crate, for what this wrapper does not cover.
pub use docspace_people_gen as generated;
/// Secret strings, as returned by [`Client::session_token`].
pub use secrecy;
pub use uuid::Uuid;
