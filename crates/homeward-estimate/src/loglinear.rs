//! Log-linear capture models with two-way interactions: fit, model search (AIC and BIC as in
//! Rcapture), model averaging and Cormack's profile-likelihood interval.

use rayon::prelude::*;

use crate::glm::{fit_poisson, Design, PoissonFit};
use crate::special::{ln_gamma, normal_cdf, normal_quantile, xlogx};
use crate::table::OverlapTable;

/// Lists up to which every hierarchical two-way model is fitted (2^10 = 1,024 models at
/// five lists; six lists would already be 32,768).
pub const EXHAUSTIVE_MAX_LISTS: usize = 5;

/// A coefficient beyond this size (on the log scale) means the fit is running off to the
/// boundary: e^-25 is a cell expectation of 1e-11 of the intercept.
const DIVERGENCE_LIMIT: f64 = 25.0;

/// All pairs (a, b), a < b, of `k` lists in a fixed order; a model is a bit set over them.
pub fn pairs_of(k: usize) -> Vec<(usize, usize)> {
    let mut v = Vec::with_capacity(k * (k.saturating_sub(1)) / 2);
    for a in 0..k {
        for b in (a + 1)..k {
            v.push((a, b));
        }
    }
    v
}

/// One fitted log-linear model: main effects for every list plus the listed interactions.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFit {
    /// The two-way interactions in the model, as list indices (a < b).
    pub pairs: Vec<(usize, usize)>,
    /// Estimated number of people on no list, e^û.
    pub missing: f64,
    /// N̂ = n + e^û.
    pub estimate: f64,
    /// Standard error of û = log n̂0 (from the inverse Fisher information).
    pub se_log_missing: f64,
    /// Poisson log-likelihood including −Σ log y!, as R's `logLik.glm`.
    pub loglik: f64,
    /// Number of parameters counted by AIC/BIC (interactions at the boundary included).
    pub parameters: usize,
    /// −2 logLik + 2p (Rcapture / glm).
    pub aic: f64,
    /// −2 logLik + p log n with n the number of people observed (Rcapture).
    pub bic: f64,
    /// Residual deviance of the fit.
    pub deviance: f64,
    /// Interactions between lists with no person in common: their parameter is −∞.
    pub boundary_pairs: Vec<(usize, usize)>,
    /// As many parameters as fitted cells: the fit is exact and untestable.
    pub saturated: bool,
    /// IRLS did not converge or a coefficient ran off towards ±∞.
    pub diverged: bool,
    /// The design is not of full rank: some parameter is not identifiable.
    pub rank_deficient: bool,
    /// Fitted coefficients: intercept, the k main effects, then the interactions of
    /// `pairs` that are not at the boundary, in order.
    pub coefficients: Vec<f64>,
}

impl ModelFit {
    /// Whether the fit can be used for selection and averaging (its MLE exists and is
    /// identifiable).
    pub fn admissible(&self) -> bool {
        !self.diverged && !self.rank_deficient && self.missing.is_finite()
    }

    /// A readable name such as `[A*B, B*C]`, or `independence`.
    pub fn describe(&self, lists: &[String]) -> String {
        if self.pairs.is_empty() {
            return "independence".to_string();
        }
        let terms: Vec<String> = self
            .pairs
            .iter()
            .map(|&(a, b)| format!("{}*{}", name(lists, a), name(lists, b)))
            .collect();
        format!("[{}]", terms.join(", "))
    }
}

fn name(lists: &[String], j: usize) -> &str {
    lists.get(j).map(String::as_str).unwrap_or("?")
}

/// The design of a model on the observed cells, after removing cells forced to zero by
/// interactions between lists that share nobody (SparseMSE's treatment of empty overlaps).
struct ModelDesign {
    design: Design,
    y: Vec<f64>,
    boundary: Vec<(usize, usize)>,
    pairs: Vec<(usize, usize)>,
}

