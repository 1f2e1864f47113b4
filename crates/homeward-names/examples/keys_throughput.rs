//! Normalise + keys throughput in CPU time as well as wall time, so that the figure means
//! something on a shared, loaded machine (criterion reports wall time only). CPU time is
//! this thread's on-CPU time from Linux's /proc/thread-self/schedstat; elsewhere only wall
//! time is printed. Usage: keys_throughput [PASSES=100] over 10,000 synthetic names.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../benches/support/corpus.rs"]
mod corpus;

use homeward_names::{NameKeyer, PreparedName};
use std::hint::black_box;
use std::time::Instant;

/// This thread's CPU time so far in nanoseconds, if the kernel tells.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn measure(label: &str, names: usize, passes: usize, mut f: impl FnMut()) {
    let (c0, w0) = (thread_cpu_ns(), Instant::now());
    for _ in 0..passes {
        f();
    }
    let wall = w0.elapsed().as_secs_f64();
    let total = (names * passes) as f64;
    match (c0, thread_cpu_ns()) {
        (Some(a), Some(b)) => {
            let cpu = (b - a) as f64 / 1e9;
            println!(
                "{label:<32} {:>7.3} M names/s CPU ({cpu:.2} s)  {:>7.3} M names/s wall ({wall:.2} s)",
                total / cpu / 1e6,
                total / wall / 1e6
            );
        }
        _ => println!("{label:<32} {:>7.3} M names/s wall", total / wall / 1e6),
    }
}

fn main() {
    let passes: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let corpus = corpus::names(1, 10_000, &corpus::pools());
    measure("PreparedName::new (no cache)", corpus.len(), passes, || {
        for n in &corpus {
            black_box(PreparedName::new(black_box(n)));
        }
    });
    measure(
        "NameKeyer, fresh cache per 10k",
        corpus.len(),
        passes,
        || {
            let mut k = NameKeyer::new();
            for n in &corpus {
                black_box(k.prepare(black_box(n)));
            }
        },
    );
    let mut warm = NameKeyer::new();
    measure("NameKeyer, warm cache", corpus.len(), passes, || {
        for n in &corpus {
            black_box(warm.prepare(black_box(n)));
        }
    });
}
