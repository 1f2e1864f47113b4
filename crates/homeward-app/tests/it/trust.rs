//! The audit log against an insider, accounts and the policy, public figures.

use homeward_app::accounts::{self, AccountError};
use homeward_app::audit::{self, LogProblem};
use homeward_app::policy::Principal;
use homeward_domain::Role;
use homeward_store::{Store, TrustStore};
use homeward_store_sql::{connect_with_keys, Keys, SqlStore};
use homeward_testkit::{batch, change_set, Ids};
use homeward_trust::audit::{Action, AuditEntry, CheckpointSigner};
use homeward_trust::envelope::{Keyring, MasterKey};
use homeward_trust::password::Password;

async fn store(dir: &tempfile::TempDir) -> SqlStore {
    let keys = Keys::from_keyring(Keyring::new(MasterKey::from_bytes(1, [5u8; 32])));
    let s = connect_with_keys(
        &format!("sqlite:{}", dir.path().join("a.db").display()),
        keys,
    )
    .await
    .unwrap();
    let mut ids = Ids::new(3);
    s.import(batch(&mut ids, "list-x", "ab12", 30))
        .await
        .unwrap();
    let src = s.source_by_name("list-x").await.unwrap().unwrap();
    let person = s.all_person_names().await.unwrap()[0].0.clone();
    s.apply(change_set(&mut ids, &person, &src.id))
        .await
        .unwrap();
    s
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn an_insider_who_rewrites_an_entry_and_its_hash_is_caught_by_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let signer = CheckpointSigner::from_seed("test-key", &[1u8; 32]).unwrap();
    let text = audit::checkpoint(&s, &signer, 1_800_000_000).await.unwrap();
    let cp = audit::read_checkpoint(&text, &signer.verifier()).unwrap();
    let clean = audit::verify(&s, Some((&cp, &signer.verifier())))
        .await
        .unwrap();
    assert!(clean.ok(), "{clean:?}");
    assert_eq!(clean.extends_checkpoint, Some(cp.checkpoint.size));
    // More entries after the checkpoint are fine: the log only grew.
    s.audit_event("login", "user", "usr_x").await.unwrap();
    assert!(audit::verify(&s, Some((&cp, &signer.verifier())))
        .await
        .unwrap()
        .ok());

    // The insider: drops the guard, rewrites entry 5's actor and recomputes its leaf hash.
    let rows = s.audit_rows().await.unwrap();
    let target = &rows[5];
    let forged = AuditEntry {
        seq: target.seq,
        at: target.at,
        actor: "someone-else".into(),
        action: Action::from_name(&target.action),
        object_kind: target.object_kind.clone(),
        object_id: target.object_id.clone(),
        commitment: target.commitment,
    };
    let leaf = forged.leaf_hash().unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(s.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'someone-else', leaf_hash = ? WHERE seq = 5")
        .bind(hex(&leaf))
        .execute(s.pool())
        .await
        .unwrap();
    // Without the checkpoint the database agrees with itself...
    let alone = audit::verify(&s, None).await.unwrap();
    assert!(alone.log_problem.is_none());
    // ...but not with the checkpoint kept elsewhere, which names the entry.
    let r = audit::verify(&s, Some((&cp, &signer.verifier())))
        .await
        .unwrap();
    match r.log_problem {
        Some(LogProblem::BadEntry {
            seq, ref object, ..
        }) => {
            assert_eq!(seq, 5);
            assert!(object.starts_with(&target.object_kind));
        }
        ref other => panic!("expected entry 5 named, got {other:?}"),
    }
    // A checkpoint signed by another key is refused outright.
    let other = CheckpointSigner::from_seed("test-key", &[2u8; 32]).unwrap();
    assert!(audit::read_checkpoint(&text, &other.verifier()).is_err());
    // One changed character of the note is refused.
    let bad = text.replacen("homeward/audit", "homeward/audiT", 1);
    assert!(audit::read_checkpoint(&bad, &signer.verifier()).is_err());
}

#[tokio::test]
async fn a_record_altered_in_the_database_is_named_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    assert!(audit::verify(&s, None).await.unwrap().ok());
    let id: String = sqlx::query("SELECT id FROM records ORDER BY row_number LIMIT 1 OFFSET 3")
        .fetch_one(s.pool())
        .await
        .map(|r| sqlx::Row::get(&r, "id"))
        .unwrap();
    sqlx::query("UPDATE records SET birth_date = '1901' WHERE id = ?")
        .bind(id.clone())
        .execute(s.pool())
        .await
        .unwrap();
    let r = audit::verify(&s, None).await.unwrap();
    assert!(!r.ok());
    let lines: Vec<String> = r.rows.iter().map(audit::describe).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("records {id}: altered"))),
        "{lines:?}"
    );
}

