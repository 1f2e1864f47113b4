//! Blocking: each rule puts records into buckets by a key built from names-crate keys (so that
//! different scripts fall into the same bucket), dates, places or id numbers; the candidate
//! pairs of all rules are unioned without duplicates, with a report per rule.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::Field;
use crate::features::{stable_hash, Features, RecordFeatures};

/// A blocking rule: two records become a candidate pair when they share a key of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// Same family-name key and same birth year.
    FamilyBirthYear,
    /// Same given-name key and same family-name key, in either order (catches swapped parts).
    GivenFamily,
    /// Same given-name key and same full date of birth (catches changed family names).
    GivenBirthDate,
    /// Same full date of birth and same birth place.
    BirthDatePlace,
    /// Same normalised id number.
    IdNumber,
    /// Same given and family keys (either order) and birth years at most one apart.
    GivenFamilyYear,
    /// Same family key, same birth year and same first letter of the given name.
    FamilyYearGivenInitial,
    /// Same given key, same birth year and same first letter of the family name.
    GivenYearFamilyInitial,
    /// Same family key and same day and month of birth, whatever the year (catches a year
    /// off by one together with a given name written differently).
    FamilyDayMonth,
    /// Same family key, same patronymic stem and birth years at most one apart (catches a
    /// missing or re-spelt given name).
    FamilyPatronymicYear,
    /// Same given and family keys (either order) where one of the two records has no birth
    /// year: the pairs [`BlockingRule::GivenFamily`] adds to the year-keyed rules, without
    /// the quadratic growth of common names at a million records.
    GivenFamilyNoYear,
}

impl BlockingRule {
    /// The default rules, strongest first: selective enough for a million records, whose
    /// union still finds pairs with one name part misspelt, swapped parts, a year off by
    /// one or no year at all.
    pub const DEFAULT: [BlockingRule; 9] = [
        BlockingRule::IdNumber,
        BlockingRule::GivenFamilyYear,
        BlockingRule::FamilyYearGivenInitial,
        BlockingRule::GivenYearFamilyInitial,
        BlockingRule::GivenBirthDate,
        BlockingRule::BirthDatePlace,
        BlockingRule::GivenFamilyNoYear,
        BlockingRule::FamilyDayMonth,
        BlockingRule::FamilyPatronymicYear,
    ];

    /// Most rules one configuration may have (one bit each in a pair's rule mask).
    pub const MAX_RULES: usize = 16;

