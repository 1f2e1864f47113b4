//! Linkage on the registry through the binary: import links, review, person, settings,
//! estimate --db.

use std::path::Path;
use std::process::{Command, Output};

fn homeward(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("HOMEWARD_DB")
        .env("HOMEWARD_ACTOR", "tester")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = homeward(dir, args);
    assert!(
        out.status.success(),
        "homeward {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let out = homeward(dir, args);
    assert!(!out.status.success(), "homeward {args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

const GIVEN: [(&str, &str); 6] = [
    ("Armen", "Армен"),
    ("Gor", "Гор"),
    ("Ani", "Ани"),
    ("Karen", "Карен"),
    ("Tigran", "Тигран"),
    ("Narek", "Нарек"),
];
const FAMILY: [(&str, &str); 5] = [
    ("Sargsyan", "Саргсян"),
    ("Petrosyan", "Петросян"),
    ("Grigoryan", "Григорян"),
    ("Vardanyan", "Варданян"),
    ("Mkrtchyan", "Мкртчян"),
];

/// Rows for synthetic persons `ids`: names repeat every 30 persons (namesakes), dates differ.
fn list(ids: impl Iterator<Item = usize>, cyrillic: bool) -> String {
    let mut out = String::from("given,family,born\n");
    for i in ids {
        let (g, f) = (GIVEN[i % 6], FAMILY[(i / 6) % 5]);
        let pick = |t: (&str, &str)| if cyrillic { t.1 } else { t.0 }.to_owned();
        out.push_str(&format!(
            "{},{},{}-{:02}-{:02}\n",
            pick(g),
            pick(f),
            1950 + (i * 7) % 50,
            1 + (i * 5) % 12,
            1 + (i * 11) % 28
        ));
    }
    out
}

/// The arguments with the test registry appended.
fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--db", "sqlite:reg.db"]);
    v
}

const MAPPING: &str = r#"
[[columns]]
column = "given"
field = "given_name"

[[columns]]
column = "family"
field = "family_name"

[[columns]]
column = "born"
field = "birth_date"
date_formats = ["%Y-%m-%d"]
"#;

#[test]
fn import_review_person_and_estimate_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.toml"), MAPPING).unwrap();
    std::fs::write(d.join("a.csv"), list(0..90, false)).unwrap();
    std::fs::write(d.join("b.csv"), list(0..12, true)).unwrap();
    std::fs::write(d.join("c.csv"), list((0..90).filter(|i| i % 4 == 0), false)).unwrap();

    let out = ok(d, &with(&["settings", "list"]));
    assert!(out.contains("link.auto_accept = false (default)"), "{out}");
    let err = fails(d, &with(&["settings", "set", "link.upper", "1.5"]));
    assert!(err.contains("between 0 and 1"), "{err}");

    ok(
        d,
        &with(&["import", "a.csv", "--source", "A", "--mapping", "m.toml"]),
    );
    let out = ok(
        d,
        &with(&["import", "b.csv", "--source", "B", "--mapping", "m.toml"]),
    );
    assert!(out.contains("queued for review"), "{out}");
    assert!(out.contains("automatic acceptance is off"), "{out}");

    let json = ok(d, &with(&["review", "list", "--format", "json"]));
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = items.as_array().unwrap();
    assert!(items.len() >= 10, "{json}");
    let id = items[0]["id"].as_str().unwrap().to_owned();
    let left = items[0]["left_person"].as_str().unwrap().to_owned();

    let shown = ok(d, &with(&["review", "show", &id]));
    assert!(
        shown.contains("given_name") && shown.contains("birth_date"),
        "{shown}"
    );
    assert!(
        GIVEN.iter().any(|g| shown.contains(g.1)),
        "the Cyrillic record is shown as written: {shown}"
    );

    let before = ok(d, &with(&["person", "show", &left, "--format", "json"]));
    let out = ok(
        d,
        &with(&["review", "accept", &id, "--reason", "same birth date"]),
    );
    assert!(
        out.contains("recorded decision") && out.contains("tester"),
        "{out}"
    );
    let merged = ok(d, &with(&["person", "show", &left]));
    assert!(
        merged.contains("2 record(s)") && merged.contains("(reviewed)"),
        "{merged}"
    );
    let out = ok(d, &with(&["review", "undo"]));
    assert!(out.contains("undid decision"), "{out}");
    // The person and its records are back exactly; the history keeps the merge, marked
    // undone (nothing is erased from the record of decisions).
    let before: serde_json::Value = serde_json::from_str(&before).unwrap();
    let mut after: serde_json::Value = serde_json::from_str(&ok(
        d,
        &with(&["person", "show", &left, "--format", "json"]),
    ))
    .unwrap();
    let history = after["decisions"].take();
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["kind"], "merge");
    assert!(history[0]["undone_at"].is_string(), "{history:?}");
    after["decisions"] = before["decisions"].clone();
    assert_eq!(after, before);
    let err = fails(d, &with(&["review", "accept", "rvw_nonsense"]));
    assert!(err.contains("not a review item id"), "{err}");

    // Two sources are not enough for an estimate.
    let err = fails(d, &with(&["estimate", "--method", "loglinear"]));
    assert!(err.contains("at least 3"), "{err}");

    // Settle the queue, add a third source, and estimate from the registry.
    for item in items {
        let id = item["id"].as_str().unwrap();
        ok(d, &with(&["review", "accept", id]));
    }
    ok(d, &with(&["settings", "set", "link.auto_accept", "true"]));
    ok(d, &with(&["settings", "set", "link.upper", "0.9"]));
    let out = ok(
        d,
        &with(&["import", "c.csv", "--source", "C", "--mapping", "m.toml"]),
    );
    assert!(out.contains("joined a person automatically"), "{out}");
    let est = ok(
        d,
        &with(&[
            "estimate",
            "--method",
            "loglinear",
            "--format",
            "json",
            "--write-table",
            "t.csv",
        ]),
    );
    let from_table = ok(
        d,
        &[
            "estimate",
            "--table",
            "t.csv",
            "--method",
            "loglinear",
            "--format",
            "json",
        ],
    );
    assert_eq!(est, from_table, "--db and --table on its table agree");

    // A hand merge and split, both undone.
    let json = ok(
        d,
        &with(&["review", "list", "--state", "all", "--format", "json"]),
    );
    let all: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = all[0]["left_person"].as_str().unwrap().to_owned();
    let view: serde_json::Value =
        serde_json::from_str(&ok(d, &with(&["person", "show", &p, "--format", "json"]))).unwrap();
    let records = view["records"].as_array().unwrap();
    if records.len() >= 2 {
        let r = records[1]["id"].as_str().unwrap().to_owned();
        let out = ok(d, &with(&["person", "split", &p, "--records", &r]));
        assert!(out.contains("(split)"), "{out}");
        ok(d, &with(&["review", "undo"]));
    }
    let after: serde_json::Value =
        serde_json::from_str(&ok(d, &with(&["person", "show", &p, "--format", "json"]))).unwrap();
    assert_eq!(after["records"], view["records"]);
}
