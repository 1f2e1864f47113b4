//! Reading a received file into a plain table of text cells: CSV (any common delimiter;
//! UTF-8 with or without BOM; UTF-16), XLSX and ODS. Hostile files are refused with an
//! error, never a panic: sizes are capped and every cell stays text.

use super::ImportError;
use calamine::{Data, Reader};
use std::borrow::Cow;
use std::io::Cursor;

/// The largest file Homeward reads (a spreadsheet of a few million cells).
pub const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;
/// The largest cell Homeward keeps; longer text is refused as a bad value.
pub const MAX_CELL_CHARS: usize = 10_000;
/// The most columns a file may have.
pub const MAX_COLUMNS: usize = 512;

/// A file read into headers and rows of text cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The file's name, for messages.
    pub file: String,
    /// Column headers, trimmed, in file order.
    pub headers: Vec<String>,
    /// Data rows; each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The spreadsheet-style number of the data row at `index` (the header is row 1).
    pub fn row_number(index: usize) -> u64 {
        index as u64 + 2
    }
}

/// What kind of file this is, from its name and first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Comma-, semicolon-, tab- or pipe-separated text.
    Csv,
    /// Office Open XML spreadsheet.
    Xlsx,
    /// OpenDocument spreadsheet.
    Ods,
}

impl FileKind {
    /// Decides by content (zip magic) and name; text is CSV.
    pub fn detect(name: &str, bytes: &[u8]) -> FileKind {
        let lower = name.to_lowercase();
        if bytes.starts_with(b"PK\x03\x04") {
            if lower.ends_with(".ods") {
                FileKind::Ods
            } else {
                FileKind::Xlsx
            }
        } else {
            FileKind::Csv
        }
    }
}

/// Reads a file's bytes into a table.
pub fn read_table(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table, ImportError> {
    let mut reader = RowReader::open(file, bytes, sheet)?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row()? {
        rows.push(row);
    }
    Ok(Table {
        file: file.to_owned(),
        headers: reader.headers,
        rows,
    })
}

/// A file read row by row: CSV is parsed as it is consumed (memory bounded by the file's
/// bytes, not by its cells); spreadsheets are read whole by their library, then handed out.
pub struct RowReader<'a> {
    /// The file's name, for messages.
    pub file: String,
    /// Column headers, trimmed, in file order.
    pub headers: Vec<String>,
    total_bytes: u64,
    next_index: usize,
    inner: Rows<'a>,
}

enum Rows<'a> {
    Csv(csv::Reader<Cursor<Cow<'a, [u8]>>>, csv::StringRecord),
    Table(std::vec::IntoIter<Vec<String>>, u64),
}

impl<'a> RowReader<'a> {
    /// Opens a file's bytes and reads its header row.
    pub fn open(file: &str, bytes: &'a [u8], sheet: Option<&str>) -> Result<Self, ImportError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ImportError::File {
                file: file.to_owned(),
                reason: format!("larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
            });
        }
        let total_bytes = bytes.len() as u64;
        match FileKind::detect(file, bytes) {
            FileKind::Csv => open_csv(file, bytes),
            FileKind::Xlsx | FileKind::Ods => {
                let t = read_spreadsheet(file, bytes, sheet)?;
                Ok(RowReader {
                    file: t.file,
                    headers: t.headers,
                    total_bytes,
                    next_index: 0,
                    inner: Rows::Table(t.rows.into_iter(), total_bytes),
                })
            }
        }
    }

    /// The next data row (a blank row comes back as empty cells, so that row numbers stay
    /// those of the file), or `None` at the end. A row that cannot be read, or has more or
    /// fewer fields than the header, is an error of the whole file.
    pub fn next_row(&mut self) -> Result<Option<Vec<String>>, ImportError> {
        let i = self.next_index;
        let width = self.headers.len();
        let row = match &mut self.inner {
            Rows::Table(rows, _) => rows.next(),
            Rows::Csv(reader, rec) => {
                let more = reader.read_record(rec).map_err(|e| ImportError::File {
                    file: self.file.clone(),
                    reason: format!("row {}: {e}", Table::row_number(i)),
                })?;
                if !more {
                    None
                } else if rec.iter().all(|c| c.trim().is_empty()) {
                    Some(vec![String::new(); width])
                } else if rec.len() != width {
                    return Err(ImportError::File {
                        file: self.file.clone(),
                        reason: format!(
                            "row {} has {} fields where the header has {}",
                            Table::row_number(i),
                            rec.len(),
                            width
                        ),
                    });
                } else {
                    Some(rec.iter().map(str::to_owned).collect())
                }
            }
        };
        if row.is_some() {
            self.next_index += 1;
        }
        Ok(row)
    }

    /// The index (0-based, data rows) of the row `next_row` returns next.
    pub fn next_index(&self) -> usize {
        self.next_index
    }

    /// How far into the file reading has got, and the file's size, in bytes.
    pub fn progress(&self) -> (u64, u64) {
        match &self.inner {
            Rows::Csv(reader, _) => (reader.position().byte(), self.total_bytes),
            Rows::Table(rows, total) => {
                // Spreadsheets are read whole: progress by rows left.
                let left = rows.len() as u64;
                let done = self.next_index as u64;
                let all = (done + left).max(1);
                (total * done / all, *total)
            }
        }
    }
}

