//! MCMC convergence diagnostics: split R-hat and the multi-chain effective sample size of
//! Gelman et al., Bayesian Data Analysis (3rd ed.), section 11.4–11.5.

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn variance(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64
}

/// Split R-hat: every chain is cut in two halves, and the between-half variance is compared
/// with the within-half variance. Returns 1 for constant draws and NaN without draws.
pub fn split_rhat(chains: &[Vec<f64>]) -> f64 {
    let half = chains.iter().map(|c| c.len() / 2).min().unwrap_or(0);
    if half < 2 {
        return f64::NAN;
    }
    let parts: Vec<&[f64]> = chains
        .iter()
        .flat_map(|c| [&c[..half], &c[c.len() - half..]])
        .collect();
    let n = half as f64;
    let means: Vec<f64> = parts.iter().map(|p| mean(p)).collect();
    let w = mean(&parts.iter().map(|p| variance(p)).collect::<Vec<_>>());
    let b = n * variance(&means);
    if w <= 0.0 {
        return if b <= 0.0 { 1.0 } else { f64::INFINITY };
    }
    let var_plus = (n - 1.0) / n * w + b / n;
    (var_plus / w).sqrt()
}

/// Effective sample size over all chains, from the combined autocorrelation with Geyer's
/// initial monotone positive sequence (BDA3 eq. 11.8 with the Stan variant of ρ̂_t).
pub fn effective_sample_size(chains: &[Vec<f64>]) -> f64 {
    let len = chains.iter().map(Vec::len).min().unwrap_or(0);
    let m = chains.len();
    if len < 4 || m == 0 {
        return f64::NAN;
    }
    let chains: Vec<&[f64]> = chains.iter().map(|c| &c[..len]).collect();
    let n = len as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let w = mean(&chains.iter().map(|c| variance(c)).collect::<Vec<_>>());
    let b = if m > 1 { n * variance(&means) } else { 0.0 };
    let var_plus = (n - 1.0) / n * w + b / n;
    if var_plus <= 0.0 {
        return (m * len) as f64;
    }
    // Autocovariance of chain c at lag t (biased, divided by n).
    let acov = |c: usize, t: usize| -> f64 {
        let x = chains[c];
        let mu = means[c];
        (0..len - t)
            .map(|i| (x[i] - mu) * (x[i + t] - mu))
            .sum::<f64>()
            / n
    };
    let rho = |t: usize| -> f64 {
        let mean_acov = (0..m).map(|c| acov(c, t)).sum::<f64>() / m as f64;
        1.0 - (w * (n - 1.0) / n - mean_acov) / var_plus
    };
    let mut tau = -1.0;
    let mut previous = f64::INFINITY;
    let mut t = 0;
    while t + 1 < len {
        let mut pair = rho(t) + rho(t + 1);
        if pair <= 0.0 {
            break;
        }
        pair = pair.min(previous);
        previous = pair;
        tau += 2.0 * pair;
        t += 2;
    }
    let ess = (m * len) as f64 / tau.max(1.0 / (m * len) as f64);
    ess.min((m * len) as f64 * (len as f64).log10().max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn independent_draws_have_rhat_near_one_and_full_ess() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let chains: Vec<Vec<f64>> = (0..4)
            .map(|_| (0..1000).map(|_| rng.gen::<f64>()).collect())
            .collect();
        let r = split_rhat(&chains);
        assert!((r - 1.0).abs() < 0.01, "{r}");
        let ess = effective_sample_size(&chains);
        assert!(ess > 3000.0 && ess < 5000.0, "{ess}");
    }

    #[test]
    fn separated_chains_have_large_rhat_and_autocorrelation_lowers_ess() {
        let chains = vec![
            vec![0.0, 0.1, 0.0, 0.1, 0.0, 0.1],
            vec![5.0, 5.1, 5.0, 5.1, 5.0, 5.1],
        ];
        assert!(split_rhat(&chains) > 2.0);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut x = 0.0;
        let ar: Vec<Vec<f64>> = (0..2)
            .map(|_| {
                (0..2000)
                    .map(|_| {
                        x = 0.95 * x + rng.gen::<f64>() - 0.5;
                        x
                    })
                    .collect()
            })
            .collect();
        assert!(effective_sample_size(&ar) < 400.0);
    }
}
