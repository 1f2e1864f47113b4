//! Names across scripts: normalisation, transliteration, matching keys and similarity.
//!
//! Interim skeleton: the public signatures below are the contract the linkage crate and the
//! CLI build on; the implementation is being written (issue 3).

use unicode_normalization::UnicodeNormalization;

/// The similarity at or above which two names are taken as the same name.
pub const SAME_NAME_THRESHOLD: f64 = 0.85;

/// What `analyse` found out about one name.
#[derive(Debug, Clone, PartialEq)]
pub struct NameAnalysis {
    /// The normalised name in its own script(s).
    pub normalized: String,
    /// One canonical Latin form of the whole name.
    pub canonical: String,
    /// The canonical Latin form of each name part, in order.
    pub tokens: Vec<String>,
    /// Matching keys of each name part, in order (same length as `tokens`).
    pub keys: Vec<String>,
    /// Problems met on the way (unknown script, lossy transliteration); never fatal.
    pub diagnostics: Vec<String>,
}

/// Normalises, transliterates and keys a name, whatever its script. Total: never fails.
pub fn analyse(name: &str) -> NameAnalysis {
    let normalized: String = name.nfkc().flat_map(char::to_lowercase).collect();
    let tokens: Vec<String> = normalized.split_whitespace().map(str::to_owned).collect();
    NameAnalysis {
        canonical: tokens.join(" "),
        keys: tokens.clone(),
        normalized,
        tokens,
        diagnostics: Vec::new(),
    }
}

/// The matching key of one name part (a given name or a surname) in any script.
pub fn token_key(token: &str) -> String {
    analyse(token).keys.concat()
}

/// A part-aware, order-tolerant similarity of two names in [0, 1].
pub fn similarity(a: &str, b: &str) -> f64 {
    if analyse(a).canonical == analyse(b).canonical {
        1.0
    } else {
        0.0
    }
}

/// Whether two names are taken as the same name (`similarity >= SAME_NAME_THRESHOLD`).
pub fn same_name(a: &str, b: &str) -> bool {
    similarity(a, b) >= SAME_NAME_THRESHOLD
}
