//! Behaviour of the `homeward` binary through its command line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod architecture;
mod import;
mod link;
mod registry;
mod trust;
