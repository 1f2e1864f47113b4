//! The Fellegi-Sunter model: u probabilities from random pairs, m probabilities (and the prior
//! match share) by EM without labels on the histogram of distinct comparison patterns, and
//! per-pair match weights with term-frequency adjustment for names.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blocking::LinkMode;
use crate::compare::{
    compare, upgrade_date_levels, Compact, Comparison, Field, Pattern, DATE_SAME_YEAR, FIELDS,
    MISSING, NAME_EXACT, NAME_SAME_KEY,
};
use crate::error::LinkError;
use crate::features::Features;

/// Format version of [`FittedModel`] written by this crate (2: date levels at which both
/// dates are precise enough to disagree).
pub(crate) const MODEL_VERSION: u32 = 2;

/// Pseudo-pairs per level added in each M step.
const PSEUDO_COUNT: f64 = 1.0;

/// Smallest probability a level may have, so that no single field can veto a pair outright.
const FLOOR: f64 = 1e-6;

/// Fitted probabilities of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldParams {
    /// The field.
    pub field: Field,
    /// P(level | match), one per level (see [`Field::levels`]).
    pub m: Vec<f64>,
    /// P(level | non-match) among candidate pairs, one per level (equal to `u_random`
    /// unless u is re-estimated by EM).
    pub u: Vec<f64>,
    /// P(level | non-match) among random pairs: the population baseline used by the
    /// term-frequency adjustment.
    pub u_random: Vec<f64>,
}

/// A fitted model: serialisable, and reusable on new data (term frequencies are taken from the
/// data being linked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedModel {
    /// Format version of this structure.
    pub version: u32,
    /// Prior share of matches among candidate pairs.
    pub lambda: f64,
    /// Per-field m and u probabilities, in [`Field::ALL`] order.
    pub fields: Vec<FieldParams>,
    /// Whether given and family names get a term-frequency adjustment.
    pub term_frequencies: bool,
    /// EM iterations run.
    pub em_iterations: u32,
    /// Whether EM converged within the iteration limit.
    pub converged: bool,
    /// Random pairs used to estimate u.
    pub u_pairs: u64,
}

/// The contribution of one field to a pair's match weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEvidence {
    /// The field.
    pub field: Field,
    /// The agreement level, or `None` when the field is missing on either side.
    pub level: Option<u8>,
    /// Name of the level ("missing" when absent).
    pub level_name: String,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
    /// log2(m / u): bits of evidence for (positive) or against (negative) a match.
    pub weight: f64,
    /// Term-frequency adjustment in bits (rare names and birth years count more than common
    /// ones).
    pub tf_adjustment: f64,
}

impl FittedModel {
    /// Writes the model as pretty JSON.
    pub fn to_json(&self) -> Result<String, LinkError> {
        serde_json::to_string_pretty(self).map_err(LinkError::Model)
    }

    /// Reads a model written by [`FittedModel::to_json`], checking its shape. A model of
    /// format version 1 (fewer date levels) is upgraded with unchanged weights.
    pub fn from_json(text: &str) -> Result<FittedModel, LinkError> {
        let mut model: FittedModel = serde_json::from_str(text).map_err(LinkError::Model)?;
        if model.version == 1 {
            for p in &mut model.fields {
                if matches!(p.field, Field::BirthDate | Field::CaptureDate) {
                    for v in [&mut p.m, &mut p.u, &mut p.u_random] {
                        if let Some(up) = upgrade_date_levels(v) {
                            *v = up;
                        }
                    }
                }
            }
            model.version = MODEL_VERSION;
        }
        model.validate()?;
        Ok(model)
    }

