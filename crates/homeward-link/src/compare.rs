//! Comparison of two records field by field into a small vector of agreement levels; a field
//! missing on either side gets [`MISSING`] and contributes nothing to the match weight.

use serde::{Deserialize, Serialize};

use crate::features::{Features, IntMap, NameHot, NameUnit, Place, RecordFeatures, UNKNOWN_LEVEL};
use crate::record::PartialDate;

/// Number of compared fields.
pub const FIELDS: usize = 11;

/// The level of a field that is missing on either side.
pub const MISSING: u8 = u8::MAX;

/// Agreement levels of one pair, one per [`Field`] in [`Field::ALL`] order.
pub type Pattern = [u8; FIELDS];

/// A compared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Given name, through the names crate (script-independent).
    GivenName,
    /// Family name, through the names crate, with term-frequency adjustment.
    FamilyName,
    /// Patronymic.
    Patronymic,
    /// Whether given and family names match only when swapped.
    NameOrder,
    /// Date of birth (partial dates allowed).
    BirthDate,
    /// Sex.
    Sex,
    /// Place of birth.
    BirthPlace,
    /// Place of residence.
    Residence,
    /// Document or service number.
    IdNumber,
    /// Date of capture.
    CaptureDate,
    /// Place of capture.
    CapturePlace,
}

const NAME_LEVELS: &[&str] = &[
    "different",
    "similar (names similarity >= 0.70)",
    "same name (names similarity >= 0.85)",
    "same key",
    "exact",
];
const DATE_LEVELS: &[&str] = &[
    "years more than 2 apart",
    "years 2 apart",
    "year off by one, day or month different",
    "year off by one",
    "year off by one, same day and month",
    "same year, month different",
    "same year",
    "day and month transposed",
    "same year and month, day different",
    "same year and month",
    "exact",
];

/// Date level: the lowest level at which the two years are equal.
pub(crate) const DATE_SAME_YEAR: u8 = 5;
/// The first current level of each date level of format version 1 (before the levels at which
/// both dates are precise enough to disagree were split out): see [`upgrade_date_levels`].
const DATE_LEVELS_V1: [u8; 8] = [0, 1, 2, 4, 5, 7, 8, 10];
const PLACE_LEVELS: &[&str] = &["different", "similar", "same place"];
const ID_LEVELS: &[&str] = &["different", "one edit", "exact"];

/// Name level: exact canonical form.
pub(crate) const NAME_EXACT: u8 = 4;
/// Name level: same matching key (e.g. the same name in two scripts).
pub(crate) const NAME_SAME_KEY: u8 = 3;

impl Field {
    /// Every field, in pattern order.
    pub const ALL: [Field; FIELDS] = [
        Field::GivenName,
        Field::FamilyName,
        Field::Patronymic,
        Field::NameOrder,
        Field::BirthDate,
        Field::Sex,
        Field::BirthPlace,
        Field::Residence,
        Field::IdNumber,
        Field::CaptureDate,
        Field::CapturePlace,
    ];

    /// The standard field name (PRODUCT.md vocabulary, plus `name_order`).
    pub fn name(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::Patronymic => "patronymic",
            Field::NameOrder => "name_order",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::BirthPlace => "birth_place",
            Field::Residence => "residence",
            Field::IdNumber => "id_number",
            Field::CaptureDate => "capture_date",
            Field::CapturePlace => "capture_place",
        }
    }

    /// Names of the agreement levels, weakest first; the level value indexes this slice.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::GivenName | Field::FamilyName | Field::Patronymic => NAME_LEVELS,
            Field::NameOrder => &["as given", "given and family swapped"],
            Field::BirthDate | Field::CaptureDate => DATE_LEVELS,
            Field::Sex => &["different", "same"],
            Field::BirthPlace | Field::Residence | Field::CapturePlace => PLACE_LEVELS,
            Field::IdNumber => ID_LEVELS,
        }
    }
}

