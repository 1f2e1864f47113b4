//! In-memory name search: an inverted index from token keys and key n-grams to distinct
//! tokens, and from tokens to persons; candidates are pruned, then scored exactly.

use crate::fxhash::FxHashMap as HashMap;
use crate::keys::{split_tokens, token_data, TokenData};
use crate::normalize::normalize;
use crate::roles::{self, pair_factor, Roles};
use crate::score::{name_score, token_score};
use crate::PreparedName;

/// Vocabulary tokens whose score against a query token is below this are not followed to
/// their persons (a pair that weak cannot lift a name near the threshold).
const TOKEN_FLOOR: f64 = 0.7;
/// Share of a query key's n-grams a vocabulary key must hold to be scored at all.
const GRAM_SHARE: f64 = 0.4;
/// Persons ranked by their upper bound that are scored exactly: at least this many, and
/// fifty per requested result.
const RESCORE_MIN: usize = 500;

/// Padded character trigrams of a key ("^va", "var", ..., "an$"), the n-grams used for
/// fuzzy candidate retrieval in memory and in a database.
pub fn ngrams(key: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = std::iter::once('^')
        .chain(key.chars())
        .chain(std::iter::once('$'))
        .collect();
    let n = chars.len().saturating_sub(2);
    (0..n).map(move |i| chars[i..i + 3].iter().collect())
}

