//! A faithful local fake of an ONLYOFFICE DocSpace portal, serving the People API.
//!
//! No real DocSpace server runs on a developer machine, so this crate imitates one, as the
//! repository's `docs/wire.md` describes it: the same
//! envelopes, error shapes, dates, enums, authentication and permission rules, for DocSpace
//! 3.7.1 (default), 3.6 or 2.6, or for Workspace (CommunityServer) 12.7 ([`ServerVersion`]),
//! with a seeded demo organisation ([`seed`]) and optional fault injection ([`Faults`]).
//!
//! Served operations: `GET /api/2.0/settings/version/build` (anonymous),
//! `POST /api/2.0/authentication`, `GET /api/2.0/people/@self`,
//! `GET /api/2.0/people/filter`, `GET /api/2.0/people/{userid}`,
//! `PUT /api/2.0/people/status/{status}`, `PUT /api/2.0/people/type/{type}`,
//! `PUT /api/2.0/people/userquota` and `PUT /api/2.0/people/resetquota` (DocSpace), and
//! `PUT /api/2.0/settings/userquota` (Workspace).
//!
//! # Example
//!
//! ```
//! use docspace_people_fake::{FakePortal, PortalConfig, OWNER_EMAIL};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let portal = FakePortal::start(PortalConfig::default())?;
//! let guest = portal
//!     .user_ids_where(|u| u.user_type == 2 && u.status == 1)
//!     .into_iter()
//!     .next()
//!     .ok_or("no guest")?;
//!
//! // Promote a guest to User (type 4) as the owner, over real HTTP.
//! let response = reqwest::Client::new()
//!     .put(format!("{}/api/2.0/people/type/4", portal.base_url()))
//!     .header("Authorization", format!("Bearer {}", portal.owner_token()))
//!     .json(&serde_json::json!({ "userIds": [guest] }))
//!     .send()
//!     .await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(portal.user(guest).ok_or("gone")?.user_type, 4);
//! assert!(portal.user_by_email(OWNER_EMAIL).is_some_and(|u| u.is_owner));
//! portal.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Rules imitated
//!
//! Server 3.7.1: status only Active (1) or Terminated (2), else 400; owner or DocSpace admin
//! only, else 403 "Access denied"; the whole status request is refused with 403 and nothing
//! changes when a target is the owner, the caller, an LDAP user, an unknown id or (for a caller
//! who is not the owner) an admin. Re-activating a user who never finished the invitation makes
//! them Pending (4). Type changes are promotions only (to DocSpaceAdmin by the owner, to
//! RoomAdmin, Guest to User), processed one by one, a no-op or forbidden change answers 403
//! with the earlier users already changed. Quotas: owner or admin only, an integer, `-1` for no
//! limit, above the portal's storage 400. Unknown ids in type and quota requests come back as
//! the placeholder user [`LOST_USER_ID`].
//!
//! Server 3.6 (and 2.6): no status validation; the owner, the caller and (for a non-owner
//! caller) admins are skipped but returned unchanged; unknown and LDAP ids are dropped from the
//! response; forbidden type changes answer 200 with the user unchanged. 2.6 reports itself with
//! the meaningless `communityServer` beside `docSpace`, as DocSpace before 3.1 does.
//!
//! Workspace 12.7: its wire (no `links`, `null` for empty `userName`/`email`/`terminated`, no
//! `isRoomAdmin`/`isCollaborator`, 201 for POSTs, a text 401, 500 for failed sign-ins and for
//! permission failures on the PUTs, no API keys) and its rules: status changes skip the owner
//! and the caller; type changes take 1 (User) and 2 (Visitor) in either direction, skip the
//! owner, administrators and the caller (returned unchanged), and change nobody for any other
//! number; per-user quotas at `settings/userquota`; no quota reset. In the model a Visitor is
//! type 2 and a Workspace User any other type.

#![warn(missing_docs)]

mod auth;
pub mod config;
mod counters;
mod dates;
mod error;
pub mod faults;
mod filter;
mod limiter;
mod model;
mod params;
mod portal;
mod rng;
mod routes;
mod rules;
pub mod seed;
mod server;
mod wire;
mod workspace;

pub use auth::AUTH_COOKIE;
pub use config::{GIB, PortalConfig, Seed, ServerVersion, UnknownServerVersion};
pub use counters::{Counters, Endpoint, Outcome};
pub use faults::{DropMode, FaultKind, Faults, InvalidFault, Latency, Trigger};
pub use limiter::{InvalidRateLimit, RateLimit};
pub use portal::{FakeGroup, FakePortal, FakeUser};
pub use seed::{
    ADMIN_EMAIL, ADMIN_PASSWORD, DEFAULT_PASSWORD, GUEST_EMAIL, LDAP_USER_EMAIL, OWNER_API_KEY,
    OWNER_EMAIL, OWNER_PASSWORD, PENDING_INVITEE_EMAIL, READONLY_API_KEY, ROOM_ADMIN_EMAIL,
    TERMINATED_INVITEE_EMAIL, TERMINATED_USER_EMAIL, USER_EMAIL, USER_PASSWORD,
};
pub use wire::LOST_USER_ID;