    fn validate(&self) -> Result<(), LinkError> {
        if self.fields.len() != FIELDS {
            return Err(LinkError::InvalidModel(format!(
                "expected {FIELDS} fields, found {}",
                self.fields.len()
            )));
        }
        for (p, f) in self.fields.iter().zip(Field::ALL) {
            let n = f.levels().len();
            if p.field != f || p.m.len() != n || p.u.len() != n || p.u_random.len() != n {
                return Err(LinkError::InvalidModel(format!(
                    "field {} is malformed",
                    f.name()
                )));
            }
            if p.m
                .iter()
                .chain(&p.u)
                .any(|x| !(x.is_finite() && *x > 0.0 && *x <= 1.0))
            {
                return Err(LinkError::InvalidModel(format!(
                    "field {} has a probability outside (0, 1]",
                    f.name()
                )));
            }
        }
        if !(self.lambda > 0.0 && self.lambda < 1.0) {
            return Err(LinkError::InvalidModel(format!(
                "lambda {} is outside (0, 1)",
                self.lambda
            )));
        }
        Ok(())
    }

    /// log2 of the prior odds of a match.
    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Match weight of a pattern without term-frequency adjustment.
    pub fn pattern_weight(&self, pattern: &Pattern) -> f64 {
        let mut w = self.prior_weight();
        for (p, &l) in self.fields.iter().zip(pattern) {
            if l != MISSING {
                w += (p.m[l as usize] / p.u[l as usize]).log2();
            }
        }
        w
    }

    /// Per-field evidence of a comparison, with term-frequency adjustments.
    pub(crate) fn evidence(&self, features: &Features, c: &Comparison) -> Vec<FieldEvidence> {
        let tf = self.tf_adjustments(features, c);
        self.fields
            .iter()
            .zip(c.pattern)
            .map(|(p, l)| {
                if l == MISSING {
                    FieldEvidence {
                        field: p.field,
                        level: None,
                        level_name: "missing".to_owned(),
                        m: 1.0,
                        u: 1.0,
                        weight: 0.0,
                        tf_adjustment: 0.0,
                    }
                } else {
                    let (m, u) = (p.m[l as usize], p.u[l as usize]);
                    let adj = match p.field {
                        Field::GivenName => tf.0,
                        Field::FamilyName => tf.1,
                        Field::BirthDate => tf.2,
                        _ => 0.0,
                    };
                    FieldEvidence {
                        field: p.field,
                        level: Some(l),
                        level_name: p.field.levels()[l as usize].to_owned(),
                        m,
                        u,
                        weight: (m / u).log2(),
                        tf_adjustment: adj,
                    }
                }
            })
            .collect()
    }

    /// Term-frequency adjustments (given, family, birth year) in bits: log2(u_agree /
    /// frequency of the value), where u_agree is the share of random pairs agreeing on the
    /// field, so a name shared by 1 % of records weighs less than one shared by 0.01 %, and
    /// the average adjustment over the population is about zero. Birth years need it as much
    /// as names: among detainees most are of conscription age, so sharing the year 2002 says
    /// far less than sharing 1950.
    pub(crate) fn tf_adjustments(&self, features: &Features, c: &Comparison) -> (f64, f64, f64) {
        self.tf_from_counts(features, &features.tf_counts(c))
    }

    /// [`FittedModel::tf_adjustments`] from the frequencies of [`Features::tf_counts`].
    fn tf_from_counts(&self, features: &Features, counts: &[u32; 3]) -> (f64, f64, f64) {
        if !self.term_frequencies {
            return (0.0, 0.0, 0.0);
        }
        let adj = |field: usize, count: u32, total: u32| {
            if count == 0 {
                return 0.0;
            }
            let tf = f64::from(count) / f64::from(total.max(1));
            let u = &self.fields[field].u_random;
            let agree = u[NAME_EXACT as usize] + u[NAME_SAME_KEY as usize];
            (agree / tf).log2()
        };
        let date = Field::ALL
            .iter()
            .position(|f| *f == Field::BirthDate)
            .unwrap_or(4);
        let year = if counts[2] == 0 {
            0.0
        } else {
            let u = &self.fields[date].u_random;
            let agree: f64 = u[DATE_SAME_YEAR as usize..].iter().sum();
            let tf = f64::from(counts[2]) / f64::from(features.year_total.max(1));
            (agree / tf).log2()
        };
        (
            adj(0, counts[0], features.given_total),
            adj(1, counts[1], features.family_total),
            year,
        )
    }

