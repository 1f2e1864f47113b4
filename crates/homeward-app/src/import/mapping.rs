//! Mapping files: which column feeds which standard field, and how each cell is cleaned on
//! the way (trim, split a full name, parse dates in given formats, map values onto an
//! enumeration, ignore). Written in TOML so that analysts can read and edit them.

use super::{BadRow, ImportError};
use homeward_domain::{Field, FieldKind, PartialDate, StandardFields};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a full name is ordered in a column to be split into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameOrder {
    /// "Given Family" (English-style).
    GivenFamily,
    /// "Family Given".
    FamilyGiven,
    /// "Family Given Patronymic" (Armenian and Russian official style).
    FamilyGivenPatronymic,
    /// "Given Patronymic Family".
    GivenPatronymicFamily,
}

/// What to do with one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMap {
    /// The column's header, exactly as in the file.
    pub column: String,
    /// The standard field it feeds (absent when ignored or split).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Skip this column (it is still kept in the original row).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore: bool,
    /// Split a full name into given_name, family_name and patronymic in this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_name: Option<NameOrder>,
    /// Date formats to try in turn (%Y, %m, %d and literal characters), e.g. "%d.%m.%Y", "%Y".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub date_formats: Vec<String>,
    /// Values of the column mapped onto the field's enumeration, e.g. { "М" = "male" }.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// Whether to trim spaces around the value (default true).
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub trim: bool,
}

fn yes() -> bool {
    true
}

/// A whole mapping file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// For spreadsheets: which sheet to read (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// One entry per column used.
    #[serde(default, rename = "columns")]
    pub columns: Vec<ColumnMap>,
}

/// A mapping checked against a file's headers, ready to apply to rows.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    steps: Vec<(usize, Step)>,
}

#[derive(Debug, Clone)]
enum Step {
    Field {
        field: Field,
        trim: bool,
        formats: Vec<String>,
        values: BTreeMap<String, String>,
    },
    Split {
        order: NameOrder,
        trim: bool,
    },
}

