//! Per-record features computed once before blocking and comparison: each distinct name or
//! place string is analysed by the names crate exactly once (in parallel) and interned, so a
//! million records with a few thousand distinct names cost a few thousand analyses.

use std::collections::HashMap;
use std::fmt::Write as _;

use rayon::prelude::*;

use crate::record::{LinkRecord, PartialDate, Sex};

/// One analysed name unit: a whole name field, or one part of a full name.
#[derive(Debug, Clone)]
pub(crate) struct NameUnit {
    /// Canonical Latin form from the names crate.
    pub canonical: String,
    /// Hash of the primary matching key(s); equal keys mean "same name" across scripts.
    pub key: u64,
    /// Hashes of every reading's key (primary first); any shared key means "same name".
    pub alt_keys: Vec<u64>,
    /// The names crate's prepared form, for its similarity.
    pub prepared: homeward_names::PreparedName,
    /// Hash of the matching key of the name without a patronymic or genitive ending, so
    /// that a father's name (Gevorg), a patronymic (Геворкович) and a genitive (Գևորգի) agree.
    pub stem: u64,
    /// The unit of the name without its patronymic or genitive ending (itself when it has
    /// none), compared like any name.
    pub stem_unit: u32,
    /// The other reading of the father's name where the patronymic is ambiguous (see
    /// [`raw_stems`]), else `stem_unit`.
    pub alt_stem_unit: u32,
    /// The sound class of the name's first letter, for blocking on initials: the first
    /// letter of its matching key (where h is dropped and voicing pairs are folded, so
    /// Hovsepian and Ovseyan, Davtyan and Tavitian share it), with ch/j and k folded too
    /// (Christine, Kristine).
    pub initial: u64,
}

/// See [`NameUnit::initial`].
fn initial_class(key: &str, canonical: &str) -> u64 {
    let first = key
        .chars()
        .find(|c| c.is_alphanumeric())
        .or_else(|| canonical.chars().next())
        .unwrap_or(' ');
    u64::from(match first {
        'c' => 'k',
        other => other,
    })
}

/// The name without a patronymic (-ovich, -евна...) or Armenian genitive (-ի) ending, in its
/// own script, so that the names crate reads it as the father's given name: first the usual
/// reading (Russian -eevich/-aevich give back the -ey/-ay of the name, Андреевич: Андрей),
/// then, where Russian patronymic morphology is ambiguous, the other one: -eevich is also -e
/// (Вагеевич: Ваге, Егишеевна: Егише) and a bare -ich follows a name in -a or -ya (Жорич:
/// Жора, Грачьич: Грачья). Empty when there is no such ending.
pub(crate) fn raw_stems(raw: &str) -> Vec<String> {
    const ENDINGS: [(&str, &str, &str); 24] = [
        ("еевич", "ей", "е"),
        ("еевна", "ей", "е"),
        ("аевич", "ай", "а"),
        ("аевна", "ай", "а"),
        ("ьевич", "ий", ""),
        ("ьевна", "ий", ""),
        ("eevich", "ey", "e"),
        ("eevna", "ey", "e"),
        ("aevich", "ay", "a"),
        ("aevna", "ay", "a"),
        ("ович", "", ""),
        ("евич", "", ""),
        ("овна", "", ""),
        ("евна", "", ""),
        ("ична", "", ""),
        ("ич", "", "а"),
        ("ovich", "", ""),
        ("evich", "", ""),
        ("ovna", "", ""),
        ("evna", "", ""),
        ("ichna", "", ""),
        ("ich", "", "a"),
        ("յի", "", ""),
        ("ի", "", ""),
    ];
    let lower = raw.trim().to_lowercase();
    for (ending, replacement, other) in ENDINGS {
        if let Some(stem) = lower.strip_suffix(ending) {
            if stem.chars().count() >= 2 {
                let mut out = vec![format!("{stem}{replacement}")];
                if !other.is_empty() {
                    // Грачьич: the soft sign belongs to -я (Грачья), not before -а.
                    let alt = match stem.strip_suffix('ь') {
                        Some(s) if other == "а" => format!("{s}ья"),
                        _ => format!("{stem}{other}"),
                    };
                    out.push(alt);
                }
                return out;
            }
        }
    }
    Vec::new()
}

