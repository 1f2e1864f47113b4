//! Trust end to end through the binary: canaries never in any output or file, tampering
//! named by `audit verify`, checkpoints, accounts, and SIGKILL of a writer under load.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CANARY: &str = "CANARY-INFORMANT-93c1e7";

fn homeward(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("HOMEWARD_DB")
        .env_remove("HOMEWARD_MASTER_KEY")
        .env_remove("HOMEWARD_MASTER_KEY_FILE")
        .env("HOMEWARD_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = homeward(dir, args, stdin);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "homeward {args:?} failed:\n{text}");
    assert!(!text.contains(CANARY), "canary in the output of {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

const MAPPING: &str = r#"
[[columns]]
column = "Surname"
field = "family_name"

[[columns]]
column = "Name"
field = "given_name"

[[columns]]
column = "Status"
field = "status"

[[columns]]
column = "Informant"
field = "notes"
"#;

fn list(rows: usize, tag: usize) -> String {
    let mut s = String::from("Surname,Name,Status,Informant\n");
    for i in 0..rows {
        s.push_str(&format!(
            "Testyan{tag}x{i},Armen,{},{CANARY} {i}\n",
            if i % 3 == 0 { "missing" } else { "detained" }
        ));
    }
    s
}

fn contains(path: &Path, needle: &str) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

#[test]
fn canaries_never_appear_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("map.toml"), MAPPING).unwrap();
    std::fs::write(d.join("a.csv"), list(60, 0)).unwrap();
    let out = homeward(
        d,
        &["import", "a.csv", "--source", "A", "--mapping", "map.toml"],
        None,
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("generated the master key file"));
    ok(d, &["status"], None);
    ok(d, &["search", "Testyan0x1 Armen"], None);
    ok(d, &["report", "public", "--format", "json"], None);
    let hxl = ok(d, &["report", "public", "--format", "hxl"], None);
    assert!(hxl.lines().nth(1).unwrap().starts_with("#meta+table"));
    ok(d, &["report", "access"], None);
    ok(d, &["audit", "verify"], None);
    ok(d, &["backup", "--out", "backup.db"], None);
    for f in ["homeward.db", "homeward.db-wal", "backup.db"] {
        assert!(!contains(&d.join(f), CANARY), "canary in {f}");
    }
    // The key is owner-only and is not in the database.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("homeward.db.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A checkpoint, then a row altered behind the application's back.
    let keygen = ok(d, &["audit", "keygen", "--out", "cp.key"], None);
    assert!(keygen.contains("verifier key: "));
    ok(
        d,
        &["audit", "checkpoint", "--out", "cp.txt", "--key", "cp.key"],
        None,
    );
    ok(
        d,
        &[
            "audit",
            "verify",
            "--checkpoint",
            "cp.txt",
            "--key",
            "cp.key",
        ],
        None,
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let id: String = rt.block_on(async {
        use sqlx::Row;
        let pool =
            sqlx::SqlitePool::connect(&format!("sqlite:{}", d.join("homeward.db").display()))
                .await
                .unwrap();
        let id: String = sqlx::query("SELECT id FROM records ORDER BY row_number LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get("id");
        sqlx::query("UPDATE records SET status = 'released' WHERE id = ?")
            .bind(&id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        id
    });
    let out = homeward(d, &["audit", "verify"], None);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("records {id}: altered")), "{text}");
}

/// The value after `label` on the line that has it.
fn after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.split_once(label).map(|(_, v)| v.trim()))
        .unwrap_or_else(|| panic!("no {label:?} in {text}"))
}

#[test]
fn a_handover_bundle_round_trips_and_a_changed_byte_is_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("map.toml"), MAPPING).unwrap();
    std::fs::write(d.join("a.csv"), list(40, 3)).unwrap();
    ok(
        d,
        &[
            "import",
            "a.csv",
            "--source",
            "A",
            "--mapping",
            "map.toml",
            "--no-link",
        ],
        None,
    );
    let vkey = after(
        &ok(d, &["audit", "keygen", "--out", "cp.key"], None),
        "verifier key:",
    )
    .to_owned();
    let recipient = after(
        &ok(d, &["handover", "keygen", "--out", "office-b.age"], None),
        "recipient:",
    )
    .to_owned();
    let out = ok(
        d,
        &[
            "handover",
            "export",
            "--to",
            &recipient,
            "--out",
            "bundle.hw",
            "--key",
            "cp.key",
        ],
        None,
    );
    assert!(out.contains(&vkey), "{out}");
    assert!(!contains(&d.join("bundle.hw"), CANARY));
    assert!(
        !contains(&d.join("bundle.hw"), "Testyan3x1"),
        "names are encrypted"
    );
    assert!(!d.join("bundle.hw.snapshot").exists() && !d.join("bundle.hw.partial").exists());

    // Into an empty database on another path: it verifies and holds the same persons.
    let other = tempfile::tempdir().unwrap();
    let o = other.path();
    let db = format!("sqlite:{}", o.join("received.db").display());
    let bundle = d.join("bundle.hw");
    let identity = d.join("office-b.age");
    let imported = ok(
        o,
        &[
            "handover",
            "import",
            bundle.to_str().unwrap(),
            "--identity",
            identity.to_str().unwrap(),
            "--vkey",
            &vkey,
            "--db",
            &db,
        ],
        None,
    );
    assert!(imported.contains("40 persons"), "{imported}");
    ok(o, &["audit", "verify", "--db", &db], None);
    let found = ok(o, &["search", "Testyan3x7 Armen", "--db", &db], None);
    assert!(found.contains("Testyan3x7"), "{found}");

    // One changed byte, or another office's key: refused, nothing created.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(d.join("bad.hw"), &bytes).unwrap();
    let fresh = format!("sqlite:{}", o.join("fresh.db").display());
    let bad = d.join("bad.hw");
    let stranger = after(
        &ok(d, &["audit", "keygen", "--out", "stranger.key"], None),
        "verifier key:",
    )
    .to_owned();
    for (b, v) in [
        (bad.to_str().unwrap(), vkey.as_str()),
        (bundle.to_str().unwrap(), stranger.as_str()),
    ] {
        let out = homeward(
            o,
            &[
                "handover",
                "import",
                b,
                "--identity",
                identity.to_str().unwrap(),
                "--vkey",
                v,
                "--db",
                &fresh,
            ],
            None,
        );
        assert!(!out.status.success());
        assert!(!o.join("fresh.db").exists() && !o.join("fresh.db.key").exists());
        assert!(!o.join("fresh.db.handover").exists(), "scratch left behind");
    }
}

