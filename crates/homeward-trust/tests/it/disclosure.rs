//! Small-cell suppression checked by an independent certificate: for every suppressed
//! cell, a perturbation of the suppressed cells by -1, 0 or +1 that keeps every published
//! figure and every count non-negative, and changes that cell. Such a perturbation proves
//! the cell has at least two values consistent with what is published.

use homeward_trust::disclosure::{
    determined_cells, suppress_family, suppress_linked, suppress_table, table_equations, Cell,
    Equation, SuppressionRule,
};
use proptest::prelude::*;

/// For each suppressed cell, whether some v in {-1,0,1}^suppressed with A v = 0 and
/// x + v >= 0 (or x - v >= 0) has v[cell] != 0. Exhaustive: only for <= 13 suppressed.
fn certified(values: &[u64], eqs: &[Equation], suppressed: &[bool]) -> Vec<bool> {
    let idx: Vec<usize> = (0..values.len()).filter(|&i| suppressed[i]).collect();
    assert!(idx.len() <= 13, "too many suppressed cells to enumerate");
    let mut ok = vec![false; values.len()];
    let mut v = vec![0i64; values.len()];
    let total = 3usize.pow(idx.len() as u32);
    for code in 1..total {
        let mut c = code;
        for &i in &idx {
            v[i] = (c % 3) as i64 - 1;
            c /= 3;
        }
        if !eqs
            .iter()
            .all(|eq| eq.iter().map(|&(i, coef)| coef * v[i]).sum::<i64>() == 0)
        {
            continue;
        }
        let plus = idx.iter().all(|&i| values[i] as i64 + v[i] >= 0);
        let minus = idx.iter().all(|&i| values[i] as i64 - v[i] >= 0);
        if plus || minus {
            for &i in &idx {
                if v[i] != 0 {
                    ok[i] = true;
                }
            }
        }
    }
    ok
}

fn assert_protected(values: &[u64], eqs: &[Equation], suppressed: &[bool]) {
    let cert = certified(values, eqs, suppressed);
    for i in 0..values.len() {
        if suppressed[i] {
            assert!(cert[i], "cell {i} (value {}) is recoverable", values[i]);
        }
    }
}

#[test]
fn a_small_stratum_is_hidden_and_no_total_reveals_it() {
    // Detainees by place (rows) and legal status (columns); one place holds few people.
    let counts = vec![vec![40, 25, 0], vec![3, 0, 2], vec![31, 18, 12]];
    let rule = SuppressionRule::default();
    let t = suppress_table(&counts, &rule).unwrap();
    assert_eq!(t.cells[1][0], Cell::Suppressed);
    assert_eq!(t.cells[1][2], Cell::Suppressed);
    assert_eq!(
        t.row_totals[1],
        Cell::Suppressed,
        "a row total of 5 is itself small"
    );
    assert_eq!(t.cells[1][1], Cell::Shown(0));
    // Every published count is 0 or above the threshold.
    for c in t
        .cells
        .iter()
        .flatten()
        .chain(&t.row_totals)
        .chain(&t.col_totals)
    {
        if let Cell::Shown(v) = c {
            assert!(*v == 0 || *v > 10);
        }
    }
    let (grid, eqs) = table_equations(&counts).unwrap();
    assert!(determined_cells(&eqs, &t.suppression.suppressed).is_empty());
    assert_protected(&grid, &eqs, &t.suppression.suppressed);
    assert_eq!(t.suppression.zero_complements, 0);
}

#[test]
fn naive_primary_only_is_recoverable() {
    // The check itself can fail: primary suppression alone leaves the cell computable.
    let counts = vec![vec![3, 40], vec![50, 60]];
    let (grid, eqs) = table_equations(&counts).unwrap();
    let naive: Vec<bool> = grid.iter().map(|&v| (1..=10).contains(&v)).collect();
    assert_eq!(determined_cells(&eqs, &naive), vec![0]);
    assert!(!certified(&grid, &eqs, &naive)[0]);
}

