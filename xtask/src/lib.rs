//! Maintainer tasks for the `docspace-people` workspace.
//!
//! The one task so far, `regen`, turns `openapi/docspace-people.yaml` into
//! `crates/docspace-people-gen/src/generated.rs` with progenitor used as a library.

pub mod generate;
pub mod regen;
pub mod spec;
