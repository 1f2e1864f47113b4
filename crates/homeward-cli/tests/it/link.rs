//! `homeward link` through the binary: refusals and warnings on bad input.

use std::path::Path;
use std::process::{Command, Output};

fn homeward(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("HOMEWARD_DB")
        .output()
        .unwrap()
}

/// Synthetic people only: two lists' worth of rows in one file.
const ROWS: &str = "id,family,given,born\n\
    1,Тестян,Армен,07.03.1985\n\
    2,Testyan,Armen,1985-13-45\n\
    3,Образцова,Анна,1990\n\
    4,Obraztsova,Anna,31.02.1990\n\
    5,Примерян,Гор,1979\n\
    6,Primeryan,Gor,1979\n";

#[test]
fn a_missing_mapped_column_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("list.csv"), ROWS).unwrap();
    let out = homeward(
        d,
        &[
            "link",
            "--input",
            "list.csv",
            "--map",
            "family_name=family",
            "--map",
            "given_name=given",
            "--map",
            "birth_date=date_of_birth",
            "--pairs",
            "pairs.csv",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("list.csv has no column \"date_of_birth\" (mapped to birth_date)"),
        "{err}"
    );
    assert!(
        err.contains("its columns are: id, family, given, born"),
        "{err}"
    );
    assert!(!d.join("pairs.csv").exists(), "nothing is written");
}

#[test]
fn an_unparseable_date_is_missing_and_counted_in_a_warning_naming_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("list.csv"), ROWS).unwrap();
    let out = homeward(
        d,
        &[
            "link",
            "--input",
            "list.csv",
            "--map",
            "record_id=id",
            "--map",
            "family_name=family",
            "--map",
            "given_name=given",
            "--map",
            "birth_date=born",
            "--u-pairs",
            "1000",
            "--pairs",
            "pairs.csv",
            "--clusters",
            "clusters.csv",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Rows 2 and 4 of the data are lines 3 and 5 of the file.
    assert!(
        err.contains(
            "birth_date: 2 value(s) could not be read and are treated as missing \
             (first at list.csv:3, list.csv:5)"
        ),
        "{err}"
    );
    let pairs = std::fs::read_to_string(d.join("pairs.csv")).unwrap();
    assert!(
        pairs.starts_with("left_id,right_id,probability\n"),
        "{pairs}"
    );
    // Every record, the unreadable dates included, is still linked and clustered.
    let clusters = std::fs::read_to_string(d.join("clusters.csv")).unwrap();
    assert_eq!(clusters.lines().count(), 7, "{clusters}");
}
