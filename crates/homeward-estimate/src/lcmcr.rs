//! The non-parametric latent class capture–recapture model of Manrique-Vallier (2016,
//! Biometrics 72:1246–1254): a Gibbs sampler following the R package LCMCR 0.4.14, run as
//! several seeded chains in parallel, with R-hat and effective sample size.

use rand::Rng;
use rand::SeedableRng;
use rand_distr::{Binomial, Distribution, Gamma, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::diagnostics::{effective_sample_size, split_rhat};
use crate::special::quantile_sorted;
use crate::table::OverlapTable;

/// Settings of the sampler. The defaults are LCMCR's documented example settings (K = 10,
/// Gamma(0.25, 0.25) on α, Beta(1,1) on every λ) and `lcmCR_PostSampl`'s defaults (10,000
/// burn-in sweeps, 1,000 samples kept every 10th sweep), run as four chains.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmcrOptions {
    /// Truncation level K of the stick-breaking prior (maximum number of latent classes).
    pub truncation: usize,
    /// Shape a_α of the Gamma prior on the concentration α.
    pub a_alpha: f64,
    /// Rate b_α of the Gamma prior on α.
    pub b_alpha: f64,
    /// Sweeps of LCMCR's initial warm-up (no α update), before classes are reordered.
    pub warmup: usize,
    /// Burn-in sweeps discarded after the warm-up.
    pub burnin: usize,
    /// Posterior draws kept per chain.
    pub samples: usize,
    /// Sweeps between kept draws.
    pub thinning: usize,
    /// Independent chains, each with its own stream of the seed.
    pub chains: usize,
}

impl Default for LcmcrOptions {
    fn default() -> Self {
        Self {
            truncation: 10,
            a_alpha: 0.25,
            b_alpha: 0.25,
            warmup: 500,
            burnin: 10_000,
            samples: 1_000,
            thinning: 10,
            chains: 4,
        }
    }
}

/// Posterior summary of N with convergence diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmcrResult {
    /// Posterior draws of N, one vector per chain.
    pub draws: Vec<Vec<f64>>,
    /// Posterior median of N.
    pub median: f64,
    /// Lower end of the equal-tailed credible interval.
    pub lower: f64,
    /// Upper end of the equal-tailed credible interval.
    pub upper: f64,
    /// Split R-hat of N over all chains (1 is ideal; above 1.1 is poor mixing).
    pub rhat: f64,
    /// Effective sample size of N over all chains.
    pub ess: f64,
    /// Share of kept sweeps in which every one of the K classes was occupied.
    pub truncation_share: f64,
    /// Share of kept draws at LCMCR's hard cap N ≤ 21n.
    pub cap_share: f64,
}

/// Draws from a chain, kept sweeps only.
#[derive(Debug, Clone)]
pub struct ChainOutput {
    /// N = n + n0 at each kept sweep.
    pub n: Vec<f64>,
    /// Kept sweeps with all K classes occupied.
    pub full_truncation: usize,
    /// Kept sweeps whose n0 stood at the cap of 20n.
    pub at_cap: usize,
}

/// log of a Gamma(shape, 1) draw; shapes below 1 use log G(a+1) + log(U)/a (Robert &
/// Casella), which does not underflow as a direct small-shape draw does.
fn log_gamma_draw<R: Rng>(rng: &mut R, shape: f64) -> f64 {
    if shape >= 1.0 {
        match Gamma::new(shape, 1.0) {
            Ok(g) => g.sample(rng).max(f64::MIN_POSITIVE).ln(),
            Err(_) => f64::NEG_INFINITY,
        }
    } else {
        let u: f64 = rng.gen::<f64>().max(f64::MIN_POSITIVE);
        log_gamma_draw(rng, shape + 1.0) + u.ln() / shape.max(1e-300)
    }
}

/// A Gamma(shape, 1) draw for shape ≥ 1 (where it cannot underflow).
fn gamma_draw<R: Rng>(rng: &mut R, shape: f64) -> f64 {
    match Gamma::new(shape, 1.0) {
        Ok(g) => g.sample(rng).max(f64::MIN_POSITIVE),
        Err(_) => f64::MIN_POSITIVE,
    }
}