/// Words that say what kind of place a place name is (district, village, corridor...), in
/// English, Russian and Armenian, as lists write them beside the name proper: "Martuni
/// district", "Мартунинский район", "Մարտունու շրջան". A place is compared on the rest.
const PLACE_TYPE_WORDS: &[&str] = &[
    "district",
    "region",
    "province",
    "village",
    "city",
    "town",
    "settlement",
    "community",
    "corridor",
    "direction",
    "area",
    "sector",
    "raion",
    "rayon",
    "oblast",
    "marz",
    "район",
    "область",
    "село",
    "город",
    "поселок",
    "посёлок",
    "деревня",
    "округ",
    "коридор",
    "направление",
    "шрджан",
    "марз",
    "շրջան",
    "մարզ",
    "գյուղ",
    "քաղաք",
    "ավան",
    "համայնք",
    "միջանցք",
    "ուղղություն",
];

/// A place as compared: its canonical Latin form, and the name proper without place-type
/// words, analysed as a name (so that Հադրութ and Hadrut, or Մարտունու շրջան and Martuni
/// district, are the same place whatever the script).
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// Canonical Latin form of the whole place string.
    pub canonical: String,
    /// The name proper (type words left out), prepared by the names crate; `None` when
    /// nothing but type words is left.
    pub core: Option<homeward_names::PreparedName>,
    /// Whether a place-type word was left out.
    pub typed: bool,
}

impl Place {
    pub(crate) fn new(raw: &str, canonical: String) -> Place {
        let normalized = homeward_names::normalize(raw);
        let mut typed = false;
        let core: Vec<&str> = normalized
            .split(' ')
            .filter(|w| {
                let t = PLACE_TYPE_WORDS.contains(w);
                typed |= t;
                !t && !w.is_empty()
            })
            .collect();
        Place {
            canonical,
            core: (!core.is_empty()).then(|| homeward_names::PreparedName::new(&core.join(" "))),
            typed,
        }
    }
}

/// The features of one record, as indices into the interned tables.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordFeatures {
    pub source: u32,
    pub given: Option<u32>,
    pub family: Option<u32>,
    pub patronymic: Option<u32>,
    /// Name tokens of a record whose given or family name is not split out (from `full_name`,
    /// else from whichever name fields it has).
    pub tokens: Vec<u32>,
    /// Whether `tokens` come from a whole name (`full_name`), whose parts have no known role.
    pub whole: bool,
    pub sex: Option<Sex>,
    pub birth: Option<PartialDate>,
    pub capture: Option<PartialDate>,
    pub birth_place: Option<u32>,
    pub residence: Option<u32>,
    pub capture_place: Option<u32>,
    pub id_number: Option<u32>,
}

impl RecordFeatures {
    /// Whether the record has given and family names split out.
    pub fn is_split(&self) -> bool {
        self.given.is_some() && self.family.is_some()
    }

    /// Whether the record's names come in fields (given, family, patronymic; any of them
    /// missing), not as a whole name.
    pub fn is_fielded(&self) -> bool {
        !self.whole && (self.given.is_some() || self.family.is_some() || self.patronymic.is_some())
    }

    /// All name units usable as a given name (the given name, else every full-name token).
    pub fn given_candidates(&self) -> &[u32] {
        match &self.given {
            Some(g) if self.family.is_some() || self.tokens.is_empty() => std::slice::from_ref(g),
            _ => &self.tokens,
        }
    }

    /// All name units usable as a family name.
    pub fn family_candidates(&self) -> &[u32] {
        match &self.family {
            Some(f) if self.given.is_some() || self.tokens.is_empty() => std::slice::from_ref(f),
            _ => &self.tokens,
        }
    }
}

/// The fields of a name unit that nearly every comparison reads, packed side by side: the
/// full units take three cache lines each and keep their strings elsewhere on the heap, and
/// reading them was most of the comparison time at a million records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameHot {
    /// See [`NameUnit::key`].
    pub key: u64,
    /// The index of the unit's canonical form among the distinct canonical forms (equal
    /// exactly when the forms are).
    pub canon: u32,
    /// See [`NameUnit::stem_unit`].
    pub stem_unit: u32,
    /// See [`NameUnit::alt_stem_unit`].
    pub alt_stem_unit: u32,
    /// Whether the unit has readings besides its primary key ([`NameUnit::alt_keys`]).
    pub multi: bool,
}

