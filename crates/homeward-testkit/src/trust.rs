//! Conformance of the trust part of the store: every write is logged in its transaction,
//! sensitive fields round-trip encrypted, reads of them are logged, accounts, erasure.

use crate::Ids;
use homeward_domain::{IdKind, Role, User};
use homeward_store::{RowProblemKind, Store, StoreError};

/// Runs the trust checks against a store that already went through the core suite.
pub async fn conformance(store: &dyn Store) {
    every_write_is_logged_and_rows_verify(store).await;
    health_is_read_one_at_a_time_and_logged(store).await;
    accounts_round_trip(store).await;
    events_are_logged_with_their_actor(store).await;
    erasure_destroys_keys(store).await;
}

async fn every_write_is_logged_and_rows_verify(store: &dyn Store) {
    let log = store.audit_rows().await.unwrap();
    assert!(!log.is_empty(), "the writes of the core suite are logged");
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as u64, "numbered without gaps");
    }
    assert!(log
        .iter()
        .any(|e| e.object_kind == "records" && e.action == "create"));
    assert!(log.iter().any(|e| e.object_kind == "visit_findings"));
    // No personal data in the log: object ids are our opaque ids or composite keys.
    for e in &log {
        assert!(!e.object_id.contains("Testyan") && !e.object_id.contains("Тестян"));
    }
    let problems = store.audit_row_problems().await.unwrap();
    assert_eq!(problems, vec![], "every row matches its last entry");
}

async fn health_is_read_one_at_a_time_and_logged(store: &dyn Store) {
    let visits = store.visits().await.unwrap();
    let v = visits.first().expect("the core suite wrote a visit");
    assert!(
        v.findings.iter().all(|f| f.health.is_none()),
        "the bulk read never carries health findings"
    );
    let before = store.audit_rows().await.unwrap().len();
    let h = store.finding_health(&v.id, 0).await.unwrap();
    assert_eq!(h.as_deref(), Some("synthetic finding"));
    let log = store.audit_rows().await.unwrap();
    assert_eq!(log.len(), before + 1);
    let last = log.last().unwrap();
    assert_eq!(last.action, "read_sensitive");
    assert_eq!(last.object_kind, "visit_findings");
    assert_eq!(last.object_id, format!("{}:0", v.id.as_str()));
    let mut ids = Ids::new(77);
    assert!(matches!(
        store.finding_health(&ids.next(IdKind::Visit), 0).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn accounts_round_trip(store: &dyn Store) {
    let mut ids = Ids::new(78);
    let user = User {
        id: ids.next(IdKind::User),
        username: "officer-synthetic".into(),
        role: Role::HealthOfficer,
    };
    store.add_account(&user, "$argon2id$x").await.unwrap();
    assert!(matches!(
        store.add_account(&user, "$argon2id$y").await,
        Err(StoreError::Conflict(_))
    ));
    store
        .set_totp(&user.id, Some("JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    store.set_totp_step(&user.id, 42).await.unwrap();
    store.set_disabled(&user.id, true).await.unwrap();
    let a = store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.user.id == user.id)
        .unwrap();
    assert!(a.disabled);
    assert_eq!(a.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert_eq!(a.totp_last_step, Some(42));
    store
        .set_totp(&user.id, Some("KRSXG5CTMVRXEZLU"))
        .await
        .unwrap();
    let a = store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.user.id == user.id)
        .unwrap();
    assert_eq!(
        a.totp_secret.as_deref(),
        Some("KRSXG5CTMVRXEZLU"),
        "re-enrolment under the row's key"
    );
    assert_eq!(a.totp_last_step, None);
    assert_eq!(store.audit_row_problems().await.unwrap(), vec![]);
}

async fn events_are_logged_with_their_actor(store: &dyn Store) {
    homeward_store::as_actor("usr_test", async {
        store
            .audit_event("login", "user", "usr_test")
            .await
            .unwrap();
    })
    .await;
    let last = store.audit_rows().await.unwrap().pop().unwrap();
    assert_eq!(
        (
            last.actor.as_str(),
            last.action.as_str(),
            last.object_kind.as_str()
        ),
        ("usr_test", "login", "user")
    );
    assert_eq!(last.commitment, [0u8; 32]);
}

async fn erasure_destroys_keys(store: &dyn Store) {
    let (person, _) = store.all_person_names().await.unwrap()[0].clone();
    let before = store.records_of(&person).await.unwrap();
    assert!(!before[0].original.is_empty());
    let r = store.erase_person(&person).await.unwrap();
    assert!(r.keys >= 1 && r.rows >= 1, "{r:?}");
    let after = store.records_of(&person).await.unwrap();
    assert!(
        after[0].original.is_empty(),
        "the original row is unreadable"
    );
    assert!(
        after[0].fields.given_name.is_none(),
        "identifying fields blanked"
    );
    let problems = store.audit_row_problems().await.unwrap();
    assert_eq!(problems, vec![], "an erasure is logged, not a tampering");
    let _ = RowProblemKind::Altered;
}