/// (log B, log(1 − B)) for B ~ Beta(a, b), drawn as two log-gammas.
fn log_beta_draw<R: Rng>(rng: &mut R, a: f64, b: f64) -> (f64, f64) {
    let x = log_gamma_draw(rng, a);
    let y = log_gamma_draw(rng, b);
    let m = x.max(y);
    let lse = m + ((x - m).exp() + (y - m).exp()).ln();
    (x - lse, y - lse)
}

fn binomial<R: Rng>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    match Binomial::new(n, p) {
        Ok(b) => b.sample(rng),
        Err(_) => 0,
    }
}

/// Most classes whose cumulative weights are kept on the stack by `multinomial`.
const MAX_CLASSES_INLINE: usize = 64;

/// Multinomial(total, probs) into `out` (probs need not be normalised). Small totals are
/// drawn one person at a time, large ones as a chain of binomials.
fn multinomial<R: Rng>(rng: &mut R, total: u64, probs: &[f64], out: &mut [u64]) {
    out.iter_mut().for_each(|v| *v = 0);
    let sum: f64 = probs.iter().sum();
    if total == 0 || sum.is_nan() || sum <= 0.0 || probs.is_empty() {
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return;
    }
    // One person at a time costs a uniform and a comparison with each cumulative weight
    // (counted without branches, so there is no misprediction per person); a binomial draw
    // costs several times that, and the chain needs one per class. So totals up to 16 draws
    // per class go person by person (every observed cell of the usual tables), larger ones
    // as a chain of binomials.
    if total as usize <= 16 * probs.len() && probs.len() <= MAX_CLASSES_INLINE {
        let last = probs.len() - 1;
        let mut cum = [f64::INFINITY; MAX_CLASSES_INLINE];
        let mut acc = 0.0;
        for (c, &p) in cum.iter_mut().zip(&probs[..last]) {
            acc += p;
            *c = acc;
        }
        let cum = &cum[..last];
        for _ in 0..total {
            let u = rng.gen::<f64>() * sum;
            // The first class whose cumulative weight exceeds u.
            let chosen = cum.iter().map(|&c| usize::from(c <= u)).sum::<usize>();
            out[chosen.min(last)] += 1;
        }
        return;
    }
    let mut remaining = total;
    let mut rest = sum;
    let last = probs.len() - 1;
    for k in 0..last {
        if remaining == 0 {
            return;
        }
        let q = if rest > 0.0 {
            (probs[k] / rest).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let x = binomial(rng, remaining, q);
        out[k] = x;
        remaining -= x;
        rest -= probs[k];
    }
    out[last] += remaining;
}

/// One chain of the sampler (steps as in LCMCR's `CNPLCM_CR_Basic_Freq::Update`).
struct Chain {
    j: usize,
    k: usize,
    /// Observed patterns (bit masks) and their counts.
    cells: Vec<(usize, u64)>,
    n: u64,
    /// λ/(1 − λ) per list and class, at [j * K + k]; kept in linear space because the
    /// class probabilities of a pattern are then products, without exp/log per cell.
    odds: Vec<f64>,
    /// 1 − λ per list and class.
    miss: Vec<f64>,
    log_pi: Vec<f64>,
    /// π_k Π_j (1 − λ_jk) / max π: weight of class k for the all-zero pattern.
    zero_weight: Vec<f64>,
    alpha: f64,
    n0: u64,
    /// Augmented (unobserved) people per class.
    n0_class: Vec<u64>,
    /// People per class (observed + augmented) from the last sweep.
    class_total: Vec<u64>,
    /// Observed people per class with x_j = 1, at [j * K + k].
    ones: Vec<u64>,
    a_alpha: f64,
    b_alpha: f64,
    at_cap: bool,
    scratch_p: Vec<f64>,
    scratch_c: Vec<u64>,
    scratch_observed: Vec<u64>,
}

impl Chain {
    fn new<R: Rng>(table: &OverlapTable, opts: &LcmcrOptions, rng: &mut R) -> Self {
        let j = table.list_count();
        let k = opts.truncation.max(1);
        let n = table.observed();
        let cells: Vec<(usize, u64)> = table
            .counts()
            .iter()
            .enumerate()
            .filter(|(m, c)| *m > 0 && **c > 0)
            .map(|(m, &c)| (m, c))
            .collect();
        let mut odds = vec![0.0; j * k];
        let mut miss = vec![0.0; j * k];
        for list in 0..j {
            let share = (table.list_total(list) as f64 / n.max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
            for class in 0..k {
                odds[list * k + class] = share / (1.0 - share);
                miss[list * k + class] = 1.0 - share;
            }
        }
        // Sticks from Beta(1,1), as LCMCR's initialisation leaves them.
        let mut log_pi = vec![0.0; k];
        let mut rest = 0.0;
        for (class, lp) in log_pi.iter_mut().enumerate() {
            if class + 1 == k {
                *lp = rest;
            } else {
                let v: f64 = rng.gen::<f64>().clamp(1e-12, 1.0 - 1e-12);
                *lp = rest + v.ln();
                rest += (1.0 - v).ln();
            }
        }
        Self {
            j,
            k,
            cells,
            n,
            odds,
            miss,
            log_pi,
            zero_weight: vec![0.0; k],
            alpha: 0.3 / k as f64,
            n0: 0,
            n0_class: vec![0; k],
            class_total: vec![0; k],
            ones: vec![0; j * k],
            a_alpha: opts.a_alpha,
            b_alpha: opts.b_alpha,
            at_cap: false,
            scratch_p: vec![0.0; k],
            scratch_c: vec![0; k],
            scratch_observed: vec![0; k],
        }
    }

    fn sweep<R: Rng>(&mut self, rng: &mut R, update_alpha: bool) {
        let (j, k) = (self.j, self.k);
        // 1. Observed people to classes, pattern by pattern.
        self.ones.iter_mut().for_each(|v| *v = 0);
        let mut observed_class = std::mem::take(&mut self.scratch_observed);
        observed_class.iter_mut().for_each(|v| *v = 0);
        observed_class.resize(k, 0);
        self.update_zero_weight();
        for cell in 0..self.cells.len() {
            let (mask, count) = self.cells[cell];
            self.scratch_p.copy_from_slice(&self.zero_weight);
            let mut bits = mask;
            while bits != 0 {
                let list = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let odds = &self.odds[list * k..(list + 1) * k];
                for (p, o) in self.scratch_p.iter_mut().zip(odds) {
                    *p *= o;
                }
            }
            let sum: f64 = self.scratch_p.iter().sum();
            if !(sum > 0.0 && sum.is_finite()) {
                self.pattern_weights_in_logs(mask);
            }
            multinomial(rng, count, &self.scratch_p, &mut self.scratch_c);
            for (o, &c) in observed_class.iter_mut().zip(&self.scratch_c) {
                *o += c;
            }
            // List by list over the set bits, a whole row of classes at a time.
            let mut bits = mask;
            while bits != 0 {
                let list = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                for (o, &c) in self.ones[list * k..(list + 1) * k]
                    .iter_mut()
                    .zip(&self.scratch_c)
                {
                    *o += c;
                }
            }
        }
        for ((total, observed), augmented) in self
            .class_total
            .iter_mut()
            .zip(&observed_class)
            .zip(&self.n0_class)
        {
            *total = observed + augmented;
        }
        self.scratch_observed = observed_class;
        // 2. λ_jk from Beta(1 + ones, 1 + zeros), augmented people counting as zeros.
        for list in 0..j {
            for class in 0..k {
                let ones = self.ones[list * k + class];
                let zeros = self.class_total[class] - ones;
                if self.class_total[class] == 0 {
                    // An empty class draws from the Beta(1, 1) prior: a uniform, which
                    // costs one draw instead of two gammas (most of the K classes are
                    // empty in most sweeps).
                    let u: f64 = rng
                        .gen::<f64>()
                        .clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
                    self.odds[list * k + class] = u / (1.0 - u);
                    self.miss[list * k + class] = 1.0 - u;
                    continue;
                }
                // Both shapes are at least 1, so two linear-space gammas are safe.
                let x = gamma_draw(rng, 1.0 + ones as f64);
                let y = gamma_draw(rng, 1.0 + zeros as f64);
                self.odds[list * k + class] = x / y;
                self.miss[list * k + class] = y / (x + y);
            }
        }
        // 3. Stick-breaking weights.
        let mut tail: u64 = self.class_total.iter().sum();
        let mut rest = 0.0;
        for class in 0..k {
            tail -= self.class_total[class];
            if class + 1 == k {
                self.log_pi[class] = rest;
            } else {
                let (lv, l1mv) = log_beta_draw(
                    rng,
                    1.0 + self.class_total[class] as f64,
                    self.alpha + tail as f64,
                );
                self.log_pi[class] = rest + lv;
                rest += l1mv;
            }
        }
        // 4. Probability of the all-zero history, per class and in total.
        let max = self.update_zero_weight();
        self.scratch_p.copy_from_slice(&self.zero_weight);
        let sum: f64 = self.scratch_p.iter().sum();
        let pi0 = (max + sum.ln()).exp().clamp(0.0, 1.0);
        // 5. n0 ~ NegBin(n, 1 − π0), redrawn above LCMCR's cap of 20n.
        self.n0 = self.draw_missing(rng, pi0);
        // 6. The unobserved people to classes.
        let n0 = self.n0;
        multinomial(rng, n0, &self.scratch_p, &mut self.n0_class);
        // 7. Concentration α.
        if update_alpha {
            let rate = self.b_alpha - self.log_pi[k - 1];
            let shape = self.a_alpha + k as f64 - 1.0;
            if rate > 0.0 && rate.is_finite() {
                self.alpha = log_gamma_draw(rng, shape).exp() / rate;
            }
        }
    }

    /// Fills `zero_weight` and returns the log of the scale factor (max log π).
    fn update_zero_weight(&mut self) -> f64 {
        let (j, k) = (self.j, self.k);
        let max = self
            .log_pi
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        for class in 0..k {
            let mut w = (self.log_pi[class] - max).exp();
            for list in 0..j {
                w *= self.miss[list * k + class];
            }
            self.zero_weight[class] = w;
        }
        max
    }

    /// Class weights of a pattern computed in logs, for the rare pattern whose linear
    /// product under- or overflows.
    fn pattern_weights_in_logs(&mut self, mask: usize) {
        let (j, k) = (self.j, self.k);
        let mut max = f64::NEG_INFINITY;
        for class in 0..k {
            let mut lp = self.log_pi[class];
            for list in 0..j {
                let miss = self.miss[list * k + class].max(f64::MIN_POSITIVE);
                lp += miss.ln();
                if mask & (1 << list) != 0 {
                    lp += self.odds[list * k + class].max(f64::MIN_POSITIVE).ln();
                }
            }
            self.scratch_p[class] = lp;
            max = max.max(lp);
        }
        for p in self.scratch_p.iter_mut() {
            *p = (*p - max).exp();
        }
    }

    fn draw_missing<R: Rng>(&mut self, rng: &mut R, pi0: f64) -> u64 {
        let cap = 20 * self.n;
        self.at_cap = false;
        if pi0 <= 0.0 || self.n == 0 {
            return 0;
        }
        if pi0 >= 1.0 {
            self.at_cap = true;
            return cap;
        }
        let odds = pi0 / (1.0 - pi0);
        // Negative binomial as a Gamma–Poisson mixture; bounded redraws stand in for
        // LCMCR's open-ended loop.
        for _ in 0..1000 {
            let rate = log_gamma_draw(rng, self.n as f64).exp() * odds;
            let draw = match Poisson::new(rate) {
                Ok(p) => p.sample(rng),
                Err(_) => 0.0,
            };
            if draw.is_finite() && draw <= cap as f64 {
                return draw as u64;
            }
        }
        self.at_cap = true;
        cap
    }

    /// Relabels classes by decreasing weight, as LCMCR does after its warm-up.
    fn reorder(&mut self) {
        let (j, k) = (self.j, self.k);
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| self.log_pi[b].total_cmp(&self.log_pi[a]).then(a.cmp(&b)));
        let permute = |v: &[f64]| -> Vec<f64> {
            let mut out = vec![0.0; j * k];
            for list in 0..j {
                for (new, &old) in order.iter().enumerate() {
                    out[list * k + new] = v[list * k + old];
                }
            }
            out
        };
        self.odds = permute(&self.odds);
        self.miss = permute(&self.miss);
        self.log_pi = order.iter().map(|&o| self.log_pi[o]).collect();
        self.n0_class = order.iter().map(|&o| self.n0_class[o]).collect();
    }

    fn occupied(&self) -> usize {
        self.class_total.iter().filter(|&&c| c > 0).count()
    }
}

/// Runs one chain: warm-up, reorder, burn-in, then `samples` draws every `thinning` sweeps.
pub fn run_chain(table: &OverlapTable, opts: &LcmcrOptions, seed: u64, chain: u64) -> ChainOutput {
    // Xoshiro256++: a draw costs a few instructions where ChaCha8 spent about a seventh of
    // the sweep refilling its buffer, and its stream is fixed by the seed on every platform.
    // Chain c starts c jumps of 2^128 draws along the seed's stream, so chains never overlap.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for _ in 0..chain {
        rng.jump();
    }
    let mut state = Chain::new(table, opts, &mut rng);
    for _ in 0..opts.warmup {
        state.sweep(&mut rng, false);
    }
    state.reorder();
    for _ in 0..opts.burnin {
        state.sweep(&mut rng, true);
    }
    let mut out = ChainOutput {
        n: Vec::with_capacity(opts.samples),
        full_truncation: 0,
        at_cap: 0,
    };
    let thin = opts.thinning.max(1);
    for _ in 0..opts.samples {
        for _ in 0..thin {
            state.sweep(&mut rng, true);
        }
        out.n.push((state.n + state.n0) as f64);
        if state.occupied() == state.k {
            out.full_truncation += 1;
        }
        if state.at_cap {
            out.at_cap += 1;
        }
    }
    out
}

