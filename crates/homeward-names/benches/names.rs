//! Benchmarks: normalise + keys throughput, and index search against a full scan over
//! 1,000,000 synthetic persons with the same scorer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use homeward_names::{analyse, NameIndex, NameKeyer, PreparedName, SAME_NAME_THRESHOLD};
use std::time::{Duration, Instant};

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{names, pools};

fn bench_keys(c: &mut Criterion) {
    let p = pools();
    let corpus = names(1, 10_000, &p);
    let mut g = c.benchmark_group("normalise_keys");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.bench_function("prepared_name_10k", |b| {
        b.iter(|| {
            for n in &corpus {
                black_box(PreparedName::new(black_box(n)));
            }
        })
    });
    g.bench_function("keyer_10k_fresh_cache", |b| {
        b.iter(|| {
            let mut k = NameKeyer::new();
            for n in &corpus {
                black_box(k.prepare(black_box(n)));
            }
        })
    });
    let mut warm = NameKeyer::new();
    g.bench_function("keyer_10k_warm_cache", |b| {
        b.iter(|| {
            for n in &corpus {
                black_box(warm.prepare(black_box(n)));
            }
        })
    });
    g.bench_function("analyse_10k", |b| {
        b.iter(|| {
            for n in &corpus {
                black_box(analyse(black_box(n)));
            }
        })
    });
    g.finish();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench_search(c: &mut Criterion) {
    let p = pools();
    let n: usize = std::env::var("NAMES_BENCH_PERSONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let people = names(2, n, &p);
    let t = Instant::now();
    let ix = NameIndex::new(
        people
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u64, s.as_str())),
    );
    let build = t.elapsed();
    let nq: usize = std::env::var("NAMES_BENCH_QUERIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let queries = names(3, nq, &p);
    eprintln!(
        "index: {} persons, {} distinct name parts, built in {:.2} s",
        ix.len(),
        ix.vocabulary_len(),
        build.as_secs_f64()
    );
    // The ratio, measured in one run over the same queries: median per query.
    let mut t_index = Vec::new();
    let mut t_scan = Vec::new();
    let mut agree = 0usize;
    let mut agree_same = 0usize;
    for q in &queries {
        let t = Instant::now();
        let a = black_box(ix.search(q, 10));
        t_index.push(t.elapsed());
        if std::env::var_os("NAMES_BENCH_SKIP_SCAN").is_some() {
            continue;
        }
        let t = Instant::now();
        let b = black_box(ix.scan(q, 10));
        t_scan.push(t.elapsed());
        agree += usize::from(a == b);
        let above = |v: &[(u64, f64)]| -> Vec<(u64, f64)> {
            v.iter()
                .copied()
                .filter(|h| h.1 >= SAME_NAME_THRESHOLD)
                .collect()
        };
        let same = above(&a) == above(&b);
        agree_same += usize::from(same);
        if !same && std::env::var_os("NAMES_BENCH_DEBUG").is_some() {
            eprintln!(
                "differs for {q:?}:\n  index {:?}\n  scan  {:?}",
                above(&a),
                above(&b)
            );
        }
    }
    if t_scan.is_empty() {
        eprintln!(
            "search top 10: index median {:.3} ms",
            median(t_index).as_secs_f64() * 1e3
        );
        return;
    }
    let (mi, ms) = (median(t_index), median(t_scan));
    eprintln!(
        "search top 10: index median {:.3} ms, full scan median {:.1} ms, ratio {:.0}x; \
         identical top 10 for {}/{} queries, identical results at or above the \
         threshold for {}/{}",
        mi.as_secs_f64() * 1e3,
        ms.as_secs_f64() * 1e3,
        ms.as_secs_f64() / mi.as_secs_f64(),
        agree,
        queries.len(),
        agree_same,
        queries.len()
    );
    let mut g = c.benchmark_group("search_top10");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_with_input(BenchmarkId::new("index_query_set", n), &queries, |b, qs| {
        b.iter(|| {
            for q in qs {
                black_box(ix.search(q, 10));
            }
        })
    });
    g.bench_with_input(
        BenchmarkId::new("scan_one_query", n),
        &queries[..1],
        |b, qs| {
            b.iter(|| {
                for q in qs {
                    black_box(ix.scan(q, 10));
                }
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench_keys, bench_search);
criterion_main!(benches);
