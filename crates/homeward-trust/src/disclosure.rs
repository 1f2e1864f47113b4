//! Small-cell suppression for public figures (DP-6): primary suppression of counts from 1 to
//! the threshold (10 by default, the CMS rule), then complementary suppression until no
//! suppressed count can be worked out from the published totals.
//!
//! # Model
//! A release is a set of counts linked by linear equations that anyone can write down:
//! "the cells of this row add up to its total", "each breakdown of the detainees adds up
//! to the same total". A suppressed count is *recoverable* when the published counts and
//! the equations fix its value. [`determined_cells`] finds those exactly: it row-reduces
//! the equations restricted to the suppressed cells (over the prime field GF(2^61 − 1),
//! which is exact for the 0/±1 systems of tables with margins) and reports every
//! suppressed cell whose reduced row has no free variable.
//!
//! # Heuristic
//! While some suppressed cell is recoverable, suppress one more published cell: among the
//! cells that share an equation with it, the smallest non-zero one whose suppression makes
//! it unrecoverable; failing that, the smallest cell sharing an equation (and go round
//! again). Totals are cells like any other, so a total that would reveal a cell is
//! suppressed too; totals are rarely chosen because they are the largest cells of their
//! lines. This is greedy, not optimal: it can suppress more than a linear-programming
//! method would.
//!
//! # Guarantee
//! After [`suppress_linked`], no suppressed cell is determined by the linear equations.
//! When every suppressed cell is non-zero (complements avoid zeros whenever possible, and
//! the result reports how many zeros had to be used) and the equations are those of a
//! two-way table with margins or of one-way tables sharing a total (totally unimodular
//! systems), every suppressed cell also has at least two feasible non-negative integer
//! values: moving ±1 along a cycle of suppressed cells keeps every count ≥ 0.
//!
//! # Zeros
//! Zero is published, not suppressed, as in the CMS policy: a zero cell puts nobody at
//! risk by itself, and suppressing all zeros would blank most sparse tables. The residual
//! risk is attribute disclosure (a row whose only non-zero cell is in one column says that
//! everyone in that row shares the column's attribute); callers that publish such rows
//! should coarsen categories. Percentages must be computed from published cells only.

use crate::TrustError;

/// The primary-suppression rule: counts in `1..=threshold` are suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuppressionRule {
    threshold: u64,
}

impl SuppressionRule {
    /// The lowest threshold accepted (DP-6's proposed floor; PEDSnet's minimum).
    pub const FLOOR: u64 = 5;

    /// A rule suppressing counts from 1 to `threshold`; thresholds below 5 are refused.
    pub fn new(threshold: u64) -> Result<Self, TrustError> {
        if threshold < Self::FLOOR {
            return Err(TrustError::ThresholdTooLow(threshold));
        }
        Ok(Self { threshold })
    }

    /// The largest suppressed count.
    pub fn threshold(&self) -> u64 {
        self.threshold
    }

    /// Whether a count is small enough to be suppressed on its own.
    pub fn is_small(&self, count: u64) -> bool {
        (1..=self.threshold).contains(&count)
    }
}

impl Default for SuppressionRule {
    /// Suppress 1 to 10, the CMS cell-size rule.
    fn default() -> Self {
        Self { threshold: 10 }
    }
}

/// A published cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cell {
    /// The count is published.
    Shown(u64),
    /// The count is withheld.
    Suppressed,
}

impl Cell {
    /// The published count, if any.
    pub fn shown(&self) -> Option<u64> {
        match self {
            Cell::Shown(v) => Some(*v),
            Cell::Suppressed => None,
        }
    }
}

/// A release-specific pseudonym for statistics (DP-7): lower-case hex of
/// HMAC-SHA-256(`release_key`, id). Draw a new key for every release and keep it away from
/// the output, so releases cannot be linked to each other or back to ids.
pub fn pseudonym(release_key: &[u8; 32], id: &str) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes keys of any length, so the error branch cannot be taken.
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(release_key) else {
        return String::new();
    };
    mac.update(b"homeward pseudonym v1\n");
    mac.update(id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One linear equation over cells: `Σ coefficient × value = 0`.
pub type Equation = Vec<(usize, i64)>;

/// Which cells a suppression withholds, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// For each cell, whether it is withheld.
    pub suppressed: Vec<bool>,
    /// Cells withheld because they are small.
    pub primary: usize,
    /// Cells withheld to protect others.
    pub complementary: usize,
    /// Complementary cells that had to be zeros (weaker protection; see the module docs).
    pub zero_complements: usize,
    /// Cells still recoverable at the end (empty unless no published cell was left to
    /// suppress; then nothing should be published).
    pub still_recoverable: Vec<usize>,
}