    /// Fields on which every pair of this rule tends to agree, so that they carry no
    /// evidence in the rule's pairs: EM leaves them out when training on the rule.
    pub fn blocked_fields(self) -> &'static [Field] {
        match self {
            BlockingRule::FamilyBirthYear => &[Field::FamilyName, Field::BirthDate],
            BlockingRule::GivenFamily | BlockingRule::GivenFamilyNoYear => {
                &[Field::GivenName, Field::FamilyName, Field::NameOrder]
            }
            BlockingRule::GivenBirthDate => &[Field::GivenName, Field::BirthDate],
            BlockingRule::BirthDatePlace => &[Field::BirthDate, Field::BirthPlace],
            BlockingRule::IdNumber => &[Field::IdNumber],
            BlockingRule::GivenFamilyYear => &[
                Field::GivenName,
                Field::FamilyName,
                Field::NameOrder,
                Field::BirthDate,
            ],
            BlockingRule::FamilyYearGivenInitial => &[Field::FamilyName, Field::BirthDate],
            BlockingRule::GivenYearFamilyInitial => &[Field::GivenName, Field::BirthDate],
            BlockingRule::FamilyDayMonth => &[Field::FamilyName, Field::BirthDate],
            BlockingRule::FamilyPatronymicYear => {
                &[Field::FamilyName, Field::Patronymic, Field::BirthDate]
            }
        }
    }

    /// Whether the rule's pairs train m in the full fit. Not for family key + patronymic
    /// stem + year: the pairs that rule alone finds agree on two fields a household shares
    /// and are mostly brothers and sisters, which EM, assuming fields independent, takes for
    /// matches with a different given name (fitted m of "given name different" was 8 times
    /// the value measured on true pairs). Its pairs are still scored, and any of them another
    /// rule also finds still trains m.
    pub fn trains_m(self) -> bool {
        self != BlockingRule::FamilyPatronymicYear
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            BlockingRule::FamilyBirthYear => "family_name_key+birth_year",
            BlockingRule::GivenFamily => "given_name_key+family_name_key",
            BlockingRule::GivenBirthDate => "given_name_key+birth_date",
            BlockingRule::BirthDatePlace => "birth_date+birth_place",
            BlockingRule::IdNumber => "id_number",
            BlockingRule::GivenFamilyYear => "given+family_keys+birth_year(+-1)",
            BlockingRule::FamilyYearGivenInitial => "family_key+birth_year+given_initial",
            BlockingRule::GivenYearFamilyInitial => "given_key+birth_year+family_initial",
            BlockingRule::FamilyDayMonth => "family_key+birth_day_and_month",
            BlockingRule::FamilyPatronymicYear => "family_key+patronymic_stem+birth_year(+-1)",
            BlockingRule::GivenFamilyNoYear => "given+family_keys, one without birth_year",
        }
    }

    fn keys(self, f: &Features, r: &RecordFeatures, out: &mut Vec<u64>) {
        let tag = self as u64;
        // FNV-1a of the tag and the parts' little-endian bytes (what `stable_hash` gives on
        // their concatenation), without building the byte string.
        let mix = |parts: &[u64]| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for x in std::iter::once(&tag).chain(parts) {
                for b in x.to_le_bytes() {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
            }
            h
        };
        let key = |u: &u32| f.names[*u as usize].key;
        // Unsplit names contribute at most their first four tokens, to bound the key count.
        let fams: Vec<u64> = r.family_candidates().iter().take(4).map(key).collect();
        let givens: Vec<u64> = r.given_candidates().iter().take(4).map(key).collect();
        // Every reading of a name (Western and Eastern Armenian, Russified) with its key, at
        // most three per unit, for the rules keyed on one name.
        let readings = |units: &[u32]| -> Vec<(usize, u64)> {
            let mut out = Vec::new();
            for (i, u) in units.iter().take(4).enumerate() {
                for k in f.names[*u as usize].alt_keys.iter().take(3) {
                    out.push((i, *k));
                }
            }
            out
        };
        let full_date = r.birth.filter(|d| d.day.is_some()).map(|d| {
            u64::from(d.year) << 16
                | u64::from(d.month.unwrap_or(0)) << 8
                | u64::from(d.day.unwrap_or(0))
        });
        match self {
            BlockingRule::FamilyBirthYear => {
                if let Some(d) = r.birth {
                    out.extend(fams.iter().map(|k| mix(&[*k, u64::from(d.year)])));
                }
            }
            BlockingRule::GivenFamily | BlockingRule::GivenFamilyNoYear => {
                if r.is_split() {
                    let (g, fm) = (givens[0], fams[0]);
                    out.push(mix(&[g.min(fm), g.max(fm)]));
                } else {
                    for (i, a) in givens.iter().enumerate() {
                        for b in &givens[i + 1..] {
                            out.push(mix(&[*a.min(b), *a.max(b)]));
                        }
                    }
                }
            }
            BlockingRule::GivenBirthDate => {
                if let Some(d) = full_date {
                    out.extend(givens.iter().map(|k| mix(&[*k, d])));
                }
            }
            BlockingRule::BirthDatePlace => {
                if let (Some(d), Some(p)) = (full_date, r.birth_place) {
                    out.push(mix(&[
                        d,
                        stable_hash(f.places[p as usize].canonical.as_bytes()),
                    ]));
                }
            }
            BlockingRule::GivenFamilyYear => {
                if let Some(d) = r.birth {
                    let mut pairs = Vec::new();
                    if r.is_split() {
                        let (g, fm) = (givens[0], fams[0]);
                        pairs.push((g.min(fm), g.max(fm)));
                    } else {
                        for (i, a) in givens.iter().enumerate() {
                            for b in &givens[i + 1..] {
                                pairs.push((*a.min(b), *a.max(b)));
                            }
                        }
                    }
                    // Keys for the year and the next one: two records at most a year apart
                    // share one of them.
                    for (a, b) in pairs {
                        for y in [d.year, d.year + 1] {
                            out.push(mix(&[a, b, u64::from(y)]));
                        }
                    }
                }
            }
            BlockingRule::FamilyYearGivenInitial | BlockingRule::GivenYearFamilyInitial => {
                let Some(d) = r.birth else { return };
                let initial = |u: &u32| f.names[*u as usize].initial;
                let (keyed, initialed) = if self == BlockingRule::FamilyYearGivenInitial {
                    (r.family_candidates(), r.given_candidates())
                } else {
                    (r.given_candidates(), r.family_candidates())
                };
                for (i, k) in readings(keyed) {
                    for (j, x) in initialed.iter().take(4).enumerate() {
                        // Within an unsplit name a token is not paired with itself.
                        if !r.is_split() && i == j {
                            continue;
                        }
                        out.push(mix(&[k, initial(x), u64::from(d.year)]));
                    }
                }
            }
            BlockingRule::FamilyDayMonth => {
                if let Some(d) = r.birth.filter(|d| d.day.is_some()) {
                    let md = u64::from(d.month.unwrap_or(0)) << 8 | u64::from(d.day.unwrap_or(0));
                    for (_, k) in readings(r.family_candidates()) {
                        out.push(mix(&[k, md]));
                    }
                }
            }
            BlockingRule::FamilyPatronymicYear => {
                let (Some(d), Some(p)) = (r.birth, r.patronymic) else {
                    return;
                };
                let stem = f.names[p as usize].stem;
                for (_, k) in readings(r.family_candidates()) {
                    for y in [d.year, d.year + 1] {
                        out.push(mix(&[k, stem, u64::from(y)]));
                    }
                }
            }
            BlockingRule::IdNumber => {
                if let Some(id) = r.id_number {
                    out.push(mix(&[stable_hash(f.ids[id as usize].as_bytes())]));
                }
            }
        }
    }
}

