//! A fresh PostgreSQL database per test, on the server at 127.0.0.1:5432 (or
//! `HOMEWARD_TEST_PG`), as the storage suite uses.

/// The server's administrative URL.
fn admin_url() -> String {
    std::env::var("HOMEWARD_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test; `drop_db` removes it.
pub struct PgDb {
    name: String,
    pub url: String,
}

impl PgDb {
    pub async fn create() -> PgDb {
        use rand::RngCore;
        sqlx::any::install_default_drivers();
        let admin = admin_url();
        let name = format!("homeward_test_app_{:016x}", rand::rngs::OsRng.next_u64());
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

    pub async fn drop_db(self) {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url())
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
