//! Token and name similarity: best assignment of name parts, order-tolerant, part-aware.

use crate::keys::{KeyForm, Suffix, TokenData};
use crate::roles::{pair_factor, Roles};

/// Score of a full token against an initial with the same first letter.
pub const INITIAL_SCORE: f64 = 0.9;
/// Score of two surnames with one stem and different suffix classes (Petrosyan/Petrosov,
/// Hasanov/Hasanli): Russified and Azerbaijani forms.
pub const CROSS_SUFFIX_SCORE: f64 = 0.9;
/// Ceiling for two given names that differ only by a final "a" (Aleksandr/Aleksandra,
/// Yevgeniy/Yevgeniya): gender forms of a given name are different names.
const GENDER_PAIR_CEILING: f64 = 0.75;
/// Weight of the weakest matched part in a name's score; the rest is the mean. A name is as
/// good as its worst part: Armen Petrosyan and Armen Vardanyan share a surname only, and
/// Armen Bagdasaryan and Arman Bagdasaryan are different names.
const MIN_WEIGHT: f64 = 0.9;
/// Factor per extra name part on one side when at least two parts matched (a patronymic or
/// second given name that one list omits).
const EXTRA_PART_FACTOR: f64 = 0.98;
/// Factor when only one part could be matched against a name of several parts (a surname
/// alone is not the same name as a full name).
const SINGLE_PART_FACTOR: f64 = 0.7;
/// Factor when every matched pair involves an initial.
const INITIALS_ONLY_FACTOR: f64 = 0.8;

/// Cost of inserting or deleting a vowel: epenthetic vowels come and go between schemes
/// (Khachatryan/Khachaturian, Sargsyan/Sarkisian).
const VOWEL_INDEL: f64 = 0.8;
/// Cost of replacing one vowel by another (Nersisyan/Nersesyan; Azerbaijani ə as a or e).
const VOWEL_SUB: f64 = 0.8;
/// Every other edit costs 1; an edit touching the first letter costs this many times more,
/// because first letters are the most reliable part of a name (Matevosyan/Tadevosyan,
/// Ghazaryan/Nazaryan are different names).
const FIRST_LETTER_FACTOR: f64 = 2.0;

fn is_key_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Similarity of two keys from a weighted optimal string alignment distance:
/// 1 - cost / longer length, floored at 0.
pub(crate) fn edit_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let longer = a.len().max(b.len());
    if longer == 0 {
        return 1.0;
    }
    (1.0 - weighted_osa(a, b) / longer as f64).max(0.0)
}

/// Keys longer than this are compared with heap rows instead of stack rows.
const STACK_ROW: usize = 48;

fn weighted_osa(a: &[u8], b: &[u8]) -> f64 {
    if b.len() < STACK_ROW {
        let mut rows = [[0.0f64; STACK_ROW]; 3];
        let [r0, r1, r2] = &mut rows;
        weighted_osa_rows(a, b, r0, r1, r2)
    } else {
        let m = b.len() + 1;
        let (mut r0, mut r1, mut r2) = (vec![0.0; m], vec![0.0; m], vec![0.0; m]);
        weighted_osa_rows(a, b, &mut r0, &mut r1, &mut r2)
    }
}

