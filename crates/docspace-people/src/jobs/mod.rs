//! The server's background jobs, one user at a time: starting a type change or a data
//! reassignment, following it to its end (and terminating it when cancelled), and the single
//! lifecycle calls (reassignment check, deletion). Nothing here knows about bulk runs: the bulk
//! engine and offboarding drive these.

mod follow;
mod ops;
mod progress;

pub use follow::{JobEnd, JobOptions};
pub use progress::{JobProgress, JobStatus};

pub(crate) use follow::{Follow, JobKind, Started};
pub(crate) use ops::{delete_request, reassign_request, type_change_request};