    /// Full match weight of a comparison (prior, fields, term frequencies).
    pub(crate) fn weight(&self, features: &Features, c: &Comparison) -> f64 {
        let (g, f, y) = self.tf_adjustments(features, c);
        self.pattern_weight(&c.pattern) + g + f + y
    }

    /// A scorer of compact comparisons: the same weights as [`FittedModel::weight`], with the
    /// per-level log ratios looked up instead of computed per pair.
    pub(crate) fn scorer<'a>(&'a self, features: &'a Features) -> Scorer<'a> {
        Scorer {
            model: self,
            features,
            prior: self.prior_weight(),
            level_weights: self
                .fields
                .iter()
                .map(|p| p.m.iter().zip(&p.u).map(|(m, u)| (m / u).log2()).collect())
                .collect(),
        }
    }
}

/// See [`FittedModel::scorer`].
pub(crate) struct Scorer<'a> {
    model: &'a FittedModel,
    features: &'a Features,
    prior: f64,
    level_weights: Vec<Vec<f64>>,
}

impl Scorer<'_> {
    /// Match weight of a compact comparison.
    pub fn weight(&self, c: &Compact) -> f64 {
        let mut w = self.prior;
        for (lw, &l) in self.level_weights.iter().zip(&c.pattern) {
            if l != MISSING {
                w += lw[l as usize];
            }
        }
        let (g, f, y) = self.model.tf_from_counts(self.features, &c.counts);
        w + g + f + y
    }
}

/// Converts a match weight (log2 odds) into a probability.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// Counts of each level of each field over a set of comparisons.
type LevelCounts = Vec<Vec<u64>>;

fn empty_counts() -> LevelCounts {
    Field::ALL
        .iter()
        .map(|f| vec![0; f.levels().len()])
        .collect()
}

/// Estimates u from `pairs` random pairs of the records at `population` (indices into
/// `features.records`) drawn with a seeded generator (pairs allowed by the mode only).
/// Laplace smoothing keeps every u positive.
pub(crate) fn estimate_u(
    features: &Features,
    population: &[u32],
    mode: LinkMode,
    pairs: usize,
    seed: u64,
) -> (Vec<Vec<f64>>, u64) {
    let n = population.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut sample: Vec<(u32, u32)> = Vec::with_capacity(pairs);
    let source = |k: u32| features.records[k as usize].source;
    let cross_possible = population
        .iter()
        .any(|&k| source(k) != source(population[0]));
    if n >= 2 && (mode != LinkMode::LinkOnly || cross_possible) {
        // Rejection sampling: at most 20 draws per wanted pair, so a degenerate input ends.
        let mut tries = 0usize;
        while sample.len() < pairs && tries < pairs.saturating_mul(20) {
            tries += 1;
            let i = population[rng.gen_range(0..n)];
            let j = population[rng.gen_range(0..n)];
            if i == j {
                continue;
            }
            let (si, sj) = (
                features.records[i as usize].source,
                features.records[j as usize].source,
            );
            if mode == LinkMode::LinkOnly && si == sj {
                continue;
            }
            sample.push((i.min(j), i.max(j)));
        }
    }
    let counts = sample
        .par_chunks(4096)
        .map(|chunk| {
            let mut c = empty_counts();
            for &(i, j) in chunk {
                for (f, &l) in compare(features, i, j).pattern.iter().enumerate() {
                    if l != MISSING {
                        c[f][l as usize] += 1;
                    }
                }
            }
            c
        })
        .reduce(empty_counts, add_counts);
    let u = counts
        .iter()
        .map(|levels| {
            let total: u64 = levels.iter().sum();
            let k = levels.len() as f64;
            levels
                .iter()
                .map(|&c| ((c as f64 + 0.5) / (total as f64 + 0.5 * k)).max(FLOOR))
                .collect()
        })
        .collect();
    (u, sample.len() as u64)
}