fn weighted_osa_rows(
    a: &[u8],
    b: &[u8],
    prev2: &mut [f64],
    prev: &mut [f64],
    cur: &mut [f64],
) -> f64 {
    let m = b.len();
    let indel = |c: u8, pos: usize| -> f64 {
        let w = if is_key_vowel(c) { VOWEL_INDEL } else { 1.0 };
        if pos == 0 {
            w * FIRST_LETTER_FACTOR
        } else {
            w
        }
    };
    let (mut prev2, mut prev, mut cur) = (prev2, prev, cur);
    prev[0] = 0.0;
    for j in 1..=m {
        prev[j] = prev[j - 1] + indel(b[j - 1], j - 1);
    }
    for i in 1..=a.len() {
        cur[0] = prev[0] + indel(a[i - 1], i - 1);
        for j in 1..=m {
            let (x, y) = (a[i - 1], b[j - 1]);
            let first = i == 1 || j == 1;
            let sub = if x == y {
                0.0
            } else {
                let w = if is_key_vowel(x) && is_key_vowel(y) {
                    VOWEL_SUB
                } else {
                    1.0
                };
                if first {
                    w * FIRST_LETTER_FACTOR
                } else {
                    w
                }
            };
            let mut v = (prev[j] + indel(x, i - 1))
                .min(cur[j - 1] + indel(y, j - 1))
                .min(prev[j - 1] + sub);
            if i > 1 && j > 1 && x == b[j - 2] && a[i - 2] == y {
                v = v.min(prev2[j - 2] + 1.0);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

fn form_score(a: &KeyForm, b: &KeyForm) -> f64 {
    if a.key == b.key {
        return 1.0;
    }
    if a.stem_matches_across_suffix(b) {
        return CROSS_SUFFIX_SCORE;
    }
    // Armenian documents give the father's name in the genitive (Samveli) where Russian
    // ones give a patronymic (Samvelovich).
    for (p, g) in [(a, b), (b, a)] {
        if p.suffix == Suffix::Patronymic
            && g.suffix == Suffix::None
            && g.key.len() == p.stem_len + 1
            && g.key.starts_with(p.stem())
            && g.key.ends_with('i')
        {
            return CROSS_SUFFIX_SCORE;
        }
    }
    // Same suffix class: compare the stems, so that a shared -yan does not make
    // Khachatryan look like Asatryan.
    let s = if a.suffix == b.suffix && a.suffix != Suffix::None {
        edit_similarity(a.stem(), b.stem())
    } else {
        edit_similarity(&a.key, &b.key)
    };
    if a.suffix == Suffix::None && b.suffix == Suffix::None {
        let (short, long) = if a.key.len() < b.key.len() {
            (a, b)
        } else {
            (b, a)
        };
        if long.key.len() == short.key.len() + 1
            && long.key.ends_with('a')
            && long.key.starts_with(short.key.as_str())
        {
            return s.min(GENDER_PAIR_CEILING);
        }
    }
    s
}

/// Similarity of two tokens in [0, 1]: the best agreement over their readings.
pub(crate) fn token_score(a: &TokenData, b: &TokenData) -> f64 {
    if a.is_initial || b.is_initial {
        if a.first == 0 || a.first != b.first {
            return 0.0;
        }
        return if a.is_initial && b.is_initial {
            1.0
        } else {
            INITIAL_SCORE
        };
    }
    let mut best = 0.0f64;
    for fa in &a.forms {
        for fb in &b.forms {
            let s = form_score(fa, fb);
            if s > best {
                best = s;
                if best >= 1.0 {
                    return 1.0;
                }
            }
        }
    }
    best
}

/// Aggregates the matched pair scores of one assignment (sorted, so the result does not
/// depend on which side is which).
fn aggregate(scores: &mut [f64], all_initial: bool, extra: usize) -> f64 {
    if scores.is_empty() {
        return 0.0;
    }
    scores.sort_by(|x, y| x.total_cmp(y));
    let min = scores[0];
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let mut s = MIN_WEIGHT * min + (1.0 - MIN_WEIGHT) * mean;
    if extra > 0 {
        s *= if scores.len() >= 2 {
            EXTRA_PART_FACTOR.powi(extra as i32)
        } else {
            SINGLE_PART_FACTOR
        };
    }
    if all_initial {
        s *= INITIALS_ONLY_FACTOR;
    }
    s.clamp(0.0, 1.0)
}

/// The aggregate of matched pair scores with `extra` unmatched parts (no initials).
pub(crate) fn aggregate_pairs(scores: &mut [f64], extra: usize) -> f64 {
    aggregate(scores, false, extra)
}

/// Largest side for exhaustive assignment; longer names fall back to a greedy assignment.
const EXHAUSTIVE_MAX: usize = 6;

/// Best score of a name pair of `n` and `m` parts, given which parts are initials and a
/// scoring function over part index pairs.
pub(crate) fn name_score(
    n: usize,
    m: usize,
    init_a: impl Fn(usize) -> bool,
    init_b: impl Fn(usize) -> bool,
    mut pair: impl FnMut(usize, usize) -> f64,
) -> f64 {
    if n == 0 || m == 0 {
        return 0.0;
    }
    // Rows are the shorter side so that each row is assigned a distinct column.
    let swap = n > m;
    let (rows, cols) = if swap { (m, n) } else { (n, m) };
    let extra = cols - rows;
    let fill =
        |mat: &mut [f64], initial: &mut [bool], pair: &mut dyn FnMut(usize, usize) -> f64| {
            for r in 0..rows {
                for c in 0..cols {
                    let (i, j) = if swap { (c, r) } else { (r, c) };
                    mat[r * cols + c] = pair(i, j);
                    initial[r * cols + c] = init_a(i) || init_b(j);
                }
            }
        };
    if cols <= EXHAUSTIVE_MAX {
        let mut mat = [0.0f64; EXHAUSTIVE_MAX * EXHAUSTIVE_MAX];
        let mut initial = [false; EXHAUSTIVE_MAX * EXHAUSTIVE_MAX];
        fill(&mut mat, &mut initial, &mut pair);
        let mut st = Search {
            mat: &mat,
            initial: &initial,
            rows,
            cols,
            extra,
            best: 0.0,
        };
        let mut chosen = [0usize; EXHAUSTIVE_MAX];
        st.run(0, 0, &mut chosen);
        st.best
    } else {
        let mut mat = vec![0.0f64; rows * cols];
        let mut initial = vec![false; rows * cols];
        fill(&mut mat, &mut initial, &mut pair);
        greedy(&mat, &initial, rows, cols, extra)
    }
}

struct Search<'a> {
    mat: &'a [f64],
    initial: &'a [bool],
    rows: usize,
    cols: usize,
    extra: usize,
    best: f64,
}

impl Search<'_> {
    fn run(&mut self, r: usize, used: u32, chosen: &mut [usize; EXHAUSTIVE_MAX]) {
        if r == self.rows {
            let mut scores = [0.0f64; EXHAUSTIVE_MAX];
            let mut all_initial = true;
            for (i, s) in scores.iter_mut().enumerate().take(self.rows) {
                *s = self.mat[i * self.cols + chosen[i]];
                all_initial &= self.initial[i * self.cols + chosen[i]];
            }
            let s = aggregate(&mut scores[..self.rows], all_initial, self.extra);
            if s > self.best {
                self.best = s;
            }
            return;
        }
        for c in 0..self.cols {
            if used & (1 << c) == 0 {
                chosen[r] = c;
                self.run(r + 1, used | (1 << c), chosen);
            }
        }
    }
}

fn greedy(mat: &[f64], initial: &[bool], rows: usize, cols: usize, extra: usize) -> f64 {
    let mut cells: Vec<(usize, usize)> = (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .collect();
    // Highest score first; ties by position, so the result is deterministic.
    cells.sort_by(|x, y| {
        mat[y.0 * cols + y.1]
            .total_cmp(&mat[x.0 * cols + x.1])
            .then(x.cmp(y))
    });
    let mut row_used = vec![false; rows];
    let mut col_used = vec![false; cols];
    let mut scores = Vec::with_capacity(rows);
    let mut all_initial = true;
    for (r, c) in cells {
        if !row_used[r] && !col_used[c] {
            row_used[r] = true;
            col_used[c] = true;
            scores.push(mat[r * cols + c]);
            all_initial &= initial[r * cols + c];
        }
    }
    aggregate(&mut scores, all_initial, extra)
}

/// Similarity of two token lists with their roles.
pub(crate) fn tokens_score(
    a: &[std::sync::Arc<TokenData>],
    ra: Roles,
    b: &[std::sync::Arc<TokenData>],
    rb: Roles,
) -> f64 {
    name_score(
        a.len(),
        b.len(),
        |i| a[i].is_initial,
        |j| b[j].is_initial,
        |i, j| token_score(&a[i], &b[j]) * pair_factor(ra.get(i), rb.get(j)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_edits() {
        assert_eq!(weighted_osa(b"vardanian", b"vardnaian"), 1.0);
        assert_eq!(weighted_osa(b"", b"bcd"), 4.0);
        assert!((weighted_osa(b"armen", b"arman") - VOWEL_SUB).abs() < 1e-12);
        assert_eq!(weighted_osa(b"acadr", b"acadur"), VOWEL_INDEL);
        assert_eq!(weighted_osa(b"madevos", b"dadevos"), FIRST_LETTER_FACTOR);
        assert!((edit_similarity("minas", "manas") - 0.84).abs() < 1e-12);
    }

    #[test]
    fn aggregate_weights_the_weakest_part() {
        let mut s = [1.0, 0.5];
        assert!((aggregate(&mut s, false, 0) - (0.9 * 0.5 + 0.1 * 0.75)).abs() < 1e-12);
        let mut s = [1.0];
        assert!((aggregate(&mut s, false, 1) - 0.7).abs() < 1e-12);
        let mut s = [1.0, 1.0];
        assert!((aggregate(&mut s, false, 1) - 0.98).abs() < 1e-12);
    }
}