#[tokio::test]
async fn accounts_policy_and_login() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::from_keyring(Keyring::new(MasterKey::from_bytes(1, [5u8; 32])));
    let s = connect_with_keys(
        &format!("sqlite:{}", dir.path().join("u.db").display()),
        keys,
    )
    .await
    .unwrap();
    let op = Principal::LocalOperator;
    let pw = Password::new("correct horse battery staple");
    assert!(matches!(
        accounts::add_user(&s, &op, "first", Role::Viewer, &pw).await,
        Err(AccountError::FirstMustBeAdministrator)
    ));
    accounts::add_user(&s, &op, "chief", Role::Administrator, &pw)
        .await
        .unwrap();
    assert!(matches!(
        accounts::add_user(&s, &op, "weak", Role::Viewer, &Password::new("short")).await,
        Err(AccountError::WeakPassword(_))
    ));
    let viewer = accounts::add_user(&s, &op, "watcher", Role::Viewer, &pw)
        .await
        .unwrap();
    let p = accounts::login(&s, "watcher", &pw, None, 1_800_000_000)
        .await
        .unwrap();
    assert_eq!(
        p,
        Principal::Staff {
            user: viewer.id.clone(),
            role: Role::Viewer
        }
    );
    let wrong = accounts::login(&s, "watcher", &Password::new("not the password!"), None, 0).await;
    let unknown = accounts::login(&s, "nobody", &pw, None, 0).await;
    assert_eq!(
        wrong.unwrap_err().to_string(),
        unknown.unwrap_err().to_string()
    );
    // A viewer cannot manage users, and the refusal reads like absence.
    let e = accounts::add_user(&s, &p, "other", Role::Analyst, &pw)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "not found");
    // Disabled accounts cannot log in.
    accounts::set_disabled(&s, &op, "watcher", true)
        .await
        .unwrap();
    assert!(accounts::login(&s, "watcher", &pw, None, 0).await.is_err());
    // TOTP: enrolled, then a code is needed, and works once.
    let (secret, uri) = accounts::enable_totp(&s, &op, "chief").await.unwrap();
    {
        assert!(uri.starts_with("otpauth://totp/"));
        let totp = homeward_trust::totp::Totp::new(
            homeward_trust::totp::TotpSecret::from_base32(&secret).unwrap(),
        );
        let now = 1_800_000_000;
        assert!(accounts::login(&s, "chief", &pw, None, now).await.is_err());
        let code = totp.code_at(now);
        assert!(accounts::login(&s, "chief", &pw, Some(&code), now)
            .await
            .is_ok());
        assert!(
            accounts::login(&s, "chief", &pw, Some(&code), now)
                .await
                .is_err(),
            "a code works once"
        );
    }
    let log = s.audit_rows().await.unwrap();
    assert!(log.iter().any(|e| e.action == "login_failed"));
    assert!(audit::verify(&s, None).await.unwrap().ok());
}

#[tokio::test]
async fn the_public_report_of_a_small_registry_suppresses() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let r = homeward_app::public_report::public_report(&s, &Principal::LocalOperator)
        .await
        .unwrap();
    assert!(r
        .figures
        .iter()
        .all(|f| f.count.is_none_or(|c| c == 0 || c > 10)));
    let viewer_denied = homeward_app::public_report::public_report(
        &s,
        &Principal::Enquirer {
            enquiry: Ids::new(1).next(homeward_domain::IdKind::Enquiry),
        },
    )
    .await;
    assert!(viewer_denied.is_err());
}

