//! Sessions for the web: logging in (throttled) to a server-side session, resolving a
//! presented session token to a principal under the idle and absolute timeouts, CSRF tokens,
//! logging out, and the family's throttled look at their own enquiry.
//!
//! Tokens are 256 random bits; the store keeps only their SHA-256 digests, so a copy of the
//! sessions table hands out no live session. A session's CSRF token is derived from its
//! session token (SHA-256 under a fixed label), so the server can put it in every page
//! without keeping it, and it is worthless without the session cookie that a cross-site
//! page cannot read. Time is passed in (unix seconds), so timeouts are testable.

use std::sync::Mutex;

use homeward_store::{as_actor, SessionRow, Store, StoreError};
use homeward_trust::password::PasswordHasher;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::accounts::{self, AccountError};
use crate::enquiry::{self, FamilyView};
use crate::policy::Principal;

pub use homeward_trust::password::Password;
pub use homeward_trust::session::{
    same_origin_request, LoginThrottle, SessionPolicy, SessionState, ThrottleDecision,
    ThrottlePolicy, Token,
};

/// A session's last use is written at most this often (seconds): one write a minute per
/// session instead of one per request. The idle timeout may therefore end a session up to
/// this much early, never late.
pub const TOUCH_EVERY_SECS: u64 = 60;

/// Counters the throttle keeps before it drops the forgotten ones: guessing at random
/// account names adds one each, so memory stays bounded.
const THROTTLE_PRUNE_AT: usize = 10_000;

/// Longest token text looked up; anything longer is refused without a query.
const MAX_TOKEN_CHARS: usize = 128;

/// Errors of logging in and of the family's look-up.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Wrong name, password or code, a disabled account, an unknown reference or a wrong
    /// secret: never which.
    #[error("login failed")]
    Failed,
    /// Too many failures for this account (or reference) or from this address; retry after
    /// this many seconds. Nothing was checked.
    #[error("too many attempts; retry in {0} seconds")]
    Throttled(u64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing or a second factor's secret failed (not the caller's fault).
    #[error("{0}")]
    Internal(String),
}

/// A session just started: the token for the cookie, its CSRF token and who it is.
#[derive(Debug)]
pub struct Started {
    /// The session token (the cookie's value); shown once, never stored.
    pub token: Token,
    /// The CSRF token to send back with every state change.
    pub csrf: Token,
    /// The account's principal.
    pub principal: Principal,
}

/// A live session, resolved from a presented token.
#[derive(Debug)]
pub struct Active {
    /// Who is acting.
    pub principal: Principal,
    /// The account's name, to show who is signed in.
    pub username: String,
    /// The session's CSRF token, to put in pages.
    pub csrf: Token,
    csrf_digest: [u8; 32],
}

impl Active {
    /// Whether a presented CSRF token is this session's (constant time).
    pub fn csrf_ok(&self, presented: &str) -> bool {
        presented.len() <= MAX_TOKEN_CHARS
            && Token::from_presented(presented)
                .digest()
                .ct_eq(&homeward_trust::session::TokenDigest(self.csrf_digest))
    }
}

/// The CSRF token of a session token.
pub fn csrf_for(session: &Token) -> Token {
    let mut h = Sha256::new();
    h.update(b"homeward csrf v1\0");
    h.update(session.expose().as_bytes());
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Token::from_presented(&hex)
}

/// The throttle's key for an account name: case and surrounding space do not make a new
/// account to guess at.
fn throttle_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn check_throttle(
    throttle: &Mutex<LoginThrottle>,
    key: &str,
    client: &str,
    now: u64,
) -> Result<(), SessionError> {
    let t = throttle
        .lock()
        .map_err(|_| SessionError::Internal("the login throttle is poisoned".into()))?;
    match t.check(key, client, now) {
        ThrottleDecision::Allow => Ok(()),
        ThrottleDecision::RetryAfter(w) => Err(SessionError::Throttled(w)),
    }
}

fn note(throttle: &Mutex<LoginThrottle>, key: &str, client: &str, now: u64, ok: bool) {
    // A poisoned throttle only loses counts; checking refuses (above), so this fails closed.
    if let Ok(mut t) = throttle.lock() {
        if ok {
            t.record_success(key);
        } else {
            t.record_failure(key, client, now);
            let (accounts, sources) = t.tracked();
            if accounts + sources > THROTTLE_PRUNE_AT {
                t.prune(now);
            }
        }
    }
}