impl BlockingRule {
    /// Whether two records sharing a key of this rule make a pair of it.
    fn pairs(self, a: &RecordFeatures, b: &RecordFeatures) -> bool {
        match self {
            BlockingRule::GivenFamilyNoYear => a.birth.is_none() || b.birth.is_none(),
            _ => true,
        }
    }

    /// Pairs of this rule in a bucket of `n` records of which `undated` have no birth year
    /// (before the link mode's filter).
    fn bucket_pairs(self, n: u64, undated: u64) -> u64 {
        match self {
            BlockingRule::GivenFamilyNoYear => {
                undated * (n - undated) + undated * undated.saturating_sub(1) / 2
            }
            _ => n * (n - 1) / 2,
        }
    }
}

/// Which pairs are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// Every pair of records, whatever their source.
    #[default]
    Dedupe,
    /// Only pairs whose records come from different sources.
    LinkOnly,
    /// Pairs across sources and within each source.
    LinkAndDedupe,
}

/// What one blocking rule did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleReport {
    /// The rule.
    pub rule: BlockingRule,
    /// Distinct candidate pairs the rule produced (before the union).
    pub pairs: u64,
    /// Pairs that no earlier rule had produced.
    pub new_pairs: u64,
    /// Buckets larger than `max_bucket` records, paired within a sorted window instead of in
    /// full (see [`BlockingLimits::window`]); none is dropped.
    pub dropped_buckets: u64,
    /// Whether the whole rule was skipped because it would have produced too many pairs.
    pub skipped: bool,
}

