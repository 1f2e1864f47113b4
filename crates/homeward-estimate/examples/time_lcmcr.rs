//! Times 100,000 LCMCR sweeps on the five-list table, in wall time and in this thread's CPU
//! time (Linux /proc/thread-self/schedstat), so that the figure means something on a shared,
//! loaded machine. Usage: time_lcmcr [RUNS=5]; prints each run and the medians.
#![allow(clippy::unwrap_used, missing_docs)]
use homeward_estimate::lcmcr::{run_chain, LcmcrOptions};
use std::time::Instant;

fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
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
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    for run in 0..runs.max(1) {
        let c0 = thread_cpu_ns();
        let start = Instant::now();
        let out = run_chain(&t, &opts, 1, 0);
        let wall = start.elapsed().as_secs_f64();
        let cpu = match (c0, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 / 1e9,
            _ => f64::NAN,
        };
        println!(
            "run {run}: 100,000 sweeps in {wall:.3} s wall, {cpu:.3} s CPU (N at the middle draw {})",
            out.n[out.n.len() / 2]
        );
        walls.push(wall);
        cpus.push(cpu);
    }
    println!(
        "median: {:.3} s wall, {:.3} s CPU",
        median(walls),
        median(cpus)
    );
}
