//! Criterion benches of the linkage engine on seeded synthetic multi-script records:
//! preparation (features and blocking), model fitting, and a whole run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use homeward_link::{LinkConfig, Linker};

#[path = "../tests/it/data.rs"]
#[allow(dead_code)]
mod data;

fn benches(c: &mut Criterion) {
    let s = data::generate(5_000, 1, 17);
    let config = LinkConfig {
        u_sample_pairs: 200_000,
        ..LinkConfig::default()
    };
    let mut g = c.benchmark_group(format!("link {} records", s.records.len()));
    g.sample_size(10);
    g.bench_function("prepare (features + blocking)", |b| {
        b.iter(|| Linker::new(&s.records, config.clone()).unwrap())
    });
    let linker = Linker::new(&s.records, config.clone()).unwrap();
    g.bench_function("fit (u sample + EM)", |b| b.iter(|| linker.fit()));
    let model = linker.fit();
    g.bench_function("score + cluster with a fitted model", |b| {
        b.iter(|| linker.run(Some(model.clone())))
    });
    g.finish();
}

criterion_group!(link, benches);
criterion_main!(link);