impl Suppression {
    /// The cells as published.
    pub fn cells(&self, values: &[u64]) -> Vec<Cell> {
        values
            .iter()
            .zip(&self.suppressed)
            .map(|(&v, &s)| if s { Cell::Suppressed } else { Cell::Shown(v) })
            .collect()
    }
}

const P: u64 = (1 << 61) - 1;

fn mulmod(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
}

fn powmod(mut a: u64, mut e: u64) -> u64 {
    let mut r = 1;
    while e > 0 {
        if e & 1 == 1 {
            r = mulmod(r, a);
        }
        a = mulmod(a, a);
        e >>= 1;
    }
    r
}

fn to_field(c: i64) -> u64 {
    let m = i128::from(c).rem_euclid(i128::from(P));
    m as u64
}

/// The suppressed cells whose values the equations and the published cells determine.
/// Exact linear test; see the module docs.
pub fn determined_cells(equations: &[Equation], suppressed: &[bool]) -> Vec<usize> {
    let unknown: Vec<usize> = (0..suppressed.len()).filter(|&i| suppressed[i]).collect();
    if unknown.is_empty() {
        return Vec::new();
    }
    let mut col_of = vec![usize::MAX; suppressed.len()];
    for (c, &i) in unknown.iter().enumerate() {
        col_of[i] = c;
    }
    let u = unknown.len();
    let mut rows: Vec<Vec<u64>> = equations
        .iter()
        .filter_map(|eq| {
            let mut row = vec![0u64; u];
            let mut any = false;
            for &(i, coef) in eq {
                if let Some(&c) = col_of.get(i) {
                    if c != usize::MAX {
                        row[c] = (row[c] + to_field(coef)) % P;
                        any |= row[c] != 0;
                    }
                }
            }
            any.then_some(row)
        })
        .collect();
    // Reduced row echelon form.
    let mut pivots: Vec<usize> = Vec::new();
    let mut r = 0;
    for c in 0..u {
        let Some(p) = (r..rows.len()).find(|&k| rows[k][c] != 0) else {
            continue;
        };
        rows.swap(r, p);
        let inv = powmod(rows[r][c], P - 2);
        for x in rows[r].iter_mut() {
            *x = mulmod(*x, inv);
        }
        let pivot_row = rows[r].clone();
        for (k, row) in rows.iter_mut().enumerate() {
            if k != r && row[c] != 0 {
                let f = row[c];
                for (x, &y) in row.iter_mut().zip(&pivot_row) {
                    *x = (*x + P - mulmod(f, y)) % P;
                }
            }
        }
        pivots.push(c);
        r += 1;
        if r == rows.len() {
            break;
        }
    }
    let mut out: Vec<usize> = pivots
        .iter()
        .enumerate()
        .filter(|(row, &c)| {
            rows[*row]
                .iter()
                .enumerate()
                .all(|(k, &x)| k == c || x == 0)
        })
        .map(|(_, &c)| unknown[c])
        .collect();
    out.sort_unstable();
    out
}

fn check_equations(values: &[u64], equations: &[Equation]) -> Result<(), TrustError> {
    for eq in equations {
        let mut sum: i128 = 0;
        for &(i, coef) in eq {
            let v = values
                .get(i)
                .ok_or(TrustError::InvalidTable("equation names a missing cell"))?;
            sum += i128::from(*v) * i128::from(coef);
        }
        if sum != 0 {
            return Err(TrustError::InvalidTable(
                "counts do not satisfy an equation",
            ));
        }
    }
    Ok(())
}

