//! The integration tests of the wrapper, in one binary (one link instead of one per file).
//!
//! Everything runs over real HTTP on loopback: against the fake portal
//! (`docspace-people-fake`) or a wiremock server that answers like the real one.

mod answers;
mod api;
mod bulk;
mod deciding;
mod enums;
mod faults;
mod invitations;
mod lifecycle;
mod limits;
mod plan;
mod portal;
mod properties;
mod ratelimit;
mod selection;
mod servers;
mod small;
mod sync;
mod wire;
