//! Entry points of the cargo-fuzz targets in `fuzz/`, kept in this crate so that the corpus
//! replay run by `cargo test` (on stable) drives exactly the code the fuzzer drives. Each
//! takes arbitrary bytes and must return without panicking; errors are the expected answer
//! to most inputs.

use super::guess::guess;
use super::mapping::Mapping;
use super::table::{read_table, Table};

/// Reads `data` as a received file called `file` (the extension picks CSV, XLSX or ODS,
/// as for a real import), then runs what an import runs on a table: the mapping guess
/// and the guessed mapping over every row.
pub fn table(file: &str, data: &[u8]) {
    if let Ok(table) = read_table(file, data, None) {
        map_rows(&table);
    }
}

fn map_rows(table: &Table) {
    let guessed = guess(table);
    if let Ok(compiled) = guessed.compile("guess.toml", &table.headers) {
        for (i, row) in table.rows.iter().enumerate() {
            let _ = compiled.apply("fuzz.csv", Table::row_number(i), &table.headers, row);
        }
    }
}

/// Parses `data` as a PFIF 1.4 document (the import's parser, which refuses entities,
/// deep nesting and oversized fields with an error).
pub fn pfif(data: &[u8]) {
    let _ = crate::pfif::is_pfif(data);
    let _ = crate::pfif::parse("fuzz.xml", data);
}

/// Reads `data` as a mapping file; when it parses, checks it against headers made of its
/// own column names and applies it to rows whose cells are the input's lines, so that
/// dates, enumerations and name splitting meet hostile values.
pub fn mapping(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mapping) = Mapping::from_toml("fuzz.toml", text) else {
        return;
    };
    let _ = mapping.to_toml();
    let headers: Vec<String> = mapping.columns.iter().map(|c| c.column.clone()).collect();
    let Ok(compiled) = mapping.compile("fuzz.toml", &headers) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    for shift in 0..lines.len().min(8) {
        let row: Vec<String> = (0..headers.len())
            .map(|i| lines[(i + shift) % lines.len()].to_owned())
            .collect();
        let _ = compiled.apply("fuzz.csv", 2, &headers, &row);
    }
}

#[cfg(test)]
mod tests {
    /// Every file of a fuzz target's corpus (`fuzz/corpus/<target>/`).
    fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus")
            .join(target);
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| {
                let p = e.unwrap().path();
                (p.display().to_string(), std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", dir.display());
        files
    }

    #[test]
    fn fuzz_corpora_replay_without_panics() {
        for (target, file) in [
            ("table_csv", "list.csv"),
            ("table_xlsx", "list.xlsx"),
            ("table_ods", "list.ods"),
        ] {
            for (_, bytes) in corpus(target) {
                super::table(file, &bytes);
            }
        }
        for (_, bytes) in corpus("mapping_toml") {
            super::mapping(&bytes);
        }
        for (_, bytes) in corpus("pfif_xml") {
            super::pfif(&bytes);
        }
    }

    #[test]
    fn spreadsheet_seeds_are_read_as_tables() {
        // The seeds must reach the spreadsheet readers, not stop at the zip layer.
        for (target, file) in [("table_xlsx", "list.xlsx"), ("table_ods", "list.ods")] {
            let (_, bytes) = corpus(target)
                .into_iter()
                .find(|(p, _)| p.ends_with(file))
                .unwrap();
            let t = super::read_table(file, &bytes, None).unwrap();
            assert_eq!(t.headers[0], "family_name", "{target}");
            assert_eq!(t.rows.len(), 2, "{target}");
        }
    }
}
