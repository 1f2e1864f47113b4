//! Overlap tables (how many people each combination of lists named) and their CSV parser.

use crate::EstimateError;

/// Fewest lists an estimate can be made from: with two lists the dependence between them
/// cannot be modelled at all.
pub const MIN_LISTS: usize = 3;
/// Most lists a table may have; 2^15 cells keep every fit small enough to run in memory.
pub const MAX_LISTS: usize = 15;

/// Counts of people by capture history over k lists.
///
/// A history is a bit mask: bit `j` is set when list `j` (in column order) named the person.
/// `counts[mask]` is the number of people with that history; `counts[0]` is always 0 because
/// nobody can be observed on no list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapTable {
    lists: Vec<String>,
    counts: Vec<u64>,
}

impl OverlapTable {
    /// Builds a table from list names and `(history mask, count)` pairs; counts of a repeated
    /// history are summed. Fails on a wrong number of lists, a mask outside the table or a
    /// count on the all-zero history.
    pub fn from_counts(
        lists: Vec<String>,
        cells: impl IntoIterator<Item = (usize, u64)>,
    ) -> Result<Self, EstimateError> {
        check_list_count(lists.len())?;
        let size = 1usize << lists.len();
        let mut counts = vec![0u64; size];
        for (mask, count) in cells {
            if mask >= size {
                return Err(EstimateError::HistoryOutOfRange {
                    mask,
                    lists: lists.len(),
                });
            }
            if mask == 0 && count > 0 {
                return Err(EstimateError::UnobservableHistory { line: 0 });
            }
            counts[mask] = counts[mask].saturating_add(count);
        }
        Ok(Self { lists, counts })
    }

    /// Builds a table from one capture history per person (`true` = on that list), the form
    /// the registry holds after linkage. People on no list are refused: they cannot be known.
    pub fn from_histories<'a>(
        lists: Vec<String>,
        histories: impl IntoIterator<Item = &'a [bool]>,
    ) -> Result<Self, EstimateError> {
        check_list_count(lists.len())?;
        let k = lists.len();
        let mut cells = Vec::new();
        for (index, history) in histories.into_iter().enumerate() {
            if history.len() != k {
                return Err(EstimateError::HistoryLength {
                    index,
                    expected: k,
                    found: history.len(),
                });
            }
            let mask = history
                .iter()
                .enumerate()
                .fold(0usize, |m, (j, &on)| if on { m | (1 << j) } else { m });
            if mask == 0 {
                return Err(EstimateError::EmptyHistory { index });
            }
            cells.push((mask, 1u64));
        }
        Self::from_counts(lists, cells)
    }

    /// The list names, in column order (list `j` is bit `j` of a history mask).
    pub fn lists(&self) -> &[String] {
        &self.lists
    }

    /// Number of lists k.
    pub fn list_count(&self) -> usize {
        self.lists.len()
    }

    /// Count of people with history `mask` (0 for a mask outside the table).
    pub fn count(&self, mask: usize) -> u64 {
        self.counts.get(mask).copied().unwrap_or(0)
    }

    /// All 2^k counts indexed by history mask (`[0]` is 0).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Number of distinct people observed, n.
    pub fn observed(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Number of people on list `j`.
    pub fn list_total(&self, j: usize) -> u64 {
        self.counts
            .iter()
            .enumerate()
            .filter(|(mask, _)| mask & (1 << j) != 0)
            .map(|(_, c)| c)
            .sum()
    }

    /// Number of people named by both list `a` and list `b`.
    pub fn overlap(&self, a: usize, b: usize) -> u64 {
        let both = (1usize << a) | (1usize << b);
        self.counts
            .iter()
            .enumerate()
            .filter(|(mask, _)| mask & both == both)
            .map(|(_, c)| c)
            .sum()
    }

    /// Number of lists that named at least one person.
    pub fn nonempty_lists(&self) -> usize {
        (0..self.list_count())
            .filter(|&j| self.list_total(j) > 0)
            .count()
    }
}

/// The largest count a table may hold per cell: far above any population, far below the
/// point where sums over 2^15 cells (and the sampler's cap of 20n) overflow a u64.
const MAX_COUNT: u64 = 1_000_000_000_000;

fn check_list_count(k: usize) -> Result<(), EstimateError> {
    if (MIN_LISTS..=MAX_LISTS).contains(&k) {
        Ok(())
    } else {
        Err(EstimateError::ListCount { found: k })
    }
}

/// One stratum (a period, region or category) of a stratified table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stratum {
    /// The stratum's label as written in the CSV.
    pub name: String,
    /// The stratum's own overlap table (same lists as every other stratum).
    pub table: OverlapTable,
}