/// Decodes text: UTF-8 (BOM stripped) or UTF-16 (by BOM, or by the NUL pattern of ASCII).
fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, str>, ImportError> {
    let bad = |reason: String| ImportError::File {
        file: file.to_owned(),
        reason,
    };
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(bad(format!("not valid {}", enc.name())));
        }
        return Ok(Cow::Owned(text.into_owned()));
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let even_nuls = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_nuls = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    let half = sample.len() / 4;
    let enc = if sample.len() >= 4 && odd_nuls > half && even_nuls == 0 {
        Some(encoding_rs::UTF_16LE)
    } else if sample.len() >= 4 && even_nuls > half && odd_nuls == 0 {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    };
    if let Some(enc) = enc {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(bad(format!("not valid {}", enc.name())));
        }
        return Ok(Cow::Owned(text.into_owned()));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => Err(bad(format!(
            "not UTF-8 or UTF-16 text (invalid byte at offset {}); save it as UTF-8",
            e.valid_up_to()
        ))),
    }
}

/// Picks the delimiter that splits the first lines into the most, equally many, fields.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(first) = counts.first().copied() else {
            continue;
        };
        let consistent = counts.iter().filter(|c| **c == first).count();
        let score = if first == 0 {
            0
        } else {
            consistent * 1000 + first
        };
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut inside = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            inside = !inside;
        } else if b == d && !inside {
            n += 1;
        }
    }
    n
}

fn open_csv<'a>(file: &str, bytes: &'a [u8]) -> Result<RowReader<'a>, ImportError> {
    let total_bytes = bytes.len() as u64;
    let text = decode(file, bytes)?;
    let delimiter = sniff_delimiter(&text);
    let text: Cow<'a, [u8]> = match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(text));
    let mut rec = csv::StringRecord::new();
    let headers: Vec<String> = match reader.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|c| c.trim().to_owned()).collect(),
        Err(e) => {
            return Err(ImportError::File {
                file: file.to_owned(),
                reason: format!("cannot read the header row: {e}"),
            })
        }
        Ok(false) => {
            return Err(ImportError::File {
                file: file.to_owned(),
                reason: "the file is empty".into(),
            })
        }
    };
    check_headers(file, &headers)?;
    Ok(RowReader {
        file: file.to_owned(),
        headers,
        total_bytes,
        next_index: 0,
        inner: Rows::Csv(reader, rec),
    })
}

fn check_headers(file: &str, headers: &[String]) -> Result<(), ImportError> {
    if headers.len() > MAX_COLUMNS {
        return Err(ImportError::File {
            file: file.to_owned(),
            reason: format!("more than {MAX_COLUMNS} columns"),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for h in headers {
        if h.is_empty() {
            continue;
        }
        if !seen.insert(h.as_str()) {
            return Err(ImportError::File {
                file: file.to_owned(),
                reason: format!("the column '{h}' appears twice in the header"),
            });
        }
    }
    Ok(())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) => dt.date().to_string(),
            None => d.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.split('T').next().unwrap_or(s).to_owned(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_spreadsheet(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table, ImportError> {
    let bad = |reason: String| ImportError::File {
        file: file.to_owned(),
        reason,
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| bad(format!("not a readable spreadsheet: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                bad(format!(
                    "no sheet named '{s}' (sheets: {})",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| bad("the workbook has no sheets".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| bad(format!("cannot read sheet '{name}': {e}")))?;
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .ok_or_else(|| bad(format!("sheet '{name}' is empty")))?
        .iter()
        .map(|c| cell_text(c).trim().to_owned())
        .collect();
    // Trailing empty header cells are formatting, not columns.
    let width = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |p| p + 1);
    let headers = headers[..width].to_vec();
    check_headers(file, &headers)?;
    let mut out = Vec::new();
    for row in rows {
        let mut cells: Vec<String> = row.iter().take(width).map(cell_text).collect();
        cells.resize(width, String::new());
        out.push(cells);
    }
    // Trailing blank rows are formatting too.
    while out
        .last()
        .is_some_and(|r| r.iter().all(|c| c.trim().is_empty()))
    {
        out.pop();
    }
    Ok(Table {
        file: file.to_owned(),
        headers,
        rows: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters_and_encodings() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("\"x,y\";b\n1;2\n"), b';');
        let t = read_table("x.csv", "\u{feff}Name,Year\nАрмен,1980\n".as_bytes(), None).unwrap();
        assert_eq!(t.headers, ["Name", "Year"]);
        let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
        for u in "Name;Year\r\nԱրմեն;1980\r\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let t = read_table("x.csv", &utf16, None).unwrap();
        assert_eq!(t.rows, vec![vec!["Արմեն".to_owned(), "1980".to_owned()]]);
    }

    #[test]
    fn refuses_ragged_rows_duplicate_headers_and_binary() {
        assert!(read_table("x.csv", b"a,b\n1,2,3\n", None).is_err());
        assert!(read_table("x.csv", b"a,a\n1,2\n", None).is_err());
        assert!(read_table("x.csv", b"a,b\n\xff\xfe\xfd,1\n", None).is_err());
        assert!(read_table("x.csv", b"", None).is_err());
        assert!(read_table("x.xlsx", b"PK\x03\x04garbage", None).is_err());
    }
}
