//! Multiple systems estimation: how many people there are in all, from the overlaps between
//! independent, de-duplicated lists. Log-linear models (with model search, averaging and
//! profile-likelihood intervals) and the LCMCR latent class model; pure and seeded.
//!
//! The entry point is [`estimate`] (one table) or [`estimate_stratified`] (one table per
//! stratum plus a combined total). Every estimate carries an interval and warnings.
//!
//! Decisions, with the reasons in the items they concern:
//! - A history written twice in a CSV is summed ([`parse_table`]); a positive count on the
//!   all-zero history is refused.
//! - Log-linear models: main effects plus any subset of two-way interactions; an interaction
//!   between lists that share nobody is fitted at its boundary (cells removed, parameter
//!   still counted, as SparseMSE does); fits that diverge or are rank-deficient are never
//!   selected or averaged. AIC and BIC follow Rcapture (BIC's n = people observed).
//! - Intervals: Cormack's profile likelihood per model, searched up to 20 × N̂ (warning if
//!   the end is not reached); the averaged estimate uses AIC weights and the MATA-Wald
//!   interval on log n0; strata combine as described in [`estimate_stratified`].
//! - LCMCR follows the R package's sampler and documented defaults ([`LcmcrOptions`]).

mod diagnostics;
pub mod fuzzing;
mod glm;
pub mod lcmcr;
pub mod loglinear;
mod special;
mod stratified;
mod table;

use std::fmt;

use serde::{Serialize, Serializer};

pub use diagnostics::{effective_sample_size, split_rhat};
pub use lcmcr::{LcmcrOptions, LcmcrResult};
pub use loglinear::{Criterion, Interval, ModelFit, SearchResult};
pub use stratified::{estimate_stratified, StratifiedEstimate, StratumEstimate};
pub use table::{
    parse_stratified_table, parse_table, OverlapTable, StratifiedTable, Stratum, MAX_LISTS,
    MIN_LISTS,
};

/// Everything that can stop a table from being read or estimated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EstimateError {
    /// The input has no header or no data.
    #[error("the table is empty")]
    NoData,
    /// The number of list columns is outside 3..=15.
    #[error("a table needs between {MIN_LISTS} and {MAX_LISTS} lists, found {found}")]
    ListCount {
        /// Lists found.
        found: usize,
    },
    /// The header has no `count` column.
    #[error("line {line}: no `count` column in the header")]
    MissingCountColumn {
        /// Line of the header.
        line: usize,
    },
    /// The requested stratum column is not in the header.
    #[error("no stratum column named `{name}` in the header")]
    MissingStratumColumn {
        /// The name asked for.
        name: String,
    },
    /// A stratum column appeared where an unstratified table was expected.
    #[error("column `{column}` is a stratum: read this table as stratified")]
    UnexpectedStratum {
        /// The stratum column.
        column: String,
    },
    /// A header field is empty.
    #[error("line {line}, column {column}: empty column name")]
    EmptyColumnName {
        /// Line of the header.
        line: usize,
        /// 1-based column position.
        column: usize,
    },
    /// Two header fields have the same name.
    #[error("line {line}: column `{name}` appears twice")]
    DuplicateColumn {
        /// Line of the header.
        line: usize,
        /// The repeated name.
        name: String,
    },
    /// A row has a different number of fields from the header.
    #[error("line {line}: expected {expected} fields, found {found}")]
    FieldCount {
        /// 1-based line number.
        line: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields on this line.
        found: usize,
    },
    /// A list column holds something other than 0 or 1.
    #[error("line {line}, column `{column}`: expected 0 or 1, found `{value}`")]
    NotBinary {
        /// 1-based line number.
        line: usize,
        /// Column name.
        column: String,
        /// What was there.
        value: String,
    },
    /// The count is not a non-negative integer.
    #[error(
        "line {line}, column `{column}`: expected a non-negative whole number, found `{value}`"
    )]
    BadCount {
        /// 1-based line number.
        line: usize,
        /// Column name.
        column: String,
        /// What was there.
        value: String,
    },
    /// A positive count on the all-zero history, which nobody can observe.
    #[error("line {line}: people on no list cannot be counted (all list columns are 0)")]
    UnobservableHistory {
        /// 1-based line number (0 when built in code).
        line: usize,
    },
    /// A history mask beyond the table's lists.
    #[error("history {mask} does not fit {lists} lists")]
    HistoryOutOfRange {
        /// The mask given.
        mask: usize,
        /// Lists in the table.
        lists: usize,
    },
    /// A capture history of the wrong length.
    #[error("history {index}: expected {expected} lists, found {found}")]
    HistoryLength {
        /// Position of the history in the input.
        index: usize,
        /// Lists in the table.
        expected: usize,
        /// Length of the history.
        found: usize,
    },
    /// A person on no list.
    #[error("history {index} is on no list")]
    EmptyHistory {
        /// Position of the history in the input.
        index: usize,
    },
    /// Fewer than three lists named anybody, so no estimate is possible.
    #[error("not estimable: only {nonempty} lists name anybody (at least {MIN_LISTS} needed)")]
    NotEstimable {
        /// Lists with at least one person.
        nonempty: usize,
    },
}

