//! Integration tests of homeward-names through its public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod fuzz_corpus;
mod properties;
mod variants;
