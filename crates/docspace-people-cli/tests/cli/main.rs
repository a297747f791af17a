//! End-to-end tests: the built `docspace-people` binary against the in-process demo portal
//! (`--demo`) and against a fake portal started here (`--portal` and `--token`), checking
//! stdout, stderr, report files, the portal's state and the exit codes.

mod common;
mod consequences;

mod auth;
mod demo;
mod guard;
mod invite;
mod journal;
mod large;
mod lifecycle;
mod quota;
mod reports;
mod requests;
mod safety;
mod select;
mod sync;
mod targets;
mod terminal;
mod users_list;