/// Which estimator produced an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Log-linear model with main effects only (lists independent).
    Independence,
    /// Log-linear model chosen by AIC.
    LoglinearAic,
    /// Log-linear model chosen by BIC.
    LoglinearBic,
    /// AIC-weighted average over log-linear models.
    LoglinearAveraged,
    /// Bayesian non-parametric latent class model (Manrique-Vallier 2016).
    Lcmcr,
}

impl Method {
    /// The name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Independence => "independence",
            Method::LoglinearAic => "loglinear-aic",
            Method::LoglinearBic => "loglinear-bic",
            Method::LoglinearAveraged => "loglinear-averaged",
            Method::Lcmcr => "lcmcr",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Estimate is this many times the number observed or more: the lists saw under a fifth of
/// the population and the figure rests mostly on the model.
pub const MANY_TIMES_OBSERVED: f64 = 5.0;
/// AIC and BIC estimates further apart than this ratio signal that the model choice, not
/// the data, drives the figure.
pub const DISAGREEMENT_RATIO: f64 = 1.5;
/// R-hat above this means the chains have not mixed.
pub const RHAT_LIMIT: f64 = 1.1;
/// Fewer effective draws than this make the tails of the credible interval unreliable.
pub const ESS_LIMIT: f64 = 400.0;

/// Something a reader of an estimate must know about its reliability.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// The selected model has as many parameters as cells: it fits exactly and its
    /// estimate depends only on the untestable highest-order assumption.
    Saturated,
    /// The model fit did not converge or a coefficient ran off towards ±∞.
    Diverged,
    /// The design is rank-deficient: a parameter is not identifiable from the table.
    NotIdentifiable,
    /// Two lists in an included interaction share nobody; the interaction sits at −∞.
    BoundaryInteraction {
        /// First list.
        a: String,
        /// Second list.
        b: String,
    },
    /// The estimate is many times the number observed.
    ManyTimesObserved {
        /// estimate / observed.
        ratio: f64,
    },
    /// The profile search stopped at its cap: the upper end is at least this.
    UpperEndCapped {
        /// The cap reported as upper end.
        cap: f64,
    },
    /// AIC and BIC select models whose estimates differ widely.
    ModelsDisagree {
        /// AIC-selected estimate.
        aic: f64,
        /// BIC-selected estimate.
        bic: f64,
    },
    /// No log-linear model with a finite MLE was found; the figure is not usable.
    NoAdmissibleModel,
    /// A list shares nobody with any other list: its coverage cannot be estimated.
    IsolatedList {
        /// The list.
        list: String,
    },
    /// Lists that name nobody were left out of the analysis.
    EmptyListsDropped {
        /// The lists left out.
        lists: Vec<String>,
    },
    /// More than five lists: models were searched stepwise, not exhaustively.
    StepwiseSearch {
        /// Models fitted.
        models: usize,
    },
    /// The chains disagree (split R-hat above [`RHAT_LIMIT`]).
    PoorMixing {
        /// Split R-hat of N.
        rhat: f64,
    },
    /// Too few effective posterior draws (below [`ESS_LIMIT`]).
    FewEffectiveDraws {
        /// Effective sample size of N.
        ess: f64,
    },
    /// Every latent class was in use in many sweeps: the truncation K may be too small.
    TruncationReached {
        /// Share of kept sweeps with all classes occupied.
        share: f64,
    },
    /// The posterior of N touched LCMCR's hard cap N ≤ 21n, which truncates it.
    PosteriorCapped {
        /// Share of draws at the cap.
        share: f64,
    },
    /// A warning raised on one stratum's own estimate, carried to the total.
    StratumNote {
        /// The stratum.
        stratum: String,
        /// The stratum's warning.
        note: String,
    },
    /// A stratum could not be estimated and only its observed count enters the total.
    StratumNotEstimable {
        /// The stratum.
        stratum: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Saturated => write!(
                f,
                "saturated model: it fits the table exactly and rests entirely on the untestable no-highest-interaction assumption"
            ),
            Warning::Diverged => write!(f, "the model fit diverged (no finite maximum likelihood estimate)"),
            Warning::NotIdentifiable => write!(f, "a model parameter is not identifiable from this table"),
            Warning::BoundaryInteraction { a, b } => write!(
                f,
                "lists {a} and {b} share nobody: their interaction is at the boundary (-infinity)"
            ),
            Warning::ManyTimesObserved { ratio } => write!(
                f,
                "the estimate is {ratio:.1} times the number observed: it rests mostly on the model"
            ),
            Warning::UpperEndCapped { cap } => write!(
                f,
                "the upper end of the interval was not reached; it is above {cap:.0}"
            ),
            Warning::ModelsDisagree { aic, bic } => write!(
                f,
                "AIC and BIC choose models with very different estimates ({aic:.0} and {bic:.0}): model choice drives the figure"
            ),
            Warning::NoAdmissibleModel => write!(f, "no log-linear model has a finite estimate on this table"),
            Warning::IsolatedList { list } => write!(f, "list {list} shares nobody with any other list"),
            Warning::EmptyListsDropped { lists } => {
                write!(f, "lists naming nobody were left out: {}", lists.join(", "))
            }
            Warning::StepwiseSearch { models } => write!(
                f,
                "more than five lists: models searched stepwise ({models} fitted), not exhaustively"
            ),
            Warning::PoorMixing { rhat } => write!(
                f,
                "chains have not converged (R-hat {rhat:.3} > {RHAT_LIMIT}): run longer"
            ),
            Warning::FewEffectiveDraws { ess } => write!(
                f,
                "only {ess:.0} effective posterior draws (< {ESS_LIMIT}): interval ends are imprecise"
            ),
            Warning::TruncationReached { share } => write!(
                f,
                "all latent classes occupied in {:.0}% of sweeps: raise the truncation K",
                share * 100.0
            ),
            Warning::PosteriorCapped { share } => write!(
                f,
                "{:.1}% of posterior draws hit the cap N <= 21 x observed: the upper tail is truncated",
                share * 100.0
            ),
            Warning::StratumNote { stratum, note } => write!(f, "stratum {stratum}: {note}"),
            Warning::StratumNotEstimable { stratum, reason } => write!(
                f,
                "stratum {stratum} not estimable ({reason}); only its observed count is in the total"
            ),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One estimate of the total number of people, with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The estimator.
    pub method: Method,
    /// Point estimate of N (log-linear: n + e^û; LCMCR: posterior median).
    pub estimate: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
    /// Nominal coverage of the interval (0.95).
    pub level: f64,
    /// People observed on at least one list, n.
    pub observed: u64,
    /// The model behind the figure, readable.
    pub model: String,
    /// What the reader must know about the figure's reliability.
    pub warnings: Vec<Warning>,
}

/// Which estimators to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MethodSelection {
    /// Independence, AIC, BIC and averaged log-linear estimates.
    LogLinear,
    /// The LCMCR latent class model only.
    Lcmcr,
    /// Both families.
    #[default]
    All,
}

