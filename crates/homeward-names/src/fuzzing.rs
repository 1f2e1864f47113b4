//! Entry point of the cargo-fuzz target `names` in `fuzz/`, kept in this crate so that the
//! corpus replay run by `cargo test` (on stable) drives exactly the code the fuzzer drives.
//! Takes arbitrary bytes and must return without panicking; it also checks the promises
//! the crate makes about any input.

use crate::{analyse, index_terms, normalize, similarity, NameIndex, PreparedName};

/// Analyses the lines of `data` (lossily decoded as UTF-8) as names and checks: analysis
/// is total and consistent, normalisation is idempotent, similarity lies in [0, 1], is
/// symmetric and is 1 for a name with itself, and search over the names does not fail.
///
/// # Panics
/// When one of those promises is broken: that is the finding the fuzzer reports.
pub fn names(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let names: Vec<&str> = text.lines().take(8).collect();
    for n in &names {
        let a = analyse(n);
        assert_eq!(a.tokens.len(), a.keys.len());
        assert_eq!(a.tokens.len(), a.alt_keys.len());
        let once = normalize(n);
        assert_eq!(normalize(&once), once, "normalisation is idempotent");
        let _ = index_terms(n);
        if !a.tokens.is_empty() {
            let s = similarity(n, n);
            assert!((s - 1.0).abs() < 1e-12, "self-similarity {s}");
        }
    }
    for (i, a) in names.iter().enumerate() {
        let pa = PreparedName::new(a);
        for b in &names[i + 1..] {
            let pb = PreparedName::new(b);
            let ab = crate::similarity_prepared(&pa, &pb);
            let ba = crate::similarity_prepared(&pb, &pa);
            assert!((0.0..=1.0).contains(&ab), "similarity {ab}");
            assert!(
                (ab - ba).abs() < 1e-12,
                "similarity is symmetric: {ab} vs {ba}"
            );
        }
    }
    let ix = NameIndex::new(names.iter().enumerate().map(|(i, n)| (i as u64, *n)));
    if let Some(q) = names.first() {
        let _ = ix.search(q, 3);
    }
}