fn build_design(table: &OverlapTable, pairs: &[(usize, usize)]) -> ModelDesign {
    let k = table.list_count();
    let boundary: Vec<(usize, usize)> = pairs
        .iter()
        .copied()
        .filter(|&(a, b)| table.overlap(a, b) == 0)
        .collect();
    let active: Vec<(usize, usize)> = pairs
        .iter()
        .copied()
        .filter(|p| !boundary.contains(p))
        .collect();
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for mask in 1..(1usize << k) {
        if boundary
            .iter()
            .any(|&(a, b)| mask & (1 << a) != 0 && mask & (1 << b) != 0)
        {
            continue;
        }
        let mut row: Vec<u16> = vec![0];
        for j in 0..k {
            if mask & (1 << j) != 0 {
                row.push((1 + j) as u16);
            }
        }
        for (i, &(a, b)) in active.iter().enumerate() {
            if mask & (1 << a) != 0 && mask & (1 << b) != 0 {
                row.push((1 + k + i) as u16);
            }
        }
        rows.push(row);
        y.push(table.count(mask) as f64);
    }
    ModelDesign {
        design: Design {
            rows,
            columns: 1 + k + active.len(),
        },
        y,
        boundary,
        pairs: pairs.to_vec(),
    }
}

/// Fits the model with main effects and the given interactions to the observed cells.
pub fn fit_model(table: &OverlapTable, pairs: &[(usize, usize)]) -> ModelFit {
    let md = build_design(table, pairs);
    let fit = fit_poisson(&md.design, &md.y, None);
    summarise(table, &md, &fit)
}

/// Fits a neighbour of an already fitted model, starting IRLS from the parent's
/// coefficients (0 for a new interaction). The likelihood is concave, so the optimum is the
/// same as from a cold start; on 15 lists this saves most of the iterations of a stepwise
/// search.
fn fit_model_from(table: &OverlapTable, pairs: &[(usize, usize)], parent: &ModelFit) -> ModelFit {
    let md = build_design(table, pairs);
    let k = table.list_count();
    let usable = parent.admissible() && parent.coefficients.len() > k;
    if !usable {
        let fit = fit_poisson(&md.design, &md.y, None);
        return summarise(table, &md, &fit);
    }
    let parent_active: Vec<(usize, usize)> = parent
        .pairs
        .iter()
        .copied()
        .filter(|p| !parent.boundary_pairs.contains(p))
        .collect();
    let mut start = parent.coefficients[..=k].to_vec();
    for p in md.pairs.iter().filter(|p| !md.boundary.contains(p)) {
        let c = parent_active
            .iter()
            .position(|q| q == p)
            .and_then(|i| parent.coefficients.get(1 + k + i).copied())
            .unwrap_or(0.0);
        start.push(c);
    }
    let fit = fit_poisson(&md.design, &md.y, Some(&start));
    summarise(table, &md, &fit)
}

fn summarise(table: &OverlapTable, md: &ModelDesign, fit: &PoissonFit) -> ModelFit {
    let n = table.observed() as f64;
    let u = fit.beta.first().copied().unwrap_or(f64::NAN);
    let missing = u.exp();
    let parameters = md.design.columns + md.boundary.len();
    let runaway = fit
        .beta
        .iter()
        .skip(1)
        .any(|b| !b.is_finite() || b.abs() > DIVERGENCE_LIMIT);
    let aic = -2.0 * fit.loglik + 2.0 * parameters as f64;
    ModelFit {
        pairs: md.pairs.clone(),
        missing,
        estimate: n + missing,
        se_log_missing: fit.var_intercept.max(0.0).sqrt(),
        loglik: fit.loglik,
        parameters,
        aic,
        bic: aic + (n.ln() - 2.0) * parameters as f64,
        deviance: fit.deviance,
        boundary_pairs: md.boundary.clone(),
        saturated: md.design.columns >= md.design.rows.len(),
        diverged: !fit.converged || runaway || !u.is_finite() || !fit.var_intercept.is_finite(),
        rank_deficient: fit.rank_deficient,
        coefficients: fit.beta.clone(),
    }
}

fn pairs_from_mask(all: &[(usize, usize)], mask: u128) -> Vec<(usize, usize)> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1u128 << i) != 0)
        .map(|(_, &p)| p)
        .collect()
}

/// Criterion used to rank models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// Akaike's information criterion, −2 logLik + 2p.
    Aic,
    /// Schwarz's criterion with n = people observed, −2 logLik + p log n.
    Bic,
}

