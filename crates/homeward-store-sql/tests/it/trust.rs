//! Trust on both backends: tampering caught and named, the log refusing changes, canaries
//! never in the database, WAL or backup files, key rotation.

use super::PgDb;
use homeward_domain::IdKind;
use homeward_store::{RowProblemKind, Store, TrustStore};
use homeward_store_sql::{connect_with_keys, Keys, SqlStore};
use homeward_testkit::{batch, change_set, Ids};
use homeward_trust::envelope::{Keyring, MasterKey};

const CANARY_NOTE: &str = "CANARY-NOTE-7f3a9c";
const CANARY_HEALTH: &str = "CANARY-HEALTH-51d2e8";
const CANARY_CONTACT: &str = "CANARY-CONTACT-0b6f44";
const CANARY_CONDITIONS: &str = "CANARY-CONDITIONS-c81e02";

fn test_keys() -> Keys {
    Keys::from_keyring(Keyring::new(MasterKey::from_bytes(1, [7u8; 32])))
}

/// A store with one import (a canary in notes and the original row) and one change set
/// (canaries in the health finding and the enquirer's contact).
async fn seeded(url: &str) -> SqlStore {
    let store = connect_with_keys(url, test_keys()).await.unwrap();
    let mut ids = Ids::new(9);
    let mut b = batch(&mut ids, "list-canary", "cc01", 40);
    for r in &mut b.records {
        r.fields.notes = Some(format!("{CANARY_NOTE} informant"));
        r.original
            .push(("Notes".into(), format!("{CANARY_NOTE} informant")));
    }
    store.import(b).await.unwrap();
    let src = store.source_by_name("list-canary").await.unwrap().unwrap();
    let person = store.all_person_names().await.unwrap()[0].0.clone();
    let mut c = change_set(&mut ids, &person, &src.id);
    c.visits[0].findings[0].health = Some(CANARY_HEALTH.into());
    c.visits[0].findings[0].conditions = Some(CANARY_CONDITIONS.into());
    c.enquiries[0].0.contact = Some(CANARY_CONTACT.into());
    store.apply(c).await.unwrap();
    store
}

async fn tamper_checks(store: &SqlStore) {
    assert_eq!(store.audit_row_problems().await.unwrap(), vec![]);
    let rid: String = sqlx::query("SELECT id FROM records ORDER BY id LIMIT 1")
        .fetch_one(store.pool())
        .await
        .map(|r| sqlx::Row::get(&r, "id"))
        .unwrap();
    let sql = match store.dialect() {
        homeward_store_sql::Dialect::Sqlite => {
            "UPDATE records SET family_name = 'Altered' WHERE id = ?"
        }
        homeward_store_sql::Dialect::Postgres => {
            "UPDATE records SET family_name = 'Altered' WHERE id = $1"
        }
    };
    sqlx::query(sql)
        .bind(rid.clone())
        .execute(store.pool())
        .await
        .unwrap();
    let problems = store.audit_row_problems().await.unwrap();
    assert!(
        problems.iter().any(|p| p.table == "records"
            && p.row_id == rid
            && p.kind == RowProblemKind::Altered
            && p.seq.is_some()),
        "{problems:?}"
    );
    // The log itself refuses changes, whoever asks.
    assert!(sqlx::query("UPDATE audit_log SET actor = 'someone-else'")
        .execute(store.pool())
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_log")
        .execute(store.pool())
        .await
        .is_err());
    assert!(!store.audit_rows().await.unwrap().is_empty());
}

#[tokio::test]
async fn tampering_is_caught_and_named_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&format!("sqlite:{}", dir.path().join("t.db").display())).await;
    tamper_checks(&store).await;
}

