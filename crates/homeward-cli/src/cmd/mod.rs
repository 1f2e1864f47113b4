//! One module per subcommand; each has an `Args` (clap) and an async `run`.

pub mod audit;
pub mod custody;
pub mod db;
pub mod demo;
pub mod enquiry;
pub mod estimate;
pub mod event;
pub mod export;
pub mod handover;
pub mod import;
pub mod keys;
pub mod link;
pub mod names;
pub mod person;
pub mod place;
pub mod report;
pub mod review;
pub mod search;
pub mod serve;
pub mod settings;
pub mod status;
pub mod user;
pub mod visit;
