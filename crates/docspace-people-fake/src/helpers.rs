//! What the fake uses to write answers as the server does, public for benchmarks and tests that
//! build server answers without starting a portal (the decode benchmark of `docspace-people`).

pub use crate::dates::api_date;
pub use crate::rng::SplitMix64;
pub use crate::wire::html_encode;