/// Suppresses small counts and enough others that none can be recovered through the
/// equations (see the module docs for the heuristic and its guarantee). The equations must
/// hold for `values`.
pub fn suppress_linked(
    values: &[u64],
    equations: &[Equation],
    rule: &SuppressionRule,
) -> Result<Suppression, TrustError> {
    check_equations(values, equations)?;
    let mut suppressed: Vec<bool> = values.iter().map(|&v| rule.is_small(v)).collect();
    let primary = suppressed.iter().filter(|&&s| s).count();
    let mut complementary = 0;
    let mut zero_complements = 0;
    // Cell -> equations it appears in, to find neighbours.
    let mut eqs_of: Vec<Vec<usize>> = vec![Vec::new(); values.len()];
    for (e, eq) in equations.iter().enumerate() {
        for &(i, coef) in eq {
            if coef != 0 && !eqs_of[i].contains(&e) {
                eqs_of[i].push(e);
            }
        }
    }
    let order = |cands: &mut Vec<usize>| {
        cands.sort_by_key(|&i| (values[i] == 0, values[i], i));
        cands.dedup();
    };
    loop {
        let det = determined_cells(equations, &suppressed);
        let Some(&k) = det.first() else {
            return Ok(Suppression {
                suppressed,
                primary,
                complementary,
                zero_complements,
                still_recoverable: Vec::new(),
            });
        };
        let mut near: Vec<usize> = eqs_of[k]
            .iter()
            .flat_map(|&e| equations[e].iter().map(|&(i, _)| i))
            .filter(|&i| !suppressed[i])
            .collect();
        order(&mut near);
        let mut chosen = None;
        for &c in &near {
            suppressed[c] = true;
            let still = determined_cells(equations, &suppressed).contains(&k);
            suppressed[c] = false;
            if !still {
                chosen = Some(c);
                break;
            }
        }
        let chosen = chosen.or_else(|| near.first().copied()).or_else(|| {
            let mut rest: Vec<usize> = (0..values.len()).filter(|&i| !suppressed[i]).collect();
            order(&mut rest);
            rest.first().copied()
        });
        match chosen {
            Some(c) => {
                suppressed[c] = true;
                complementary += 1;
                if values[c] == 0 {
                    zero_complements += 1;
                }
            }
            None => {
                return Ok(Suppression {
                    suppressed,
                    primary,
                    complementary,
                    zero_complements,
                    still_recoverable: det,
                })
            }
        }
    }
}

/// A two-way table as published: interior cells, row totals, column totals, grand total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedTable {
    /// Interior cells, row by row.
    pub cells: Vec<Vec<Cell>>,
    /// The total of each row.
    pub row_totals: Vec<Cell>,
    /// The total of each column.
    pub col_totals: Vec<Cell>,
    /// The grand total.
    pub grand_total: Cell,
    /// The underlying suppression, over the augmented grid (see [`table_equations`]).
    pub suppression: Suppression,
}

/// Lays out a table with its margins as an augmented `(rows + 1) × (cols + 1)` grid (row
/// totals in the last column, column totals in the last row, grand total last), returning
/// the grid's values and its equations: each row and each column of the grid adds up to
/// its last cell.
pub fn table_equations(counts: &[Vec<u64>]) -> Result<(Vec<u64>, Vec<Equation>), TrustError> {
    let r = counts.len();
    let c = counts.first().map_or(0, Vec::len);
    if r == 0 || c == 0 {
        return Err(TrustError::InvalidTable("empty table"));
    }
    if counts.iter().any(|row| row.len() != c) {
        return Err(TrustError::InvalidTable("rows of different lengths"));
    }
    let w = c + 1;
    let mut grid = vec![0u64; (r + 1) * w];
    for (i, row) in counts.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let add = |x: u64| {
                x.checked_add(v)
                    .ok_or(TrustError::InvalidTable("counts overflow"))
            };
            grid[i * w + j] = v;
            grid[i * w + c] = add(grid[i * w + c])?;
            grid[r * w + j] = add(grid[r * w + j])?;
            grid[r * w + c] = add(grid[r * w + c])?;
        }
    }
    let mut eqs = Vec::with_capacity(r + c + 2);
    for i in 0..=r {
        let mut eq: Equation = (0..c).map(|j| (i * w + j, 1)).collect();
        eq.push((i * w + c, -1));
        eqs.push(eq);
    }
    for j in 0..=c {
        let mut eq: Equation = (0..r).map(|i| (i * w + j, 1)).collect();
        eq.push((r * w + j, -1));
        eqs.push(eq);
    }
    Ok((grid, eqs))
}

/// Suppresses a two-way table of counts (rows × columns) together with its row, column and
/// grand totals, which are computed here.
pub fn suppress_table(
    counts: &[Vec<u64>],
    rule: &SuppressionRule,
) -> Result<PublishedTable, TrustError> {
    let (grid, eqs) = table_equations(counts)?;
    let s = suppress_linked(&grid, &eqs, rule)?;
    let cells = s.cells(&grid);
    let r = counts.len();
    let w = counts[0].len() + 1;
    Ok(PublishedTable {
        cells: (0..r)
            .map(|i| cells[i * w..i * w + w - 1].to_vec())
            .collect(),
        row_totals: (0..r).map(|i| cells[i * w + w - 1]).collect(),
        col_totals: cells[r * w..r * w + w - 1].to_vec(),
        grand_total: cells[r * w + w - 1],
        suppression: s,
    })
}