impl Mapping {
    /// Reads a mapping from TOML text; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Mapping, ImportError> {
        toml::from_str(text).map_err(|e| ImportError::Mapping {
            file: file.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Writes the mapping as TOML.
    pub fn to_toml(&self) -> Result<String, ImportError> {
        toml::to_string_pretty(self).map_err(|e| ImportError::Mapping {
            file: "(generated)".into(),
            reason: e.to_string(),
        })
    }

    /// Checks the mapping against a file's headers: every mapped column must exist, every
    /// field must be standard, and no field may be fed twice.
    pub fn compile(
        &self,
        mapping_file: &str,
        headers: &[String],
    ) -> Result<CompiledMapping, ImportError> {
        let err = |reason: String| ImportError::Mapping {
            file: mapping_file.to_owned(),
            reason,
        };
        let mut steps = Vec::new();
        let mut fed: BTreeMap<Field, String> = BTreeMap::new();
        let mut feed = |f: Field, col: &str| -> Result<(), ImportError> {
            if let Some(prev) = fed.insert(f, col.to_owned()) {
                return Err(err(format!(
                    "field {f} is fed by both column '{prev}' and column '{col}'"
                )));
            }
            Ok(())
        };
        for c in &self.columns {
            let index = headers.iter().position(|h| h == &c.column).ok_or_else(|| {
                err(format!(
                    "column '{}' is not in the file (its columns: {})",
                    c.column,
                    headers.join(", ")
                ))
            })?;
            if c.ignore {
                continue;
            }
            if let Some(order) = c.split_name {
                for f in [
                    Field::GivenName,
                    Field::FamilyName,
                    Field::Patronymic,
                    Field::FullName,
                ] {
                    feed(f, &c.column)?;
                }
                steps.push((
                    index,
                    Step::Split {
                        order,
                        trim: c.trim,
                    },
                ));
                continue;
            }
            let Some(name) = &c.field else {
                return Err(err(format!(
                    "column '{}' needs field = \"...\", split_name or ignore = true",
                    c.column
                )));
            };
            let field: Field = name.parse().map_err(|e: homeward_domain::UnknownField| {
                err(format!("column '{}': {e}", c.column))
            })?;
            feed(field, &c.column)?;
            if !c.date_formats.is_empty() && field.kind() != FieldKind::Date {
                return Err(err(format!(
                    "column '{}': date_formats given for {field}, which is not a date",
                    c.column
                )));
            }
            for f in &c.date_formats {
                check_format(f).map_err(|r| err(format!("column '{}': {r}", c.column)))?;
            }
            steps.push((
                index,
                Step::Field {
                    field,
                    trim: c.trim,
                    formats: c.date_formats.clone(),
                    values: c.values.clone(),
                },
            ));
        }
        if !fed.keys().any(|f| {
            matches!(
                f,
                Field::GivenName | Field::FamilyName | Field::FullName | Field::Patronymic
            )
        }) {
            return Err(err(
                "no column feeds a name field (given_name, family_name, patronymic or full_name)"
                    .into(),
            ));
        }
        Ok(CompiledMapping { steps })
    }
}

impl CompiledMapping {
    /// Applies the mapping to one row; every problem in the row is reported, not just the first.
    pub fn apply(
        &self,
        file: &str,
        row_number: u64,
        headers: &[String],
        row: &[String],
    ) -> Result<StandardFields, Vec<BadRow>> {
        let mut out = StandardFields::default();
        let mut bad = Vec::new();
        let mut complain = |column: &str, value: &str, reason: String| {
            bad.push(BadRow {
                file: file.to_owned(),
                row: row_number,
                column: column.to_owned(),
                value: value.to_owned(),
                reason,
            })
        };
        for (i, cell) in row.iter().enumerate() {
            if cell.chars().count() > super::table::MAX_CELL_CHARS {
                let col = headers.get(i).map_or("", String::as_str);
                complain(
                    col,
                    &cell.chars().take(40).collect::<String>(),
                    "the cell is too long".into(),
                );
            }
        }
        for (index, step) in &self.steps {
            let column = headers.get(*index).map_or("", String::as_str);
            let raw = row.get(*index).map_or("", String::as_str);
            match step {
                Step::Split { order, trim } => {
                    let v = if *trim { raw.trim() } else { raw };
                    split_name(&mut out, v, *order);
                }
                Step::Field {
                    field,
                    trim,
                    formats,
                    values,
                } => {
                    let mut v = if *trim { raw.trim() } else { raw }.to_owned();
                    if let Some(mapped) = values.get(&v).or_else(|| {
                        values
                            .iter()
                            .find(|(k, _)| k.trim().to_lowercase() == v.trim().to_lowercase())
                            .map(|(_, m)| m)
                    }) {
                        v = mapped.clone();
                    }
                    if field.kind() == FieldKind::Date && !v.is_empty() {
                        match parse_date(&v, formats) {
                            Ok(d) => v = d.to_string(),
                            Err(reason) => {
                                complain(column, raw, reason);
                                continue;
                            }
                        }
                    }
                    if let Err(e) = out.set(*field, &v) {
                        complain(column, raw, e.to_string());
                    }
                }
            }
        }
        if bad.is_empty() && !out.has_name() {
            bad.push(BadRow {
                file: file.to_owned(),
                row: row_number,
                column: String::new(),
                value: String::new(),
                reason: "the row has no name (every record needs some name)".into(),
            });
        }
        if bad.is_empty() {
            Ok(out)
        } else {
            Err(bad)
        }
    }
}

fn split_name(out: &mut StandardFields, v: &str, order: NameOrder) {
    let parts: Vec<&str> = v.split_whitespace().collect();
    if parts.is_empty() {
        return;
    }
    out.full_name = Some(parts.join(" "));
    let (given, family, patronymic) = match (order, parts.as_slice()) {
        (_, [one]) => (None, Some(*one), None),
        (NameOrder::GivenFamily, [g @ .., f]) => (Some(g.join(" ")), Some(*f), None),
        (NameOrder::FamilyGiven, [f, g @ ..]) => (Some(g.join(" ")), Some(*f), None),
        (NameOrder::FamilyGivenPatronymic, [f, g]) => (Some((*g).to_owned()), Some(*f), None),
        (NameOrder::FamilyGivenPatronymic, [f, g, p @ ..]) => {
            (Some((*g).to_owned()), Some(*f), Some(p.join(" ")))
        }
        (NameOrder::GivenPatronymicFamily, [g, f]) => (Some((*g).to_owned()), Some(*f), None),
        (NameOrder::GivenPatronymicFamily, [g, p @ .., f]) => {
            (Some((*g).to_owned()), Some(*f), Some(p.join(" ")))
        }
        _ => (None, None, None),
    };
    out.given_name = given;
    out.family_name = family.map(str::to_owned);
    out.patronymic = patronymic;
}

fn check_format(f: &str) -> Result<(), String> {
    if !f.contains("%Y") {
        return Err(format!("date format '{f}' has no %Y (year)"));
    }
    if f.contains("%d") && !f.contains("%m") {
        return Err(format!("date format '{f}' has a day but no month"));
    }
    let mut chars = f.chars();
    while let Some(c) = chars.next() {
        if c == '%' && !matches!(chars.next(), Some('Y' | 'm' | 'd')) {
            return Err(format!(
                "date format '{f}': only %Y, %m and %d are understood"
            ));
        }
    }
    Ok(())
}

/// Parses a date with one of `formats` (or ISO partial dates and DD.MM.YYYY when none are given).
pub fn parse_date(v: &str, formats: &[String]) -> Result<PartialDate, String> {
    const DEFAULTS: [&str; 5] = ["%Y-%m-%d", "%Y-%m", "%Y", "%d.%m.%Y", "%m.%Y"];
    let owned;
    let formats: Vec<&str> = if formats.is_empty() {
        DEFAULTS.to_vec()
    } else {
        owned = formats.iter().map(String::as_str).collect::<Vec<_>>();
        owned
    };
    let mut last = String::from("no date format given");
    for f in &formats {
        match parse_with(v, f) {
            Ok(d) => return Ok(d),
            Err(e) => last = e,
        }
    }
    Err(format!(
        "not a date in the expected format ({}): {last}",
        formats.join(" or ")
    ))
}

fn parse_with(v: &str, format: &str) -> Result<PartialDate, String> {
    let (mut y, mut m, mut d) = (None, None, None);
    let mut s = v.as_bytes();
    let mut f = format.chars().peekable();
    while let Some(c) = f.next() {
        if c == '%' {
            let (len_max, slot) = match f.next() {
                Some('Y') => (4, &mut y),
                Some('m') => (2, &mut m),
                Some('d') => (2, &mut d),
                _ => return Err("bad format".into()),
            };
            let digits = s
                .iter()
                .take(len_max)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 || (len_max == 4 && digits != 4) {
                return Err("expected digits".into());
            }
            let n: u32 = std::str::from_utf8(&s[..digits])
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or("expected digits")?;
            *slot = Some(n);
            s = &s[digits..];
        } else {
            let mut buf = [0u8; 4];
            let lit = c.encode_utf8(&mut buf).as_bytes();
            if !s.starts_with(lit) {
                return Err("does not match".into());
            }
            s = &s[lit.len()..];
        }
    }
    if !s.is_empty() {
        return Err("unexpected text after the date".into());
    }
    let year = y.ok_or("no year")?;
    PartialDate::new(year as i32, m, d).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_in_formats() {
        let f = |v: &str, fs: &[&str]| {
            parse_date(v, &fs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map(|d| d.to_string())
        };
        assert_eq!(f("07.03.1985", &[]).unwrap(), "1985-03-07");
        assert_eq!(f("1985", &[]).unwrap(), "1985");
        assert_eq!(f("03/1985", &["%m/%Y"]).unwrap(), "1985-03");
        assert_eq!(f("3/7/1985", &["%m/%d/%Y"]).unwrap(), "1985-03-07");
        assert!(f("1985-13-45", &[]).is_err());
        assert!(f("85", &[]).is_err());
        assert!(f("1985-03-07x", &[]).is_err());
    }

    #[test]
    fn split_orders() {
        let mut s = StandardFields::default();
        split_name(
            &mut s,
            "Վարդանյան Ռուբեն Կարենի",
            NameOrder::FamilyGivenPatronymic,
        );
        assert_eq!(s.family_name.as_deref(), Some("Վարդանյան"));
        assert_eq!(s.given_name.as_deref(), Some("Ռուբեն"));
        assert_eq!(s.patronymic.as_deref(), Some("Կարենի"));
        split_name(&mut s, "Mary Ann Testian", NameOrder::GivenFamily);
        assert_eq!(s.given_name.as_deref(), Some("Mary Ann"));
        assert_eq!(s.family_name.as_deref(), Some("Testian"));
    }

    proptest! {
        #[test]
        fn date_parser_never_panics(v in ".{0,20}", f in "[%Ymd./-]{0,8}") {
            let _ = parse_date(&v, &[f]);
        }

        #[test]
        fn mapping_parser_never_panics(text in ".{0,200}") {
            let _ = Mapping::from_toml("m.toml", &text);
        }
    }
}