fn add_counts(mut a: LevelCounts, b: LevelCounts) -> LevelCounts {
    for (x, y) in a.iter_mut().zip(b) {
        for (p, q) in x.iter_mut().zip(y) {
            *p += q;
        }
    }
    a
}

/// Starting m: most of the mass on the strongest level, the rest decreasing.
pub(crate) fn initial_m(field: Field) -> Vec<f64> {
    let k = field.levels().len();
    if field == Field::NameOrder {
        return vec![0.95, 0.05];
    }
    let mut m: Vec<f64> = (0..k).map(|l| 2f64.powi(l as i32)).collect();
    m[k - 1] *= 4.0;
    let s: f64 = m.iter().sum();
    m.iter().map(|x| x / s).collect()
}

/// Posterior probability of a match for a pattern (no term frequencies).
pub(crate) fn posterior(pattern: &Pattern, m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64) -> f64 {
    let mut lm = lambda.ln();
    let mut lu = (1.0 - lambda).ln();
    for (f, &l) in pattern.iter().enumerate() {
        if l != MISSING {
            lm += m[f][l as usize].ln();
            lu += u[f][l as usize].ln();
        }
    }
    1.0 / (1.0 + (lu - lm).exp())
}

/// The share of matches among all `possible` pairs, by EM with m and u fixed, counting
/// every pair outside the candidates as a non-match (blocking is meant to keep all matches).
pub(crate) fn population_lambda(
    hist: &[(Pattern, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    possible: f64,
) -> f64 {
    let candidates: f64 = hist.iter().map(|(_, c)| *c as f64).sum();
    if possible <= 0.0 || candidates <= 0.0 {
        return 0.5;
    }
    let lo = 1e-15f64.max(0.5 / possible);
    let mut lambda = (0.1 * candidates / possible).clamp(lo, 0.5);
    for _ in 0..500 {
        let expected: f64 = hist
            .iter()
            .map(|(p, c)| *c as f64 * posterior(p, m, u, lambda))
            .sum();
        let next = (expected / possible).clamp(lo, 0.5);
        let done = (next / lambda - 1.0).abs() < 1e-9;
        lambda = next;
        if done {
            break;
        }
    }
    lambda
}

/// Settings of EM.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EmSettings {
    pub max_iterations: u32,
    pub tolerance: f64,
    pub estimate_u: bool,
}

/// Result of EM.
#[derive(Debug, Clone)]
pub(crate) struct EmResult {
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub lambda: f64,
    pub iterations: u32,
    pub converged: bool,
}

/// EM on the histogram of distinct patterns (`hist` sorted, so sums run in a fixed order):
/// each iteration costs the number of distinct patterns, not the number of pairs.
pub(crate) fn em(hist: &[(Pattern, u64)], u0: &[Vec<f64>], settings: EmSettings) -> EmResult {
    let m0: Vec<Vec<f64>> = Field::ALL.iter().map(|&f| initial_m(f)).collect();
    em_from(hist, &m0, u0, 0.1, settings)
}

/// EM from given starting values of m, u and lambda (see [`em`]).
pub(crate) fn em_from(
    hist: &[(Pattern, u64)],
    m0: &[Vec<f64>],
    u0: &[Vec<f64>],
    lambda0: f64,
    settings: EmSettings,
) -> EmResult {
    let mut m: Vec<Vec<f64>> = m0.to_vec();
    let mut u: Vec<Vec<f64>> = u0.to_vec();
    let mut lambda = lambda0.clamp(FLOOR, 1.0 - FLOOR);
    let total: f64 = hist.iter().map(|(_, c)| *c as f64).sum();
    let mut iterations = 0;
    let mut converged = false;
    if total == 0.0 {
        return EmResult {
            m,
            u,
            lambda,
            iterations,
            converged: true,
        };
    }
    while iterations < settings.max_iterations {
        iterations += 1;
        let mut m_num = empty_f(&m);
        let mut u_num = empty_f(&u);
        let mut match_mass = 0.0;
        for (pattern, count) in hist {
            let mut lm = lambda.ln();
            let mut lu = (1.0 - lambda).ln();
            for (f, &l) in pattern.iter().enumerate() {
                if l != MISSING {
                    lm += m[f][l as usize].ln();
                    lu += u[f][l as usize].ln();
                }
            }
            let post = 1.0 / (1.0 + (lu - lm).exp());
            let c = *count as f64;
            match_mass += c * post;
            for (f, &l) in pattern.iter().enumerate() {
                if l != MISSING {
                    m_num[f][l as usize] += c * post;
                    u_num[f][l as usize] += c * (1.0 - post);
                }
            }
        }
        let new_lambda = (match_mass / total).clamp(FLOOR, 1.0 - FLOOR);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        for f in 0..FIELDS {
            // One pseudo-pair per level (a flat Dirichlet prior): a level never seen among
            // the few matches of a small rule must not get m = 0, which would let that
            // level veto any pair outright.
            let smooth = |v: &mut Vec<f64>| v.iter_mut().for_each(|x| *x += PSEUDO_COUNT);
            smooth(&mut m_num[f]);
            change = change.max(normalise_into(&mut m[f], &m_num[f]));
            if settings.estimate_u {
                smooth(&mut u_num[f]);
                change = change.max(normalise_into(&mut u[f], &u_num[f]));
            }
        }
        if change < settings.tolerance {
            converged = true;
            break;
        }
    }
    EmResult {
        m,
        u,
        lambda,
        iterations,
        converged,
    }
}

fn empty_f(v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    v.iter().map(|x| vec![0.0; x.len()]).collect()
}

/// Replaces `target` by `num` normalised (when it has mass), returning the largest change.
fn normalise_into(target: &mut [f64], num: &[f64]) -> f64 {
    let s: f64 = num.iter().sum();
    if s <= 0.0 {
        return 0.0;
    }
    let mut change = 0.0f64;
    for (t, n) in target.iter_mut().zip(num) {
        let v = (n / s).max(FLOOR);
        change = change.max((v - *t).abs());
        *t = v;
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_of_weights() {
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!(probability(10.0) > 0.999);
        assert!(probability(-10.0) < 0.001);
    }

    #[test]
    fn a_format_1_model_is_read_with_its_weights() {
        let fields: Vec<FieldParams> = Field::ALL
            .iter()
            .map(|&field| {
                let k = if matches!(field, Field::BirthDate | Field::CaptureDate) {
                    8
                } else {
                    field.levels().len()
                };
                let m: Vec<f64> = (0..k).map(|l| (l + 1) as f64 / 100.0).collect();
                FieldParams {
                    field,
                    u: m.iter().map(|x| x / 2.0).collect(),
                    u_random: m.iter().map(|x| x / 2.0).collect(),
                    m,
                }
            })
            .collect();
        let old = FittedModel {
            version: 1,
            lambda: 0.01,
            fields,
            term_frequencies: true,
            em_iterations: 10,
            converged: true,
            u_pairs: 100,
        };
        let text = serde_json::to_string(&old).unwrap();
        let new = FittedModel::from_json(&text).unwrap();
        assert_eq!(new.version, MODEL_VERSION);
        let date = &new.fields[4];
        assert_eq!(date.m.len(), Field::BirthDate.levels().len());
        // Exact stays exact, "same year" (format 1 level 4) covers both new same-year levels.
        assert_eq!(date.m[10], old.fields[4].m[7]);
        assert_eq!(date.m[5], old.fields[4].m[4]);
        assert_eq!(date.m[6], old.fields[4].m[4]);
        assert_eq!(new.fields[0], old.fields[0]);
    }

    #[test]
    fn initial_m_is_a_distribution() {
        for f in Field::ALL {
            let m = initial_m(f);
            assert!((m.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}