#[test]
fn breakdowns_sharing_a_total() {
    // By status, by sex and by age band: three views of the same 97 people.
    let tables = vec![vec![60, 30, 7], vec![80, 17], vec![20, 40, 33, 4]];
    let f = suppress_family(&tables, &SuppressionRule::default()).unwrap();
    assert_eq!(f.total, Cell::Shown(97));
    assert_eq!(f.tables[0][2], Cell::Suppressed);
    assert_eq!(f.tables[2][3], Cell::Suppressed);
    for t in &f.tables {
        assert_ne!(t.iter().filter(|c| **c == Cell::Suppressed).count(), 1);
    }
    assert_eq!(f.tables[1], vec![Cell::Shown(80), Cell::Shown(17)]);
    let mut values = vec![97];
    let mut eqs = Vec::new();
    for t in &tables {
        let start = values.len();
        values.extend_from_slice(t);
        let mut eq: Equation = (start..values.len()).map(|i| (i, 1)).collect();
        eq.push((0, -1));
        eqs.push(eq);
    }
    assert_protected(&values, &eqs, &f.suppression.suppressed);
}

#[test]
fn rule_floor_and_bad_input() {
    assert!(SuppressionRule::new(3).is_err());
    let five = SuppressionRule::new(5).unwrap();
    let t = suppress_table(&[vec![7, 30], vec![30, 30]], &five).unwrap();
    assert_eq!(t.cells[0][0], Cell::Shown(7));
    assert!(suppress_table(&[vec![1, 2], vec![3]], &five).is_err());
    assert!(suppress_table(&[], &five).is_err());
    assert!(suppress_linked(&[1, 2], &[vec![(0, 1), (1, -1)]], &five).is_err());
}

fn table_strategy(max_r: usize, max_c: usize, max_v: u64) -> impl Strategy<Value = Vec<Vec<u64>>> {
    (1..=max_r, 1..=max_c).prop_flat_map(move |(r, c)| {
        proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![2 => 0..=max_v, 3 => 0u64..=12, 1 => Just(0u64)],
                c,
            ),
            r,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Small tables: every suppressed cell has a certificate of non-uniqueness.
    #[test]
    fn small_tables_are_certified(counts in table_strategy(2, 3, 40)) {
        let rule = SuppressionRule::default();
        let t = suppress_table(&counts, &rule).unwrap();
        let (grid, eqs) = table_equations(&counts).unwrap();
        let s = &t.suppression;
        prop_assert!(s.still_recoverable.is_empty());
        if s.zero_complements == 0 && s.suppressed.iter().filter(|&&x| x).count() <= 12 {
            let cert = certified(&grid, &eqs, &s.suppressed);
            for (i, (&hidden, &ok)) in s.suppressed.iter().zip(&cert).enumerate() {
                prop_assert!(!hidden || ok, "cell {} of {:?}", i, counts);
            }
        }
    }

    /// Larger tables: published counts are 0 or above the threshold, and no row or column
    /// whose total is published has exactly one suppressed cell.
    #[test]
    fn no_line_with_a_single_hole(counts in table_strategy(6, 6, 200)) {
        let rule = SuppressionRule::default();
        let t = suppress_table(&counts, &rule).unwrap();
        for (i, row) in t.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                match c {
                    Cell::Shown(v) => prop_assert!(*v == 0 || *v > 10),
                    Cell::Suppressed => prop_assert!(counts[i][j] > 0 || t.suppression.zero_complements > 0),
                }
            }
            if t.row_totals[i] != Cell::Suppressed {
                prop_assert_ne!(row.iter().filter(|c| **c == Cell::Suppressed).count(), 1);
            }
        }
        for j in 0..counts[0].len() {
            let holes = t.cells.iter().filter(|r| r[j] == Cell::Suppressed).count();
            if t.col_totals[j] != Cell::Suppressed {
                prop_assert_ne!(holes, 1);
            }
        }
        let (_, eqs) = table_equations(&counts).unwrap();
        prop_assert!(determined_cells(&eqs, &t.suppression.suppressed).is_empty());
    }

    /// Families of breakdowns: certified when small.
    #[test]
    fn families_are_certified(parts in proptest::collection::vec(proptest::collection::vec(0u64..=30, 1..4), 1..4)) {
        // Make every breakdown add up to the first one's total by topping up its last cell.
        let total: u64 = parts[0].iter().sum();
        let mut tables = Vec::new();
        for p in &parts {
            let mut t = p.clone();
            let s: u64 = t.iter().sum();
            if s > total { continue; }
            if let Some(last) = t.last_mut() { *last += total - s; }
            tables.push(t);
        }
        let f = suppress_family(&tables, &SuppressionRule::default()).unwrap();
        let mut values = vec![total];
        let mut eqs = Vec::new();
        for t in &tables {
            let start = values.len();
            values.extend_from_slice(t);
            let mut eq: Equation = (start..values.len()).map(|i| (i, 1)).collect();
            eq.push((0, -1));
            eqs.push(eq);
        }
        let s = &f.suppression;
        prop_assert!(s.still_recoverable.is_empty() || values.iter().all(|&v| v == 0 || v <= 10));
        if s.zero_complements == 0 && s.suppressed.iter().filter(|&&x| x).count() <= 12 && s.still_recoverable.is_empty() {
            let cert = certified(&values, &eqs, &s.suppressed);
            for (i, (&hidden, &ok)) in s.suppressed.iter().zip(&cert).enumerate() {
                prop_assert!(!hidden || ok, "cell {} of {:?}", i, tables);
            }
        }
    }
}

