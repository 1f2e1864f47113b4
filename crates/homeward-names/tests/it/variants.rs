//! The variant table: spellings within a group are the same name, across groups they are not.

use homeward_names::{similarity_prepared, PreparedName, SAME_NAME_THRESHOLD};

const TABLE: &str = include_str!("../data/name_variants.tsv");

fn groups() -> Vec<Vec<&'static str>> {
    TABLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.split('|')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect()
        })
        .collect()
}

#[test]
fn variant_table_precision_and_recall() {
    let groups = groups();
    assert!(groups.len() >= 400, "only {} groups", groups.len());
    let mut items: Vec<(usize, &str, PreparedName)> = Vec::new();
    for (g, vs) in groups.iter().enumerate() {
        assert!(vs.len() >= 2, "group {g} has one variant");
        for v in vs {
            items.push((g, v, PreparedName::new(v)));
        }
    }
    let (mut tp, mut fp, mut fn_, mut tn) = (0u64, 0u64, 0u64, 0u64);
    let mut misses: Vec<(f64, &str, &str)> = Vec::new();
    let mut false_hits: Vec<(f64, &str, &str)> = Vec::new();
    // Different names scoring just under the threshold: the margin precision rests on.
    let mut near: Vec<(f64, &str, &str)> = Vec::new();
    for i in 0..items.len() {
        for j in (i + 1)..items.len() {
            let (gi, vi, pi) = &items[i];
            let (gj, vj, pj) = &items[j];
            let s = similarity_prepared(pi, pj);
            let same = s >= SAME_NAME_THRESHOLD;
            match (gi == gj, same) {
                (true, true) => tp += 1,
                (true, false) => {
                    fn_ += 1;
                    misses.push((s, vi, vj));
                }
                (false, true) => {
                    fp += 1;
                    false_hits.push((s, vi, vj));
                }
                (false, false) => {
                    tn += 1;
                    if s >= 0.8 {
                        near.push((s, vi, vj));
                    }
                }
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "variant table: {} groups, {} spellings; {} same pairs, {} different pairs",
        groups.len(),
        items.len(),
        tp + fn_,
        fp + tn
    );
    println!("precision {precision:.4} ({fp} false matches), recall {recall:.4} ({fn_} misses)");
    misses.sort_by(|a, b| b.0.total_cmp(&a.0));
    false_hits.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (s, a, b) in misses
        .iter()
        .take(if std::env::var_os("NAMES_ALL").is_some() {
            usize::MAX
        } else {
            40
        })
    {
        println!("  miss  {s:.3}  {a} / {b}");
    }
    for (s, a, b) in false_hits
        .iter()
        .take(if std::env::var_os("NAMES_ALL").is_some() {
            usize::MAX
        } else {
            40
        })
    {
        println!("  false {s:.3}  {a} / {b}");
    }
    near.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "{} different pairs score 0.8 or more; the closest:",
        near.len()
    );
    for (s, a, b) in near.iter().take(15) {
        println!("  near  {s:.3}  {a} / {b}");
    }
    assert!(precision >= 0.98, "precision {precision}");
    assert!(recall >= 0.98, "recall {recall}");
}