impl std::str::FromStr for MethodSelection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "loglinear" => Ok(Self::LogLinear),
            "lcmcr" => Ok(Self::Lcmcr),
            "all" => Ok(Self::All),
            other => Err(format!(
                "unknown method `{other}` (loglinear, lcmcr or all)"
            )),
        }
    }
}

/// Options of [`estimate`].
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateOptions {
    /// Which estimators to run.
    pub methods: MethodSelection,
    /// Seed of every random draw; the same seed gives the same numbers.
    pub seed: u64,
    /// Interval level, 0.95 by default.
    pub level: f64,
    /// Settings of the LCMCR sampler.
    pub lcmcr: LcmcrOptions,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        Self {
            methods: MethodSelection::All,
            seed: 0,
            level: 0.95,
            lcmcr: LcmcrOptions::default(),
        }
    }
}

/// What [`estimate`] knows beyond the printed figures, for combining strata.
#[derive(Debug, Clone)]
pub(crate) struct Detailed {
    pub estimates: Vec<Estimate>,
    /// Per estimate: variance of n̂0 (log-linear) for combining strata.
    pub variances: Vec<f64>,
    /// Pooled LCMCR draws of N in chain order, when LCMCR ran.
    pub lcmcr_draws: Option<Vec<f64>>,
}

