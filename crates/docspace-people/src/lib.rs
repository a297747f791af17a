#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// The layers, bottom to top (ARCHITECTURE.md): each module imports only from those above it
// in this list, never from one below.
//
// The model, no IO: values, users, errors, and what each server does.
mod dates;
pub mod enums;
mod error;
mod quota;
mod server;
mod state;
mod user;
mod wire_form;
// Sending requests: HTTP, credentials, retries, pacing, the answers' envelopes.
mod transport;
// A change to users: what it sets, and the request that sets it.
mod change;
// The handle, its configuration and the single calls.
mod boxed;
mod client;
// Reading users: by id, by pages, by query.
mod read;
// The server's background jobs: type changes, data reassignment, deletion.
mod jobs;
// Changing many users at once.
pub mod bulk;
// New invitations by e-mail, settled by reading back.
mod invite;
// Offboarding: disable, move data, delete, per user.
mod offboard;

// Keeping a portal in line with its source of truth: plan, then apply.
pub mod sync;

// The public face of jobs and offboarding.
pub mod lifecycle;

pub use change::Change;
pub use client::{Client, ClientBuilder, DEFAULT_TIMEOUT, parse_user_ids};
pub use enums::{ActivationStatus, MobilePhoneActivationStatus, Theme, UserStatus, UserType};
pub use error::Error;
pub use invite::{
    DEFAULT_INVITE_BATCH, Invitation, InviteEntry, InviteOptions, InviteReport, MAX_INVITE_BATCH,
};
pub use quota::{ParseQuotaError, Quota};
pub use read::{
    EmailIds, EmailLookup, InactiveUser, MAX_PAGE_SIZE, PaidSeats, PortalGroup, QuotaKind, SignIns,
    SortBy, UserPage, UserQuery,
};
pub use server::{Product, Refusal, Server, Version};
pub use transport::{DEFAULT_MAX_BODY_SIZE, RetryPolicy};
pub use user::{Contact, Group, LOST_USER_ID, LoginKind, User, UserSummary};

/// The generated low-level crate, for what this wrapper does not cover.
pub use docspace_people_gen as generated;
/// The stream adapters that [`Client::find_all_users`] needs (`try_collect`, `try_next`, ...),
/// so that a caller does not have to depend on `futures` for them.
pub use futures::TryStreamExt;
/// Secret strings, as returned by [`Client::session_token`].
pub use secrecy;
pub use uuid::Uuid;
