//! Homeward's use cases over the storage contract: import (with linkage to the registry),
//! review of proposed links, merges and splits, estimation from the registry, status, search
//! and the demo scenario. Sees only `homeward_store::Store`, never SQL.

pub mod demo;
pub mod import;
pub mod linkage;
pub mod monitoring;
pub mod search;
pub mod status;