/// Limits of blocking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlockingLimits {
    /// Buckets larger than this are not paired in full (that grows with the square of the
    /// input on common names): their records are sorted by further keys (given and family
    /// keys, patronymic stem, day and month of birth; then patronymic and date first) and
    /// each is paired with its `window - 1` next neighbours in each order, with a warning.
    pub max_bucket: usize,
    /// Width of the sorted window in oversized buckets (see `max_bucket`).
    #[serde(default = "default_window")]
    pub window: usize,
    /// A rule that would produce more pairs than this is skipped with a warning.
    pub max_pairs_per_rule: u64,
}

fn default_window() -> usize {
    BlockingLimits::default().window
}

impl Default for BlockingLimits {
    fn default() -> Self {
        BlockingLimits {
            max_bucket: 20,
            window: 4,
            max_pairs_per_rule: 50_000_000,
        }
    }
}

/// Sort keys of a record inside an oversized bucket: given key, family key, patronymic stem,
/// day and month of birth (missing: last).
type Signature = [u64; 4];

fn signature(f: &Features, r: &RecordFeatures) -> Signature {
    let key = |u: Option<&u32>| u.map_or(u64::MAX, |u| f.names[*u as usize].key);
    let md = r
        .birth
        .and_then(|d| Some(u64::from(d.month?) << 8 | u64::from(d.day?)))
        .unwrap_or(u64::MAX);
    [
        key(r.given_candidates().first()),
        key(r.family_candidates().last()),
        r.patronymic.map_or(u64::MAX, |p| f.names[p as usize].stem),
        md,
    ]
}

fn wanted(mode: LinkMode, a: u32, b: u32) -> bool {
    match mode {
        LinkMode::Dedupe | LinkMode::LinkAndDedupe => true,
        LinkMode::LinkOnly => a != b,
    }
}

/// Candidate pairs `(i, j)` with `i < j`, sorted, without duplicates, each with the bit mask
/// of the rules (by position, at most [`BlockingRule::MAX_RULES`]) that produced it; plus one report per rule and
/// warnings.
pub(crate) type Blocked = (Vec<(u32, u32)>, Vec<u16>, Vec<RuleReport>, Vec<String>);

/// Runs the blocking rules (see [`Blocked`]).
pub(crate) fn block(
    features: &Features,
    rules: &[BlockingRule],
    mode: LinkMode,
    limits: BlockingLimits,
) -> Blocked {
    let recs = &features.records;
    let signatures: Vec<Signature> = recs.par_iter().map(|r| signature(features, r)).collect();
    let mut union: Vec<u64> = Vec::new();
    let mut masks: Vec<u16> = Vec::new();
    let mut reports = Vec::new();
    let mut warnings = Vec::new();
    for (rule_index, &rule) in rules.iter().enumerate() {
        let bit = 1u16 << rule_index.min(15);
        let mut entries = rule_entries(features, rule);
        entries.par_sort_unstable();
        // Bucket boundaries, and a count of the pairs the rule would make, before making any.
        let mut buckets: Vec<(usize, usize)> = Vec::new();
        let mut windowed: Vec<(usize, usize)> = Vec::new();
        let mut dropped = 0u64;
        let mut expected = 0u64;
        let mut start = 0;
        while start < entries.len() {
            let key = entries[start].0;
            let mut end = start + 1;
            while end < entries.len() && entries[end].0 == key {
                end += 1;
            }
            let n = end - start;
            if n > limits.max_bucket {
                dropped += 1;
                // Two sorted orders, `window - 1` neighbours each.
                expected += 2 * (n as u64) * (limits.window.max(1) as u64 - 1);
                windowed.push((start, end));
            } else if n > 1 {
                expected += pair_count(recs, &entries[start..end], mode, rule);
                buckets.push((start, end));
            }
            start = end;
        }
        if dropped > 0 {
            warnings.push(format!(
                "blocking rule {}: {dropped} bucket(s) larger than {} records, each paired \
                 only within a sorted window of {} (the key is too common to pair in full)",
                rule.name(),
                limits.max_bucket,
                limits.window
            ));
        }
        if expected > limits.max_pairs_per_rule {
            warnings.push(format!(
                "blocking rule {} would produce {expected} pairs (limit {}); rule skipped",
                rule.name(),
                limits.max_pairs_per_rule
            ));
            reports.push(RuleReport {
                rule,
                pairs: 0,
                new_pairs: 0,
                dropped_buckets: dropped,
                skipped: true,
            });
            continue;
        }
        let mut pairs: Vec<u64> = buckets
            .par_iter()
            .flat_map_iter(|&(s, e)| bucket_pairs(recs, &entries[s..e], mode, rule).into_iter())
            .chain(windowed.par_iter().flat_map_iter(|&(s, e)| {
                window_pairs(recs, &signatures, &entries[s..e], mode, rule, limits.window)
                    .into_iter()
            }))
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        let before = union.len();
        (union, masks) = merge_sorted(&union, &masks, &pairs, bit);
        reports.push(RuleReport {
            rule,
            pairs: pairs.len() as u64,
            new_pairs: (union.len() - before) as u64,
            dropped_buckets: dropped,
            skipped: false,
        });
    }
    let pairs = union
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect();
    (pairs, masks, reports, warnings)
}

