//! The storage conformance suite on both backends, and the pairing of their migrations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use homeward_store_sql::connect;

mod trust;
use sqlx::Row;

/// The PostgreSQL server the tests use (CI starts one at this address).
fn pg_admin_url() -> String {
    std::env::var("HOMEWARD_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database, dropped when the guard goes.
struct PgDb {
    name: String,
    url: String,
}

impl PgDb {
    async fn create() -> PgDb {
        sqlx::any::install_default_drivers();
        let admin = pg_admin_url();
        let mut bytes = [0u8; 6];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (std::process::id() as u8).wrapping_add(i as u8 * 31)
                ^ (std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
                    >> (i * 4)) as u8;
        }
        let name = format!(
            "homeward_test_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("PostgreSQL must answer at 127.0.0.1:5432 (set HOMEWARD_TEST_PG to change)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
        PgDb {
            url: format!("{base}/{name}"),
            name,
        }
    }

    async fn drop_db(self) {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&pg_admin_url())
            .await
            .unwrap();
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn conformance_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("homeward.db");
    let store = connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    homeward_testkit::conformance(&store).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database file is owner-only");
    }
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn conformance_on_postgres() {
    let db = PgDb::create().await;
    let keys = homeward_store_sql::Keys::from_keyring(homeward_trust::envelope::Keyring::new(
        homeward_trust::envelope::MasterKey::from_bytes(1, [3u8; 32]),
    ));
    let store = homeward_store_sql::connect_with_keys(&db.url, keys)
        .await
        .unwrap();
    homeward_testkit::conformance(&store).await;
    store.close().await;
    db.drop_db().await;
}

/// Both migration trees must yield the same tables and columns.
#[tokio::test]
async fn migrations_are_paired() {
    let list = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"), "same migration versions");

    let dir = tempfile::tempdir().unwrap();
    let lite = connect(&format!("sqlite:{}", dir.path().join("m.db").display()))
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT m.name || '.' || p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY c",
    )
    .fetch_all(lite.pool())
    .await
    .unwrap();
    let lite_cols: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("c").unwrap())
        .collect();

    let db = PgDb::create().await;
    let pg = connect(&db.url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name || '.' || column_name AS c FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY c",
    )
    .fetch_all(pg.pool())
    .await
    .unwrap();
    let mut pg_cols: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("c").unwrap())
        .collect();
    pg_cols.sort();
    pg.close().await;
    db.drop_db().await;
    let mut lite_cols = lite_cols;
    lite_cols.sort();
    assert_eq!(lite_cols, pg_cols);
    assert!(lite_cols.len() > 40);
}
