//! Homeward's use cases over the storage contract: import, status, search and the demo
//! scenario. Sees only `homeward_store::Store`, never SQL.

pub mod demo;
pub mod import;
pub mod monitoring;
pub mod search;
pub mod status;
pub mod accounts;
pub mod audit;
pub mod custody;
pub mod policy;
pub mod public_report;
