//! The linkage pipeline over a batch of records: canonical ordering (so that results never
//! depend on input order), features, blocking, fitting, scoring, clustering and explanation.
//!
//! The canonical order is by family-name key, given-name key and birth year (for memory
//! locality: see `Linker::new`), then source, record id and content.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blocking::{block, BlockingLimits, BlockingRule, LinkMode, RuleReport};
use crate::cluster::cluster;
use crate::compare::{compare, Compact, Field, Pattern, FIELDS, MISSING};
use crate::error::LinkError;
use crate::features::Features;
use crate::model::{
    em, em_from, estimate_u, initial_m, population_lambda, posterior, probability, EmSettings,
    FieldEvidence, FieldParams, FittedModel, MODEL_VERSION,
};
use crate::record::{LinkRecord, PartialDate};

/// A set of comparison patterns (a few thousand distinct among millions of pairs).
type PatternSet =
    std::collections::HashSet<Pattern, std::hash::BuildHasherDefault<crate::features::IntHasher>>;

/// Settings of a linkage run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkConfig {
    /// Which pairs are wanted (de-duplicate, link across sources, or both).
    pub mode: LinkMode,
    /// Blocking rules, unioned.
    pub rules: Vec<BlockingRule>,
    /// Bucket and per-rule pair limits.
    pub limits: BlockingLimits,
    /// Match probability at or above which a pair is reported and may join a cluster.
    pub threshold: f64,
    /// Random pairs drawn to estimate u.
    pub u_sample_pairs: usize,
    /// Seed of the random pair sample.
    pub seed: u64,
    /// Upper bound on EM iterations.
    pub em_max_iterations: u32,
    /// EM stops when no probability changes by more than this.
    pub em_tolerance: f64,
    /// Re-estimate u by EM on the candidate pairs (starting from the random-pair u) instead of
    /// keeping the random-pair u fixed.
    pub estimate_u_by_em: bool,
    /// Term-frequency adjustment of given and family names.
    pub term_frequencies: bool,
    /// Share of compared cross pairs that must match for two clusters to merge (0 gives
    /// connected components).
    pub min_cluster_support: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            mode: LinkMode::Dedupe,
            rules: BlockingRule::DEFAULT.to_vec(),
            limits: BlockingLimits::default(),
            threshold: 0.5,
            u_sample_pairs: 1_000_000,
            seed: 42,
            em_max_iterations: 200,
            em_tolerance: 1e-6,
            estimate_u_by_em: false,
            term_frequencies: true,
            min_cluster_support: 0.5,
        }
    }
}

/// A scored candidate pair, by input record index (`left` comes first in canonical order:
/// lower source, then lower record id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredPair {
    /// Input index of the first record.
    pub left: u32,
    /// Input index of the second record.
    pub right: u32,
    /// Match weight in bits (log2 odds), term frequencies included.
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
    /// Agreement level per field ([`crate::MISSING`] where missing), in [`Field::ALL`] order.
    pub pattern: Pattern,
}

/// How a run went: blocking per rule, warnings, EM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkReport {
    /// Records linked.
    pub records: u64,
    /// One entry per blocking rule.
    pub blocking: Vec<RuleReport>,
    /// Candidate pairs after the union of all rules.
    pub candidate_pairs: u64,
    /// Distinct comparison patterns among the candidates.
    pub distinct_patterns: u64,
    /// Pairs at or above the threshold.
    pub matched_pairs: u64,
    /// Clusters with more than one record.
    pub multi_record_clusters: u64,
    /// Warnings (oversized buckets, skipped rules, EM not converged).
    pub warnings: Vec<String>,
}

/// Everything a run produces.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkOutput {
    /// The model used (fitted in this run or given).
    pub model: FittedModel,
    /// Pairs at or above the threshold, in canonical order.
    pub pairs: Vec<ScoredPair>,
    /// Cluster of each input record: the input index of its first record in canonical order.
    pub clusters: Vec<u32>,
    /// Report of the run.
    pub report: LinkReport,
}

