//! Poisson regression with log link by iteratively reweighted least squares, on the 0/1
//! designs of log-linear capture models, with a small Cholesky solver of its own.

use crate::special::{ln_gamma, xlogx};

/// A 0/1 design: for each cell, the columns that are 1 (column 0 is the intercept).
#[derive(Debug, Clone)]
pub(crate) struct Design {
    pub rows: Vec<Vec<u16>>,
    pub columns: usize,
}

/// Outcome of one Poisson fit.
#[derive(Debug, Clone)]
pub(crate) struct PoissonFit {
    pub beta: Vec<f64>,
    pub mu: Vec<f64>,
    pub deviance: f64,
    /// Poisson log-likelihood including −Σ log y! (R's `logLik.glm`).
    pub loglik: f64,
    pub converged: bool,
    /// Variance of the intercept estimate (from the inverse Fisher information).
    pub var_intercept: f64,
    /// True when a pivot of XᵀWX vanished and a ridge had to be added.
    pub rank_deficient: bool,
}

/// Convergence rule and iteration cap of R's `glm.control` (epsilon 1e-8), with more
/// iterations allowed so that slowly converging boundary fits are recognised as such.
const EPSILON: f64 = 1e-8;
const MAX_ITER: usize = 60;

/// Fits log μ = Xβ to counts `y` by IRLS, starting from `start` (warm start) or from
/// μ = y + 0.1 as R's `poisson()$initialize` does.
pub(crate) fn fit_poisson(design: &Design, y: &[f64], start: Option<&[f64]>) -> PoissonFit {
    let p = design.columns;
    let cells = design.rows.len();
    let mut eta: Vec<f64> = match start {
        Some(beta) if beta.len() == p => design.rows.iter().map(|r| linear(r, beta)).collect(),
        _ => y.iter().map(|&v| (v + 0.1).ln()).collect(),
    };
    let mut mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
    let mut dev_old = deviance(y, &mu);
    let mut beta = vec![0.0; p];
    let mut converged = false;
    let mut rank_deficient = false;
    let mut xtwx = vec![0.0; p * p];
    let mut xtwz = vec![0.0; p];
    for _ in 0..MAX_ITER {
        xtwx.iter_mut().for_each(|v| *v = 0.0);
        xtwz.iter_mut().for_each(|v| *v = 0.0);
        for c in 0..cells {
            let w = mu[c];
            if w <= 0.0 {
                continue;
            }
            let z = eta[c] + (y[c] - mu[c]) / w;
            let row = &design.rows[c];
            for (a, &i) in row.iter().enumerate() {
                let i = i as usize;
                xtwz[i] += w * z;
                for &jj in &row[..=a] {
                    xtwx[i * p + jj as usize] += w;
                }
            }
        }
        let (chol, deficient) = cholesky(&mut xtwx.clone(), p);
        rank_deficient |= deficient;
        beta = cholesky_solve(&chol, p, &xtwz);
        for c in 0..cells {
            eta[c] = linear(&design.rows[c], &beta);
            mu[c] = eta[c].exp();
        }
        let dev = deviance(y, &mu);
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < EPSILON {
            converged = true;
            dev_old = dev;
            break;
        }
        dev_old = dev;
    }
    // The information matrix at the final μ gives Var(β̂₀).
    xtwx.iter_mut().for_each(|v| *v = 0.0);
    for (row, &w) in design.rows.iter().zip(&mu) {
        for (a, &i) in row.iter().enumerate() {
            for &jj in &row[..=a] {
                xtwx[i as usize * p + jj as usize] += w;
            }
        }
    }
    let (chol, deficient) = cholesky(&mut xtwx, p);
    rank_deficient |= deficient;
    let mut e0 = vec![0.0; p];
    if p > 0 {
        e0[0] = 1.0;
    }
    let var_intercept = cholesky_solve(&chol, p, &e0)
        .first()
        .copied()
        .unwrap_or(f64::NAN);
    let loglik = y
        .iter()
        .zip(&mu)
        .map(|(&yi, &mi)| {
            let log_mu = if mi > 0.0 { mi.ln() } else { f64::NEG_INFINITY };
            let t = if yi > 0.0 { yi * log_mu } else { 0.0 };
            t - mi - ln_gamma(yi + 1.0)
        })
        .sum();
    PoissonFit {
        beta,
        mu,
        deviance: dev_old,
        loglik,
        converged,
        var_intercept,
        rank_deficient,
    }
}

fn linear(row: &[u16], beta: &[f64]) -> f64 {
    row.iter().map(|&i| beta[i as usize]).sum()
}

/// Poisson deviance 2 Σ [y log(y/μ) − (y − μ)].
pub(crate) fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y
        .iter()
        .zip(mu)
        .map(|(&yi, &mi)| {
            let t = if yi > 0.0 {
                xlogx(yi) - yi * mi.max(f64::MIN_POSITIVE).ln()
            } else {
                0.0
            };
            t - (yi - mi)
        })
        .sum::<f64>()
}

/// In-place lower Cholesky factor of the symmetric matrix whose lower triangle is in `a`
/// (row-major p×p). A pivot that is not clearly positive is replaced by a small ridge, so a
/// rank-deficient design still yields a (flagged) solution instead of NaN.
fn cholesky(a: &mut [f64], p: usize) -> (Vec<f64>, bool) {
    let max_diag = (0..p)
        .map(|i| a[i * p + i])
        .fold(0.0f64, f64::max)
        .max(1e-300);
    let tol = max_diag * 1e-13;
    let mut deficient = false;
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        if d.is_nan() || d <= tol {
            deficient = true;
            d = max_diag * 1e-10;
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in (j + 1)..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    (a.to_vec(), deficient)
}

fn cholesky_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut x = b.to_vec();
    for i in 0..p {
        let mut s = x[i];
        for k in 0..i {
            s -= l[i * p + k] * x[k];
        }
        x[i] = s / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = x[i];
        for k in (i + 1)..p {
            s -= l[k * p + i] * x[k];
        }
        x[i] = s / l[i * p + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturated_poisson_reproduces_counts() {
        // Two cells, intercept + indicator: fitted values equal the data.
        let d = Design {
            rows: vec![vec![0], vec![0, 1]],
            columns: 2,
        };
        let fit = fit_poisson(&d, &[10.0, 30.0], None);
        assert!(fit.converged);
        assert!((fit.mu[0] - 10.0).abs() < 1e-8 && (fit.mu[1] - 30.0).abs() < 1e-8);
        assert!((fit.beta[0] - 10f64.ln()).abs() < 1e-8);
        assert!((fit.var_intercept - 0.1).abs() < 1e-8);
        assert!(fit.deviance.abs() < 1e-8);
    }

    #[test]
    fn rank_deficiency_is_flagged() {
        let d = Design {
            rows: vec![vec![0, 1], vec![0, 1]],
            columns: 2,
        };
        let fit = fit_poisson(&d, &[3.0, 5.0], None);
        assert!(fit.rank_deficient);
        assert!((fit.mu[0] - 4.0).abs() < 1e-6);
    }
}
