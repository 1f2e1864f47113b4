//! Behaviour of the monitoring, tracing, PFIF and trust use cases through their public interfaces,
//! on a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod import_audit;
mod linkage;
mod monitoring;
mod pfif;
mod pg;
mod tracing_enquiries;
mod trust;

use homeward_store_sql::SqlStore;

/// A fresh SQLite store in a temporary directory (kept alive by the returned guard).
pub async fn store() -> (SqlStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}/t.db", dir.path().display());
    (homeward_store_sql::connect(&url).await.unwrap(), dir)
}

/// The cheapest Argon2id hasher the trust module accepts (the OWASP minimum).
pub fn hasher() -> homeward_trust::password::PasswordHasher {
    homeward_trust::password::PasswordHasher::new(Default::default(), None).unwrap()
}

/// A demo scenario loaded into a fresh store, with the truth of every registry person.
pub async fn demo(
    persons: usize,
) -> (
    SqlStore,
    tempfile::TempDir,
    homeward_synth::Scenario,
    homeward_app::demo::DemoSummary,
) {
    use rand::SeedableRng;
    let (store, dir) = store().await;
    let scenario = homeward_synth::generate(&homeward_synth::ScenarioConfig::new(persons, 42));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let summary = homeward_app::demo::load(
        &store,
        &scenario,
        &mut rng,
        "2026-11-01T00:00:00Z",
        &hasher(),
        &|_, _| {},
    )
    .await
    .unwrap();
    (store, dir, scenario, summary)
}