/// What a flat database index would store for one name: "k:" + each key of each name part
/// and "g:" + each trigram of each part's primary key, sorted and without duplicates.
///
/// Kept for callers that want one term list per name; the registry's database index is
/// two-level instead ([`index_tokens`] per person, [`token_terms`] per distinct part,
/// queried through [`IndexQuery`]), which stores a few rows per person instead of ~20.
pub fn index_terms(name: &str) -> Vec<String> {
    let normalized = normalize(name);
    let mut terms: Vec<String> = Vec::new();
    for tok in split_tokens(&normalized).tokens {
        let t = token_data(&tok);
        for f in &t.forms {
            terms.push(format!("k:{}", f.key));
        }
        if let Some(f) = t.forms.first() {
            terms.extend(ngrams(&f.key).map(|g| format!("g:{g}")));
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

/// The parts of a name as a two-level database index stores them per person: the
/// normalised name split into parts (Ter-/Der- prefixes joined, patronymic markers
/// dropped), sorted, without repeats. [`token_terms`] of each part is the vocabulary entry.
pub fn index_tokens(name: &str) -> Vec<String> {
    let normalized = normalize(name);
    let mut tokens: Vec<String> = split_tokens(&normalized)
        .tokens
        .into_iter()
        .map(|t| t.into_owned())
        .collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// The vocabulary entry of one distinct name part in a two-level database index: the
/// matching keys of each of its readings and the padded trigrams of those keys (what
/// [`NameIndex`] keeps per vocabulary entry in memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenTerms {
    /// Matching keys, one per reading, sorted, without repeats.
    pub keys: Vec<String>,
    /// Trigrams of all the keys, sorted, without repeats.
    pub grams: Vec<String>,
}

/// The vocabulary entry of a name part as produced by [`index_tokens`].
pub fn token_terms(token: &str) -> TokenTerms {
    let t = token_data(token);
    let mut keys: Vec<String> = t.forms.iter().map(|f| f.key.clone()).collect();
    let mut grams: Vec<String> = t.forms.iter().flat_map(|f| ngrams(&f.key)).collect();
    keys.sort_unstable();
    keys.dedup();
    grams.sort_unstable();
    grams.dedup();
    TokenTerms { keys, grams }
}

/// How to look one query part up in a two-level database index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPart {
    /// Vocabulary entries holding any of these keys are candidates.
    pub keys: Vec<String>,
    /// Trigrams of the part's keys with their multiplicity; vocabulary entries whose
    /// trigrams add up to at least `min_shared` are candidates too.
    pub grams: Vec<(String, u32)>,
    /// The least shared trigram weight for a candidate found through trigrams.
    pub min_shared: u32,
}

/// A name query against a two-level database index, run in three steps by the caller:
/// for each of [`IndexQuery::parts`], fetch the vocabulary entries it reaches (by key, or
/// by enough shared trigrams) and keep those [`IndexQuery::score_token`] accepts; fetch
/// the persons holding accepted entries, ranked by the sum over query parts of their best
/// part score; score the best few hundred exactly with [`similarity_prepared`] against
/// [`IndexQuery::prepared`]. This is the retrieval of [`NameIndex::search`] with the
/// vocabulary and the postings in a database.
///
/// [`similarity_prepared`]: crate::similarity_prepared
#[derive(Debug, Clone)]
pub struct IndexQuery {
    prepared: PreparedName,
    parts: Vec<QueryPart>,
}

impl IndexQuery {
    /// Plans the lookup of `query` (its first eight parts; initials are not looked up).
    pub fn new(query: &str) -> Self {
        let prepared = PreparedName::new(query);
        let parts = prepared
            .token_data()
            .iter()
            .take(MAX_QUERY_PARTS)
            .map(|t| {
                if t.is_initial {
                    return QueryPart {
                        keys: Vec::new(),
                        grams: Vec::new(),
                        min_shared: 1,
                    };
                }
                let mut keys: Vec<String> = t.forms.iter().map(|f| f.key.clone()).collect();
                keys.sort_unstable();
                keys.dedup();
                // As in `NameIndex::match_vocabulary`: every trigram of every reading
                // counts, repeats included, and the share is that of the longest reading.
                let mut weights: HashMap<String, u32> = HashMap::default();
                let mut needed = 1usize;
                for f in &t.forms {
                    let grams: Vec<String> = ngrams(&f.key).collect();
                    needed = needed.max((grams.len() as f64 * GRAM_SHARE).ceil() as usize);
                    for g in grams {
                        *weights.entry(g).or_insert(0) += 1;
                    }
                }
                let mut grams: Vec<(String, u32)> = weights.into_iter().collect();
                grams.sort_unstable();
                QueryPart {
                    keys,
                    grams,
                    min_shared: u32::try_from(needed).unwrap_or(u32::MAX),
                }
            })
            .collect();
        IndexQuery { prepared, parts }
    }

    /// The parts to look up, in query order (an initial's part has no keys or trigrams).
    pub fn parts(&self) -> &[QueryPart] {
        &self.parts
    }

    /// The score of vocabulary entry `token` (an [`index_tokens`] part) against query part
    /// `part`, or `None` if it is too weak to follow to its persons.
    pub fn score_token(&self, part: usize, token: &str) -> Option<f64> {
        let q = self.prepared.token_data().get(part)?;
        let s = token_score(q, &token_data(token));
        (s >= TOKEN_FLOOR).then_some(s)
    }

    /// The query, prepared for exact scoring of the candidates.
    pub fn prepared(&self) -> &PreparedName {
        &self.prepared
    }
}

/// A pure in-memory search index over person names.
#[derive(Debug, Default)]
pub struct NameIndex {
    ids: Vec<u64>,
    doc_offsets: Vec<u32>,
    doc_tokens: Vec<u32>,
    /// The roles of each name's parts (given, patronymic, family), per name.
    doc_roles: Vec<Roles>,
    vocab: Vec<TokenData>,
    vocab_docs: Vec<Vec<u32>>,
    key_to_vocab: HashMap<String, Vec<u32>>,
    gram_to_vocab: HashMap<String, Vec<u32>>,
}

impl NameIndex {
    /// Builds the index from (person id, name) pairs. Ids need not be unique or sorted; a
    /// person with several names may be added once per name.
    pub fn new<I, S>(entries: I) -> Self
    where
        I: IntoIterator<Item = (u64, S)>,
        S: AsRef<str>,
    {
        let mut ix = NameIndex {
            doc_offsets: vec![0],
            ..NameIndex::default()
        };
        let mut lookup: HashMap<String, u32> = HashMap::default();
        for (id, name) in entries {
            let doc = ix.ids.len() as u32;
            ix.ids.push(id);
            let normalized = normalize(name.as_ref());
            let split = split_tokens(&normalized);
            for tok in split.tokens {
                let v = match lookup.get(tok.as_ref()) {
                    Some(&v) => v,
                    None => {
                        let v = ix.vocab.len() as u32;
                        ix.add_vocab(token_data(&tok));
                        lookup.insert(tok.into_owned(), v);
                        v
                    }
                };
                ix.doc_tokens.push(v);
                if let Some(list) = ix.vocab_docs.get_mut(v as usize) {
                    if list.last() != Some(&doc) {
                        list.push(doc);
                    }
                }
            }
            ix.doc_offsets.push(ix.doc_tokens.len() as u32);
            let toks = ix.doc(doc as usize);
            let roles = roles::infer(
                toks.len(),
                |i| ix.vocab[toks[i] as usize].own_role,
                split.marked,
            );
            ix.doc_roles.push(roles);
        }
        ix
    }

    fn add_vocab(&mut self, t: TokenData) {
        let v = self.vocab.len() as u32;
        for f in &t.forms {
            self.key_to_vocab.entry(f.key.clone()).or_default().push(v);
            for g in ngrams(&f.key) {
                let list = self.gram_to_vocab.entry(g).or_default();
                if list.last() != Some(&v) {
                    list.push(v);
                }
            }
        }
        self.vocab.push(t);
        self.vocab_docs.push(Vec::new());
    }

    /// Number of names indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no names.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of distinct name parts (the vocabulary the n-gram index runs over).
    pub fn vocabulary_len(&self) -> usize {
        self.vocab.len()
    }

    fn doc(&self, d: usize) -> &[u32] {
        let (s, e) = (
            self.doc_offsets[d] as usize,
            self.doc_offsets[d + 1] as usize,
        );
        &self.doc_tokens[s..e]
    }

    /// The best `limit` persons for `query` in any script, as (id, similarity), by
    /// similarity descending and id ascending on ties.
    ///
    /// Retrieval: each query part (up to eight) is matched against the vocabulary through
    /// its keys and key trigrams and scored with the token scorer; persons holding matched
    /// parts get an estimate of their score from those part scores, and the best
    /// `max(500, 50 x limit)` by estimate are scored exactly with the scorer of
    /// [`crate::similarity`]. Persons sharing no key and too few trigrams with every query
    /// part are never looked at: that is the pruning, so results far below
    /// [`crate::SAME_NAME_THRESHOLD`] may differ from [`NameIndex::scan`].
    pub fn search(&self, query: &str, limit: usize) -> Vec<(u64, f64)> {
        let q = PreparedName::new(query);
        let qt = q.token_data();
        let qr = q.roles();
        if qt.is_empty() || limit == 0 {
            return Vec::new();
        }
        let nq = qt.len().min(MAX_QUERY_PARTS);
        let memo = self.match_vocabulary(&qt[..nq]);
        // Per person reached: a slot holding the best score per query part.
        let mut slot_of: Vec<u32> = vec![u32::MAX; self.ids.len()];
        let mut docs: Vec<u32> = Vec::new();
        let mut part_scores: Vec<[(f32, u32); MAX_QUERY_PARTS]> = Vec::new();
        for (i, m) in memo.iter().enumerate() {
            for (&v, &s) in m {
                for &d in &self.vocab_docs[v as usize] {
                    let slot = &mut slot_of[d as usize];
                    if *slot == u32::MAX {
                        *slot = docs.len() as u32;
                        docs.push(d);
                        part_scores.push([(0.0, u32::MAX); MAX_QUERY_PARTS]);
                    }
                    let cell = &mut part_scores[*slot as usize][i];
                    if s as f32 > cell.0 || (s as f32 == cell.0 && v < cell.1) {
                        *cell = (s as f32, v);
                    }
                }
            }
        }
        let mut ranked: Vec<(u32, f64)> = docs
            .iter()
            .zip(&part_scores)
            .map(|(&d, sc)| {
                let toks = self.doc(d as usize);
                (d, estimate(&sc[..nq], qt.len(), toks))
            })
            .collect();
        let keep = RESCORE_MIN.max(limit.saturating_mul(50));
        let by_estimate = |x: &(u32, f64), y: &(u32, f64)| {
            y.1.total_cmp(&x.1)
                .then(self.ids[x.0 as usize].cmp(&self.ids[y.0 as usize]))
        };
        if ranked.len() > keep {
            ranked.select_nth_unstable_by(keep, by_estimate);
            ranked.truncate(keep);
        }
        let mut out: Vec<(u64, f64)> = ranked
            .into_iter()
            .map(|(d, _)| {
                let toks = self.doc(d as usize);
                let roles = self.doc_roles[d as usize];
                let s = name_score(
                    qt.len(),
                    toks.len(),
                    |i| qt[i].is_initial,
                    |j| self.vocab[toks[j] as usize].is_initial,
                    |i, j| {
                        let v = toks[j];
                        let s = match memo.get(i).and_then(|m| m.get(&v)) {
                            Some(&s) => s,
                            None => token_score(&qt[i], &self.vocab[v as usize]),
                        };
                        s * pair_factor(qr.get(i), roles.get(j))
                    },
                );
                (self.ids[d as usize], s)
            })
            .collect();
        sort_results(&mut out);
        out.truncate(limit);
        out
    }

    /// For each query part, the vocabulary entries reached through keys or enough shared
    /// trigrams, with their token scores, keeping those at or above `TOKEN_FLOOR`.
    fn match_vocabulary(&self, qt: &[std::sync::Arc<TokenData>]) -> Vec<HashMap<u32, f64>> {
        let mut memo: Vec<HashMap<u32, f64>> = vec![HashMap::default(); qt.len()];
        let mut counts: HashMap<u32, u32> = HashMap::default();
        for (i, t) in qt.iter().enumerate() {
            if t.is_initial {
                continue;
            }
            counts.clear();
            let mut needed = 1usize;
            for f in &t.forms {
                for &v in self.key_to_vocab.get(&f.key).into_iter().flatten() {
                    memo[i]
                        .entry(v)
                        .or_insert_with(|| token_score(t, &self.vocab[v as usize]));
                }
                let grams: Vec<String> = ngrams(&f.key).collect();
                needed = needed.max((grams.len() as f64 * GRAM_SHARE).ceil() as usize);
                for g in &grams {
                    for &v in self.gram_to_vocab.get(g).into_iter().flatten() {
                        *counts.entry(v).or_insert(0) += 1;
                    }
                }
            }
            for (&v, &c) in &counts {
                if c as usize >= needed && !memo[i].contains_key(&v) {
                    let s = token_score(t, &self.vocab[v as usize]);
                    memo[i].insert(v, s);
                }
            }
            memo[i].retain(|_, s| *s >= TOKEN_FLOOR);
        }
        memo
    }

    /// The best `limit` persons by scoring every indexed name with the same scorer as
    /// [`NameIndex::search`] (no pruning, no memo): the reference the index is measured
    /// against.
    pub fn scan(&self, query: &str, limit: usize) -> Vec<(u64, f64)> {
        let q = PreparedName::new(query);
        let qt = q.token_data();
        let qr = q.roles();
        if qt.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut out: Vec<(u64, f64)> = (0..self.ids.len())
            .map(|d| {
                let toks = self.doc(d);
                let roles = self.doc_roles[d];
                let s = name_score(
                    qt.len(),
                    toks.len(),
                    |i| qt[i].is_initial,
                    |j| self.vocab[toks[j] as usize].is_initial,
                    |i, j| {
                        token_score(&qt[i], &self.vocab[toks[j] as usize])
                            * pair_factor(qr.get(i), roles.get(j))
                    },
                );
                (self.ids[d], s)
            })
            .collect();
        sort_results(&mut out);
        out.truncate(limit);
        out
    }
}

/// The most query parts used for retrieval (all parts are used for exact scoring).
const MAX_QUERY_PARTS: usize = 8;

/// The name score a person would get if each query part's best match were its own part and
/// unmatched parts scored 0 (the aggregate of `score`, from part scores alone). Query
/// parts whose best match is the same part of the person compete for it: only as many of
/// them count as the person has copies of that part (Ashot Ashot against one Ashot).
fn estimate(part_scores: &[(f32, u32)], query_len: usize, doc_tokens: &[u32]) -> f64 {
    let n = part_scores.len().min(MAX_QUERY_PARTS);
    let mut s = [0.0f64; MAX_QUERY_PARTS];
    for i in 0..n {
        let (x, v) = part_scores[i];
        if v == u32::MAX {
            continue;
        }
        let mut better = 0usize;
        for (j, &(y, w)) in part_scores[..n].iter().enumerate() {
            if j != i && w == v && (y > x || (y == x && j < i)) {
                better += 1;
            }
        }
        if better == 0 || better < doc_tokens.iter().filter(|&&t| t == v).count() {
            s[i] = f64::from(x);
        }
    }
    let doc_len = doc_tokens.len();
    let width = n.max(query_len.min(MAX_QUERY_PARTS));
    s[..width].sort_unstable_by(|x, y| y.total_cmp(x));
    let k = query_len.min(doc_len).clamp(1, MAX_QUERY_PARTS);
    if query_len > MAX_QUERY_PARTS && doc_len >= query_len {
        // More parts than slots: the weakest is unknown, so assume none matched.
        s[k - 1] = 0.0;
    }
    crate::score::aggregate_pairs(&mut s[..k], query_len.abs_diff(doc_len))
}

fn sort_results(out: &mut [(u64, f64)]) {
    out.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ngrams_are_padded_trigrams() {
        let g: Vec<String> = ngrams("ab").collect();
        assert_eq!(g, vec!["^ab", "ab$"]);
        assert_eq!(ngrams("").count(), 0);
    }

    #[test]
    fn index_terms_hold_keys_and_grams() {
        let t = index_terms("Ruben Vardanyan");
        assert!(t.contains(&"k:vardanian".to_owned()));
        assert!(t.iter().any(|x| x.starts_with("g:")));
        assert_eq!(
            index_terms("Рубен Варданян"),
            index_terms("Ruben Vardanian")
        );
    }

    #[test]
    fn two_level_terms_cover_every_reading() {
        assert_eq!(
            index_tokens("Ter Petrosyan Armen Armen"),
            vec!["armen".to_owned(), "ter-petrosyan".to_owned()]
        );
        let t = token_terms("vardanyan");
        assert_eq!(t.keys, vec!["vardanian".to_owned()]);
        assert!(t.grams.contains(&"^va".to_owned()) && t.grams.contains(&"an$".to_owned()));
        // Across scripts the same part has the same vocabulary entry keys.
        assert_eq!(token_terms("варданян").keys, t.keys);
        let q = IndexQuery::new("Ruben Vardanian");
        assert_eq!(q.parts().len(), 2);
        assert!(q.parts()[1].keys.contains(&"vardanian".to_owned()));
        assert!(q.parts()[1].min_shared >= 4);
        assert!(q.score_token(1, "վարդանյան").is_some());
        assert!(q.score_token(1, "petrosyan").is_none());
        assert!(q.score_token(7, "ruben").is_none());
        assert!(IndexQuery::new("R. Vardanian").parts()[0].keys.is_empty());
    }

    #[test]
    fn search_finds_across_scripts_and_agrees_with_scan() {
        let names = [
            (1u64, "Ruben Vardanyan"),
            (2, "Armen Petrosyan"),
            (3, "Рубен Варданян"),
            (4, "Vardanyan Ruben Samvelovich"),
            (5, "Ruben Petrosyan"),
            (6, "Ռուբեն Վարդանյան"),
            (7, "Karen Vardanian"),
        ];
        let ix = NameIndex::new(names);
        let hits = ix.search("Ruben Vardanian", 3);
        let ids: Vec<u64> = hits.iter().map(|h| h.0).collect();
        assert_eq!(ids, vec![1, 3, 6]);
        // Persons sharing no part with the query are pruned, so agreement with the full scan
        // is asserted for the results that share one.
        assert_eq!(
            ix.search("Ruben Vardanian", 5),
            ix.scan("Ruben Vardanian", 5)
        );
        assert!(ix.search("", 5).is_empty());
        // A query repeating a part (given name and father's name alike) must not prefer
        // persons with an extra unrelated part.
        let mut people: Vec<(u64, String)> = (0..600)
            .map(|i| {
                (
                    i,
                    format!("Minasyan Ashot Karen{}", "a".repeat(i as usize % 7)),
                )
            })
            .collect();
        people.push((1000, "Minasyan Ashot".to_owned()));
        let ix = NameIndex::new(people.iter().map(|(i, s)| (*i, s.as_str())));
        assert_eq!(
            ix.search("Minasian Ashod Ашот", 1),
            ix.scan("Minasian Ashod Ашот", 1)
        );
        assert_eq!(ix.search("Minasian Ashod Ашот", 1)[0].0, 1000);
    }
}
