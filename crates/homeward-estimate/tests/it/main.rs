//! Behaviour of the estimation crate through its public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod coverage;
mod fuzz_corpus;
mod published;