#[test]
fn accounts_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pw = "a long synthetic passphrase\n";
    let out = homeward(d, &["user", "add", "first", "--role", "viewer"], Some(pw));
    assert!(
        !out.status.success(),
        "the first account must be an administrator"
    );
    ok(
        d,
        &["user", "add", "chief", "--role", "administrator"],
        Some(pw),
    );
    ok(
        d,
        &["user", "add", "doc", "--role", "health_officer"],
        Some(pw),
    );
    let out = homeward(
        d,
        &["user", "add", "weak", "--role", "viewer"],
        Some("short\n"),
    );
    assert!(!out.status.success());
    ok(d, &["user", "disable", "doc"], None);
    let totp = ok(d, &["user", "totp", "enable", "chief"], None);
    assert!(totp.contains("otpauth://totp/"));
    let listed = ok(d, &["user", "list"], None);
    assert!(listed.contains("chief") && listed.contains("totp"));
    assert!(listed
        .lines()
        .any(|l| l.starts_with("doc") && l.contains("disabled")));
    assert!(!listed.contains("argon2"), "no hashes listed");
    ok(d, &["audit", "verify"], None);
}

/// SIGKILL of a writer again and again, at random moments: every import the writer
/// acknowledged is there, whole; none is there in part; the audit log verifies each time.
#[cfg(unix)]
#[test]
fn sigkill_under_load_never_loses_an_acknowledged_write_or_breaks_the_chain() {
    use rand::Rng;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("map.toml"), MAPPING).unwrap();
    let mut rng = rand::thread_rng();
    let mut acknowledged: Vec<(String, usize)> = Vec::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for round in 0..8 {
        // The writer imports several lists one after another; it is killed at a random moment.
        let mut script = String::new();
        let mut files = Vec::new();
        for k in 0..4 {
            let rows = 200 + 400 * k;
            let name = format!("r{round}k{k}.csv");
            std::fs::write(d.join(&name), list(rows, round * 10 + k)).unwrap();
            files.push((name, rows));
        }
        for (name, _) in &files {
            script.push_str(&format!(
                "'{}' import {name} --source S-{name} --mapping map.toml && echo ACK {name}\n",
                env!("CARGO_BIN_EXE_homeward")
            ));
        }
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!("set -e\n{script}"))
            .current_dir(d)
            .env_remove("HOMEWARD_DB")
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(rng.gen_range(100..1500)));
        // SIGKILL the whole group (the shell and the import it runs); the child leads a
        // group of its own. Through the shell's builtin kill: while this test ran with
        // procps-ng 4.0.2's /usr/bin/kill (`kill -9 -PGID`), every process on the machine
        // died with the writer, PostgreSQL included.
        let pid = child.id();
        assert!(pid > 1, "a real child process");
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -s KILL -- -{pid}")])
            .status();
        let out = child.wait_with_output().unwrap();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(name) = line.strip_prefix("ACK ") {
                let rows = files.iter().find(|(n, _)| n == name).unwrap().1;
                acknowledged.push((format!("S-{name}"), rows));
            }
        }
        rt.block_on(async {
            use homeward_store::Store;
            let store = homeward_store_sql::connect(&format!("sqlite:{}", d.join("homeward.db").display()))
                .await
                .unwrap();
            let report = homeward_app::audit::verify(&store, None).await.unwrap();
            assert!(report.ok(), "round {round}: {report:?}");
            // Whole or absent: every source present has all its rows.
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT s.name AS name, COUNT(r.id) AS n FROM sources s LEFT JOIN records r ON r.source_id = s.id GROUP BY s.name",
            )
            .fetch_all(store.pool())
            .await
            .unwrap();
            let present: std::collections::HashMap<String, i64> = rows
                .iter()
                .map(|r| (r.get::<String, _>("name"), r.get::<i64, _>("n")))
                .collect();
            for (name, n) in &present {
                let expected = name
                    .strip_prefix("S-r")
                    .and_then(|rest| rest.split_once('k'))
                    .and_then(|(_, k)| k.trim_end_matches(".csv").parse::<i64>().ok())
                    .map(|k| 200 + 400 * k)
                    .unwrap();
                assert_eq!(*n, expected, "{name} landed in part");
            }
            for (name, rows) in &acknowledged {
                assert_eq!(present.get(name).copied(), Some(*rows as i64), "acknowledged {name} lost");
            }
            let _ = store.counts().await.unwrap();
            store.close().await;
        });
    }
    assert!(
        !acknowledged.is_empty(),
        "some imports were acknowledged before a kill"
    );
}