/// Runs `opts.chains` chains in parallel (chain c uses stream c of `seed`, so results do
/// not depend on the number of threads) and summarises the pooled draws of N.
pub fn lcmcr(table: &OverlapTable, opts: &LcmcrOptions, seed: u64, level: f64) -> LcmcrResult {
    let chains: Vec<ChainOutput> = (0..opts.chains.max(1) as u64)
        .into_par_iter()
        .map(|c| run_chain(table, opts, seed, c))
        .collect();
    summarise(chains, level)
}

fn summarise(chains: Vec<ChainOutput>, level: f64) -> LcmcrResult {
    let mut pooled: Vec<f64> = chains.iter().flat_map(|c| c.n.iter().copied()).collect();
    pooled.sort_by(f64::total_cmp);
    let kept = pooled.len().max(1) as f64;
    let alpha = 1.0 - level;
    let draws: Vec<Vec<f64>> = chains.iter().map(|c| c.n.clone()).collect();
    LcmcrResult {
        median: quantile_sorted(&pooled, 0.5),
        lower: quantile_sorted(&pooled, alpha / 2.0),
        upper: quantile_sorted(&pooled, 1.0 - alpha / 2.0),
        rhat: split_rhat(&draws),
        ess: effective_sample_size(&draws),
        truncation_share: chains.iter().map(|c| c.full_truncation).sum::<usize>() as f64 / kept,
        cap_share: chains.iter().map(|c| c.at_cap).sum::<usize>() as f64 / kept,
        draws,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn multinomial_preserves_the_total() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut out = vec![0; 4];
        for total in [0u64, 3, 1000] {
            multinomial(&mut rng, total, &[0.1, 0.2, 0.3, 0.4], &mut out);
            assert_eq!(out.iter().sum::<u64>(), total);
        }
    }

    #[test]
    fn small_shape_log_gamma_has_the_right_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let draws = 20_000;
        let mean: f64 = (0..draws)
            .map(|_| log_gamma_draw(&mut rng, 0.25).exp())
            .sum::<f64>()
            / draws as f64;
        assert!((mean - 0.25).abs() < 0.02, "{mean}");
        let (lb, l1mb) = log_beta_draw(&mut rng, 2.0, 3.0);
        assert!((lb.exp() + l1mb.exp() - 1.0).abs() < 1e-12);
    }
}