#[tokio::test]
async fn sessions_start_resolve_expire_and_end() {
    use homeward_app::sessions::{self, LoginThrottle, SessionError, SessionPolicy};
    use std::sync::Mutex;
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let pw = "a synthetic passphrase of some length";
    accounts::add_user(
        &s,
        &Principal::LocalOperator,
        "ana-admin",
        Role::Administrator,
        &Password::new(pw),
    )
    .await
    .unwrap();
    let throttle = Mutex::new(LoginThrottle::default());
    let policy = SessionPolicy {
        idle_secs: 600,
        absolute_secs: 3_600,
    };
    let t0 = 1_800_000_000;
    let login = |now: u64, password: &'static str| {
        let (s, throttle) = (&s, &throttle);
        async move {
            sessions::log_in(
                s,
                throttle,
                policy,
                "ana-admin",
                &Password::new(password),
                None,
                "192.0.2.1",
                now,
            )
            .await
        }
    };
    assert!(matches!(
        login(t0, "wrong passphrase entirely").await,
        Err(SessionError::Failed)
    ));
    let started = login(t0, pw).await.unwrap();
    let token = started.token.expose().to_owned();
    // Only digests are stored: the token is not in the database file.
    let db = std::fs::read(dir.path().join("a.db")).unwrap();
    let wal = std::fs::read(dir.path().join("a.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()));
    }
    let a = sessions::resolve(&s, policy, &token, t0 + 599)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.username, "ana-admin");
    assert!(matches!(
        a.principal,
        Principal::Staff {
            role: Role::Administrator,
            ..
        }
    ));
    assert!(a.csrf_ok(started.csrf.expose()));
    assert!(
        !a.csrf_ok(&token),
        "the session token is not its CSRF token"
    );
    assert!(!a.csrf_ok(""));
    // Idle: 600 s after the last use (t0 + 599) it is gone, and stays gone.
    assert!(sessions::resolve(&s, policy, &token, t0 + 599 + 600)
        .await
        .unwrap()
        .is_none());
    assert!(sessions::resolve(&s, policy, &token, t0 + 600)
        .await
        .unwrap()
        .is_none());
    // Absolute: an hour after login however busy.
    let b = login(t0, pw).await.unwrap();
    let bt = b.token.expose().to_owned();
    let mut t = t0;
    while t + 500 < t0 + 3_600 {
        t += 500;
        assert!(sessions::resolve(&s, policy, &bt, t)
            .await
            .unwrap()
            .is_some());
    }
    assert!(sessions::resolve(&s, policy, &bt, t0 + 3_600)
        .await
        .unwrap()
        .is_none());
    // A clock that went backwards is refused.
    let c = login(t0 + 100, pw).await.unwrap();
    assert!(sessions::resolve(&s, policy, c.token.expose(), t0 + 50)
        .await
        .unwrap()
        .is_none());
    // Logout ends it on the server, with an audit entry by the account.
    let d = login(t0, pw).await.unwrap();
    sessions::log_out(&s, d.token.expose()).await.unwrap();
    assert!(sessions::resolve(&s, policy, d.token.expose(), t0 + 1)
        .await
        .unwrap()
        .is_none());
    let last = s.audit_rows().await.unwrap().pop().unwrap();
    assert_eq!(last.action, "logout");
    assert_ne!(last.actor, "system");
    // A password change ends every session of the account.
    let e = login(t0, pw).await.unwrap();
    accounts::change_password(
        &s,
        &Principal::LocalOperator,
        "ana-admin",
        &Password::new("another synthetic passphrase"),
    )
    .await
    .unwrap();
    assert!(sessions::resolve(&s, policy, e.token.expose(), t0 + 1)
        .await
        .unwrap()
        .is_none());
    // Junk tokens are refused without trouble.
    for junk in ["", "x", &"y".repeat(500)] {
        assert!(sessions::resolve(&s, policy, junk, t0)
            .await
            .unwrap()
            .is_none());
    }
}