/// Several one-way breakdowns of one population as published (say by status, by sex, by
/// region), with their shared total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedFamily {
    /// Each breakdown's cells.
    pub tables: Vec<Vec<Cell>>,
    /// The shared total.
    pub total: Cell,
    /// The underlying suppression (cell 0 is the total, then each table's cells in order).
    pub suppression: Suppression,
}

/// Suppresses a family of one-way tables that all add up to the same total, so that no
/// cell can be recovered from the total or by comparing tables.
pub fn suppress_family(
    tables: &[Vec<u64>],
    rule: &SuppressionRule,
) -> Result<PublishedFamily, TrustError> {
    let Some(first) = tables.first() else {
        return Err(TrustError::InvalidTable("no tables"));
    };
    let total: u64 = first.iter().sum();
    let mut values = vec![total];
    let mut eqs = Vec::with_capacity(tables.len());
    for t in tables {
        if t.is_empty() {
            return Err(TrustError::InvalidTable("empty table"));
        }
        let start = values.len();
        values.extend_from_slice(t);
        let mut eq: Equation = (start..values.len()).map(|i| (i, 1)).collect();
        eq.push((0, -1));
        eqs.push(eq);
    }
    if tables.iter().any(|t| t.iter().sum::<u64>() != total) {
        return Err(TrustError::InvalidTable("tables have different totals"));
    }
    let s = suppress_linked(&values, &eqs, rule)?;
    let cells = s.cells(&values);
    let mut out = Vec::with_capacity(tables.len());
    let mut at = 1;
    for t in tables {
        out.push(cells[at..at + t.len()].to_vec());
        at += t.len();
    }
    Ok(PublishedFamily {
        tables: out,
        total: cells[0],
        suppression: s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_differ_across_releases() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(pseudonym(&a, "p-1"), pseudonym(&a, "p-1"));
        assert_ne!(pseudonym(&a, "p-1"), pseudonym(&b, "p-1"));
        assert_ne!(pseudonym(&a, "p-1"), pseudonym(&a, "p-2"));
        assert_eq!(pseudonym(&a, "p-1").len(), 64);
        assert!(!pseudonym(&a, "p-1").contains("p-1"));
    }

    #[test]
    fn floor_and_default() {
        assert!(SuppressionRule::new(4).is_err());
        let r = SuppressionRule::default();
        assert!(!r.is_small(0) && r.is_small(1) && r.is_small(10) && !r.is_small(11));
    }

    #[test]
    fn single_small_cell_gets_complements() {
        let t = suppress_table(&[vec![3, 40], vec![50, 60]], &SuppressionRule::default()).unwrap();
        // The 3 forces its row and column partners; all four interior cells go.
        assert_eq!(t.cells[0][0], Cell::Suppressed);
        let s = &t.suppression;
        assert_eq!(s.primary, 1);
        assert!(s.complementary >= 3);
        assert!(s.still_recoverable.is_empty());
        assert_eq!(t.grand_total, Cell::Shown(153));
    }

    #[test]
    fn detects_bridge_between_cycles() {
        // Two 2x2 blocks of suppressed cells joined by one cell: each line has 0 or >= 2
        // suppressed cells, yet the joining cell is determined.
        let eqs = table_equations(&vec![vec![20; 4]; 4]).unwrap().1;
        let w = 5;
        let mut s = vec![false; 25];
        for (i, j) in [
            (0, 0),
            (0, 1),
            (1, 0),
            (1, 1),
            (2, 2),
            (2, 3),
            (3, 2),
            (3, 3),
            (0, 2),
        ] {
            s[i * w + j] = true;
        }
        assert_eq!(determined_cells(&eqs, &s), vec![2]);
    }

    #[test]
    fn family_total_hidden_when_small() {
        let f = suppress_family(&[vec![4, 3], vec![7, 0]], &SuppressionRule::default()).unwrap();
        assert_eq!(f.total, Cell::Suppressed);
        assert_eq!(f.tables[1][0], Cell::Suppressed);
        assert!(f.suppression.still_recoverable.is_empty());
        assert!(suppress_family(&[vec![1, 2], vec![4]], &SuppressionRule::default()).is_err());
    }
}