impl Criterion {
    fn of(self, m: &ModelFit) -> f64 {
        match self {
            Criterion::Aic => m.aic,
            Criterion::Bic => m.bic,
        }
    }
}

/// Result of a model search.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// Every model fitted (exhaustive: all 2^(k(k−1)/2); stepwise: those visited).
    pub models: Vec<ModelFit>,
    /// Index in `models` of the AIC-best admissible model.
    pub best_aic: usize,
    /// Index in `models` of the BIC-best admissible model.
    pub best_bic: usize,
    /// Whether every model was fitted (otherwise a stepwise search).
    pub exhaustive: bool,
}

/// Searches hierarchical models with main effects and two-way interactions: exhaustively
/// up to [`EXHAUSTIVE_MAX_LISTS`] lists, by forward–backward stepwise search beyond
/// (separately for AIC and for BIC, both starting at independence). Inadmissible models
/// (no finite MLE, not identifiable) are never selected. Model 0 is always independence.
pub fn search_models(table: &OverlapTable) -> SearchResult {
    let k = table.list_count();
    let all = pairs_of(k);
    if k <= EXHAUSTIVE_MAX_LISTS {
        let count = 1u128 << all.len();
        let masks: Vec<u128> = (0..count).collect();
        let models: Vec<ModelFit> = masks
            .par_iter()
            .map(|&m| fit_model(table, &pairs_from_mask(&all, m)))
            .collect();
        let best_aic = best(&models, Criterion::Aic);
        let best_bic = best(&models, Criterion::Bic);
        return SearchResult {
            models,
            best_aic,
            best_bic,
            exhaustive: true,
        };
    }
    let mut visited: Vec<(u128, ModelFit)> = Vec::new();
    let aic_mask = stepwise(table, &all, Criterion::Aic, &mut visited);
    let bic_mask = stepwise(table, &all, Criterion::Bic, &mut visited);
    visited.sort_by_key(|v| v.0);
    let index_of = |mask: u128| visited.iter().position(|(m, _)| *m == mask).unwrap_or(0);
    let best_aic = index_of(aic_mask);
    let best_bic = index_of(bic_mask);
    let models = visited.into_iter().map(|(_, m)| m).collect();
    SearchResult {
        models,
        best_aic,
        best_bic,
        exhaustive: false,
    }
}

/// Greedy search: at each step take the single addition or deletion of an interaction that
/// lowers the criterion most; stop when none does. Fits are cached in `visited`.
fn stepwise(
    table: &OverlapTable,
    all: &[(usize, usize)],
    criterion: Criterion,
    visited: &mut Vec<(u128, ModelFit)>,
) -> u128 {
    let mut current = 0u128;
    let mut current_fit = cached(table, all, current, visited);
    for _ in 0..(2 * all.len() + 1) {
        let neighbours: Vec<u128> = (0..all.len()).map(|i| current ^ (1u128 << i)).collect();
        let missing: Vec<u128> = neighbours
            .iter()
            .copied()
            .filter(|m| !visited.iter().any(|(v, _)| v == m))
            .collect();
        let fits: Vec<(u128, ModelFit)> = missing
            .par_iter()
            .map(|&m| {
                (
                    m,
                    fit_model_from(table, &pairs_from_mask(all, m), &current_fit),
                )
            })
            .collect();
        visited.extend(fits);
        let mut best_step: Option<(u128, f64)> = None;
        for &m in &neighbours {
            if let Some((_, fit)) = visited.iter().find(|(v, _)| *v == m) {
                if !fit.admissible() {
                    continue;
                }
                let c = criterion.of(fit);
                if best_step.map_or(true, |(_, bc)| c < bc) {
                    best_step = Some((m, c));
                }
            }
        }
        match best_step {
            Some((m, c)) if !current_fit.admissible() || c < criterion.of(&current_fit) - 1e-9 => {
                current = m;
                current_fit = cached(table, all, m, visited);
            }
            _ => break,
        }
    }
    current
}

fn cached(
    table: &OverlapTable,
    all: &[(usize, usize)],
    mask: u128,
    visited: &mut Vec<(u128, ModelFit)>,
) -> ModelFit {
    if let Some((_, f)) = visited.iter().find(|(v, _)| *v == mask) {
        return f.clone();
    }
    let f = fit_model(table, &pairs_from_mask(all, mask));
    visited.push((mask, f.clone()));
    f
}

