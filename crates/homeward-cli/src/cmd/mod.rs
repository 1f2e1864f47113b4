//! One module per subcommand; each has an `Args` (clap) and an async `run`.

pub mod db;
pub mod demo;
pub mod estimate;
pub mod import;
pub mod link;
pub mod names;
pub mod person;
pub mod report;
pub mod review;
pub mod search;
pub mod settings;
pub mod status;