/// Estimates the population size from one overlap table with every requested method, in
/// the order independence, loglinear-aic, loglinear-bic, loglinear-averaged, lcmcr.
///
/// Fails only when fewer than three lists name anybody; every weakness short of that is
/// reported as a [`Warning`] on the estimate concerned.
pub fn estimate(
    table: &OverlapTable,
    opts: &EstimateOptions,
) -> Result<Vec<Estimate>, EstimateError> {
    estimate_detailed(table, opts).map(|d| d.estimates)
}

pub(crate) fn estimate_detailed(
    table: &OverlapTable,
    opts: &EstimateOptions,
) -> Result<Detailed, EstimateError> {
    let (table, common) = usable_table(table)?;
    let n = table.observed();
    let level = opts.level;
    let mut out = Detailed {
        estimates: Vec::new(),
        variances: Vec::new(),
        lcmcr_draws: None,
    };
    let with = |mut w: Vec<Warning>, estimate: f64| {
        let mut all = common.clone();
        all.append(&mut w);
        let ratio = estimate / n.max(1) as f64;
        if ratio >= MANY_TIMES_OBSERVED {
            all.push(Warning::ManyTimesObserved { ratio });
        }
        all
    };
    if matches!(
        opts.methods,
        MethodSelection::LogLinear | MethodSelection::All
    ) {
        let search = loglinear::search_models(&table);
        let lists = table.lists();
        let push = |out: &mut Detailed, method: Method, fit: &ModelFit, mut extra: Vec<Warning>| {
            let ci = loglinear::profile_interval(&table, fit, level);
            let mut w = model_warnings(fit, lists);
            if ci.capped {
                w.push(Warning::UpperEndCapped { cap: ci.upper });
            }
            w.append(&mut extra);
            let var = fit.missing + fit.missing * fit.missing * fit.se_log_missing.powi(2);
            out.variances.push(var);
            out.estimates.push(Estimate {
                method,
                estimate: fit.estimate,
                lower: ci.lower.min(fit.estimate),
                upper: ci.upper.max(fit.estimate),
                level,
                observed: n,
                model: fit.describe(lists),
                warnings: with(w, fit.estimate),
            });
        };
        let independence = &search.models[0];
        push(&mut out, Method::Independence, independence, Vec::new());
        let mut search_note = Vec::new();
        if !search.exhaustive {
            search_note.push(Warning::StepwiseSearch {
                models: search.models.len(),
            });
        }
        let aic = &search.models[search.best_aic];
        let bic = &search.models[search.best_bic];
        let none = !aic.admissible();
        let mut extra = search_note.clone();
        if none {
            extra.push(Warning::NoAdmissibleModel);
        }
        push(&mut out, Method::LoglinearAic, aic, extra.clone());
        push(&mut out, Method::LoglinearBic, bic, extra.clone());
        let mut avg_warnings = search_note;
        let ratio = aic.estimate.max(bic.estimate) / aic.estimate.min(bic.estimate);
        if ratio > DISAGREEMENT_RATIO {
            avg_warnings.push(Warning::ModelsDisagree {
                aic: aic.estimate,
                bic: bic.estimate,
            });
        }
        match loglinear::average_models(&table, &search.models, level) {
            Some(avg) => {
                // Buckland et al. (1997) unconditional variance, for combining strata.
                let weights = aic_weights(&search.models);
                let mean_n0 = avg.estimate - n as f64;
                let sd: f64 = search
                    .models
                    .iter()
                    .zip(&weights)
                    .map(|(m, w)| {
                        let v = m.missing + m.missing * m.missing * m.se_log_missing.powi(2);
                        w * (v + (m.missing - mean_n0).powi(2)).sqrt()
                    })
                    .filter(|v| v.is_finite())
                    .sum();
                out.variances.push(sd * sd);
                out.estimates.push(Estimate {
                    method: Method::LoglinearAveraged,
                    estimate: avg.estimate,
                    lower: avg.interval.lower,
                    upper: avg.interval.upper,
                    level,
                    observed: n,
                    model: format!(
                        "AIC-weighted average of {} models (largest weight {:.2})",
                        avg.models, avg.top_weight
                    ),
                    warnings: with(avg_warnings, avg.estimate),
                });
            }
            None => {
                avg_warnings.push(Warning::NoAdmissibleModel);
                let fit = independence;
                out.variances.push(f64::NAN);
                out.estimates.push(Estimate {
                    method: Method::LoglinearAveraged,
                    estimate: fit.estimate,
                    lower: fit.estimate,
                    upper: fit.estimate,
                    level,
                    observed: n,
                    model: "no admissible model to average".to_string(),
                    warnings: with(avg_warnings, fit.estimate),
                });
            }
        }
    }
    if matches!(opts.methods, MethodSelection::Lcmcr | MethodSelection::All) {
        let result = lcmcr::lcmcr(&table, &opts.lcmcr, opts.seed, level);
        let mut w = Vec::new();
        if result.rhat.is_nan() || result.rhat > RHAT_LIMIT {
            w.push(Warning::PoorMixing { rhat: result.rhat });
        }
        if result.ess.is_nan() || result.ess < ESS_LIMIT {
            w.push(Warning::FewEffectiveDraws { ess: result.ess });
        }
        if result.truncation_share > 0.1 {
            w.push(Warning::TruncationReached {
                share: result.truncation_share,
            });
        }
        if result.cap_share > 0.0 {
            w.push(Warning::PosteriorCapped {
                share: result.cap_share,
            });
        }
        let o = &opts.lcmcr;
        out.variances.push(f64::NAN);
        out.estimates.push(Estimate {
            method: Method::Lcmcr,
            estimate: result.median,
            lower: result.lower,
            upper: result.upper,
            level,
            observed: n,
            model: format!(
                "K={} chains={} burn-in={} samples={} thinning={} R-hat={:.3} ESS={:.0}",
                o.truncation, o.chains, o.burnin, o.samples, o.thinning, result.rhat, result.ess
            ),
            warnings: with(w, result.median),
        });
        out.lcmcr_draws = Some(result.draws.into_iter().flatten().collect());
    }
    Ok(out)
}

