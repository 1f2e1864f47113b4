//! Use-case tests of homeward-app through its public interface, on a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod linkage;
