//! A faithful local fake of an ONLYOFFICE DocSpace portal, serving the People API.
//!
//! No real DocSpace server runs on a developer machine, so this crate imitates one, as the
//! repository's `docs/wire.md` describes it: the same
//! envelopes, error shapes, dates, enums, authentication and permission rules, for DocSpace
//! 3.7.1 (default), 3.6, 3.0 or 2.6, or for Workspace (CommunityServer) 12.7
//! ([`ServerVersion`]), with a seeded demo organisation ([`seed`]), background jobs that take a
//! configurable time ([`PortalConfig::with_job_duration`]) and optional fault injection
//! ([`Faults`]).
//!
//! Served operations: `GET /api/2.0/settings/version/build` (anonymous),
//! `POST /api/2.0/authentication`, `GET /api/2.0/people/@self`,
//! `GET /api/2.0/people/filter`, `GET /api/2.0/people/{userid}`,
//! `DELETE /api/2.0/people/{userid}`, `PUT /api/2.0/people/delete`,
//! `PUT /api/2.0/people/status/{status}`, `PUT /api/2.0/people/type/{type}`,
//! `PUT /api/2.0/people/userquota` and `PUT /api/2.0/people/resetquota` (DocSpace);
//! the type-change job `POST /api/2.0/people/type`,
//! `GET /api/2.0/people/type/progress/{userid}` and `PUT /api/2.0/people/type/terminate`
//! (DocSpace 3.6 and 3.7); data reassignment `POST /api/2.0/people/reassign/start`,
//! `GET /api/2.0/people/reassign/progress/{userid}`,
//! `PUT /api/2.0/people/reassign/terminate` (DocSpace) and
//! `GET /api/2.0/people/reassign/necessary` (DocSpace 3.6 and 3.7); and
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
//! Server 3.6, 3.0 (and 2.6): no status validation; the owner, the caller and (for a non-owner
//! caller) admins are skipped but returned unchanged; unknown and LDAP ids are dropped from the
//! response; forbidden type changes answer 200 with the user unchanged. 2.6 and 3.0 report
//! themselves with the meaningless `communityServer` beside `docSpace`, as DocSpace before 3.1
//! does; 3.0 says "The record could not be found" in its 404s.
//!
//! # Background jobs
//!
//! Demotions (to User or Guest) and data reassignment run as jobs, one slot per user and kind
//! ([`JobKind`]). A job's progress is `{"id","error","percentage","isCompleted","status"}`
//! ([`JobProgress`]): id `1_{userId}_UpdateUserTypeProgressItem` or
//! `1_{userId}_ReassignProgressItem`, `error` empty unless it failed, status 1 running, 2
//! completed, 3 canceled, 4 failed ([`JobStatus`]). A start answers the job at status 1 and 0 %,
//! or, while the user's job is unfinished, that job unchanged (new parameters are ignored); a
//! finished one is replaced. Jobs of one kind run one after another (one worker per kind, as on
//! the server; [`PortalConfig::with_job_workers`]), so a queued job shows status 1 at 0 %. A
//! progress route without a job, and a terminate without one, answer 200 without `response`
//! (`count` 0). Records vanish a while after their last update
//! ([`PortalConfig::with_job_record_ttl`], 60 s by default). Terminating removes the record and
//! answers it as status 3, completed; a job still queued or running stops at its next step and
//! publishes itself again as status 3. Nothing already done is rolled back.
//!
//! Type change (`POST people/type`, body `{"type","userId","reassignUserId"}`, the type as a
//! number or a name, the receiver of the rooms the caller when absent). 3.7 checks, in order:
//! the type must be Guest or User (400 "Can not update to {Type}"); the caller an owner, a
//! DocSpace admin or a room admin (403); the target known, not terminated, not the caller nor
//! the receiver, and the receiver not terminated (400 "Can not update type"); an admin target
//! only by the owner (400 "Can not update type for admin"); the receiver a DocSpace or room
//! admin (400 "Can not reassign to user - {reassignUserId}"). The job's steps: 5; 10 the
//! caller must be a DocSpace admin and the receiver an existing non-guest ("You don't have
//! enough permission to perform the operation" or "User could not be found", status 4 at 5 %);
//! 40 the user's rooms go to the receiver (10 and 40 skipped for a guest, so a room admin can
//! promote a guest); 45; 60; then the type changes (a new guest leaves every department) and
//! 100. 3.6 checks the caller first and the type last, refusing only RoomAdmin and
//! DocSpaceAdmin (0 "All" moves the rooms and changes no type), and always runs steps 10 and
//! 40. Progress and terminate: owner and DocSpace admins only.
//!
//! Reassignment (`POST people/reassign/start`, body `{"fromUserId","toUserId","deleteProfile"}`,
//! the ids required): owner or DocSpace admin (403); the receiver a known, active DocSpace or
//! room admin (400 "Can not reassign data to user with id = {id}", the placeholder id for an
//! unknown one); the source known, terminated, not the owner, not the caller, and an admin
//! only for the owner (400 "Can not reassign data from user with id = {id}"). Steps 5, 10 (the
//! same demand as above), 20, 30, 50, 70 (the rooms go to the receiver), 90, 95, then the
//! profile is deleted if asked, 100. On 3.7 only the owner may watch or stop an admin's
//! reassignment. `reassign/necessary?userId=&type=` answers whether the user owns rooms (for
//! no user, whether the portal has any); owner and admins, room admins for type User or Guest,
//! an admin's only for the owner.
//!
//! Deletion needs the user terminated first. `DELETE people/{userid}` (an id or a user name):
//! owner or admin (403); unknown 404; LDAP 403; active: 403 "The user is not suspended" on
//! 3.7, 500 on 3.6, 3.0 and Workspace; an admin only by the owner (403); an unfinished
//! reassignment 500 "Data reassign process for {name} is not complete.". It answers the user
//! as they were. `PUT people/delete` (`{"userIds"}`): the same reassignment check, unknown and
//! LDAP ids dropped, any active user 403 "Users are not suspended" on 3.7 (skipped but
//! returned elsewhere), admins the caller may not delete returned but kept. The deleted users'
//! rooms go to the caller; they vanish from every lookup (`GET people/{userid}` 404).
//!
//! 3.0 lacks the type-change job and `reassign/necessary`, and Workspace all jobs: such
//! requests are answered as if the route were not there (`POST people/type` 405, as
//! `people/{userid}` takes no POST; `PUT people/type/terminate` a binding 400 from
//! `people/type/{type}`; the others 404).
//!
//! Workspace 12.7: its wire (no `links`, `null` for empty `userName`/`email`/`terminated`, no
//! `isRoomAdmin`/`isCollaborator`, 201 for POSTs, a text 401, 500 for failed sign-ins and for
//! permission failures on the PUTs, no API keys) and its rules: status changes skip the owner
//! and the caller; type changes take 1 (User) and 2 (Visitor) in either direction, skip the
//! owner, administrators and the caller (returned unchanged), and change nobody for any other
//! number; per-user quotas at `settings/userquota`; no quota reset. In the model a Visitor is
//! type 2 and a Workspace User any other type.
//!
//! The rate limiter, when on ([`RateLimit`]), counts POST and PUT against the daily write
//! budget and every method but GET as a write in flight.

#![warn(missing_docs)]

mod audit;
mod auth;
pub mod config;
mod counters;
mod dates;
mod error;
pub mod faults;
mod filter;
pub mod helpers;
mod job_runner;
mod job_steps;
mod jobs;
mod lifecycle;
mod lifecycle_routes;
mod limiter;
mod model;
mod params;
mod portal;
mod portal_routes;
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
pub use jobs::{JobKind, JobProgress, JobStatus};
pub use limiter::{InvalidRateLimit, RateLimit};
pub use portal::{FakeGroup, FakePortal, FakeUser};
pub use seed::{
    ADMIN_EMAIL, ADMIN_PASSWORD, DEFAULT_PASSWORD, GUEST_EMAIL, LDAP_USER_EMAIL, OWNER_API_KEY,
    OWNER_EMAIL, OWNER_PASSWORD, PENDING_INVITEE_EMAIL, READONLY_API_KEY, ROOM_ADMIN_EMAIL,
    SCOPED_API_KEY, TERMINATED_INVITEE_EMAIL, TERMINATED_USER_EMAIL, USER_EMAIL, USER_PASSWORD,
};
pub use wire::LOST_USER_ID;