fn aic_weights(models: &[ModelFit]) -> Vec<f64> {
    let ok = |m: &ModelFit| m.admissible() && m.missing > 0.0 && m.se_log_missing.is_finite();
    let min = models
        .iter()
        .filter(|m| ok(m))
        .map(|m| m.aic)
        .fold(f64::INFINITY, f64::min);
    let raw: Vec<f64> = models
        .iter()
        .map(|m| {
            if ok(m) {
                (-(m.aic - min) / 2.0).exp()
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = raw.iter().sum();
    raw.iter()
        .map(|w| if total > 0.0 { w / total } else { 0.0 })
        .collect()
}

fn model_warnings(fit: &ModelFit, lists: &[String]) -> Vec<Warning> {
    let mut w = Vec::new();
    if fit.saturated {
        w.push(Warning::Saturated);
    }
    if fit.diverged {
        w.push(Warning::Diverged);
    }
    if fit.rank_deficient {
        w.push(Warning::NotIdentifiable);
    }
    for &(a, b) in &fit.boundary_pairs {
        w.push(Warning::BoundaryInteraction {
            a: lists[a].clone(),
            b: lists[b].clone(),
        });
    }
    w
}

/// Drops lists that name nobody (refusing when fewer than three remain) and notes lists
/// that overlap no other list.
fn usable_table(table: &OverlapTable) -> Result<(OverlapTable, Vec<Warning>), EstimateError> {
    let k = table.list_count();
    let keep: Vec<usize> = (0..k).filter(|&j| table.list_total(j) > 0).collect();
    if keep.len() < MIN_LISTS {
        return Err(EstimateError::NotEstimable {
            nonempty: keep.len(),
        });
    }
    let mut warnings = Vec::new();
    let table = if keep.len() == k {
        table.clone()
    } else {
        let dropped = (0..k)
            .filter(|j| !keep.contains(j))
            .map(|j| table.lists()[j].clone())
            .collect();
        warnings.push(Warning::EmptyListsDropped { lists: dropped });
        let lists = keep.iter().map(|&j| table.lists()[j].clone()).collect();
        let cells = table.counts().iter().enumerate().map(|(mask, &c)| {
            let m = keep.iter().enumerate().fold(0usize, |acc, (new, &old)| {
                if mask & (1 << old) != 0 {
                    acc | (1 << new)
                } else {
                    acc
                }
            });
            (m, c)
        });
        OverlapTable::from_counts(lists, cells)?
    };
    for j in 0..table.list_count() {
        if (0..table.list_count()).all(|l| l == j || table.overlap(j, l) == 0) {
            warnings.push(Warning::IsolatedList {
                list: table.lists()[j].clone(),
            });
        }
    }
    Ok((table, warnings))
}

/// Renders estimates as a plain-text table, warnings listed under their estimate.
pub fn render_table(estimates: &[Estimate]) -> String {
    let mut s = String::new();
    let level = estimates.first().map_or(0.95, |e| e.level);
    let ci = format!("{:.0}% interval", level * 100.0);
    s.push_str(&format!(
        "{:<19} {:>11} {:>25} {:>9}  {}\n",
        "method", "estimate", ci, "observed", "model"
    ));
    for e in estimates {
        s.push_str(&format!(
            "{:<19} {:>11.0} {:>25} {:>9}  {}\n",
            e.method.as_str(),
            e.estimate,
            format!("{:.0} - {:.0}", e.lower, e.upper),
            e.observed,
            e.model
        ));
        for w in &e.warnings {
            s.push_str(&format!("{:<19} warning: {w}\n", ""));
        }
    }
    s
}
