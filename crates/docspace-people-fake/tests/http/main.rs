//! Integration tests: the fake portal over real HTTP on loopback.

mod auth;
mod banner;
mod common;
mod delete;
mod errors;
mod faults;
mod filter;
mod invite;
mod jobs;
mod limiter;
mod rules_v36;
mod rules_v37;
mod selection;