/// Logs in with a name, password and (when enrolled) a TOTP code, from `client` (an
/// address), at `now`: throttled per account and per client, then a new session. Every
/// failure is the same [`SessionError::Failed`]; the attempt is in the audit log
/// (`accounts::login` writes it).
#[allow(clippy::too_many_arguments)] // each is a separate input of one attempt
pub async fn log_in(
    store: &dyn Store,
    throttle: &Mutex<LoginThrottle>,
    policy: SessionPolicy,
    name: &str,
    password: &Password,
    totp_code: Option<&str>,
    client: &str,
    now: u64,
) -> Result<Started, SessionError> {
    let key = throttle_key(name);
    check_throttle(throttle, &key, client, now)?;
    let principal = match accounts::login(store, name, password, totp_code, now).await {
        Ok(p) => p,
        Err(AccountError::LoginFailed | AccountError::NotFound(_)) => {
            note(throttle, &key, client, now, false);
            return Err(SessionError::Failed);
        }
        Err(AccountError::Store(e)) => return Err(SessionError::Store(e)),
        Err(e) => return Err(SessionError::Internal(e.to_string())),
    };
    note(throttle, &key, client, now, true);
    let Principal::Staff { user, .. } = &principal else {
        return Err(SessionError::Internal("a login gave no account".into()));
    };
    // Expired sessions go at each login, so the table stays as small as the live ones.
    store
        .prune_sessions(
            now.saturating_sub(policy.idle_secs),
            now.saturating_sub(policy.absolute_secs),
        )
        .await?;
    let token = Token::generate(&mut OsRng);
    let csrf = csrf_for(&token);
    store
        .create_session(&SessionRow {
            token_digest: token.digest().0,
            user: user.clone(),
            created_at: now,
            last_seen: now,
            csrf_digest: csrf.digest().0,
        })
        .await?;
    Ok(Started {
        token,
        csrf,
        principal,
    })
}

/// The live session a presented token names at `now`, if any. An expired session (idle,
/// absolute, or a clock that went backwards) is deleted and reads as none, as does the
/// session of a disabled account. The role is the account's current one.
pub async fn resolve(
    store: &dyn Store,
    policy: SessionPolicy,
    presented: &str,
    now: u64,
) -> Result<Option<Active>, StoreError> {
    if presented.is_empty() || presented.len() > MAX_TOKEN_CHARS {
        return Ok(None);
    }
    let token = Token::from_presented(presented);
    let digest = token.digest().0;
    let Some(found) = store.session(&digest).await? else {
        return Ok(None);
    };
    let state = policy.check(found.row.created_at, found.row.last_seen, now);
    if state != SessionState::Active || found.disabled {
        store.delete_session(&digest).await?;
        return Ok(None);
    }
    if now.saturating_sub(found.row.last_seen) >= TOUCH_EVERY_SECS
        && !store.touch_session(&digest, now).await?
    {
        // Logged out by a concurrent request.
        return Ok(None);
    }
    Ok(Some(Active {
        principal: Principal::Staff {
            user: found.user.id.clone(),
            role: found.user.role,
        },
        username: found.user.username,
        csrf: csrf_for(&token),
        csrf_digest: found.row.csrf_digest,
    }))
}

/// Ends the session a presented token names (if it exists), with a `logout` audit entry
/// by its account.
pub async fn log_out(store: &dyn Store, presented: &str) -> Result<(), StoreError> {
    if presented.is_empty() || presented.len() > MAX_TOKEN_CHARS {
        return Ok(());
    }
    let digest = Token::from_presented(presented).digest().0;
    let Some(found) = store.session(&digest).await? else {
        return Ok(());
    };
    store.delete_session(&digest).await?;
    let user = found.user.id.as_str().to_owned();
    as_actor(user.clone(), store.audit_event("logout", "user", &user)).await
}

/// The family's view of their own enquiry from its reference and secret, throttled like a
/// login (per reference and per client). A wrong secret, an unknown or malformed reference
/// all give [`SessionError::Failed`]; a success is in the audit log as the enquirer's read.
pub async fn family_view(
    store: &dyn Store,
    hasher: &PasswordHasher,
    throttle: &Mutex<LoginThrottle>,
    reference: &str,
    secret: &str,
    client: &str,
    now: u64,
) -> Result<FamilyView, SessionError> {
    let key = throttle_key(reference);
    check_throttle(throttle, &key, client, now)?;
    match enquiry::family_status(store, hasher, reference, secret).await? {
        Ok(view) => {
            note(throttle, &key, client, now, true);
            let actor = format!("enquirer:{}", view.reference);
            as_actor(
                actor,
                store.audit_event("family_view", "enquiries", &view.reference),
            )
            .await?;
            Ok(view)
        }
        Err(enquiry::AccessDenied) => {
            note(throttle, &key, client, now, false);
            Err(SessionError::Failed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn csrf_tokens_differ_per_session_and_do_not_reveal_it() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let a = Token::generate(&mut rng);
        let b = Token::generate(&mut rng);
        let (ca, cb) = (csrf_for(&a), csrf_for(&b));
        assert!(!ca.ct_eq(&cb));
        assert!(csrf_for(&Token::from_presented(a.expose())).ct_eq(&ca));
        assert_eq!(ca.expose().len(), 64);
        assert!(!ca.expose().contains(a.expose()));
    }

    #[test]
    fn throttle_keys_ignore_case_and_space() {
        assert_eq!(throttle_key(" Demo-Admin "), "demo-admin");
    }
}
