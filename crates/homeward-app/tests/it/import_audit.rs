//! The streamed import keeps the trust guarantees: every row it writes has its audit entry
//! and commitment, `audit verify` passes afterwards, sensitive fields are sealed under a key
//! per record, and erasing a person still destroys that key; on SQLite and PostgreSQL.

use homeward_app::audit;
use homeward_app::import::{self, ImportRequest, Mapping, CHUNK_ROWS};
use homeward_domain::{Id, IdKind};
use homeward_store::{ImportOutcome, Store, TrustStore};
use homeward_store_sql::{connect_with_keys, Keys, SqlStore};
use homeward_trust::envelope::{Keyring, MasterKey};
use rand::SeedableRng;
use sqlx::Row;
use std::collections::HashSet;

const MAPPING: &str = r#"
[[columns]]
column = "record_id"
field = "record_id"

[[columns]]
column = "family_name"
field = "family_name"

[[columns]]
column = "given_name"
field = "given_name"

[[columns]]
column = "birth_date"
field = "birth_date"

[[columns]]
column = "notes"
field = "notes"
"#;

/// A synthetic list: more rows than one chunk, so that entries span chunks.
fn list(rows: usize) -> String {
    let fam = ["Testyan", "Sampleyan", "Тестян", "Նմուշյան"];
    let giv = ["Armen", "Anna", "Gor", "Lusine"];
    let mut out = String::from("record_id,family_name,given_name,birth_date,notes\n");
    for i in 0..rows {
        out.push_str(&format!(
            "R-{i},{}{},{},19{:02}-0{}-1{},note {i}\n",
            fam[i % 4],
            i % 13,
            giv[i / 4 % 4],
            50 + i % 50,
            1 + i % 9,
            i % 10
        ));
    }
    out
}

fn keys() -> Keys {
    Keys::from_keyring(Keyring::new(MasterKey::from_bytes(1, [9u8; 32])))
}

async fn count(store: &SqlStore, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get::<i64, _>("n")
}

async fn imported_rows_are_logged_and_erasable(store: &SqlStore) {
    let rows = CHUNK_ROWS + 150;
    let text = list(rows);
    let mapping = Mapping::from_toml("map.toml", MAPPING).unwrap();
    let req = ImportRequest {
        file_name: "list.csv",
        bytes: text.as_bytes(),
        source: "list-a",
        mapping: &mapping,
        mapping_file: "map.toml",
        skip_bad: false,
        imported_at: "2026-11-24T00:00:00Z".into(),
    };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    let report = import::import(store, &req, &mut rng).await.unwrap();
    assert!(matches!(
        report.outcome,
        ImportOutcome::Imported { records, new_source: true } if records == rows as u64
    ));

    // Every record and person written has a "create" entry, and nothing is left pending.
    let log = store.audit_rows().await.unwrap();
    let created: HashSet<(String, String)> = log
        .iter()
        .filter(|e| e.action == "create")
        .map(|e| (e.object_kind.clone(), e.object_id.clone()))
        .collect();
    let ids: Vec<(String, String)> = sqlx::query("SELECT id, person_id FROM records")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), r.get("person_id")))
        .collect();
    assert_eq!(ids.len(), rows);
    for (record, person) in &ids {
        assert!(
            created.contains(&("records".into(), record.clone())),
            "{record}"
        );
        assert!(
            created.contains(&("persons".into(), person.clone())),
            "{person}"
        );
    }
    assert!(created.iter().any(|(k, _)| k == "imports"));
    assert!(created.iter().any(|(k, _)| k == "sources"));
    assert_eq!(
        count(store, "SELECT COUNT(*) AS n FROM audit_pending").await,
        0
    );
    // Sequence numbers are 0..n without gaps, and every row's commitment checks out.
    let report = audit::verify(store, None).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.size, log.len() as u64);

    // Sealed under one data key per record.
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) AS n FROM row_keys WHERE tbl = 'records'"
        )
        .await,
        rows as i64
    );
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) AS n FROM records WHERE notes LIKE 'hw1:%' AND original LIKE 'hw1:%'"
        )
        .await,
        rows as i64
    );
    let (record, person) = &ids[rows / 2];
    let person = Id::parse_kind(person, IdKind::Person).unwrap();
    let before = store.records_of(&person).await.unwrap();
    assert!(before[0]
        .fields
        .notes
        .as_deref()
        .unwrap()
        .starts_with("note "));
    assert!(!before[0].original.is_empty());

    // Erasure destroys the record's key: its sealed fields can no longer be read.
    let erased = store.erase_person(&person).await.unwrap();
    assert_eq!(erased.keys, 1);
    let left = format!("SELECT COUNT(*) AS n FROM row_keys WHERE row_id = '{record}'");
    assert_eq!(count(store, &left).await, 0);
    let after = store.records_of(&person).await.unwrap();
    assert_eq!(after[0].fields.notes, None);
    assert!(after[0].original.is_empty());
    let report = audit::verify(store, None).await.unwrap();
    assert!(report.ok(), "{report:?}");

    // The same file again changes nothing.
    let again = import::import(store, &req, &mut rng).await.unwrap();
    assert!(matches!(
        again.outcome,
        ImportOutcome::AlreadyImported { .. }
    ));
}

#[tokio::test]
async fn imported_rows_are_logged_and_erasable_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("a.db").display());
    let store = connect_with_keys(&url, keys()).await.unwrap();
    imported_rows_are_logged_and_erasable(&store).await;
}

#[tokio::test]
async fn imported_rows_are_logged_and_erasable_on_postgres() {
    let db = crate::pg::PgDb::create().await;
    let store = connect_with_keys(&db.url, keys()).await.unwrap();
    imported_rows_are_logged_and_erasable(&store).await;
    store.close().await;
    db.drop_db().await;
}