/// The comparison of one pair: its pattern plus the name keys used for term frequencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Comparison {
    pub pattern: Pattern,
    /// A family-name unit of the pair when the family names agree on key or exactly (its
    /// key is the agreeing key).
    pub family_unit: Option<u32>,
    /// A given-name unit of the pair when the given names agree on key or exactly.
    pub given_unit: Option<u32>,
    /// Birth year when both records have the same one.
    pub birth_year: Option<u16>,
}

/// A comparison as kept for every candidate pair between fitting and scoring: the pattern and
/// the frequencies its term-frequency adjustments need, so that each pair is compared once
/// (the comparison is most of a run's time at a million records). 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compact {
    pub pattern: Pattern,
    /// Records sharing the agreeing given-name key, family-name key and birth year (see
    /// [`Features::tf_counts`]); 0 where the field does not agree or has no frequency.
    pub counts: [u32; 3],
}

impl Comparison {
    /// The compact form of this comparison.
    pub fn compact(&self, features: &Features) -> Compact {
        Compact {
            pattern: self.pattern,
            counts: features.tf_counts(self),
        }
    }
}

thread_local! {
    /// Levels of name-unit pairs already compared on this thread: names repeat, so most
    /// comparisons of a large run are cache hits. The level is a pure function of the pair,
    /// so the cache cannot change results.
    static NAME_CACHE: std::cell::RefCell<NameCache> =
        std::cell::RefCell::new(NameCache::default());
}

/// A thread's name-pair levels: a small direct-mapped table of recent pairs in front of a
/// large map. Candidate pairs come in locality order, so the same name pairs recur close
/// together; the table stays in the processor's cache where the map's lookups miss it.
#[derive(Default)]
struct NameCache {
    /// The feature table's generation the entries belong to.
    table: usize,
    map: NameCacheMap,
    /// `(key, level)` by a hash of the key; empty slots hold a key no pair has.
    recent: Vec<(u64, u8)>,
}

/// Slots of [`NameCache::recent`] (a power of two: 1 MiB, within a core's L2 cache).
const RECENT_BITS: u32 = 16;

/// No pair's key: the two halves of a key are different unit indices.
const NO_PAIR: u64 = u64::MAX;

impl NameCache {
    fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - RECENT_BITS)) as usize
    }

    /// Empties the cache unless it holds `table`'s pairs.
    fn use_table(&mut self, table: usize) {
        if self.table != table || self.recent.is_empty() {
            self.table = table;
            self.map.clear();
            self.recent = vec![(NO_PAIR, 0); 1 << RECENT_BITS];
        }
    }

    fn get(&mut self, key: u64) -> Option<u8> {
        let slot = Self::slot(key);
        if self.recent[slot].0 == key {
            return Some(self.recent[slot].1);
        }
        let l = self.map.get(&key).copied()?;
        self.recent[slot] = (key, l);
        Some(l)
    }

    fn insert(&mut self, key: u64, level: u8) {
        if self.map.len() >= NAME_CACHE_MAX {
            self.map.clear();
        }
        self.map.insert(key, level);
        self.recent[Self::slot(key)] = (key, level);
    }
}

/// The name cache's map: its keys are packed unit-index pairs, so a multiply-and-fold hash
/// is enough (SipHash took a third of the comparison time at a million records).
type NameCacheMap = IntMap<u64, u8>;

thread_local! {
    /// Levels of place pairs already compared on this thread (see [`NAME_CACHE`]).
    static PLACE_CACHE: std::cell::RefCell<(usize, IntMap<u64, u8>)> =
        std::cell::RefCell::new((0, IntMap::default()));
}

/// Bound on cached unit pairs per thread.
const NAME_CACHE_MAX: usize = 1 << 21;

/// The name tables a comparison reads: the packed hot fields, the full units (for the
/// similarity of names that do not share a key) and the generation that tags the caches.
#[derive(Clone, Copy)]
struct Names<'a> {
    hot: &'a [NameHot],
    units: &'a [NameUnit],
    generation: u64,
}

