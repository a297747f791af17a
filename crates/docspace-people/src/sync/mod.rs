//! Keeping a portal in line with its source of truth (an HR export, an identity provider's
//! list): plan, then apply exactly that plan.
//!
//! [`SyncPlan::build`] compares the desired rows ([`DesiredUser`]) with the portal's users and
//! lists what would bring the portal in line: invitations for joiners, enabling returners,
//! disabling (or offboarding) leavers, type and quota changes for movers. It also lists who is
//! protected, out of scope, still Pending, or unmatched, and applies the safeguards: too many
//! leavers, or a source that looks truncated, hold the plan ([`Verdict`]). A plan serializes to
//! JSON and reads back.
//!
//! [`Client::check_sync`](crate::Client::check_sync) reads the portal again before applying:
//! a user whose state is neither what the plan observed nor what it wants is **drifted** and
//! left alone, and the safeguards are checked again. [`Client::apply_sync`](crate::Client::apply_sync)
//! then runs each phase through the bulk engine and the invitations.
//!
//! ```no_run
//! # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
//! use docspace_people::sync::{DesiredUser, Source, SyncOptions};
//! use docspace_people::UserType;
//!
//! let desired = vec![
//!     DesiredUser::email("jane@example.com").with_type(UserType::RoomAdmin),
//!     DesiredUser::email("joe@example.com"),
//! ];
//! let plan = client
//!     .plan_sync(&desired, &SyncOptions::default(), Source::named("hr.csv", &desired))
//!     .await?;
//! for action in &plan.actions {
//!     println!("{} {} ({})", action.action, action.email.as_deref().unwrap_or("-"), action.why);
//! }
//! if !plan.verdict.held {
//!     let report = client.apply_sync(&plan, Default::default()).await?;
//!     println!("{} drifted", report.drifted.len());
//! }
//! # Ok(()) }
//! ```

mod apply;
mod desired;
mod options;
mod plan;

pub use apply::{CheckedPlan, Drifted, Phase, SyncReport};
pub use desired::{DesiredStatus, DesiredUser, QuotaWish, SyncKey};
pub use options::{Joiners, LeaverLimit, Leavers, LoginKind, SyncOptions};
pub use plan::{ActionKind, Listed, Observed, PLAN_FORMAT, Source, SyncAction, SyncPlan, Verdict};