/// The explanation of one pair's match weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// log2 prior odds of a match.
    pub prior_weight: f64,
    /// One entry per field.
    pub fields: Vec<FieldEvidence>,
    /// Total match weight in bits.
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
}

/// Records prepared for linkage: canonically ordered, with features and candidate pairs.
#[derive(Debug)]
pub struct Linker {
    config: LinkConfig,
    /// `order[k]` is the input index of the k-th record in canonical order.
    order: Vec<u32>,
    /// `rank[input index]` is its canonical position.
    rank: Vec<u32>,
    features: Features,
    candidates: Vec<(u32, u32)>,
    /// Bit mask of the rules that produced each candidate.
    masks: Vec<u16>,
    blocking: Vec<RuleReport>,
    warnings: Vec<String>,
    /// Canonical positions of the distinct records: the first of each group of records of
    /// one source with identical link fields, ordered by content so that the list depends
    /// only on the set of distinct records (not on record ids or how often a row repeats).
    distinct: Vec<u32>,
    /// Per canonical position: whether the record is one of `distinct`.
    is_distinct: Vec<bool>,
    /// The comparison of each candidate pair, made once on first use (fitting and scoring
    /// both need every pair).
    compared: std::sync::OnceLock<Vec<Compact>>,
}

fn canonical_cmp(a: &LinkRecord, b: &LinkRecord) -> Ordering {
    a.source
        .cmp(&b.source)
        .then_with(|| a.record_id.cmp(&b.record_id))
        .then_with(|| content_cmp(a, b))
}

/// Compares source and link fields, ignoring the record id: equal means an exact duplicate.
fn content_cmp(a: &LinkRecord, b: &LinkRecord) -> Ordering {
    a.source
        .cmp(&b.source)
        .then_with(|| a.family_name.cmp(&b.family_name))
        .then_with(|| a.given_name.cmp(&b.given_name))
        .then_with(|| a.patronymic.cmp(&b.patronymic))
        .then_with(|| a.full_name.cmp(&b.full_name))
        .then_with(|| a.sex.cmp(&b.sex))
        .then_with(|| a.birth_date.cmp(&b.birth_date))
        .then_with(|| a.birth_place.cmp(&b.birth_place))
        .then_with(|| a.residence.cmp(&b.residence))
        .then_with(|| a.id_number.cmp(&b.id_number))
        .then_with(|| a.capture_date.cmp(&b.capture_date))
        .then_with(|| a.capture_place.cmp(&b.capture_place))
}

