//! Blocking: each rule puts records into buckets by a key built from names-crate keys (so that
//! different scripts fall into the same bucket), dates, places or id numbers; the candidate
//! pairs of all rules are unioned without duplicates, with a report per rule.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

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

    fn keys(self, f: &Features, r: &RecordFeatures, out: &mut SmallVec<[u64; 16]>) {
        let tag = self as u64;
        // Word-wise multiply-xorshift mixing of the tag and the parts (the parts are name-key
        // hashes and small numbers): stable across processes and platforms, and a few
        // operations per word where a byte-wise hash took one step per byte.
        let mix = |parts: &[u64]| {
            let mut h: u64 = 0x243f_6a88_85a3_08d3 ^ tag;
            for &x in parts {
                h = (h ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                h ^= h >> 32;
            }
            h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            h ^ (h >> 31)
        };
        let key = |u: &u32| f.names[*u as usize].key;
        // Unsplit names contribute at most their first four tokens, to bound the key count.
        let fams: SmallVec<[u64; 4]> = r.family_candidates().iter().take(4).map(key).collect();
        let givens: SmallVec<[u64; 4]> = r.given_candidates().iter().take(4).map(key).collect();
        // Every reading of a name (Western and Eastern Armenian, Russified) with its key, at
        // most three per unit, for the rules keyed on one name.
        let readings = |units: &[u32]| -> SmallVec<[(usize, u64); 12]> {
            let mut out = SmallVec::new();
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
                    let mut pairs: SmallVec<[(u64, u64); 6]> = SmallVec::new();
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

    /// Whether [`BlockingRule::pairs`] can be false.
    fn pairs_filtered(self) -> bool {
        self == BlockingRule::GivenFamilyNoYear
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
/// of the rules (by position, at most [`BlockingRule::MAX_RULES`]) that produced it; plus one
/// report per rule and warnings.
pub(crate) type Blocked = (Vec<(u32, u32)>, Vec<u16>, Vec<RuleReport>, Vec<String>);

/// One range of records' pairs and their rule masks.
type PairsPart = (Vec<(u32, u32)>, Vec<u16>);

/// Flags an entry of an oversized bucket in [`RuleIndex::entries`]; the other bits index
/// [`RuleIndex::windowed`].
const OVERSIZED: u32 = 1 << 31;

/// One rule's buckets, arranged to be read from each record: the rule's (key, record)
/// entries in key order, and where each record's entries are among them.
struct RuleIndex {
    rule: BlockingRule,
    bit: u16,
    /// Whether a pair must pass the link mode's or the rule's filter (else every pair of a
    /// bucket is one).
    filters: bool,
    /// Per entry, in (key, record) order: its record, and how many entries after it share
    /// its key (or, for an entry of an oversized bucket, [`OVERSIZED`] and the index of its
    /// [`Windowed`]). Side by side, so that reading an entry misses the cache once.
    entries: Vec<(u32, u32)>,
    /// `positions[starts[i]..starts[i + 1]]` are the entries of record `i`.
    starts: Vec<u32>,
    positions: Vec<u32>,
    /// The records of the oversized buckets in their two sorted orders (see
    /// [`BlockingLimits::max_bucket`]), bucket after bucket.
    orders: [Vec<u32>; 2],
    /// Per entry of an oversized bucket: where it is in each order and where its bucket is.
    windowed: Vec<Windowed>,
}

/// An entry of an oversized bucket: its positions in [`RuleIndex::orders`] and the bucket's
/// range there.
#[derive(Clone, Copy, Default)]
struct Windowed {
    at: [u32; 2],
    start: u32,
    end: u32,
}

/// Runs the blocking rules (see [`Blocked`]).
///
/// Each rule's buckets are indexed first; then every record, in parallel over ranges of
/// records, gathers the later records it shares a bucket (or, in an oversized bucket, a
/// window) with under any rule, and emits them in order with their rule masks. The pairs
/// come out sorted and unioned as they are made: sorting and merging each rule's millions of
/// pairs was most of blocking.
pub(crate) fn block(
    features: &Features,
    rules: &[BlockingRule],
    mode: LinkMode,
    limits: BlockingLimits,
) -> Blocked {
    let recs = &features.records;
    let n = recs.len();
    let ranks = SignatureRanks::new(features);
    let mut reports = Vec::new();
    let mut warnings = Vec::new();
    let mut indexes: Vec<RuleIndex> = Vec::new();
    let all_entries = rule_entries(features, rules);
    // The rules are indexed side by side: each has long sequential passes (buckets, where
    // each record's entries are) that would otherwise leave a core idle.
    let built: Vec<(Vec<String>, RuleReport, Option<RuleIndex>)> = rules
        .par_iter()
        .enumerate()
        .zip(all_entries.into_par_iter())
        .map(|((rule_index, &rule), mut entries)| {
            let mut warnings = Vec::new();
            let bit = 1u16 << rule_index.min(15);
            entries.par_sort_unstable();
            // Bucket boundaries, and a count of the pairs the rule would make, before making any.
            let mut tail = vec![0u32; entries.len()];
            let mut oversized: Vec<(usize, usize)> = Vec::new();
            let mut dropped = 0u64;
            let mut expected = 0u64;
            let mut start = 0;
            while start < entries.len() {
                let key = entries[start].0;
                let mut end = start + 1;
                while end < entries.len() && entries[end].0 == key {
                    end += 1;
                }
                let size = end - start;
                if size > limits.max_bucket {
                    dropped += 1;
                    // Two sorted orders, `window - 1` neighbours each.
                    expected += 2 * (size as u64) * (limits.window.max(1) as u64 - 1);
                    oversized.push((start, end));
                } else {
                    if size > 1 {
                        expected += pair_count(recs, &entries[start..end], mode, rule);
                    }
                    for (k, t) in tail[start..end].iter_mut().enumerate() {
                        *t = (size - 1 - k) as u32;
                    }
                }
                start = end;
            }
            if dropped > 0 {
                warnings.push(oversized_warning(rule, dropped, limits));
            }
            if expected > limits.max_pairs_per_rule || entries.len() >= OVERSIZED as usize {
                warnings.push(skipped_warning(rule, expected, limits));
                let report = RuleReport {
                    rule,
                    pairs: 0,
                    new_pairs: 0,
                    dropped_buckets: dropped,
                    skipped: true,
                };
                return (warnings, report, None);
            }
            // The oversized buckets' two orders, each bucket sorted on its own.
            let sorted: Vec<[Vec<u32>; 2]> = oversized
                .par_iter()
                .map(|&(s, e)| ranks.orders(&entries[s..e]))
                .collect();
            let mut orders = [Vec::new(), Vec::new()];
            let mut windowed = Vec::new();
            for (&(s, e), bucket) in oversized.iter().zip(sorted) {
                let at = orders[0].len() as u32;
                let first = windowed.len();
                windowed.resize(first + (e - s), Windowed::default());
                for (k, order) in bucket.iter().enumerate() {
                    for (q, &r) in order.iter().enumerate() {
                        // Entries of a bucket are in record order, so a record's entry is found
                        // by search.
                        let p = entries[s..e].partition_point(|x| x.1 < r);
                        windowed[first + p].at[k] = at + q as u32;
                    }
                }
                for (k, w) in windowed[first..].iter_mut().enumerate() {
                    w.start = at;
                    w.end = at + (e - s) as u32;
                    tail[s + k] = OVERSIZED | (first + k) as u32;
                }
                let [o0, o1] = bucket;
                orders[0].extend(o0);
                orders[1].extend(o1);
            }
            let entry_recs: Vec<(u32, u32)> =
                entries.iter().zip(&tail).map(|(e, &t)| (e.1, t)).collect();
            drop(entries);
            drop(tail);
            // Where each record's entries are: counted, then filled in key order.
            let mut starts = vec![0u32; n + 1];
            for &(r, _) in &entry_recs {
                starts[r as usize + 1] += 1;
            }
            for k in 1..=n {
                starts[k] += starts[k - 1];
            }
            let mut fill = starts.clone();
            let mut positions = vec![0u32; entry_recs.len()];
            for (p, &(r, _)) in entry_recs.iter().enumerate() {
                positions[fill[r as usize] as usize] = p as u32;
                fill[r as usize] += 1;
            }
            let report = RuleReport {
                rule,
                pairs: 0,
                new_pairs: 0,
                dropped_buckets: dropped,
                skipped: false,
            };
            let index = RuleIndex {
                rule,
                bit,
                filters: mode == LinkMode::LinkOnly || rule.pairs_filtered(),
                entries: entry_recs,
                starts,
                positions,
                orders,
                windowed,
            };
            (warnings, report, Some(index))
        })
        .collect();
    for (w, report, index) in built {
        warnings.extend(w);
        reports.push(report);
        indexes.extend(index);
    }

    let reach = limits.window.saturating_sub(1) as u32;
    const CHUNK: usize = 1 << 12;
    let parts: Vec<PairsPart> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
            let (mut out, mut out_masks) = (Vec::new(), Vec::new());
            // Later records of record i with a rule bit, packed `j << 16 | bit`.
            let mut local: Vec<u64> = Vec::new();
            for i in lo..hi {
                local.clear();
                let a = &recs[i];
                let mut take = |idx: &RuleIndex, j: u32| {
                    if j as usize <= i {
                        return;
                    }
                    // The other record is looked at only where the mode or the rule asks:
                    // fetching it for every pair missed the cache on most of them.
                    if idx.filters {
                        let b = &recs[j as usize];
                        if !(wanted(mode, a.source, b.source) && idx.rule.pairs(a, b)) {
                            return;
                        }
                    }
                    local.push(u64::from(j) << 16 | u64::from(idx.bit));
                };
                for idx in &indexes {
                    let (s, e) = (idx.starts[i] as usize, idx.starts[i + 1] as usize);
                    for &p in &idx.positions[s..e] {
                        let p = p as usize;
                        let t = idx.entries[p].1;
                        if t & OVERSIZED == 0 {
                            for &(j, _) in &idx.entries[p + 1..=p + t as usize] {
                                take(idx, j);
                            }
                            continue;
                        }
                        // Within `window - 1` places either side in each order.
                        let w = idx.windowed[(t & !OVERSIZED) as usize];
                        for (order, at) in idx.orders.iter().zip(w.at) {
                            let from = at.saturating_sub(reach).max(w.start);
                            let to = at.saturating_add(reach).min(w.end - 1);
                            for q in from..=to {
                                if q != at {
                                    take(idx, order[q as usize]);
                                }
                            }
                        }
                    }
                }
                local.sort_unstable();
                let mut k = 0;
                while k < local.len() {
                    let j = local[k] >> 16;
                    let mut mask = 0u16;
                    while k < local.len() && local[k] >> 16 == j {
                        mask |= local[k] as u16;
                        k += 1;
                    }
                    out.push((i as u32, j as u32));
                    out_masks.push(mask);
                }
            }
            (out, out_masks)
        })
        .collect();
    drop(indexes);
    let total = parts.iter().map(|p| p.0.len()).sum();
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(total);
    let mut masks: Vec<u16> = Vec::with_capacity(total);
    for (p, m) in parts {
        pairs.extend_from_slice(&p);
        masks.extend_from_slice(&m);
    }
    // Per rule: its pairs, and those no earlier rule made (the mask's lowest bit is its own).
    let (per_rule, first_rule) = masks
        .par_chunks(1 << 16)
        .map(|chunk| {
            let (mut all, mut first) = ([0u64; 16], [0u64; 16]);
            for &m in chunk {
                for (b, slot) in all.iter_mut().enumerate() {
                    *slot += u64::from(m >> b & 1);
                }
                first[m.trailing_zeros().min(15) as usize] += 1;
            }
            (all, first)
        })
        .reduce(
            || ([0u64; 16], [0u64; 16]),
            |mut a, b| {
                for k in 0..16 {
                    a.0[k] += b.0[k];
                    a.1[k] += b.1[k];
                }
                a
            },
        );
    for (k, report) in reports.iter_mut().enumerate() {
        if !report.skipped {
            let b = k.min(15);
            report.pairs = per_rule[b];
            report.new_pairs = first_rule[b];
        }
    }
    (pairs, masks, reports, warnings)
}

/// Each record's place in the two orders of oversized buckets: by signature, then by the
/// signature rotated to put patronymic and date first, ties by record. Ranked once over all
/// records, so that a bucket sorts by one number per record.
struct SignatureRanks {
    ranks: [Vec<u32>; 2],
}

impl SignatureRanks {
    fn new(features: &Features) -> SignatureRanks {
        let recs = &features.records;
        let signatures: Vec<Signature> = recs.par_iter().map(|r| signature(features, r)).collect();
        let rank = |rotated: bool| {
            let mut by: Vec<u32> = (0..recs.len() as u32).collect();
            by.par_sort_unstable_by_key(|&i| {
                let s = signatures[i as usize];
                (if rotated { [s[2], s[3], s[0], s[1]] } else { s }, i)
            });
            let mut rank = vec![0u32; recs.len()];
            for (k, &i) in by.iter().enumerate() {
                rank[i as usize] = k as u32;
            }
            rank
        };
        let (a, b) = rayon::join(|| rank(false), || rank(true));
        SignatureRanks { ranks: [a, b] }
    }

    /// The records of a bucket in each order.
    fn orders(&self, bucket: &[(u64, u32)]) -> [Vec<u32>; 2] {
        let order = |k: usize| {
            let mut members: Vec<u32> = bucket.iter().map(|&(_, i)| i).collect();
            members.sort_unstable_by_key(|&i| self.ranks[k][i as usize]);
            members
        };
        [order(0), order(1)]
    }
}

/// The warning for a rule with `dropped` buckets over the size limit.
fn oversized_warning(rule: BlockingRule, dropped: u64, limits: BlockingLimits) -> String {
    format!(
        "blocking rule {}: {dropped} bucket(s) larger than {} records, each paired only \
         within a sorted window of {} (the key is too common to pair in full)",
        rule.name(),
        limits.max_bucket,
        limits.window
    )
}

/// The warning for a rule skipped because it would make `expected` pairs.
fn skipped_warning(rule: BlockingRule, expected: u64, limits: BlockingLimits) -> String {
    format!(
        "blocking rule {} would produce {expected} pairs (limit {}); rule skipped",
        rule.name(),
        limits.max_pairs_per_rule
    )
}

/// Each rule's (key, record) entries, unsorted: one pass over the records for all rules
/// (a pass per rule cost as much in reading the records as in making the keys).
fn rule_entries(features: &Features, rules: &[BlockingRule]) -> Vec<Vec<(u64, u32)>> {
    const CHUNK: usize = 1 << 14;
    let parts: Vec<Vec<Vec<(u64, u32)>>> = features
        .records
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut out = vec![Vec::new(); rules.len()];
            let mut keys = SmallVec::new();
            for (k, r) in chunk.iter().enumerate() {
                let i = (c * CHUNK + k) as u32;
                for (rule, entries) in rules.iter().zip(&mut out) {
                    keys.clear();
                    rule.keys(features, r, &mut keys);
                    keys.sort_unstable();
                    keys.dedup();
                    entries.extend(keys.iter().map(|&key| (key, i)));
                }
            }
            out
        })
        .collect();
    (0..rules.len())
        .map(|k| {
            let mut all = Vec::with_capacity(parts.iter().map(|p| p[k].len()).sum());
            for p in &parts {
                all.extend_from_slice(&p[k]);
            }
            all
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;
    use smallvec::SmallVec;

    use super::*;
    use crate::record::{LinkRecord, PartialDate};

    /// Blocking the plain way: each rule's buckets in a map, every pair of a bucket (or of
    /// its windows), unioned in a map with masks.
    fn reference(
        features: &Features,
        rules: &[BlockingRule],
        mode: LinkMode,
        limits: BlockingLimits,
    ) -> Blocked {
        let recs = &features.records;
        let signatures: Vec<Signature> = recs.iter().map(|r| signature(features, r)).collect();
        let mut union: BTreeMap<(u32, u32), u16> = BTreeMap::new();
        let (mut reports, mut warnings) = (Vec::new(), Vec::new());
        for (k, &rule) in rules.iter().enumerate() {
            let bit = 1u16 << k;
            let mut buckets: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
            for (i, r) in recs.iter().enumerate() {
                let mut keys = SmallVec::new();
                rule.keys(features, r, &mut keys);
                keys.sort_unstable();
                keys.dedup();
                for key in keys {
                    buckets.entry(key).or_default().push(i as u32);
                }
            }
            let (mut expected, mut dropped) = (0u64, 0u64);
            let mut pairs: BTreeSet<(u32, u32)> = BTreeSet::new();
            for (key, members) in &buckets {
                let entries: Vec<(u64, u32)> = members.iter().map(|&i| (*key, i)).collect();
                if members.len() > limits.max_bucket {
                    dropped += 1;
                    expected += 2 * members.len() as u64 * (limits.window as u64 - 1);
                    for rotated in [false, true] {
                        let mut order = members.clone();
                        order.sort_by_key(|&i| {
                            let s = signatures[i as usize];
                            (if rotated { [s[2], s[3], s[0], s[1]] } else { s }, i)
                        });
                        for (x, &a) in order.iter().enumerate() {
                            for &b in order[x + 1..].iter().take(limits.window - 1) {
                                let (ra, rb) = (&recs[a as usize], &recs[b as usize]);
                                if wanted(mode, ra.source, rb.source) && rule.pairs(ra, rb) {
                                    pairs.insert((a.min(b), a.max(b)));
                                }
                            }
                        }
                    }
                    continue;
                }
                if members.len() > 1 {
                    expected += pair_count(recs, &entries, mode, rule);
                }
                for (x, &a) in members.iter().enumerate() {
                    for &b in &members[x + 1..] {
                        let (ra, rb) = (&recs[a as usize], &recs[b as usize]);
                        if wanted(mode, ra.source, rb.source) && rule.pairs(ra, rb) {
                            pairs.insert((a.min(b), a.max(b)));
                        }
                    }
                }
            }
            if dropped > 0 {
                warnings.push(oversized_warning(rule, dropped, limits));
            }
            if expected > limits.max_pairs_per_rule {
                warnings.push(skipped_warning(rule, expected, limits));
                reports.push(RuleReport {
                    rule,
                    pairs: 0,
                    new_pairs: 0,
                    dropped_buckets: dropped,
                    skipped: true,
                });
                continue;
            }
            let before = union.len();
            for p in &pairs {
                *union.entry(*p).or_default() |= bit;
            }
            reports.push(RuleReport {
                rule,
                pairs: pairs.len() as u64,
                new_pairs: (union.len() - before) as u64,
                dropped_buckets: dropped,
                skipped: false,
            });
        }
        (
            union.keys().copied().collect(),
            union.values().copied().collect(),
            reports,
            warnings,
        )
    }

    fn record(seed: (u8, u8, u8, u8, u8, bool, u8)) -> LinkRecord {
        const GIVEN: [&str; 5] = ["Armen", "Армен", "Gevorg", "Anna", "Ani"];
        const FAMILY: [&str; 5] = ["Petrosyan", "Петросян", "Grigoryan", "Hakobyan", "Akopyan"];
        const PATRONYMIC: [&str; 3] = ["Gevorgovich", "Арменович", "Vardanovich"];
        let (g, f, p, year, day, full, source) = seed;
        let mut r = LinkRecord {
            source: u32::from(source % 3),
            ..LinkRecord::default()
        };
        let (given, family) = (GIVEN[g as usize % 5], FAMILY[f as usize % 5]);
        if full {
            r.full_name = Some(format!("{family} {given}"));
        } else {
            r.given_name = Some(given.to_owned());
            r.family_name = Some(family.to_owned());
        }
        if p % 4 != 3 {
            r.patronymic = Some(PATRONYMIC[p as usize % 3].to_owned());
        }
        if year % 5 != 4 {
            r.birth_date = PartialDate::new(
                1980 + u16::from(year % 4),
                (day % 3 != 0).then_some(1 + day % 2),
                (day % 3 == 2).then_some(1 + day % 3),
            );
        }
        if day % 4 == 1 {
            r.birth_place = Some(["Hadrut", "Հադրութ", "Martuni"][year as usize % 3].to_owned());
        }
        r
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The per-record pairing gives the same pairs, masks, reports and warnings as
        /// pairing each rule's buckets and unioning them one rule at a time, whatever the
        /// mode, bucket limit, window and pair limit.
        #[test]
        fn blocking_is_the_union_of_each_rules_pairs(
            seeds in proptest::collection::vec(any::<(u8, u8, u8, u8, u8, bool, u8)>(), 0..120),
            mode in prop_oneof![
                Just(LinkMode::Dedupe),
                Just(LinkMode::LinkOnly),
                Just(LinkMode::LinkAndDedupe)
            ],
            max_bucket in 2usize..12,
            window in 2usize..5,
            max_pairs in prop_oneof![Just(u64::MAX), 50u64..400],
        ) {
            let records: Vec<LinkRecord> = seeds.into_iter().map(record).collect();
            let refs: Vec<&LinkRecord> = records.iter().collect();
            let features = Features::build(&refs);
            let mut rules = BlockingRule::DEFAULT.to_vec();
            rules.push(BlockingRule::FamilyBirthYear);
            rules.push(BlockingRule::GivenFamily);
            let limits = BlockingLimits { max_bucket, window, max_pairs_per_rule: max_pairs };
            prop_assert_eq!(
                block(&features, &rules, mode, limits),
                reference(&features, &rules, mode, limits)
            );
        }
    }
}