/// Index of the admissible model with the smallest criterion (ties: fewer parameters, then
/// earlier model); the independence model (index 0) when none is admissible.
fn best(models: &[ModelFit], criterion: Criterion) -> usize {
    let mut best: Option<usize> = None;
    for (i, m) in models.iter().enumerate() {
        if !m.admissible() {
            continue;
        }
        best = match best {
            None => Some(i),
            Some(b) => {
                let (cb, cm) = (criterion.of(&models[b]), criterion.of(m));
                if cm < cb - 1e-9
                    || ((cm - cb).abs() <= 1e-9 && m.parameters < models[b].parameters)
                {
                    Some(i)
                } else {
                    Some(b)
                }
            }
        };
    }
    best.unwrap_or(0)
}

/// A confidence interval for N, with a flag for an upper end stopped at the search cap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower end (never below the number observed).
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// The upper end was not reached below the search cap and is the cap itself.
    pub capped: bool,
}

/// Largest N the profile search looks at, as a multiple of N̂. Rcapture's `fmaxSupCL` is 3;
/// a wider cap lets honest intervals of weak tables show how wide they are.
pub const PROFILE_CAP_FACTOR: f64 = 20.0;

/// Cormack's (1992) multinomial profile-likelihood interval for N under one model, as in
/// Rcapture's `closedpCI.t`: the unobserved cell is appended with a trial count n0 and the
/// model refitted; l(N) = −D(n0)/2 + n0 log n0 − N log N + log N! − log n0!.
pub fn profile_interval(table: &OverlapTable, fit: &ModelFit, level: f64) -> Interval {
    let n = table.observed() as f64;
    let mut md = build_design(table, &fit.pairs);
    md.design.rows.push(vec![0]);
    md.y.push(0.0);
    let last = md.y.len() - 1;
    let mut warm: Option<Vec<f64>> = None;
    let mut profile = |n0: f64| -> f64 {
        md.y[last] = n0;
        let f = fit_poisson(&md.design, &md.y, warm.as_deref());
        let value = -f.deviance / 2.0 + xlogx(n0) - xlogx(n + n0) + ln_gamma(n + n0 + 1.0)
            - ln_gamma(n0 + 1.0);
        warm = Some(f.beta);
        value
    };
    let z = normal_quantile(0.5 + level / 2.0);
    let threshold = z * z / 2.0;
    let hat = if fit.missing.is_finite() {
        fit.missing.max(0.0)
    } else {
        1e12
    };
    let cap = (PROFILE_CAP_FACTOR * (n + hat) - n).max(10.0);
    // Maximise over u = ln(1 + n0), where the profile is close to quadratic.
    let (mut lo, mut hi) = (0.0f64, (1.0 + (4.0 * hat + 10.0).min(cap)).ln());
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = hi - phi * (hi - lo);
    let mut d = lo + phi * (hi - lo);
    let mut fc = profile(c.exp_m1());
    let mut fd = profile(d.exp_m1());
    for _ in 0..60 {
        if fc > fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - phi * (hi - lo);
            fc = profile(c.exp_m1());
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + phi * (hi - lo);
            fd = profile(d.exp_m1());
        }
        if hi - lo < 1e-9 {
            break;
        }
    }
    let u_max = (lo + hi) / 2.0;
    let l_max = profile(u_max.exp_m1()).max(fc).max(fd);
    let below = |v: f64| l_max - v > threshold;
    // Lower end.
    let lower = if !below(profile(0.0)) {
        n
    } else {
        let (mut a, mut b) = (0.0, u_max);
        for _ in 0..60 {
            let m = (a + b) / 2.0;
            if below(profile(m.exp_m1())) {
                a = m;
            } else {
                b = m;
            }
            if b - a < 1e-10 {
                break;
            }
        }
        n + ((a + b) / 2.0).exp_m1()
    };
    // Upper end: step outwards in doublings of n0, then bisect.
    let u_cap = cap.ln_1p();
    let mut a = u_max;
    let mut b = u_max;
    let mut capped = true;
    while b < u_cap {
        b = (b + std::f64::consts::LN_2).min(u_cap);
        if below(profile(b.exp_m1())) {
            capped = false;
            break;
        }
        a = b;
    }
    let upper = if capped {
        n + cap
    } else {
        for _ in 0..60 {
            let m = (a + b) / 2.0;
            if below(profile(m.exp_m1())) {
                b = m;
            } else {
                a = m;
            }
            if b - a < 1e-10 {
                break;
            }
        }
        n + ((a + b) / 2.0).exp_m1()
    };
    Interval {
        lower,
        upper,
        capped,
    }
}