#[tokio::test]
async fn tampering_is_caught_and_named_on_postgres() {
    let db = PgDb::create().await;
    let store = seeded(&db.url).await;
    tamper_checks(&store).await;
    store.close().await;
    db.drop_db().await;
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn canaries_never_reach_the_database_wal_or_backup_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let store = seeded(&format!("sqlite:{}", db.display())).await;
    // They do round-trip for who may read them.
    let person = store.all_person_names().await.unwrap()[0].0.clone();
    let recs = store.records_of(&person).await.unwrap();
    assert!(recs[0]
        .fields
        .notes
        .as_deref()
        .unwrap()
        .contains(CANARY_NOTE));
    let v = store.visits().await.unwrap();
    assert_eq!(
        store.finding_health(&v[0].id, 0).await.unwrap().as_deref(),
        Some(CANARY_HEALTH)
    );
    let seeded_visit = v
        .iter()
        .flat_map(|v| &v.findings)
        .find_map(|f| f.conditions.as_deref().filter(|c| c.contains("CANARY")));
    assert_eq!(seeded_visit, Some(CANARY_CONDITIONS));
    let wal = dir.path().join("c.db-wal");
    assert!(wal.exists(), "the WAL is there to be scanned");
    let backup = dir.path().join("backup.db");
    store.backup_to(&backup).await.unwrap();
    for f in [&db, &wal, &backup] {
        let bytes = std::fs::read(f).unwrap();
        for canary in [
            CANARY_NOTE,
            CANARY_HEALTH,
            CANARY_CONTACT,
            CANARY_CONDITIONS,
        ] {
            assert!(!contains(&bytes, canary), "{canary} in {}", f.display());
        }
    }
    store.close().await;
    let bytes = std::fs::read(&db).unwrap();
    for canary in [
        CANARY_NOTE,
        CANARY_HEALTH,
        CANARY_CONTACT,
        CANARY_CONDITIONS,
    ] {
        assert!(
            !contains(&bytes, canary),
            "{canary} in the checkpointed database"
        );
    }
    // The backup opens with the same master key and verifies.
    let copy = connect_with_keys(&format!("sqlite:{}", backup.display()), test_keys())
        .await
        .unwrap();
    assert_eq!(copy.audit_row_problems().await.unwrap(), vec![]);
    assert!(copy.records_of(&person).await.unwrap()[0]
        .fields
        .notes
        .as_deref()
        .unwrap()
        .contains(CANARY_NOTE));
    // And not with another key.
    let wrong = Keys::from_keyring(Keyring::new(MasterKey::from_bytes(1, [8u8; 32])));
    let other = copy.with_keys(wrong);
    assert!(other.records_of(&person).await.is_err());
}

#[tokio::test]
async fn rotation_rewraps_every_key_and_old_keys_can_go() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&format!("sqlite:{}", dir.path().join("r.db").display())).await;
    let mut ring = Keyring::new(MasterKey::from_bytes(2, [9u8; 32]));
    ring.add_retired(MasterKey::from_bytes(1, [7u8; 32]));
    let rotated = store.with_keys(Keys::from_keyring(ring));
    let r = rotated.rotate_master_key().await.unwrap();
    assert!(r.keys >= 40, "{r:?}");
    // Only the new key now.
    let only_new = store.with_keys(Keys::from_keyring(Keyring::new(MasterKey::from_bytes(
        2, [9u8; 32],
    ))));
    let person = only_new.all_person_names().await.unwrap()[0].0.clone();
    assert!(only_new.records_of(&person).await.unwrap()[0]
        .fields
        .notes
        .is_some());
    let log = only_new.audit_rows().await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "key_rotation" && e.object_id == "2"));
    assert_eq!(only_new.audit_row_problems().await.unwrap(), vec![]);
    let _ = IdKind::Person;
}

/// Readers at the same moment share read-log transactions (group commit), yet each read is
/// its own entry under its own reader, committed before the reader gets the data.
async fn concurrent_reads_each_logged_under_their_reader(store: &SqlStore) {
    let person = store.all_person_names().await.unwrap()[0].0.clone();
    let entries = |log: &[homeward_store::AuditRow], actor: &str| {
        log.iter()
            .filter(|e| e.action == "read_sensitive" && e.actor == actor)
            .count()
    };
    let before = store.audit_rows().await.unwrap();
    homeward_store::as_actor("reader-solo", store.records_of(&person))
        .await
        .unwrap();
    let per_read = entries(&store.audit_rows().await.unwrap(), "reader-solo");
    assert!(per_read > 0, "reading a person's records is logged");

    let readers = 24;
    let mut tasks = Vec::new();
    for k in 0..readers {
        let (store, person) = (store.clone(), person.clone());
        tasks.push(tokio::spawn(async move {
            // Half the readers read twice, so that one batch holds one reader's row twice.
            for _ in 0..(1 + k % 2) {
                homeward_store::as_actor(format!("reader-{}", k % 6), store.records_of(&person))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let log = store.audit_rows().await.unwrap();
    let total: usize = (0..6).map(|a| entries(&log, &format!("reader-{a}"))).sum();
    // 24 readers, 12 of them twice: 36 reads.
    assert_eq!(total, 36 * per_read, "every read is its own entry");
    for a in 0..6 {
        // Readers k with k % 6 == a: four each, two of them (odd a) reading twice.
        let reads = if a % 2 == 1 { 8 } else { 4 };
        assert_eq!(entries(&log, &format!("reader-{a}")), reads * per_read);
    }
    assert_eq!(log.len(), before.len() + 37 * per_read);
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as u64, "numbered without gaps");
    }
    assert_eq!(store.audit_row_problems().await.unwrap(), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reads_are_each_logged_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(&format!("sqlite:{}", dir.path().join("t.db").display())).await;
    concurrent_reads_each_logged_under_their_reader(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reads_are_each_logged_on_postgres() {
    let db = PgDb::create().await;
    let store = seeded(&db.url).await;
    concurrent_reads_each_logged_under_their_reader(&store).await;
    store.close().await;
    db.drop_db().await;
}