/// Two tables of one release that share their row totals (by place × status and by
/// place × sex): a cell hidden in one must not be recoverable through the other.
fn overlapping(a: [[u64; 2]; 2], b_first_col: [u64; 2]) -> (Vec<u64>, Vec<Equation>) {
    // Layout: A cells 0..4, B cells 4..8, row totals 8..10, A column totals 10..12,
    // B column totals 12..14, grand total 14.
    let rows = [a[0][0] + a[0][1], a[1][0] + a[1][1]];
    let b = [
        [b_first_col[0], rows[0] - b_first_col[0]],
        [b_first_col[1], rows[1] - b_first_col[1]],
    ];
    let mut v = vec![
        a[0][0], a[0][1], a[1][0], a[1][1], b[0][0], b[0][1], b[1][0], b[1][1],
    ];
    v.extend_from_slice(&rows);
    v.extend_from_slice(&[a[0][0] + a[1][0], a[0][1] + a[1][1]]);
    v.extend_from_slice(&[b[0][0] + b[1][0], b[0][1] + b[1][1]]);
    v.push(rows[0] + rows[1]);
    let eqs: Vec<Equation> = vec![
        vec![(0, 1), (1, 1), (8, -1)],
        vec![(2, 1), (3, 1), (9, -1)],
        vec![(4, 1), (5, 1), (8, -1)],
        vec![(6, 1), (7, 1), (9, -1)],
        vec![(0, 1), (2, 1), (10, -1)],
        vec![(1, 1), (3, 1), (11, -1)],
        vec![(4, 1), (6, 1), (12, -1)],
        vec![(5, 1), (7, 1), (13, -1)],
        vec![(8, 1), (9, 1), (14, -1)],
        vec![(10, 1), (11, 1), (14, -1)],
        vec![(12, 1), (13, 1), (14, -1)],
    ];
    (v, eqs)
}

#[test]
fn overlapping_tables_in_one_release() {
    let (values, eqs) = overlapping([[4, 30], [25, 40]], [20, 33]);
    let s = suppress_linked(&values, &eqs, &SuppressionRule::default()).unwrap();
    assert!(s.suppressed[0]);
    assert!(s.still_recoverable.is_empty());
    assert!(determined_cells(&eqs, &s.suppressed).is_empty());
    if s.suppressed.iter().filter(|&&x| x).count() <= 13 {
        assert_protected(&values, &eqs, &s.suppressed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn overlapping_tables_are_certified(a in any::<[[u8; 2]; 2]>(), f0 in 0.0f64..=1.0, f1 in 0.0f64..=1.0) {
        let a = a.map(|r| r.map(|x| u64::from(x % 45)));
        let rows = [a[0][0] + a[0][1], a[1][0] + a[1][1]];
        let b = [(rows[0] as f64 * f0) as u64, (rows[1] as f64 * f1) as u64];
        let (values, eqs) = overlapping(a, b);
        let s = suppress_linked(&values, &eqs, &SuppressionRule::default()).unwrap();
        prop_assert!(determined_cells(&eqs, &s.suppressed).is_empty() || !s.still_recoverable.is_empty());
        let hidden = s.suppressed.iter().filter(|&&x| x).count();
        if s.zero_complements == 0 && s.still_recoverable.is_empty() && hidden <= 13 {
            let cert = certified(&values, &eqs, &s.suppressed);
            for (i, (&h, &ok)) in s.suppressed.iter().zip(&cert).enumerate() {
                prop_assert!(!h || ok, "cell {} of {:?}", i, values);
            }
        }
    }
}
