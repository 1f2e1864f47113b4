//! EM recovers known m and u probabilities from simulated comparison vectors.

use homeward_link::{fit_patterns, Field, Pattern, FIELDS, MISSING};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

fn draw(rng: &mut ChaCha8Rng, p: &[f64]) -> u8 {
    let x: f64 = rng.gen();
    let mut acc = 0.0;
    for (l, q) in p.iter().enumerate() {
        acc += q;
        if x < acc {
            return l as u8;
        }
    }
    (p.len() - 1) as u8
}

/// Known m and u per field: matches mostly at the top level, non-matches mostly at the bottom.
fn truth() -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut m = Vec::new();
    let mut u = Vec::new();
    for f in Field::ALL {
        let k = f.levels().len();
        let mut mm: Vec<f64> = (0..k).map(|l| 0.05 + l as f64).collect();
        mm[k - 1] *= 3.0;
        let s: f64 = mm.iter().sum();
        m.push(mm.iter().map(|x| x / s).collect::<Vec<_>>());
        let mut uu: Vec<f64> = (0..k).map(|l| 0.5f64.powi(2 * l as i32)).collect();
        uu[0] *= 4.0;
        let s: f64 = uu.iter().sum();
        u.push(uu.iter().map(|x| x / s).collect::<Vec<_>>());
    }
    (m, u)
}

fn simulate(n: usize, lambda: f64, missing: f64, seed: u64) -> Vec<(Pattern, u64)> {
    let (m, u) = truth();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut hist: BTreeMap<Pattern, u64> = BTreeMap::new();
    for _ in 0..n {
        let is_match = rng.gen_bool(lambda);
        let mut p = [MISSING; FIELDS];
        for f in 0..FIELDS {
            if rng.gen_bool(missing) {
                continue;
            }
            p[f] = draw(&mut rng, if is_match { &m[f] } else { &u[f] });
        }
        *hist.entry(p).or_default() += 1;
    }
    hist.into_iter().collect()
}

fn max_error(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn em_recovers_m_with_u_fixed() {
    let (m, u) = truth();
    let hist = simulate(200_000, 0.2, 0.2, 7);
    let (fit_m, _, lambda) = fit_patterns(&hist, &u, false);
    assert!((lambda - 0.2).abs() < 0.01, "lambda {lambda}");
    let err = max_error(&fit_m, &m);
    assert!(err < 0.02, "max |m error| {err}");
}

#[test]
fn em_recovers_m_and_u_from_a_rough_start() {
    let (m, u) = truth();
    // Start u away from the truth: uniform over levels.
    let u0: Vec<Vec<f64>> = u
        .iter()
        .map(|x| vec![1.0 / x.len() as f64; x.len()])
        .collect();
    let hist = simulate(200_000, 0.3, 0.1, 11);
    let (fit_m, fit_u, lambda) = fit_patterns(&hist, &u0, true);
    assert!((lambda - 0.3).abs() < 0.01, "lambda {lambda}");
    assert!(
        max_error(&fit_m, &m) < 0.02,
        "m error {}",
        max_error(&fit_m, &m)
    );
    assert!(
        max_error(&fit_u, &u) < 0.02,
        "u error {}",
        max_error(&fit_u, &u)
    );
}
