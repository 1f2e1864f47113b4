//! Trust use cases through their public interfaces, on a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod trust;