/// SparseMSE's log-normal interval for one model: n + exp(û ± z·SE(û)).
pub fn lognormal_interval(table: &OverlapTable, fit: &ModelFit, level: f64) -> Interval {
    let n = table.observed() as f64;
    let z = normal_quantile(0.5 + level / 2.0);
    let u = fit.missing.ln();
    Interval {
        lower: n + (u - z * fit.se_log_missing).exp(),
        upper: n + (u + z * fit.se_log_missing).exp(),
        capped: false,
    }
}

/// A model-averaged estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Averaged {
    /// n + Σ w_m n̂0_m.
    pub estimate: f64,
    /// Model-averaged tail-area (MATA-Wald) interval on the log n0 scale.
    pub interval: Interval,
    /// Number of admissible models averaged.
    pub models: usize,
    /// Largest single weight.
    pub top_weight: f64,
}

/// AIC-weighted average over the admissible models of a search (Burnham & Anderson):
/// w_m ∝ exp(−ΔAIC_m / 2). The interval is the MATA-Wald interval of Turek & Fletcher
/// (2012) on θ = log n0: the bounds t solve Σ w_m Φ((θ̂_m − t)/SE_m) = α/2 and 1 − α/2, so
/// the spread between models widens it as model uncertainty should.
pub fn average_models(table: &OverlapTable, models: &[ModelFit], level: f64) -> Option<Averaged> {
    let n = table.observed() as f64;
    let usable: Vec<&ModelFit> = models
        .iter()
        .filter(|m| m.admissible() && m.missing > 0.0 && m.se_log_missing.is_finite())
        .collect();
    let min_aic = usable.iter().map(|m| m.aic).fold(f64::INFINITY, f64::min);
    if !min_aic.is_finite() {
        return None;
    }
    let raw: Vec<f64> = usable
        .iter()
        .map(|m| (-(m.aic - min_aic) / 2.0).exp())
        .collect();
    let total: f64 = raw.iter().sum();
    let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
    let estimate = n + usable
        .iter()
        .zip(&weights)
        .map(|(m, w)| w * m.missing)
        .sum::<f64>();
    let theta: Vec<f64> = usable.iter().map(|m| m.missing.ln()).collect();
    let se: Vec<f64> = usable.iter().map(|m| m.se_log_missing.max(1e-12)).collect();
    let tail = |t: f64| -> f64 {
        weights
            .iter()
            .zip(theta.iter().zip(&se))
            .map(|(w, (th, s))| w * normal_cdf((th - t) / s))
            .sum()
    };
    let spread = se.iter().fold(0.0f64, |a, &b| a.max(b));
    let lo_t = theta.iter().fold(f64::INFINITY, |a, &b| a.min(b)) - 10.0 * spread - 1.0;
    let hi_t = theta.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)) + 10.0 * spread + 1.0;
    let alpha = 1.0 - level;
    // tail(t) decreases in t; find t with tail(t) = target.
    let solve = |target: f64| -> f64 {
        let (mut a, mut b) = (lo_t, hi_t);
        for _ in 0..200 {
            let m = (a + b) / 2.0;
            if tail(m) > target {
                a = m;
            } else {
                b = m;
            }
        }
        (a + b) / 2.0
    };
    let lower = n + solve(1.0 - alpha / 2.0).exp();
    let upper = n + solve(alpha / 2.0).exp();
    Some(Averaged {
        estimate,
        interval: Interval {
            lower,
            upper,
            capped: false,
        },
        models: usable.len(),
        top_weight: weights.iter().fold(0.0f64, |a, &b| a.max(b)),
    })
}

