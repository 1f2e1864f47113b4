//! Behaviour of the scenario generator through its public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod errors;
mod lists;
mod reproducible;
mod timeline;