impl<'a> Names<'a> {
    fn of(features: &'a Features) -> Names<'a> {
        Names {
            hot: &features.hot,
            units: &features.names,
            generation: features.generation,
        }
    }
}

fn name_level(names: Names<'_>, a: u32, b: u32) -> u8 {
    if a == b {
        return NAME_EXACT;
    }
    // Units with the same primary key (most candidate pairs, blocking being on keys) are
    // told apart without the cache, whose lookups miss the processor's caches at scale.
    let (ha, hb) = (&names.hot[a as usize], &names.hot[b as usize]);
    if ha.key == hb.key {
        return if ha.canon == hb.canon {
            NAME_EXACT
        } else {
            NAME_SAME_KEY
        };
    }
    let key = u64::from(a.min(b)) << 32 | u64::from(a.max(b));
    // The cache is tagged with the feature table's generation, so that two runs never mix.
    let table = names.generation as usize;
    if let Some(l) = NAME_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.use_table(table);
        c.get(key)
    }) {
        return l;
    }
    let l = name_level_uncached(names, a, b);
    NAME_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.use_table(table);
        c.insert(key, l);
    });
    l
}

/// Whether the level of two name units is at least [`NAME_SAME_KEY`] (what
/// [`name_level_uncached`] decides before any similarity).
fn same_key(names: Names<'_>, a: u32, b: u32) -> bool {
    let (ha, hb) = (&names.hot[a as usize], &names.hot[b as usize]);
    // A unit's readings start with its primary key, so two units with one reading each
    // share a reading only when their keys are equal.
    a == b
        || ha.key == hb.key
        || ha.canon == hb.canon
        || ((ha.multi || hb.multi) && {
            let (ua, ub) = (&names.units[a as usize], &names.units[b as usize]);
            ua.alt_keys.iter().any(|k| ub.alt_keys.contains(k))
        })
}

fn name_level_uncached(names: Names<'_>, a: u32, b: u32) -> u8 {
    let (ua, ub) = (&names.units[a as usize], &names.units[b as usize]);
    if names.hot[a as usize].canon == names.hot[b as usize].canon {
        NAME_EXACT
    } else if same_key(names, a, b) {
        NAME_SAME_KEY
    } else {
        // Clearly different names (most random pairs) skip the costlier names-crate score.
        if strsim::jaro_winkler(&ua.canonical, &ub.canonical) < 0.55 {
            return 0;
        }
        let s = homeward_names::similarity_prepared(&ua.prepared, &ub.prepared);
        if s >= homeward_names::SAME_NAME_THRESHOLD {
            2
        } else if s >= 0.7 {
            1
        } else {
            0
        }
    }
}

/// Date level. Agreement on a part is told apart from a difference on a part only where
/// both dates give that part: 1985-03-07 against 1985-11-20 (months known and different) is
/// much weaker evidence than 1985-03-07 against 1985 (the year is all one side knows).
fn date_level(a: Option<PartialDate>, b: Option<PartialDate>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return MISSING;
    };
    let both_months = a.month.is_some() && b.month.is_some();
    let both_days = a.day.is_some() && b.day.is_some();
    if a.year == b.year {
        if a.day.is_some() && a == b {
            10
        } else if a.month.is_some() && a.month == b.month {
            if both_days {
                8
            } else {
                9
            }
        } else if both_days && a.month == b.day && a.day == b.month {
            7
        } else if both_months {
            5
        } else {
            6
        }
    } else {
        match a.year.abs_diff(b.year) {
            1 if a.day.is_some() && a.month == b.month && a.day == b.day => 4,
            1 if (both_months && a.month != b.month) || (both_days && a.day != b.day) => 2,
            1 => 3,
            2 => 1,
            _ => 0,
        }
    }
}

