//! Homeward's use cases over the storage contract: import, status, search and the demo
//! scenario. Sees only `homeward_store::Store`, never SQL.

pub mod browse;
pub mod demo;
pub mod import;
pub mod monitoring;
pub mod reports;
pub mod search;
pub mod status;
