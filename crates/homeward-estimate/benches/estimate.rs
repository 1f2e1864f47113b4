//! Criterion benchmarks: 100,000 LCMCR Gibbs sweeps and the full two-way log-linear search
//! (1,024 models) on a five-list table (Madigan & York's example from the dga package).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use homeward_estimate::lcmcr::{run_chain, LcmcrOptions};
use homeward_estimate::loglinear::search_models;
use homeward_estimate::parse_table;

const TABLE: &str = include_str!("../tests/data/madigan_york_5lists.csv");

fn benches(c: &mut Criterion) {
    let table = parse_table(TABLE).unwrap();
    let mut group = c.benchmark_group("estimate");
    group.sample_size(10);
    group.bench_function("loglinear_search_5lists_1024_models", |b| {
        b.iter(|| search_models(&table))
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function("loglinear_search_5lists_1024_models_1thread", |b| {
        b.iter(|| one.install(|| search_models(&table)))
    });
    let opts = LcmcrOptions {
        warmup: 0,
        burnin: 0,
        samples: 10_000,
        thinning: 10,
        chains: 1,
        ..Default::default()
    };
    group.bench_function("lcmcr_100k_gibbs_sweeps_5lists", |b| {
        b.iter(|| run_chain(&table, &opts, 1, 0))
    });
    group.finish();
}

criterion_group!(estimate, benches);
criterion_main!(estimate);