/// A place-pair level not yet computed in [`Features::place_levels`].
pub(crate) const UNKNOWN_LEVEL: u8 = 0xfe;

/// Most distinct places for which [`Features::place_levels`] is a full table (4 MiB).
const PLACE_TABLE_MAX: usize = 2048;

/// Interned tables plus per-record features and name frequencies.
#[derive(Debug, Default)]
pub(crate) struct Features {
    pub names: Vec<NameUnit>,
    /// The hot fields of `names`, by the same index.
    pub hot: Vec<NameHot>,
    pub places: Vec<Place>,
    /// Levels of pairs of places (row: the lower index), filled in as first needed; empty
    /// when there are more than [`PLACE_TABLE_MAX`] places.
    pub place_levels: Vec<std::sync::atomic::AtomicU8>,
    pub ids: Vec<String>,
    pub records: Vec<RecordFeatures>,
    /// Number of records having each family-name key.
    pub family_freq: IntMap<u64, u32>,
    /// Number of records having each given-name key.
    pub given_freq: IntMap<u64, u32>,
    /// Per name unit: records having its key as a family name (see `family_freq`).
    pub family_count: Vec<u32>,
    /// Per name unit: records having its key as a given name.
    pub given_count: Vec<u32>,
    /// Number of records with a family name (denominator of `family_freq`).
    pub family_total: u32,
    /// Number of records with a given name.
    pub given_total: u32,
    /// Number of records born in each year.
    pub year_freq: IntMap<u16, u32>,
    /// Number of records with a birth year.
    pub year_total: u32,
    /// A number unique to this table in the process (tags per-thread comparison caches).
    pub generation: u64,
}

/// A hash map keyed by integers (name-key hashes, years, packed index pairs) with a
/// multiply-and-fold hash: SipHash was a tenth of a million-record run. Its keys are hashes
/// or indices the engine made, not raw input, so crafted collisions are not a concern.
pub(crate) type IntMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;

/// The hasher of [`IntMap`].
#[derive(Default)]
pub(crate) struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u16(&mut self, x: u16) {
        self.write_u64(u64::from(x));
    }

    fn write_u64(&mut self, x: u64) {
        let h = (self.0 ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }
}