/// (key, record) entries of a rule, unsorted.
fn rule_entries(features: &Features, rule: BlockingRule) -> Vec<(u64, u32)> {
    features
        .records
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, r)| {
            let mut keys = Vec::new();
            rule.keys(features, r, &mut keys);
            keys.sort_unstable();
            keys.dedup();
            keys.into_iter().map(move |k| (k, i as u32))
        })
        .collect()
}

/// The pairs (packed `i << 32 | j`, `i < j`) of one bucket wanted by the mode and the rule.
fn bucket_pairs(
    recs: &[RecordFeatures],
    bucket: &[(u64, u32)],
    mode: LinkMode,
    rule: BlockingRule,
) -> Vec<u64> {
    let mut out = Vec::new();
    for (x, &(_, a)) in bucket.iter().enumerate() {
        for &(_, b) in &bucket[x + 1..] {
            if a != b
                && wanted(mode, recs[a as usize].source, recs[b as usize].source)
                && rule.pairs(&recs[a as usize], &recs[b as usize])
            {
                let (i, j) = if a < b { (a, b) } else { (b, a) };
                out.push(u64::from(i) << 32 | u64::from(j));
            }
        }
    }
    out
}

/// The pairs of an oversized bucket: its records sorted by their signature (then by the
/// signature rotated to put patronymic and date first), each paired with the next
/// `window - 1` records of each order. Ties fall back to the canonical record index, so the
/// pairs never depend on input order or threads.
fn window_pairs(
    recs: &[RecordFeatures],
    signatures: &[Signature],
    bucket: &[(u64, u32)],
    mode: LinkMode,
    rule: BlockingRule,
    window: usize,
) -> Vec<u64> {
    let mut out = Vec::new();
    let mut members: Vec<u32> = bucket.iter().map(|&(_, i)| i).collect();
    for pass in 0..2 {
        let sort_key = |i: u32| {
            let s = signatures[i as usize];
            let k = if pass == 0 {
                s
            } else {
                [s[2], s[3], s[0], s[1]]
            };
            (k, i)
        };
        members.sort_unstable_by_key(|&i| sort_key(i));
        for (x, &a) in members.iter().enumerate() {
            for &b in members[x + 1..].iter().take(window.saturating_sub(1)) {
                if a != b
                    && wanted(mode, recs[a as usize].source, recs[b as usize].source)
                    && rule.pairs(&recs[a as usize], &recs[b as usize])
                {
                    out.push(u64::from(a.min(b)) << 32 | u64::from(a.max(b)));
                }
            }
        }
    }
    out
}

