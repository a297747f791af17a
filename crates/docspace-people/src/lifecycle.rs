//! The user lifecycle behind demotions and offboarding: the server's background jobs (a
//! user's type change, the move of a user's data), and deletion.
//!
//! On DocSpace 3.1 and later, `PUT people/type/{type}` only raises a type. Lowering one (a
//! DocSpace admin or room admin to User or Guest, a User to Guest) is a background job, one
//! user at a time: it gives the user's rooms to a receiver, lowers their room roles and changes
//! the type last. The bulk engine ([`Client::bulk`](crate::Client::bulk) with
//! [`Change::Type`](crate::Change::Type)) sends promotions as PUTs and demotions as jobs, and
//! reports each user like any other; [`BulkJob::reassign_to`](crate::bulk::BulkJob::reassign_to)
//! names the receiver.
//!
//! The server runs jobs of one kind one after another, keeps a job's record for about a minute
//! after its last update, and answers "canceled" to a terminate even when the job had already
//! finished. So the outcome of a job is always settled by reading the user back, never by the
//! job's record alone.
//!
//! Offboarding ([`Client::offboard`](crate::Client::offboard)) disables users, optionally moves
//! their data to a receiver, and optionally deletes them. Deletion cannot be undone, and the
//! server deletes only disabled users: [`Client::delete_user`](crate::Client::delete_user)
//! checks that before sending.
//!
//! This module gathers the public types of the two layers that do this: the jobs
//! (`src/jobs/`) and offboarding (`src/offboard.rs`).

pub use crate::jobs::{JobEnd, JobOptions, JobProgress, JobStatus};
pub use crate::offboard::{
    Offboard, OffboardOptions, OffboardPlan, OffboardReport, OffboardUser, Step, StepOutcome,
};
