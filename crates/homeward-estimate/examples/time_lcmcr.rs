//! Times 100,000 LCMCR sweeps on the five-list table (CPU-time check outside criterion).
#![allow(clippy::unwrap_used, missing_docs)]
use homeward_estimate::lcmcr::{run_chain, LcmcrOptions};

fn main() {
    let t = homeward_estimate::parse_table(include_str!("../tests/data/madigan_york_5lists.csv"))
        .unwrap();
    let opts = LcmcrOptions {
        warmup: 0,
        burnin: 0,
        samples: 10_000,
        thinning: 10,
        chains: 1,
        ..Default::default()
    };
    let start = std::time::Instant::now();
    let out = run_chain(&t, &opts, 1, 0);
    println!(
        "{:?} median-ish N {}",
        start.elapsed(),
        out.n[out.n.len() / 2]
    );
}