fn pair_count(
    recs: &[RecordFeatures],
    bucket: &[(u64, u32)],
    mode: LinkMode,
    rule: BlockingRule,
) -> u64 {
    let n = bucket.len() as u64;
    let undated = bucket
        .iter()
        .filter(|&&(_, i)| recs[i as usize].birth.is_none())
        .count() as u64;
    let all = rule.bucket_pairs(n, undated);
    if mode != LinkMode::LinkOnly || rule == BlockingRule::GivenFamilyNoYear {
        // An upper bound is enough for the limit.
        return all;
    }
    let mut sources: Vec<u32> = bucket
        .iter()
        .map(|&(_, i)| recs[i as usize].source)
        .collect();
    sources.sort_unstable();
    let mut same = 0u64;
    let mut s = 0;
    while s < sources.len() {
        let mut e = s + 1;
        while e < sources.len() && sources[e] == sources[s] {
            e += 1;
        }
        let k = (e - s) as u64;
        same += k * (k - 1) / 2;
        s = e;
    }
    all - same
}

/// Merges the sorted union `a` (with rule masks) and a rule's sorted pairs `b` (bit `bit`),
/// in parallel over ranges of pairs: the union reaches tens of millions of pairs and is
/// merged once per rule.
fn merge_sorted(a: &[u64], masks: &[u16], b: &[u64], bit: u16) -> (Vec<u64>, Vec<u16>) {
    const PIECE: usize = 1 << 20;
    let pieces = (a.len() + b.len()).div_ceil(PIECE).max(1);
    // Piece boundaries: values of `a` at even steps, each cutting both inputs.
    let mut cuts: Vec<(usize, usize)> = vec![(0, 0)];
    for k in 1..pieces {
        let Some(&v) = a.get(k * a.len() / pieces) else {
            break;
        };
        let cut = (a.partition_point(|&x| x < v), b.partition_point(|&x| x < v));
        if cut.0 >= cuts.last().map_or(0, |c| c.0) && cut.1 >= cuts.last().map_or(0, |c| c.1) {
            cuts.push(cut);
        }
    }
    cuts.push((a.len(), b.len()));
    let parts: Vec<(Vec<u64>, Vec<u16>)> = cuts
        .par_windows(2)
        .map(|w| {
            let ((a0, b0), (a1, b1)) = (w[0], w[1]);
            merge_range(&a[a0..a1], &masks[a0..a1], &b[b0..b1], bit)
        })
        .collect();
    let total = parts.iter().map(|p| p.0.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut out_masks = Vec::with_capacity(total);
    for (p, m) in parts {
        out.extend_from_slice(&p);
        out_masks.extend_from_slice(&m);
    }
    (out, out_masks)
}

fn merge_range(a: &[u64], masks: &[u16], b: &[u64], bit: u16) -> (Vec<u64>, Vec<u16>) {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut out_masks = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                out_masks.push(masks[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                out_masks.push(bit);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                out_masks.push(masks[i] | bit);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out_masks.extend_from_slice(&masks[i..]);
    out.extend_from_slice(&b[j..]);
    out_masks.resize(out_masks.len() + b.len() - j, bit);
    (out, out_masks)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::merge_sorted;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The parallel merge gives the union with OR-ed masks, whatever the sizes (pieces
        /// are cut at a million pairs, so the large case crosses several).
        #[test]
        fn merge_is_the_union_with_masks(
            a in proptest::collection::btree_set(0u64..3_000_000, 0..50),
            b in proptest::collection::btree_set(0u64..3_000_000, 0..50),
            large in any::<bool>(),
        ) {
            let stretch = |s: &std::collections::BTreeSet<u64>| -> Vec<u64> {
                if large {
                    // Dense runs so that the inputs pass a million entries.
                    s.iter().flat_map(|&x| x * 40_000..x * 40_000 + 30_000).collect()
                } else {
                    s.iter().copied().collect()
                }
            };
            let (a, b) = (stretch(&a), stretch(&b));
            let masks: Vec<u16> = a.iter().map(|x| 1 + (*x % 3) as u16).collect();
            let (out, out_masks) = merge_sorted(&a, &masks, &b, 8);
            let mut want: BTreeMap<u64, u16> = a.iter().copied().zip(masks).collect();
            for x in &b {
                *want.entry(*x).or_default() |= 8;
            }
            prop_assert_eq!(out, want.keys().copied().collect::<Vec<_>>());
            prop_assert_eq!(out_masks, want.values().copied().collect::<Vec<_>>());
        }
    }
}