/// Source of [`Features::generation`]; starts at 1 so that 0 means "no table".
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// FNV-1a: a stable hash, so that keys (and therefore bucket order) never depend on the
/// process or the platform.
pub(crate) fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn clean(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn normalise_id(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A name unit before interning: canonical form and keys.
struct Unit {
    canonical: String,
    key: String,
    alt_keys: Vec<String>,
    source: String,
}

fn unit(raw: &str) -> Option<Unit> {
    let a = homeward_names::analyse(raw);
    if a.tokens.is_empty() {
        return None;
    }
    let key = if a.keys.is_empty() {
        a.canonical.clone()
    } else {
        a.keys.join(" ")
    };
    let mut alt_keys = vec![key.clone()];
    if a.alt_keys.len() == 1 {
        for k in &a.alt_keys[0] {
            if !alt_keys.contains(k) {
                alt_keys.push(k.clone());
            }
        }
    }
    Some(Unit {
        canonical: a.canonical,
        key,
        alt_keys,
        source: raw.to_owned(),
    })
}

/// The hot fields of each unit, with canonical forms numbered in order of first appearance.
fn hot_fields(names: &[NameUnit]) -> Vec<NameHot> {
    let mut canon: HashMap<&str, u32> = HashMap::with_capacity(names.len());
    names
        .iter()
        .map(|u| {
            let next = canon.len() as u32;
            NameHot {
                key: u.key,
                canon: *canon.entry(u.canonical.as_str()).or_insert(next),
                stem_unit: u.stem_unit,
                alt_stem_unit: u.alt_stem_unit,
                multi: u.alt_keys.len() > 1,
            }
        })
        .collect()
}

/// Prefixes that belong to the next word of a name (Ter Petrosyan).
fn is_prefix(word: &str) -> bool {
    matches!(word.to_lowercase().as_str(), "ter" | "der" | "тер" | "տեր")
}

/// Splits a whole name into parts: words, with Ter/Der joined to the next word and words
/// without letters (Azerbaijani oglu/qizi markers, dashes) dropped by the names crate.
fn split_full(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending: Option<&str> = None;
    for w in raw.split_whitespace() {
        if is_prefix(w) && pending.is_none() {
            pending = Some(w);
            continue;
        }
        match pending.take() {
            Some(p) => out.push(format!("{p} {w}")),
            None => out.push(w.to_owned()),
        }
    }
    if let Some(p) = pending {
        out.push(p.to_owned());
    }
    out
}

/// Analysis of one raw name string: the whole field, and its parts.
struct Analysed {
    whole: Option<Unit>,
    parts: Vec<Unit>,
}

fn analyse(raw: &str) -> Analysed {
    let parts = split_full(raw);
    let whole = unit(raw);
    let parts = if parts.len() <= 1 {
        whole.iter().map(clone_unit).collect()
    } else {
        parts.iter().filter_map(|p| unit(p)).collect()
    };
    Analysed { whole, parts }
}

fn clone_unit(u: &Unit) -> Unit {
    Unit {
        canonical: u.canonical.clone(),
        key: u.key.clone(),
        alt_keys: u.alt_keys.clone(),
        source: u.source.clone(),
    }
}

/// A name unit as interned, before its names-crate preparation (made in parallel after).
struct Pending {
    canonical: String,
    key: u64,
    alt_keys: Vec<u64>,
    stem: u64,
    stem_unit: u32,
    alt_stem_unit: u32,
    initial: u64,
}

/// Interns name units by (canonical form, key).
#[derive(Default)]
struct Interner {
    names: Vec<Pending>,
    /// The raw text of each unit.
    sources: Vec<String>,
    /// By the length-prefixed concatenation of canonical form and key (built in `buf`).
    ids: HashMap<Box<str>, u32>,
    /// Reused to build lookup keys without allocating.
    buf: String,
}

impl Interner {
    fn intern(&mut self, u: &Unit) -> u32 {
        // The length prefix makes the concatenation unambiguous.
        self.buf.clear();
        let _ = write!(self.buf, "{}:{}{}", u.canonical.len(), u.canonical, u.key);
        if let Some(id) = self.ids.get(self.buf.as_str()) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(Pending {
            canonical: u.canonical.clone(),
            key: stable_hash(u.key.as_bytes()),
            alt_keys: u
                .alt_keys
                .iter()
                .map(|k| stable_hash(k.as_bytes()))
                .collect(),
            stem: stable_hash(u.key.as_bytes()),
            stem_unit: id,
            alt_stem_unit: id,
            initial: initial_class(&u.key, &u.canonical),
        });
        self.ids.insert(self.buf.as_str().into(), id);
        self.sources.push(u.source.clone());
        id
    }

    /// The interned units, each prepared by the names crate (in parallel: preparing them
    /// one by one was a third of the features of a million records).
    fn into_units(self) -> Vec<NameUnit> {
        self.names
            .into_par_iter()
            .zip(self.sources.par_iter())
            .map(|(p, source)| NameUnit {
                canonical: p.canonical,
                key: p.key,
                alt_keys: p.alt_keys,
                prepared: homeward_names::PreparedName::new(source),
                stem: p.stem,
                stem_unit: p.stem_unit,
                alt_stem_unit: p.alt_stem_unit,
                initial: p.initial,
            })
            .collect()
    }
}

impl Features {
    /// Computes the features of every record.
    pub fn build(records: &[&LinkRecord]) -> Features {
        // Distinct raw strings, sorted (a sort of all of them beats a tree of millions).
        let distinct = |fields: &(dyn Fn(&LinkRecord) -> [&Option<String>; 4] + Sync)| {
            let mut all: Vec<&str> = records
                .par_iter()
                .flat_map_iter(|r| fields(r).into_iter().filter_map(clean))
                .collect();
            all.par_sort_unstable();
            all.dedup();
            all
        };
        let raw_names = distinct(&|r| [&r.given_name, &r.family_name, &r.patronymic, &r.full_name]);
        let raw_places = distinct(&|r| [&r.birth_place, &r.residence, &r.capture_place, &None]);
        let analysed: Vec<Analysed> = raw_names.par_iter().map(|s| analyse(s)).collect();
        let place_forms: Vec<String> = raw_places
            .par_iter()
            .map(|s| homeward_names::analyse(s).canonical)
            .collect();

        let mut interner = Interner::default();
        let mut whole_of: HashMap<&str, u32> = HashMap::with_capacity(raw_names.len());
        let mut tokens_of: HashMap<&str, Vec<u32>> = HashMap::with_capacity(raw_names.len());
        for (raw, a) in raw_names.iter().zip(&analysed) {
            if let Some(w) = &a.whole {
                whole_of.insert(raw, interner.intern(w));
            }
            tokens_of.insert(raw, a.parts.iter().map(|u| interner.intern(u)).collect());
        }
        // Stems of patronymic and genitive forms, analysed in parallel and interned too.
        let stem_units: Vec<(u32, Vec<Unit>)> = interner
            .sources
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    i as u32,
                    raw_stems(s).iter().filter_map(|t| unit(t)).collect(),
                )
            })
            .filter(|(_, u): &(u32, Vec<Unit>)| !u.is_empty())
            .collect();
        for (i, units) in &stem_units {
            let s = interner.intern(&units[0]);
            let key = interner.names[s as usize].key;
            let alt = units.get(1).map_or(s, |u| interner.intern(u));
            interner.names[*i as usize].stem_unit = s;
            interner.names[*i as usize].alt_stem_unit = alt;
            interner.names[*i as usize].stem = key;
        }
        let names = interner.into_units();

        let mut places: Vec<Place> = Vec::new();
        let mut place_ids: HashMap<&str, u32> = HashMap::new();
        let mut place_of: HashMap<&str, u32> = HashMap::with_capacity(raw_places.len());
        for (raw, form) in raw_places.iter().zip(&place_forms) {
            let id = match place_ids.get(form.as_str()) {
                Some(id) => *id,
                None => {
                    places.push(Place::new(raw, form.clone()));
                    let id = (places.len() - 1) as u32;
                    place_ids.insert(form.as_str(), id);
                    id
                }
            };
            place_of.insert(raw, id);
        }

        let mut feats: Vec<RecordFeatures> = records
            .par_iter()
            .map(|r| {
                let name = |v: &Option<String>| clean(v).and_then(|s| whole_of.get(s).copied());
                let place = |v: &Option<String>| clean(v).and_then(|s| place_of.get(s).copied());
                let mut f = RecordFeatures {
                    source: r.source,
                    given: name(&r.given_name),
                    family: name(&r.family_name),
                    patronymic: name(&r.patronymic),
                    sex: r.sex,
                    birth: r.birth_date,
                    capture: r.capture_date,
                    birth_place: place(&r.birth_place),
                    residence: place(&r.residence),
                    capture_place: place(&r.capture_place),
                    ..RecordFeatures::default()
                };
                if !f.is_split() {
                    if let Some(full) = clean(&r.full_name) {
                        f.tokens = tokens_of.get(full).cloned().unwrap_or_default();
                        f.whole = true;
                    } else {
                        // Whatever name parts there are, as tokens, so blocking still sees them.
                        f.tokens = [&r.given_name, &r.family_name, &r.patronymic]
                            .into_iter()
                            .filter_map(|v| clean(v).and_then(|s| tokens_of.get(s)))
                            .flatten()
                            .copied()
                            .collect();
                    }
                }
                f
            })
            .collect();
        // Id numbers interned in record order, so that their numbering is deterministic.
        let mut ids: Vec<String> = Vec::new();
        let mut id_of: HashMap<String, u32> = HashMap::new();
        for (r, f) in records.iter().zip(&mut feats) {
            if let Some(raw) = clean(&r.id_number) {
                let norm = normalise_id(raw);
                if !norm.is_empty() {
                    let next = ids.len() as u32;
                    let id = *id_of.entry(norm.clone()).or_insert(next);
                    if id == next {
                        ids.push(norm);
                    }
                    f.id_number = Some(id);
                }
            }
        }

        let hot = hot_fields(&names);
        let place_levels = if places.len() <= PLACE_TABLE_MAX {
            (0..places.len() * places.len())
                .map(|_| std::sync::atomic::AtomicU8::new(UNKNOWN_LEVEL))
                .collect()
        } else {
            Vec::new()
        };
        Features {
            names,
            hot,
            places,
            place_levels,
            ids,
            records: feats,
            generation: GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ..Features::default()
        }
    }

    /// Counts name and birth-year frequencies over the records for which `counted` is true
    /// (none are counted until this is called).
    pub fn count_frequencies(&mut self, counted: &[bool]) {
        /// Frequencies of family keys, given keys and years, with their totals.
        #[derive(Default)]
        struct Counts {
            family: IntMap<u64, u32>,
            given: IntMap<u64, u32>,
            year: IntMap<u16, u32>,
            totals: [u32; 3],
        }
        let names = &self.names;
        let counts = self
            .records
            .par_chunks(1 << 14)
            .zip(counted.par_chunks(1 << 14))
            .map(|(records, counted)| {
                let mut c = Counts::default();
                for (f, _) in records.iter().zip(counted).filter(|(_, &k)| k) {
                    if let Some(id) = f.family {
                        *c.family.entry(names[id as usize].key).or_default() += 1;
                        c.totals[0] += 1;
                    }
                    if let Some(id) = f.given {
                        *c.given.entry(names[id as usize].key).or_default() += 1;
                        c.totals[1] += 1;
                    }
                    if let Some(d) = f.birth {
                        *c.year.entry(d.year).or_default() += 1;
                        c.totals[2] += 1;
                    }
                }
                c
            })
            .reduce(Counts::default, |mut a, b| {
                for (k, v) in b.family {
                    *a.family.entry(k).or_default() += v;
                }
                for (k, v) in b.given {
                    *a.given.entry(k).or_default() += v;
                }
                for (k, v) in b.year {
                    *a.year.entry(k).or_default() += v;
                }
                for (x, y) in a.totals.iter_mut().zip(b.totals) {
                    *x += y;
                }
                a
            });
        let per_unit = |freq: &IntMap<u64, u32>| -> Vec<u32> {
            self.names
                .par_iter()
                .map(|u| freq.get(&u.key).copied().unwrap_or(0))
                .collect()
        };
        self.family_count = per_unit(&counts.family);
        self.given_count = per_unit(&counts.given);
        self.family_freq = counts.family;
        self.given_freq = counts.given;
        self.year_freq = counts.year;
        [self.family_total, self.given_total, self.year_total] = counts.totals;
    }

    /// The frequencies behind a comparison's term-frequency adjustments: records with the
    /// agreeing given-name key, with the agreeing family-name key, born in the shared year
    /// (each 0 where there is none). Names count among split records only: a key seen only
    /// in whole names, whose parts have no known role, has no frequency.
    pub(crate) fn tf_counts(&self, c: &crate::compare::Comparison) -> [u32; 3] {
        let name = |count: &[u32], unit: Option<u32>| {
            unit.and_then(|u| count.get(u as usize))
                .copied()
                .unwrap_or(0)
        };
        [
            name(&self.given_count, c.given_unit),
            name(&self.family_count, c.family_unit),
            c.birth_year
                .map_or(0, |y| self.year_freq.get(&y).copied().unwrap_or(1).max(1)),
        ]
    }

    /// Whether a name with this key is more often a family name than a given name among the
    /// split records (`None` when it is neither, or as often both).
    pub fn looks_like_family(&self, key: u64) -> Option<bool> {
        let f = f64::from(self.family_freq.get(&key).copied().unwrap_or(0))
            / f64::from(self.family_total.max(1));
        let g = f64::from(self.given_freq.get(&key).copied().unwrap_or(0))
            / f64::from(self.given_total.max(1));
        match f.partial_cmp(&g) {
            Some(std::cmp::Ordering::Greater) => Some(true),
            Some(std::cmp::Ordering::Less) => Some(false),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patronymic_stems_give_both_readings_where_ambiguous() {
        assert_eq!(raw_stems("Андреевич"), vec!["андрей", "андре"]);
        assert_eq!(raw_stems("Вагеевич")[1], "ваге");
        assert_eq!(raw_stems("Жорич"), vec!["жор", "жора"]);
        assert_eq!(raw_stems("Грачьич")[1], "грачья");
        assert_eq!(raw_stems("Арменович"), vec!["армен"]);
        assert_eq!(raw_stems("Գևորգի"), vec!["գևորգ"]);
        assert!(raw_stems("Armen").is_empty());
    }
}
