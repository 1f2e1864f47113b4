//! Criterion benchmark: how long generating a scenario (persons, lists, visits, events) takes.

use criterion::{criterion_group, criterion_main, Criterion};
use homeward_synth::{generate, ScenarioConfig};

fn bench_generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    for persons in [10_000usize, 100_000] {
        group.bench_function(format!("{persons}_persons_6_lists"), |b| {
            b.iter(|| generate(&ScenarioConfig::new(persons, 42)))
        });
    }
    group.finish();
}

// The macro generates an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, bench_generate);
}
use group::benches;
criterion_main!(benches);
