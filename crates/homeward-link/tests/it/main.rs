//! Behaviour of the linkage engine through its public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod data;
mod determinism;
mod em;
mod quality;