/// Maps the per-level probabilities of a date field saved with the format-1 levels onto the
/// current levels: each split level repeats its parent's m and u, so that the weights of an
/// old model stay what they were.
pub(crate) fn upgrade_date_levels(v1: &[f64]) -> Option<Vec<f64>> {
    if v1.len() != DATE_LEVELS_V1.len() {
        return None;
    }
    let mut out = vec![0.0; DATE_LEVELS.len()];
    for (new, slot) in out.iter_mut().enumerate() {
        // The format-1 level the new level was split from.
        let old = DATE_LEVELS_V1
            .iter()
            .rposition(|&l| usize::from(l) <= new)
            .unwrap_or(0);
        *slot = v1[old];
    }
    Some(out)
}

/// Place level: the same canonical form, or the same name proper through the names crate
/// (any script, place-type words left out) with a type word on both sides or on neither, is
/// the same place; a name proper alike but typed on one side only (Martuni, the town, and
/// Martuni district), or a canonical form close in spelling, is similar.
fn place_level(features: &Features, a: Option<u32>, b: Option<u32>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return MISSING;
    };
    if a == b {
        return 2;
    }
    let places = &features.places;
    // Few distinct places (the usual case): their levels fill a shared table as they are
    // first needed. A level is a pure function of the pair, so two threads filling the same
    // cell write the same value.
    let n = places.len();
    if let Some(cell) = features
        .place_levels
        .get(a.min(b) as usize * n + a.max(b) as usize)
    {
        let l = cell.load(std::sync::atomic::Ordering::Relaxed);
        if l != UNKNOWN_LEVEL {
            return l;
        }
        let l = place_level_uncached(&places[a as usize], &places[b as usize]);
        cell.store(l, std::sync::atomic::Ordering::Relaxed);
        return l;
    }
    // Many places: cached per thread like pairs of names, tagged with the table.
    let key = u64::from(a.min(b)) << 32 | u64::from(a.max(b));
    let table = features.generation as usize;
    if let Some(l) = PLACE_CACHE.with(|c| {
        let c = c.borrow();
        (c.0 == table).then(|| c.1.get(&key).copied()).flatten()
    }) {
        return l;
    }
    let l = place_level_uncached(&places[a as usize], &places[b as usize]);
    PLACE_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != table || c.1.len() >= NAME_CACHE_MAX {
            c.0 = table;
            c.1.clear();
        }
        c.1.insert(key, l);
    });
    l
}

fn place_level_uncached(pa: &Place, pb: &Place) -> u8 {
    if pa.canonical == pb.canonical {
        return 2;
    }
    if let (Some(ca), Some(cb)) = (&pa.core, &pb.core) {
        if homeward_names::similarity_prepared(ca, cb) >= homeward_names::SAME_NAME_THRESHOLD {
            return if pa.typed == pb.typed { 2 } else { 1 };
        }
    }
    if strsim::jaro_winkler(&pa.canonical, &pb.canonical) >= 0.88 {
        1
    } else {
        0
    }
}

fn id_level(ids: &[String], a: Option<u32>, b: Option<u32>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return MISSING;
    };
    if a == b || ids[a as usize] == ids[b as usize] {
        2
    } else if strsim::osa_distance(&ids[a as usize], &ids[b as usize]) <= 1 {
        1
    } else {
        0
    }
}

/// Raises a patronymic level to that of the two names without their patronymic or genitive
/// endings (Gevorg, Геворкович, Գևորգի), capped at "same key".
fn patronymic_level(level: u8, names: Names<'_>, a: u32, b: u32) -> u8 {
    let (ua, ub) = (&names.hot[a as usize], &names.hot[b as usize]);
    if level >= NAME_SAME_KEY || (ua.stem_unit == a && ub.stem_unit == b) {
        return level;
    }
    let mut best = level;
    for sa in [ua.stem_unit, ua.alt_stem_unit] {
        for sb in [ub.stem_unit, ub.alt_stem_unit] {
            best = best.max(name_level(names, sa, sb).min(NAME_SAME_KEY));
        }
    }
    best
}

/// Levels and unit indices of the name parts of a pair.
struct NameMatch {
    given: u8,
    family: u8,
    patronymic: u8,
    order: u8,
    family_units: Option<(u32, u32)>,
    given_units: Option<(u32, u32)>,
}

