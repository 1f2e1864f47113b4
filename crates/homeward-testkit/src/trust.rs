//! Conformance of the trust part of the store: every write is logged in its transaction,
//! sensitive fields round-trip encrypted, reads of them are logged, accounts, erasure.

use crate::Ids;
use homeward_domain::{IdKind, Role, User};
use homeward_store::{RowProblemKind, SessionRow, Store, StoreError};

/// Runs the trust checks against a store that already went through the core suite.
pub async fn conformance(store: &dyn Store) {
    every_write_is_logged_and_rows_verify(store).await;
    health_is_read_one_at_a_time_and_logged(store).await;
    accounts_round_trip(store).await;
    events_are_logged_with_their_actor(store).await;
    erasure_destroys_keys(store).await;
    sessions_live_and_end(store).await;
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

async fn sessions_live_and_end(store: &dyn Store) {
    let mut ids = Ids::new(79);
    let user = User {
        id: ids.next(IdKind::User),
        username: "caseworker-synthetic".into(),
        role: Role::Caseworker,
    };
    store.add_account(&user, "$argon2id$x").await.unwrap();
    let other = User {
        id: ids.next(IdKind::User),
        username: "viewer-synthetic".into(),
        role: Role::Viewer,
    };
    store.add_account(&other, "$argon2id$x").await.unwrap();
    let log_before = store.audit_rows().await.unwrap().len();
    let row = |n: u8, user: &User, at: u64| SessionRow {
        token_digest: [n; 32],
        user: user.id.clone(),
        created_at: at,
        last_seen: at,
        csrf_digest: [n.wrapping_add(100); 32],
    };
    let a = row(1, &user, 1_000);
    store.create_session(&a).await.unwrap();
    store.create_session(&row(2, &user, 1_100)).await.unwrap();
    store.create_session(&row(3, &other, 1_200)).await.unwrap();
    assert!(matches!(
        store.create_session(&a).await,
        Err(StoreError::Conflict(_))
    ));
    let ghost = row(
        9,
        &User {
            id: ids.next(IdKind::User),
            ..user.clone()
        },
        1_000,
    );
    assert!(
        store.create_session(&ghost).await.is_err(),
        "a session needs an account"
    );

    let found = store.session(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(found.row, a);
    assert_eq!(found.user, user);
    assert!(!found.disabled);
    assert_eq!(store.session(&[7; 32]).await.unwrap(), None);

    assert!(store.touch_session(&[1; 32], 1_500).await.unwrap());
    assert!(
        store.touch_session(&[1; 32], 1_400).await.unwrap(),
        "an older time is not an error"
    );
    let found = store.session(&[1; 32]).await.unwrap().unwrap();
    assert_eq!((found.row.created_at, found.row.last_seen), (1_000, 1_500));
    assert!(!store.touch_session(&[7; 32], 1_500).await.unwrap());

    // Pruning: idle cutoff 1_100 ends session 2 (last seen 1_100); absolute cutoff 999
    // ends none by age.
    assert_eq!(store.prune_sessions(1_100, 999).await.unwrap(), 1);
    assert!(store.session(&[2; 32]).await.unwrap().is_none());
    assert!(store.session(&[1; 32]).await.unwrap().is_some());
    // Absolute cutoff 1_000 ends session 1 even though it was used recently.
    assert_eq!(store.prune_sessions(0, 1_000).await.unwrap(), 1);
    assert!(store.session(&[1; 32]).await.unwrap().is_none());

    store.create_session(&row(4, &user, 2_000)).await.unwrap();
    store.create_session(&row(5, &user, 2_000)).await.unwrap();
    assert_eq!(store.delete_user_sessions(&user.id).await.unwrap(), 2);
    assert!(store.session(&[4; 32]).await.unwrap().is_none());
    assert!(
        store.session(&[3; 32]).await.unwrap().is_some(),
        "another account's session stays"
    );

    assert!(store.delete_session(&[3; 32]).await.unwrap());
    assert!(!store.delete_session(&[3; 32]).await.unwrap());

    // Disabling an account ends its sessions.
    store.create_session(&row(6, &other, 3_000)).await.unwrap();
    store.set_disabled(&other.id, true).await.unwrap();
    assert!(store.session(&[6; 32]).await.unwrap().is_none());

    // Sessions are not registry data: their churn adds nothing to the audit log (the
    // disabling is logged as a change of `users`).
    let log = store.audit_rows().await.unwrap();
    assert!(log[log_before..]
        .iter()
        .all(|e| e.object_kind != "sessions"));
    assert_eq!(store.audit_row_problems().await.unwrap(), vec![]);
}