/// SparseMSE's stepwise selection (`stepwisefit`, Chan, Silverman & Vincent 2021): from
/// main effects, repeatedly add the absent interaction whose observed overlap is least
/// likely under the current fit (two-sided Poisson tail p), while p < `pthresh` (default
/// 0.02). Candidates without a finite, identifiable MLE get p = 1.
pub fn sparsemse_stepwise(table: &OverlapTable, pthresh: f64) -> Vec<(usize, usize)> {
    let k = table.list_count();
    let all = pairs_of(k);
    let mut current: Vec<(usize, usize)> = Vec::new();
    loop {
        let md = build_design(table, &current);
        let fit = fit_poisson(&md.design, &md.y, None);
        // Fitted means on every observed cell (cells removed at the boundary have μ = 0).
        let mut fitted = vec![0.0; 1usize << k];
        let mut r = 0;
        for (mask, slot) in fitted.iter_mut().enumerate().skip(1) {
            if md
                .boundary
                .iter()
                .any(|&(a, b)| mask & (1 << a) != 0 && mask & (1 << b) != 0)
            {
                continue;
            }
            *slot = fit.mu[r];
            r += 1;
        }
        let mut best: Option<((usize, usize), f64)> = None;
        for &(a, b) in all.iter().filter(|p| !current.contains(p)) {
            let both = (1usize << a) | (1usize << b);
            let observed = table.overlap(a, b);
            let lambda: f64 = (1..(1usize << k))
                .filter(|m| m & both == both)
                .map(|m| fitted[m])
                .sum();
            let mut candidate = current.clone();
            candidate.push((a, b));
            candidate.sort_unstable();
            let p = if observed == 0 || !fit_model(table, &candidate).admissible() {
                1.0
            } else {
                let le = poisson_cdf(observed, lambda);
                let ge = 1.0 - poisson_cdf(observed - 1, lambda);
                le.min(ge)
            };
            if best.map_or(true, |(_, bp)| p < bp) {
                best = Some(((a, b), p));
            }
        }
        match best {
            Some((pair, p)) if p < pthresh => {
                current.push(pair);
                current.sort_unstable();
            }
            _ => return current,
        }
    }
}

/// P(X ≤ x) for X ~ Poisson(λ), summed in log space.
fn poisson_cdf(x: u64, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    let ln_l = lambda.ln();
    let mut total = 0.0;
    for i in 0..=x {
        let i = i as f64;
        total += (i * ln_l - lambda - ln_gamma(i + 1.0)).exp();
    }
    total.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three(counts: [u64; 7]) -> OverlapTable {
        OverlapTable::from_counts(
            vec!["A".into(), "B".into(), "C".into()],
            counts.iter().enumerate().map(|(i, &c)| (i + 1, c)),
        )
        .unwrap()
    }

    #[test]
    fn independence_on_a_perfectly_independent_table_recovers_n() {
        // N = 1000, p = (0.5, 0.4, 0.3): expected counts are exact products.
        let p = [0.5, 0.4, 0.3];
        let mut counts = [0u64; 7];
        for (i, c) in counts.iter_mut().enumerate() {
            let mask = i + 1;
            let mut e: f64 = 1000.0;
            for (j, pj) in p.iter().enumerate() {
                e *= if mask & (1 << j) != 0 { *pj } else { 1.0 - pj };
            }
            *c = e.round() as u64;
        }
        let t = three(counts);
        let fit = fit_model(&t, &[]);
        assert!((fit.estimate - 1000.0).abs() < 2.0, "{}", fit.estimate);
        assert!(fit.admissible());
        let ci = profile_interval(&t, &fit, 0.95);
        assert!(ci.lower < 1000.0 && ci.upper > 1000.0, "{ci:?}");
    }

    #[test]
    fn saturated_three_list_model_is_flagged() {
        let t = three([247, 49, 142, 60, 112, 4, 12]);
        let fit = fit_model(&t, &pairs_of(3));
        assert!(fit.saturated);
    }

    #[test]
    fn empty_overlap_goes_to_the_boundary_and_counts_its_parameter() {
        // Artificial_3 of SparseMSE: A and B... here lists 1 and 2 share nobody.
        let t = three([40, 30, 6, 20, 0, 0, 0]);
        let fit = fit_model(&t, &[(0, 2)]);
        assert_eq!(fit.boundary_pairs, vec![(0, 2)]);
        assert_eq!(fit.parameters, 5);
    }
}
