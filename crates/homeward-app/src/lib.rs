//! Homeward's use cases over the storage contract: import (with linkage to the registry),
//! review of proposed links, merges and splits, estimation from the registry, status, search,
//! the demo scenario, detention monitoring (casework, the access gap), family tracing
//! (enquiries) and PFIF. Sees only `homeward_store::Store`, never SQL. Result types are plain
//! and serde-serialisable so that the CLI and the web pages render the same use cases.

pub mod accounts;
pub mod audit;
pub mod browse;
pub mod casework;
pub mod custody;
pub mod demo;
pub mod enquiry;
pub mod handover;
pub mod import;
pub mod linkage;
pub mod monitoring;
pub mod pfif;
pub mod policy;
pub mod public_report;
pub mod reports;
pub mod search;
pub mod sessions;
pub mod status;
