//! Results depend neither on input order nor on thread count.

use crate::data::generate;
use homeward_link::{link, LinkConfig, LinkMode, LinkOutput, LinkRecord};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Pairs as (left id, right id, probability bits) and clusters as (id, cluster id).
type Canon = (Vec<(String, String, u64)>, Vec<(String, String)>);

fn canon(records: &[LinkRecord], out: &LinkOutput) -> Canon {
    let id = |i: u32| records[i as usize].record_id.clone().unwrap();
    let pairs = out
        .pairs
        .iter()
        .map(|p| (id(p.left), id(p.right), p.probability.to_bits()))
        .collect();
    let mut clusters: Vec<(String, String)> = out
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (id(i as u32), id(*c)))
        .collect();
    clusters.sort();
    (pairs, clusters)
}

#[test]
fn permuting_the_input_changes_nothing() {
    let s = generate(300, 1, 3);
    let config = LinkConfig {
        u_sample_pairs: 50_000,
        ..LinkConfig::default()
    };
    let a = link(&s.records, config.clone(), None).unwrap();
    let mut shuffled = s.records.clone();
    shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(99));
    let b = link(&shuffled, config, None).unwrap();
    assert!(!a.pairs.is_empty());
    assert_eq!(canon(&s.records, &a), canon(&shuffled, &b));
}

#[test]
fn thread_count_changes_nothing() {
    let s = generate(300, 2, 5);
    let config = LinkConfig {
        mode: LinkMode::LinkAndDedupe,
        u_sample_pairs: 50_000,
        ..LinkConfig::default()
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| link(&s.records, config.clone(), None).unwrap())
    };
    let one = run(1);
    let two = run(2);
    let four = run(4);
    assert_eq!(canon(&s.records, &one), canon(&s.records, &two));
    assert_eq!(canon(&s.records, &one), canon(&s.records, &four));
    assert_eq!(one.model, two.model);
}

/// Oversized buckets (paired within a sorted window) give the same pairs and clusters
/// whatever the input order or thread count, and grow linearly.
#[test]
fn windowed_buckets_are_deterministic_and_linear() {
    let s = generate(300, 2, 7);
    let mut config = LinkConfig {
        u_sample_pairs: 50_000,
        ..LinkConfig::default()
    };
    config.limits.max_bucket = 3;
    config.limits.window = 2;
    let run = |records: &[LinkRecord], threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| link(records, config.clone(), None).unwrap())
    };
    let one = run(&s.records, 1);
    assert!(one
        .report
        .warnings
        .iter()
        .any(|w| w.contains("sorted window")));
    assert!(one.report.blocking.iter().any(|r| r.dropped_buckets > 0));
    // Buckets of at most 3 records paired in full, larger ones within a window of 2 in two
    // orders: at most 2 pairs per record and key.
    let n = s.records.len() as u64;
    for r in &one.report.blocking {
        assert!(r.pairs <= 8 * 2 * n, "{:?}: {}", r.rule, r.pairs);
    }
    let mut shuffled = s.records.clone();
    shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(5));
    let two = run(&shuffled, 2);
    assert_eq!(canon(&s.records, &one), canon(&shuffled, &two));
    assert_eq!(one.model, two.model);
}
