//! `homeward import` end to end: all-or-nothing, idempotent, crash-safe, `--guess` accepted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn homeward(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("HOMEWARD_DB")
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

/// Everything the registry holds, through the storage contract: the content to compare.
fn content(db: &Path) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use homeward_store::Store;
        let store = homeward_store_sql::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let mut out = format!(
            "{:?}\n{:?}\n",
            store.counts().await.unwrap(),
            store.sources().await.unwrap()
        );
        for (id, name) in store.all_person_names().await.unwrap() {
            out.push_str(&format!(
                "{id} {name} {:?}\n",
                store.records_of(&id).await.unwrap()
            ));
        }
        store.close().await;
        out
    })
}

const MAPPING: &str = r#"
[[columns]]
column = "Фамилия"
field = "family_name"

[[columns]]
column = "Имя"
field = "given_name"

[[columns]]
column = "Дата рождения"
field = "birth_date"
date_formats = ["%d.%m.%Y", "%Y"]

[[columns]]
column = "Пол"
field = "sex"
values = { "М" = "male", "Ж" = "female" }
"#;

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("map.toml"), MAPPING).unwrap();
    let db = dir.path().join("homeward.db");
    (dir, db)
}

#[test]
fn a_file_with_one_bad_row_changes_nothing_and_names_the_row() {
    let (dir, db) = setup();
    let d = dir.path();
    std::fs::write(
        d.join("good.csv"),
        "Фамилия;Имя;Дата рождения;Пол\nТестян;Армен;07.03.1985;М\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "import",
            "good.csv",
            "--source",
            "A",
            "--mapping",
            "map.toml",
        ],
    );
    let before = content(&db);
    std::fs::write(
        d.join("bad.csv"),
        "Фамилия;Имя;Дата рождения;Пол\nПримерян;Анна;1990;Ж\nОбразцов;Гор;1985-13-45;М\nНовян;Лусине;1979;Ж\n",
    )
    .unwrap();
    let out = homeward(
        d,
        &[
            "import",
            "bad.csv",
            "--source",
            "B",
            "--mapping",
            "map.toml",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv: row 3, column 'Дата рождения', value '1985-13-45'"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(
        content(&db),
        before,
        "the database is unchanged, by content"
    );

    // With --skip-bad the good rows land and the bad one goes to the report.
    let out = ok(
        d,
        &[
            "import",
            "bad.csv",
            "--source",
            "B",
            "--mapping",
            "map.toml",
            "--skip-bad",
        ],
    );
    assert!(out.contains("imported 2 record(s)"), "{out}");
    let report = std::fs::read_to_string(d.join("bad.rejected.csv")).unwrap();
    assert!(report.contains("1985-13-45"));
}

#[test]
fn the_same_file_twice_is_a_no_op() {
    let (dir, db) = setup();
    let d = dir.path();
    std::fs::write(
        d.join("a.csv"),
        "Фамилия,Имя,Дата рождения,Пол\nТестян,Армен,1985,М\nПримерян,Анна,,Ж\n",
    )
    .unwrap();
    ok(
        d,
        &["import", "a.csv", "--source", "A", "--mapping", "map.toml"],
    );
    let before = content(&db);
    let out = ok(
        d,
        &["import", "a.csv", "--source", "A", "--mapping", "map.toml"],
    );
    assert!(out.contains("already imported"), "{out}");
    assert_eq!(content(&db), before);
    let status = ok(d, &["status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(v["records"], 2);
    assert_eq!(v["persons"], 2);
    assert_eq!(v["sources"], 1);
}

#[test]
fn guess_output_is_accepted_unchanged_for_csv_utf16_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Armenian headers, UTF-16 with BOM, tab-separated.
    let text = "Ազգանուն\tԱնուն\tՀայրանուն\tԾննդյան տարեթիվ\tՍեռ\tԱյլ\r\nԹեստյան\tԱրմեն\tԳորի\t1985\tարական\tx\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(d.join("hy.csv"), bytes).unwrap();
    let guess = ok(d, &["import", "--guess", "hy.csv"]);
    assert!(
        guess.contains("family_name") && guess.contains("patronymic"),
        "{guess}"
    );
    std::fs::write(d.join("hy.toml"), &guess).unwrap();
    let out = ok(
        d,
        &["import", "hy.csv", "--source", "HY", "--mapping", "hy.toml"],
    );
    assert!(out.contains("imported 1 record(s)"), "{out}");

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Surname", "First name", "Date of birth", "Status"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["Exampleyan", "Gor", "12.05.1990", "detained"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    book.save(d.join("en.xlsx")).unwrap();
    let guess = ok(d, &["import", "--guess", "en.xlsx"]);
    std::fs::write(d.join("en.toml"), &guess).unwrap();
    let out = ok(
        d,
        &[
            "import",
            "en.xlsx",
            "--source",
            "EN",
            "--mapping",
            "en.toml",
        ],
    );
    assert!(out.contains("imported 1 record(s)"), "{out}");
}

#[test]
fn a_missing_column_in_the_mapping_is_named() {
    let (dir, _db) = setup();
    let d = dir.path();
    std::fs::write(d.join("a.csv"), "Фамилия,Имя\nТестян,Армен\n").unwrap();
    let out = homeward(
        d,
        &["import", "a.csv", "--source", "A", "--mapping", "map.toml"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("column 'Дата рождения' is not in the file"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn sigkill_in_the_middle_of_a_large_import_leaves_a_sound_database_without_it() {
    let (dir, db) = setup();
    let d = dir.path();
    std::fs::write(
        d.join("small.csv"),
        "Фамилия,Имя,Дата рождения,Пол\nТестян,Армен,1985,М\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "import",
            "small.csv",
            "--source",
            "S",
            "--mapping",
            "map.toml",
        ],
    );
    let before = content(&db);
    let mut big = String::from("Фамилия,Имя,Дата рождения,Пол\n");
    for i in 0..300_000 {
        big.push_str(&format!(
            "Тестян{},Армен,{:02}.03.19{:02},М\n",
            i % 977,
            i % 28 + 1,
            i % 90 + 10
        ));
    }
    std::fs::write(d.join("big.csv"), big).unwrap();
    let wal = d.join("homeward.db-wal");
    let base = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeward"))
        // The streamed path writes chunk after chunk inside one transaction: the kill lands
        // between chunks. (A linked import plans in memory first and writes at the end.)
        .args([
            "import",
            "big.csv",
            "--source",
            "B",
            "--mapping",
            "map.toml",
            "--no-link",
        ])
        .current_dir(d)
        .spawn()
        .unwrap();
    // Kill once the write transaction is under way (the WAL grows), not before.
    let start = std::time::Instant::now();
    loop {
        let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if len > base + 4 * 1024 * 1024 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the import finished ({status}) before it could be killed; make the file larger"
            );
        }
        assert!(
            start.elapsed().as_secs() < 300,
            "the import never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let check: String = rt.block_on(async {
        use sqlx::Row;
        let store = homeward_store_sql::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let r = sqlx::query("PRAGMA integrity_check")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let s: String = r.try_get(0).unwrap();
        store.close().await;
        s
    });
    assert_eq!(check, "ok");
    assert_eq!(
        content(&db),
        before,
        "none of the interrupted import is there"
    );
}