/// Overlap tables over the same lists, one per stratum, in order of first appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratifiedTable {
    /// Strata in the order they first appear in the input.
    pub strata: Vec<Stratum>,
}

impl StratifiedTable {
    /// All strata pooled into one table (what an unstratified analysis would see).
    pub fn pooled(&self) -> Result<OverlapTable, EstimateError> {
        let Some(first) = self.strata.first() else {
            return Err(EstimateError::NoData);
        };
        let cells = self
            .strata
            .iter()
            .flat_map(|s| s.table.counts().iter().copied().enumerate());
        OverlapTable::from_counts(first.table.lists().to_vec(), cells)
    }
}

/// Parses an unstratified overlap table from CSV text.
///
/// One 0/1 column per list and a `count` column (any order); lines starting with `#` and
/// blank lines are skipped. A history written twice is summed, as if the rows came from
/// two batches of the same linkage; rows absent from the file count zero. Errors name the
/// 1-based line and column.
pub fn parse_table(text: &str) -> Result<OverlapTable, EstimateError> {
    let parsed = parse_rows(text, None)?;
    if let Some(column) = parsed.stratum_column {
        return Err(EstimateError::UnexpectedStratum { column });
    }
    OverlapTable::from_counts(
        parsed.lists,
        parsed.rows.into_iter().map(|r| (r.mask, r.count)),
    )
}

