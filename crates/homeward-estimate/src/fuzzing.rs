//! Entry point of the cargo-fuzz target `estimate_table` in `fuzz/`, kept in this crate so
//! that the corpus replay run by `cargo test` (on stable) drives exactly the code the fuzzer
//! drives. Takes arbitrary bytes and must return without panicking.

use crate::lcmcr::{run_chain, LcmcrOptions};
use crate::loglinear::{fit_model, profile_interval};
use crate::{parse_stratified_table, parse_table};

/// Parses `data` as an overlap table (plain and stratified) and, when it parses, fits the
/// independence model with its profile interval and runs a few sweeps of the LCMCR
/// sampler, so that hostile counts reach the arithmetic as well as the parser.
pub fn overlap_table(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_stratified_table(text, None);
    let Ok(table) = parse_table(text) else {
        return;
    };
    if table.list_count() > 6 {
        return;
    }
    let fit = fit_model(&table, &[]);
    let _ = profile_interval(&table, &fit, 0.95);
    let opts = LcmcrOptions {
        truncation: 3,
        warmup: 2,
        burnin: 2,
        samples: 2,
        thinning: 1,
        chains: 1,
        ..LcmcrOptions::default()
    };
    let _ = run_chain(&table, &opts, 1, 0);
}