fn compare_names(
    names: Names<'_>,
    is_family: &dyn Fn(u32) -> Option<bool>,
    a: &RecordFeatures,
    b: &RecordFeatures,
) -> NameMatch {
    let mut m = NameMatch {
        given: MISSING,
        family: MISSING,
        patronymic: MISSING,
        order: MISSING,
        family_units: None,
        given_units: None,
    };
    let lv = |x: u32, y: u32| name_level(names, x, y);
    if let (Some(ga), Some(fa), Some(gb), Some(fb)) = (a.given, a.family, b.given, b.family) {
        let straight = (lv(ga, gb), lv(fa, fb));
        // The swap needs both swapped parts at least "same name" and more than the given
        // order. Where the given order scores 6 or more, that takes both swapped parts at
        // least "same key", which the keys tell without the similarity cache (most pairs,
        // blocking being on keys, so most pairs skip two cache lookups).
        let swapped = if straight.0 + straight.1 >= 2 * NAME_SAME_KEY
            && !(same_key(names, ga, fb) && same_key(names, fa, gb))
        {
            (0, 0)
        } else {
            (lv(ga, fb), lv(fa, gb))
        };
        // A swap counts only when it explains both parts better than the given order.
        if swapped.0 >= 2 && swapped.1 >= 2 && swapped.0 + swapped.1 > straight.0 + straight.1 {
            m.given = swapped.0;
            m.family = swapped.1;
            m.order = 1;
            m.given_units = Some((ga, fb));
            m.family_units = Some((fa, gb));
        } else {
            m.given = straight.0;
            m.family = straight.1;
            m.order = 0;
            m.given_units = Some((ga, gb));
            m.family_units = Some((fa, fb));
        }
    } else if a.is_fielded() && b.is_fielded() {
        // Names in fields on both sides, some missing: each field against the same field; a
        // field missing on either side is missing, not "different" (a missing given name is
        // not compared with the patronymic).
        if let (Some(x), Some(y)) = (a.given, b.given) {
            m.given = lv(x, y);
            m.given_units = Some((x, y));
        }
        if let (Some(x), Some(y)) = (a.family, b.family) {
            m.family = lv(x, y);
            m.family_units = Some((x, y));
        }
    } else if a.is_fielded() || b.is_fielded() {
        // One side in fields, the other a bag of tokens (a whole name): pick distinct tokens
        // for the parts the fielded side has.
        let (s, t, flipped) = if a.is_fielded() {
            (a, b, false)
        } else {
            (b, a, true)
        };
        let toks = &t.tokens;
        if toks.is_empty() {
            return m;
        }
        let pair = |x: u32, y: u32| if flipped { (y, x) } else { (x, y) };
        // Best (given token, family token), distinct, for the parts present.
        let mut best: Option<(u8, Option<usize>, Option<usize>)> = None;
        let gi: Vec<Option<usize>> = if s.given.is_some() {
            (0..toks.len()).map(Some).collect()
        } else {
            vec![None]
        };
        let fi: Vec<Option<usize>> = if s.family.is_some() {
            (0..toks.len()).map(Some).collect()
        } else {
            vec![None]
        };
        for &i in &gi {
            let lg = i.zip(s.given).map_or(0, |(i, g)| lv(g, toks[i]));
            for &j in &fi {
                if i.is_some() && i == j {
                    continue;
                }
                let score = lg + j.zip(s.family).map_or(0, |(j, f)| lv(f, toks[j]));
                if !matches!(best, Some((bs, _, _)) if score <= bs) {
                    best = Some((score, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else {
            return m;
        };
        if let (Some(i), Some(g)) = (i, s.given) {
            m.given = lv(g, toks[i]);
            m.given_units = Some(pair(g, toks[i]));
        }
        if let (Some(j), Some(f)) = (j, s.family) {
            m.family = lv(f, toks[j]);
            m.family_units = Some(pair(f, toks[j]));
        }
        // A whole name of two parts has no patronymic: what is left of it is a given name.
        if let (Some(p), true) = (s.patronymic, toks.len() >= 3) {
            if let Some(k) = (0..toks.len())
                .filter(|&k| Some(k) != i && Some(k) != j)
                .max_by_key(|&k| lv(p, toks[k]))
            {
                m.patronymic = patronymic_level(lv(p, toks[k]), names, p, toks[k]);
            }
        }
        return m;
    } else if !a.tokens.is_empty() && !b.tokens.is_empty() {
        // Two unsplit names: greedy best one-to-one token matching; the two best pairs stand
        // for the family and given names, a third for the patronymic.
        let mut cells: Vec<(u8, usize, usize)> =
            Vec::with_capacity(a.tokens.len() * b.tokens.len());
        for (i, &x) in a.tokens.iter().enumerate() {
            for (j, &y) in b.tokens.iter().enumerate() {
                cells.push((lv(x, y), i, j));
            }
        }
        cells.sort_by(|p, q| q.0.cmp(&p.0).then(p.1.cmp(&q.1)).then(p.2.cmp(&q.2)));
        let (mut used_a, mut used_b) = (0u64, 0u64);
        let mut picked: Vec<(u8, u32, u32)> = Vec::new();
        for (l, i, j) in cells {
            if i < 64 && j < 64 && used_a & (1 << i) == 0 && used_b & (1 << j) == 0 {
                used_a |= 1 << i;
                used_b |= 1 << j;
                picked.push((l, a.tokens[i], b.tokens[j]));
                if picked.len() == 3 {
                    break;
                }
            }
        }
        let two = a.tokens.len() >= 2 && b.tokens.len() >= 2;
        // The best pair stands for the family name, the next for the given name, unless the
        // names themselves say otherwise: a token whose key is commoner as a given name than
        // as a family name among the split records (Armen, Grigoryan) is the given name. The
        // roles matter for the term-frequency adjustment (a common surname is weak evidence).
        let swap = two
            && picked.len() >= 2
            && is_family(picked[0].1) == Some(false)
            && is_family(picked[1].1) != Some(false);
        let (fam, giv) = if swap { (1, 0) } else { (0, 1) };
        if let Some(&(l, x, y)) = picked.get(fam) {
            m.family = l;
            m.family_units = Some((x, y));
        }
        if two {
            if let Some(&(l, x, y)) = picked.get(giv) {
                m.given = l;
                m.given_units = Some((x, y));
            }
        }
        if a.tokens.len() >= 3 && b.tokens.len() >= 3 {
            m.patronymic = picked.get(2).map_or(MISSING, |p| p.0);
        }
        return m;
    }
    if let (Some(pa), Some(pb)) = (a.patronymic, b.patronymic) {
        m.patronymic = patronymic_level(lv(pa, pb), names, pa, pb);
    }
    m
}

/// Compares records `i` and `j`.
pub(crate) fn compare(features: &Features, i: u32, j: u32) -> Comparison {
    let a = &features.records[i as usize];
    let b = &features.records[j as usize];
    let names = Names::of(features);
    let is_family = |u: u32| features.looks_like_family(features.hot[u as usize].key);
    let n = compare_names(names, &is_family, a, b);
    let sex = match (a.sex, b.sex) {
        (Some(x), Some(y)) => u8::from(x == y),
        _ => MISSING,
    };
    let pattern = [
        n.given,
        n.family,
        n.patronymic,
        n.order,
        date_level(a.birth, b.birth),
        sex,
        place_level(features, a.birth_place, b.birth_place),
        place_level(features, a.residence, b.residence),
        id_level(&features.ids, a.id_number, b.id_number),
        date_level(a.capture, b.capture),
        place_level(features, a.capture_place, b.capture_place),
    ];
    let unit_if_agree = |units: Option<(u32, u32)>, level: u8| {
        units
            .filter(|_| level != MISSING && level >= NAME_SAME_KEY)
            .map(|(x, _)| x)
    };
    Comparison {
        pattern,
        family_unit: unit_if_agree(n.family_units, n.family),
        given_unit: unit_if_agree(n.given_units, n.given),
        birth_year: a
            .birth
            .zip(b.birth)
            .filter(|(x, y)| x.year == y.year)
            .map(|(x, _)| x.year),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: Option<u8>, dd: Option<u8>) -> Option<PartialDate> {
        PartialDate::new(y, m, dd)
    }

    #[test]
    fn date_levels() {
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1985, Some(3), Some(7))),
            10
        );
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1985, Some(3), Some(9))),
            8
        );
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1985, Some(3), None)),
            9
        );
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1985, Some(7), Some(3))),
            7
        );
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1985, None, None)),
            6
        );
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1985, Some(11), Some(20))),
            DATE_SAME_YEAR
        );
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1986, Some(3), Some(7))),
            4
        );
        assert_eq!(date_level(d(1985, None, None), d(1986, None, None)), 3);
        assert_eq!(
            date_level(d(1985, Some(3), Some(7)), d(1986, Some(3), Some(8))),
            2
        );
        assert_eq!(date_level(d(1985, None, None), d(1987, None, None)), 1);
        assert_eq!(date_level(d(1985, None, None), d(1990, None, None)), 0);
        assert_eq!(date_level(d(1985, None, None), None), MISSING);
    }

    #[test]
    fn format_1_date_levels_keep_their_weights() {
        let v1 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        let up = upgrade_date_levels(&v1).unwrap();
        assert_eq!(up.len(), DATE_LEVELS.len());
        // Old level -> a date pair that had it, and its new level.
        let cases = [
            (0, d(1985, None, None), d(1990, None, None)),
            (1, d(1985, None, None), d(1987, None, None)),
            (2, d(1985, None, None), d(1986, None, None)),
            (2, d(1985, Some(3), Some(7)), d(1986, Some(3), Some(8))),
            (3, d(1985, Some(3), Some(7)), d(1986, Some(3), Some(7))),
            (4, d(1985, Some(3), Some(7)), d(1985, None, None)),
            (4, d(1985, Some(3), Some(7)), d(1985, Some(11), Some(20))),
            (5, d(1985, Some(3), Some(7)), d(1985, Some(7), Some(3))),
            (6, d(1985, Some(3), Some(7)), d(1985, Some(3), Some(9))),
            (6, d(1985, Some(3), None), d(1985, Some(3), Some(9))),
            (7, d(1985, Some(3), Some(7)), d(1985, Some(3), Some(7))),
        ];
        for (old, a, b) in cases {
            assert_eq!(up[date_level(a, b) as usize], v1[old], "{a:?} {b:?}");
        }
        assert_eq!(upgrade_date_levels(&[0.5; 3]), None);
    }

    #[test]
    fn places_agree_across_scripts() {
        let raw = [
            "Հադրութ",
            "Hadrut",
            "Մարտունու շրջան",
            "Martuni district",
            "Martuni",
            "Shushi",
            "Лачинский коридор",
        ];
        let places: Vec<Place> = raw
            .iter()
            .map(|r| Place::new(r, homeward_names::analyse(r).canonical))
            .collect();
        let features = Features {
            places,
            ..Features::default()
        };
        let level = |a: u32, b: u32| place_level(&features, Some(a), Some(b));
        assert_eq!(level(0, 1), 2);
        assert_eq!(level(2, 3), 2);
        assert_eq!(level(3, 4), 1);
        assert_eq!(level(1, 5), 0);
        assert_eq!(level(5, 6), 0);
        assert_eq!(place_level(&features, Some(0), None), MISSING);
    }

    #[test]
    fn id_levels() {
        let ids = vec!["AB123".to_owned(), "AB124".to_owned(), "ZZ999".to_owned()];
        assert_eq!(id_level(&ids, Some(0), Some(0)), 2);
        assert_eq!(id_level(&ids, Some(0), Some(1)), 1);
        assert_eq!(id_level(&ids, Some(0), Some(2)), 0);
        assert_eq!(id_level(&ids, None, Some(2)), MISSING);
    }
}