/// Parses a table that may carry a stratum column.
///
/// The stratum column is `stratum_column` if given, otherwise a column named `stratum`
/// (case-insensitive) if present; without one the whole table is a single stratum named
/// `all`.
pub fn parse_stratified_table(
    text: &str,
    stratum_column: Option<&str>,
) -> Result<StratifiedTable, EstimateError> {
    let parsed = parse_rows(text, stratum_column)?;
    let mut names: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<(usize, u64)>> = Vec::new();
    for row in parsed.rows {
        let name = row.stratum.unwrap_or_else(|| "all".to_string());
        let index = match names.iter().position(|n| *n == name) {
            Some(i) => i,
            None => {
                names.push(name);
                cells.push(Vec::new());
                names.len() - 1
            }
        };
        cells[index].push((row.mask, row.count));
    }
    let strata = names
        .into_iter()
        .zip(cells)
        .map(|(name, cells)| {
            OverlapTable::from_counts(parsed.lists.clone(), cells)
                .map(|table| Stratum { name, table })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if strata.is_empty() {
        return Err(EstimateError::NoData);
    }
    Ok(StratifiedTable { strata })
}

struct Row {
    mask: usize,
    count: u64,
    stratum: Option<String>,
}

struct Parsed {
    lists: Vec<String>,
    rows: Vec<Row>,
    stratum_column: Option<String>,
}

fn split_fields(line: &str) -> Vec<String> {
    line.split(',')
        .map(|f| f.trim().trim_matches('"').trim().to_string())
        .collect()
}

fn parse_rows(text: &str, stratum_name: Option<&str>) -> Result<Parsed, EstimateError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        return Err(EstimateError::NoData);
    };
    let names = split_fields(header);
    let mut count_col = None;
    let mut stratum_col = None;
    let mut list_cols = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(EstimateError::EmptyColumnName {
                line: header_line,
                column: i + 1,
            });
        }
        if names[..i].contains(name) {
            return Err(EstimateError::DuplicateColumn {
                line: header_line,
                name: name.clone(),
            });
        }
        let is_stratum = match stratum_name {
            Some(s) => name == s,
            None => name.eq_ignore_ascii_case("stratum"),
        };
        if name.eq_ignore_ascii_case("count") {
            count_col = Some(i);
        } else if is_stratum {
            stratum_col = Some(i);
        } else {
            list_cols.push(i);
        }
    }
    let Some(count_col) = count_col else {
        return Err(EstimateError::MissingCountColumn { line: header_line });
    };
    if let (Some(wanted), None) = (stratum_name, stratum_col) {
        return Err(EstimateError::MissingStratumColumn {
            name: wanted.to_string(),
        });
    }
    check_list_count(list_cols.len())?;
    let lists: Vec<String> = list_cols.iter().map(|&i| names[i].clone()).collect();
    let mut rows = Vec::new();
    for (line, text) in lines {
        let fields = split_fields(text);
        if fields.len() != names.len() {
            return Err(EstimateError::FieldCount {
                line,
                expected: names.len(),
                found: fields.len(),
            });
        }
        let mut mask = 0usize;
        for (j, &col) in list_cols.iter().enumerate() {
            match fields[col].as_str() {
                "0" => {}
                "1" => mask |= 1 << j,
                other => {
                    return Err(EstimateError::NotBinary {
                        line,
                        column: names[col].clone(),
                        value: other.to_string(),
                    })
                }
            }
        }
        let count: u64 = fields[count_col]
            .parse()
            .ok()
            .filter(|c| *c <= MAX_COUNT)
            .ok_or_else(|| EstimateError::BadCount {
                line,
                column: names[count_col].clone(),
                value: fields[count_col].clone(),
            })?;
        if mask == 0 {
            if count > 0 {
                return Err(EstimateError::UnobservableHistory { line });
            }
            continue;
        }
        let stratum = stratum_col.map(|c| fields[c].clone());
        rows.push(Row {
            mask,
            count,
            stratum,
        });
    }
    Ok(Parsed {
        lists,
        rows,
        stratum_column: stratum_col.map(|c| names[c].clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_beyond_any_population_are_refused_not_overflowed() {
        let t = "A,B,C,count\n1,0,0,18446744073709551615\n0,1,0,1\n0,0,1,1\n";
        assert!(matches!(
            parse_table(t),
            Err(EstimateError::BadCount { line: 2, .. })
        ));
        assert!(parse_table("A,B,C,count\n1,0,0,1000000000000\n0,1,0,1\n0,0,1,1\n").is_ok());
    }

    #[test]
    fn parses_comments_any_column_order_and_sums_duplicates() {
        let text = "# source\ncount,A,B,C\n5,1,0,0\n3,0,1,1\n2,1,0,0\n";
        let t = parse_table(text).unwrap();
        assert_eq!(t.lists(), ["A", "B", "C"]);
        assert_eq!(t.count(0b001), 7);
        assert_eq!(t.count(0b110), 3);
        assert_eq!(t.observed(), 10);
        assert_eq!(t.overlap(1, 2), 3);
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = parse_table("A,B,C,count\n1,0,2,4\n").unwrap_err();
        assert_eq!(
            err,
            EstimateError::NotBinary {
                line: 2,
                column: "C".into(),
                value: "2".into()
            }
        );
        let err = parse_table("A,B,C,count\n1,0,1,-4\n").unwrap_err();
        assert!(matches!(err, EstimateError::BadCount { line: 2, .. }));
        assert!(err.to_string().contains("line 2"));
        let err = parse_table("A,B,count\n1,0,4\n").unwrap_err();
        assert_eq!(err, EstimateError::ListCount { found: 2 });
        let err = parse_table("A,B,C,count\n0,0,0,4\n").unwrap_err();
        assert_eq!(err, EstimateError::UnobservableHistory { line: 2 });
        let err = parse_table("A,B,C\n1,0,0\n").unwrap_err();
        assert_eq!(err, EstimateError::MissingCountColumn { line: 1 });
        let err = parse_table("A,B,C,count\n1,0,0\n").unwrap_err();
        assert!(matches!(err, EstimateError::FieldCount { line: 2, .. }));
        let err = parse_table("A,B,C,count,stratum\n1,0,0,3,x\n").unwrap_err();
        assert!(matches!(err, EstimateError::UnexpectedStratum { .. }));
    }

    #[test]
    fn stratified_tables_split_by_column() {
        let text = "A,B,C,period,count\n1,0,0,early,5\n0,1,0,late,2\n1,1,0,early,1\n";
        let s = parse_stratified_table(text, Some("period")).unwrap();
        assert_eq!(s.strata.len(), 2);
        assert_eq!(s.strata[0].name, "early");
        assert_eq!(s.strata[0].table.observed(), 6);
        assert_eq!(s.pooled().unwrap().observed(), 8);
        let default = parse_stratified_table("A,B,C,Stratum,count\n1,0,0,x,5\n", None).unwrap();
        assert_eq!(default.strata[0].name, "x");
    }

    #[test]
    fn histories_build_the_same_table() {
        let h: Vec<Vec<bool>> = vec![
            vec![true, false, false],
            vec![true, true, false],
            vec![true, false, false],
        ];
        let t = OverlapTable::from_histories(
            vec!["a".into(), "b".into(), "c".into()],
            h.iter().map(|v| v.as_slice()),
        )
        .unwrap();
        assert_eq!(t.count(1), 2);
        assert_eq!(t.count(3), 1);
        let empty = [false, false, false];
        let err = OverlapTable::from_histories(
            vec!["a".into(), "b".into(), "c".into()],
            [empty.as_slice()],
        )
        .unwrap_err();
        assert_eq!(err, EstimateError::EmptyHistory { index: 0 });
    }
}
