//! One module per subcommand; each has an `Args` (clap) and an async `run`.

pub mod estimate;
pub mod link;
pub mod names;