impl Linker {
    /// Prepares `records`: orders them canonically (source, record id, content), computes
    /// features in parallel and runs blocking.
    pub fn new(records: &[LinkRecord], config: LinkConfig) -> Result<Linker, LinkError> {
        if !(config.threshold > 0.0 && config.threshold < 1.0) {
            return Err(LinkError::InvalidConfig(format!(
                "threshold {} is outside (0, 1)",
                config.threshold
            )));
        }
        if !(0.0..=1.0).contains(&config.min_cluster_support) {
            return Err(LinkError::InvalidConfig(
                "min_cluster_support must be in [0, 1]".to_owned(),
            ));
        }
        if records.len() >= u32::MAX as usize {
            return Err(LinkError::InvalidConfig(
                "too many records for one run".to_owned(),
            ));
        }
        let mut order: Vec<u32> = (0..records.len() as u32).collect();
        order.par_sort_by(|&a, &b| {
            canonical_cmp(&records[a as usize], &records[b as usize]).then(a.cmp(&b))
        });
        let sorted: Vec<&LinkRecord> = order.iter().map(|&i| &records[i as usize]).collect();
        let mut features = Features::build(&sorted);
        let (mut distinct, mut is_distinct) = distinct_records(&sorted);
        // Name and birth-year frequencies over distinct records, so that a repeated row does
        // not make its name look commoner.
        features.count_frequencies(&is_distinct);
        drop(sorted);
        // Locality: the final positions put records with the same family key, given key and
        // birth year next to each other, so that a candidate pair's two records (and the
        // next pair's) are near in memory; comparing in the (source, record id) order missed
        // the cache on nearly every second record. Ties keep the order above, so positions
        // are still a function of the records alone.
        let near = locality_order(&features);
        let mut new_pos = vec![0u32; near.len()];
        for (p, &k) in near.iter().enumerate() {
            new_pos[k as usize] = p as u32;
        }
        let mut tagged: Vec<(u32, crate::features::RecordFeatures)> =
            std::mem::take(&mut features.records)
                .into_iter()
                .enumerate()
                .map(|(k, r)| (new_pos[k], r))
                .collect();
        tagged.par_sort_unstable_by_key(|t| t.0);
        features.records = tagged.into_iter().map(|t| t.1).collect();
        let order: Vec<u32> = near.iter().map(|&k| order[k as usize]).collect();
        is_distinct = near.iter().map(|&k| is_distinct[k as usize]).collect();
        for d in &mut distinct {
            *d = new_pos[*d as usize];
        }
        let mut rank = vec![0u32; records.len()];
        for (k, &i) in order.iter().enumerate() {
            rank[i as usize] = k as u32;
        }
        if config.rules.len() > BlockingRule::MAX_RULES {
            return Err(LinkError::InvalidConfig(format!(
                "at most {} blocking rules",
                BlockingRule::MAX_RULES
            )));
        }
        let (candidates, masks, blocking, warnings) =
            block(&features, &config.rules, config.mode, config.limits);
        Ok(Linker {
            config,
            order,
            rank,
            features,
            candidates,
            masks,
            blocking,
            warnings,
            distinct,
            is_distinct,
            compared: std::sync::OnceLock::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Number of candidate pairs after blocking.
    pub fn candidate_count(&self) -> usize {
        self.candidates.len()
    }

    /// Candidate pairs as input indices, in canonical order.
    pub fn candidates(&self) -> Vec<(u32, u32)> {
        self.candidates
            .iter()
            .map(|&(i, j)| (self.order[i as usize], self.order[j as usize]))
            .collect()
    }

    /// Blocking reports, one per rule.
    pub fn blocking_report(&self) -> &[RuleReport] {
        &self.blocking
    }

    /// Histogram of distinct (comparison pattern, rule mask) among the candidate pairs of
    /// distinct records, sorted. Pairs involving a repeated row are left out so that an exact
    /// duplicate changes neither the counts nor, therefore, the fitted model.
    fn histogram(&self) -> Vec<((Pattern, u16), u64)> {
        let compared = self.compared();
        let maps = self
            .candidates
            .par_chunks(1 << 14)
            .zip(self.masks.par_chunks(1 << 14))
            .zip(compared.par_chunks(1 << 14))
            .map(|((chunk, masks), compared)| {
                let mut h: HashMap<(Pattern, u16), u64> = HashMap::new();
                for ((&(i, j), &mask), c) in chunk.iter().zip(masks).zip(compared) {
                    if !(self.is_distinct[i as usize] && self.is_distinct[j as usize]) {
                        continue;
                    }
                    *h.entry((c.pattern, mask)).or_default() += 1;
                }
                h
            })
            .reduce(HashMap::new, |mut a, b| {
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            });
        let mut hist: Vec<((Pattern, u16), u64)> = maps.into_iter().collect();
        hist.sort_unstable();
        hist
    }

    /// The comparison of every candidate pair, in candidate order (made on first call).
    fn compared(&self) -> &[Compact] {
        self.compared.get_or_init(|| {
            self.candidates
                .par_iter()
                .map(|&(i, j)| compare(&self.features, i, j).compact(&self.features))
                .collect()
        })
    }

    /// Number of pairs the mode allows among distinct records (the population of pairs).
    fn possible_pairs(&self) -> f64 {
        let n = self.distinct.len() as f64;
        let all = n * (n - 1.0) / 2.0;
        if self.config.mode != LinkMode::LinkOnly {
            return all;
        }
        let mut per_source: BTreeMap<u32, f64> = BTreeMap::new();
        for &k in &self.distinct {
            *per_source
                .entry(self.features.records[k as usize].source)
                .or_default() += 1.0;
        }
        all - per_source
            .values()
            .map(|k| k * (k - 1.0) / 2.0)
            .sum::<f64>()
    }

    /// Fits a model on the distinct records (exact duplicates within a source collapsed, so
    /// that repeating a row leaves the model unchanged): u from random pairs; starting values
    /// of m by EM on the pairs of each blocking rule with the rule's own fields left out (they
    /// agree by construction there); m by EM on all candidate pairs from there (u among
    /// candidates fitted beside it); then the prior share of matches among all possible pairs
    /// by EM with m and the random-pair u fixed, taking pairs outside blocking as
    /// non-matches. With `estimate_u_by_em`, the candidates' u and prior are kept instead.
    pub fn fit(&self) -> FittedModel {
        let (u_random, u_pairs) = estimate_u(
            &self.features,
            &self.distinct,
            self.config.mode,
            self.config.u_sample_pairs,
            self.config.seed,
        );
        let hist = self.histogram();
        let settings = EmSettings {
            max_iterations: self.config.em_max_iterations,
            tolerance: self.config.em_tolerance,
            estimate_u: self.config.estimate_u_by_em,
        };
        // Rules whose pairs are mostly relatives (see `BlockingRule::trains_m`): pairs found
        // by such rules alone are scored but left out of the full fit of m.
        let relatives: u16 = self
            .config
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.trains_m())
            .fold(0, |acc, (k, _)| acc | 1 << k.min(15));
        let mut flat: BTreeMap<Pattern, u64> = BTreeMap::new();
        let mut fit_on: BTreeMap<Pattern, u64> = BTreeMap::new();
        for ((p, mask), c) in &hist {
            *flat.entry(*p).or_default() += c;
            if mask & !relatives != 0 {
                *fit_on.entry(*p).or_default() += c;
            }
        }
        let flat: Vec<(Pattern, u64)> = flat.into_iter().collect();
        let fit_on: Vec<(Pattern, u64)> = if fit_on.is_empty() {
            flat.clone()
        } else {
            fit_on.into_iter().collect()
        };
        // Starting values: m by EM on the pairs of each blocking rule with the rule's own
        // fields left out (they agree by construction there), averaged over the rules
        // weighted by their expected matches with the field present.
        let mut m_sum: Vec<Vec<f64>> = Field::ALL
            .iter()
            .map(|f| vec![0.0; f.levels().len()])
            .collect();
        let mut m_weight = [0.0f64; FIELDS];
        let mut match_share = (0.0f64, 0.0f64);
        for (r, rule) in self.config.rules.iter().enumerate() {
            let bit = 1u16 << r.min(15);
            let blocked: Vec<usize> = rule
                .blocked_fields()
                .iter()
                .filter_map(|f| Field::ALL.iter().position(|g| g == f))
                .collect();
            let mut sub: BTreeMap<Pattern, u64> = BTreeMap::new();
            for ((p, mask), c) in &hist {
                if mask & bit != 0 {
                    let mut q = *p;
                    for &f in &blocked {
                        q[f] = MISSING;
                    }
                    *sub.entry(q).or_default() += c;
                }
            }
            let sub: Vec<(Pattern, u64)> = sub.into_iter().collect();
            if sub.is_empty() {
                continue;
            }
            let fit = em(&sub, &u_random, settings);
            let mut present = [0.0f64; FIELDS];
            let mut matches = 0.0;
            let mut pairs = 0.0;
            for (p, c) in &sub {
                let post = posterior(p, &fit.m, &u_random, fit.lambda) * *c as f64;
                matches += post;
                pairs += *c as f64;
                for (f, &l) in p.iter().enumerate() {
                    if l != MISSING {
                        present[f] += post;
                    }
                }
            }
            match_share.0 += matches;
            match_share.1 += pairs;
            for f in 0..FIELDS {
                if blocked.contains(&f) || present[f] <= 0.0 {
                    continue;
                }
                for (s, v) in m_sum[f].iter_mut().zip(&fit.m[f]) {
                    *s += present[f] * v;
                }
                m_weight[f] += present[f];
            }
        }
        let m0: Vec<Vec<f64>> = m_sum
            .into_iter()
            .zip(m_weight)
            .zip(Field::ALL)
            .map(|((s, w), f)| {
                if w > 0.0 {
                    s.iter().map(|x| x / w).collect()
                } else {
                    initial_m(f)
                }
            })
            .collect();
        let lambda0 = if match_share.1 > 0.0 {
            match_share.0 / match_share.1
        } else {
            0.1
        };
        // Then m by EM on every candidate pair from those starting values, with u among the
        // candidates fitted freely beside it: blocking keeps nearly every match, so the
        // matches among the candidates are the matches. The per-rule fits alone see too few
        // fields to tell namesakes from matches (they overestimated m of "different
        // patronymic" tenfold); the full fit alone, from generic starting values, can settle
        // on a spurious class (pairs a year apart) at a hundred thousand records.
        let full = em_from(
            &fit_on,
            &m0,
            &u_random,
            lambda0,
            EmSettings {
                estimate_u: true,
                ..settings
            },
        );
        let (iterations, converged) = (full.iterations, full.converged);
        let (m, u, lambda) = if self.config.estimate_u_by_em {
            (full.m, full.u, full.lambda)
        } else {
            // Scoring uses u from random pairs and the share of matches among all possible
            // pairs (EM over the population with m and u fixed, pairs outside blocking taken
            // as non-matches), so that the weights mean the same whatever the blocking.
            //
            // That fixed point collapses to its floor at a million records (candidates full
            // of namesakes, year-only dates: too little evidence per pair to outweigh a prior
            // of 2^-19, so the expected matches shrink with the prior), so it is bounded below
            // by the matches the full EM found among the candidates, spread over all possible
            // pairs (blocking keeps nearly every match).
            let possible = self.possible_pairs();
            let candidates: f64 = flat.iter().map(|(_, c)| *c as f64).sum();
            let floor = if possible > 0.0 {
                (full.lambda * candidates / possible).min(0.5)
            } else {
                0.0
            };
            let lambda = population_lambda(&flat, &full.m, &u_random, possible).max(floor);
            (full.m, u_random.clone(), lambda)
        };
        FittedModel {
            version: MODEL_VERSION,
            lambda,
            fields: Field::ALL
                .iter()
                .zip(m)
                .zip(u)
                .zip(u_random)
                .map(|(((&field, m), u), u_random)| FieldParams {
                    field,
                    m,
                    u,
                    u_random,
                })
                .collect(),
            term_frequencies: self.config.term_frequencies,
            em_iterations: iterations,
            converged,
            u_pairs,
        }
    }

    /// Scores every candidate pair with `model`, in canonical order.
    pub fn score(&self, model: &FittedModel) -> Vec<ScoredPair> {
        let scorer = model.scorer(&self.features);
        self.candidates
            .par_iter()
            .zip(self.compared().par_iter())
            .map(|(&(i, j), c)| {
                let weight = scorer.weight(c);
                ScoredPair {
                    left: self.order[i as usize],
                    right: self.order[j as usize],
                    weight,
                    probability: probability(weight),
                    pattern: c.pattern,
                }
            })
            .collect()
    }

    /// Clusters scored pairs; returns per input record the input index of its cluster's first
    /// record in canonical order.
    pub fn cluster(&self, scored: &[ScoredPair]) -> Vec<u32> {
        let (pairs, probs): (Vec<(u32, u32)>, Vec<f64>) = scored
            .iter()
            .map(|p| {
                let (a, b) = (self.rank[p.left as usize], self.rank[p.right as usize]);
                ((a.min(b), a.max(b)), p.probability)
            })
            .unzip();
        self.cluster_ranked(&pairs, &probs)
    }

    fn cluster_ranked(&self, pairs: &[(u32, u32)], probs: &[f64]) -> Vec<u32> {
        let by_rank = cluster(
            self.order.len(),
            pairs,
            probs,
            self.config.threshold,
            self.config.min_cluster_support,
        );
        let mut out = vec![0u32; self.order.len()];
        for (k, &root) in by_rank.iter().enumerate() {
            out[self.order[k] as usize] = self.order[root as usize];
        }
        out
    }

    /// Runs everything: fits a model unless one is given, scores, clusters. Memory stays
    /// at about 45 bytes per candidate pair (the pair, its rule mask, its compact comparison,
    /// its probability); only pairs at or above the threshold are returned.
    pub fn run(&self, model: Option<FittedModel>) -> LinkOutput {
        let mut warnings = self.warnings.clone();
        let model = model.unwrap_or_else(|| self.fit());
        if !model.converged {
            warnings.push(format!(
                "EM did not converge in {} iterations",
                model.em_iterations
            ));
        }
        let compared = self.compared();
        let scorer = model.scorer(&self.features);
        let probs: Vec<f64> = compared
            .par_iter()
            .map(|c| probability(scorer.weight(c)))
            .collect();
        let clusters = self.cluster_ranked(&self.candidates, &probs);
        let threshold = self.config.threshold;
        // The kept pairs' positions first, so that the pairs themselves are made straight
        // into a vector of the right size (a filtered collect copies them once more).
        let kept: Vec<usize> = probs
            .par_iter()
            .enumerate()
            .filter(|(_, &p)| p >= threshold)
            .map(|(k, _)| k)
            .collect();
        let pairs: Vec<ScoredPair> = kept
            .par_iter()
            .map(|&k| {
                let ((i, j), c) = (self.candidates[k], &compared[k]);
                ScoredPair {
                    left: self.order[i as usize],
                    right: self.order[j as usize],
                    // Only the kept pairs' weights are needed: recomputed from the lookup
                    // tables rather than held for every candidate.
                    weight: scorer.weight(c),
                    probability: probs[k],
                    pattern: c.pattern,
                }
            })
            .collect();
        drop(probs);
        let distinct_patterns = pairs
            .par_chunks(1 << 16)
            .map(|chunk| chunk.iter().map(|s| s.pattern).collect::<PatternSet>())
            .reduce(PatternSet::default, |mut a, b| {
                a.extend(b);
                a
            })
            .len() as u64;
        // A cluster has more than one record when some other record names its first record.
        let mut joined = vec![false; clusters.len()];
        for (k, &c) in clusters.iter().enumerate() {
            if c as usize != k {
                joined[c as usize] = true;
            }
        }
        let report = LinkReport {
            records: self.order.len() as u64,
            blocking: self.blocking.clone(),
            candidate_pairs: self.candidates.len() as u64,
            distinct_patterns,
            matched_pairs: pairs.len() as u64,
            multi_record_clusters: joined.iter().filter(|&&j| j).count() as u64,
            warnings,
        };
        LinkOutput {
            model,
            pairs,
            clusters,
            report,
        }
    }

    /// Explains the weight of the pair of input records `left` and `right` under `model`,
    /// field by field (whether or not blocking made them candidates).
    pub fn explain(
        &self,
        model: &FittedModel,
        left: usize,
        right: usize,
    ) -> Result<Explanation, LinkError> {
        let rank = |i: usize| self.rank.get(i).copied().ok_or(LinkError::NoSuchRecord(i));
        let (a, b) = (rank(left)?, rank(right)?);
        let c = compare(&self.features, a.min(b), a.max(b));
        let weight = model.weight(&self.features, &c);
        Ok(Explanation {
            prior_weight: model.prior_weight(),
            fields: model.evidence(&self.features, &c),
            weight,
            probability: probability(weight),
        })
    }
}

/// Positions (of `features.records`) ordered by family-name key, given-name key and birth
/// year, then position: records that block together end up next to each other.
fn locality_order(features: &Features) -> Vec<u32> {
    let key = |u: Option<u32>| u.map_or(u64::MAX, |u| features.names[u as usize].key);
    let keys: Vec<(u64, u64, u16)> = features
        .records
        .par_iter()
        .map(|r| {
            let first = r.tokens.first().copied();
            (
                key(r.family.or(first)),
                key(r.given.or(first)),
                r.birth.map_or(u16::MAX, |d| d.year),
            )
        })
        .collect();
    let mut near: Vec<u32> = (0..keys.len() as u32).collect();
    near.par_sort_unstable_by_key(|&k| (keys[k as usize], k));
    near
}

/// The distinct records of `sorted` (see the `distinct` field of [`Linker`]) and, per position, whether it
/// is one of them. Records are grouped by a stable hash of their content first and compared
/// in full only within a hash (string comparisons of every record were a tenth of a
/// million-record run), so the order is by content hash, then content: still a function of
/// the content alone.
fn distinct_records(sorted: &[&LinkRecord]) -> (Vec<u32>, Vec<bool>) {
    let hashes: Vec<u64> = sorted.par_iter().map(|r| content_hash(r)).collect();
    let mut by_content: Vec<u32> = (0..sorted.len() as u32).collect();
    by_content.par_sort_unstable_by(|&a, &b| {
        hashes[a as usize]
            .cmp(&hashes[b as usize])
            .then_with(|| content_cmp(sorted[a as usize], sorted[b as usize]))
            .then(a.cmp(&b))
    });
    let mut distinct = Vec::with_capacity(by_content.len());
    let mut is_distinct = vec![false; sorted.len()];
    for (k, &i) in by_content.iter().enumerate() {
        let first = k == 0 || {
            let prev = by_content[k - 1] as usize;
            hashes[prev] != hashes[i as usize]
                || content_cmp(sorted[prev], sorted[i as usize]) != Ordering::Equal
        };
        if first {
            distinct.push(i);
            is_distinct[i as usize] = true;
        }
    }
    (distinct, is_distinct)
}

/// FNV-1a over the fields [`content_cmp`] compares, each with a presence byte and a
/// terminator, so that equal content always hashes equal.
fn content_hash(r: &LinkRecord) -> u64 {
    let mut h = crate::features::stable_hash(&r.source.to_le_bytes());
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for v in [
        &r.family_name,
        &r.given_name,
        &r.patronymic,
        &r.full_name,
        &r.birth_place,
        &r.residence,
        &r.id_number,
        &r.capture_place,
    ] {
        match v {
            Some(s) => {
                feed(&[1]);
                feed(s.as_bytes());
                feed(&[0xff]);
            }
            None => feed(&[0]),
        }
    }
    let date = |d: Option<PartialDate>| {
        d.map_or([0u8; 5], |d| {
            let y = d.year.to_le_bytes();
            [1, y[0], y[1], d.month.unwrap_or(0), d.day.unwrap_or(0)]
        })
    };
    feed(&date(r.birth_date));
    feed(&date(r.capture_date));
    feed(&[r.sex.map_or(0, |s| s as u8 + 1)]);
    h
}

/// One-call linkage: prepares, fits (or uses `model`), scores and clusters.
pub fn link(
    records: &[LinkRecord],
    config: LinkConfig,
    model: Option<FittedModel>,
) -> Result<LinkOutput, LinkError> {
    Ok(Linker::new(records, config)?.run(model))
}
