//! Accounts: creating the first administrator and the others, listing, disabling, password
//! changes, TOTP enrolment, and logging in (for the web). No default accounts exist.

use crate::policy::{authorize, Denied, Principal, Relation, UseCase};
use homeward_domain::{Id, IdKind, Role, User};
use homeward_store::{Account, Store, StoreError};
use homeward_trust::password::{
    Argon2Cost, CommonPasswords, Password, PasswordHasher, PasswordPolicy, PolicyViolation,
};
use homeward_trust::totp::{Totp, TotpSecret};
use rand::rngs::OsRng;
use rand::Rng;

/// Errors of the account use cases.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// No such account, or not allowed (indistinguishable on purpose).
    #[error(transparent)]
    NotFound(#[from] Denied),
    /// The first account must be an administrator, so that someone can manage the others.
    #[error("the first account must be an administrator (--role administrator)")]
    FirstMustBeAdministrator,
    /// The user name is empty, too long or has spaces or control characters.
    #[error("user names are 1 to 64 characters without spaces or control characters")]
    BadName,
    /// The password breaks the policy.
    #[error("password refused: {0}")]
    WeakPassword(String),
    /// A login failed (wrong name, password, code, or a disabled account: never which).
    #[error("login failed")]
    LoginFailed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing or TOTP failed.
    #[error("{0}")]
    Trust(#[from] homeward_trust::TrustError),
}

/// Passwords too common to allow, at the policy's length or more. A short list: the full
/// breached-password list is not bundled yet (see docs/security.md, AU-2).
const COMMON: &str = "password1234\npassword12345\n123456789012\n1234567890123\nqwertyuiopas\nqwerty123456\niloveyou1234\nadministrator\nadministrator1\nletmein12345\nwelcome12345\nchangeme1234\npassword123!\nqwertyuiop12\n111111111111\n000000000000\n";

/// The password hasher at the OWASP minimum cost (Argon2id, m=19 MiB, t=2, p=1).
pub fn hasher() -> Result<PasswordHasher, AccountError> {
    Ok(PasswordHasher::new(Argon2Cost::default(), None)?)
}

fn check_name(name: &str) -> Result<(), AccountError> {
    let n = name.chars().count();
    if n == 0 || n > 64 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AccountError::BadName);
    }
    Ok(())
}

fn check_password(password: &Password, name: &str) -> Result<(), AccountError> {
    let v = PasswordPolicy::default().check(
        password,
        &[name, "homeward"],
        &CommonPasswords::from_lines(COMMON),
    );
    if v.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = v
        .iter()
        .map(|p| match p {
            PolicyViolation::TooShort { min } => format!("shorter than {min} characters"),
            PolicyViolation::TooLong { max } => format!("longer than {max} characters"),
            PolicyViolation::Common => "too common".into(),
            PolicyViolation::ContainsContextWord => "contains the user name".into(),
        })
        .collect();
    Err(AccountError::WeakPassword(reasons.join(", ")))
}

async fn account_by_name(store: &dyn Store, name: &str) -> Result<Account, AccountError> {
    store
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.user.username == name)
        .ok_or(AccountError::NotFound(Denied))
}

/// Creates an account. With no account yet, anyone at the command line may create the
/// first, which must be an administrator; after that, only who may manage users.
pub async fn add_user(
    store: &dyn Store,
    principal: &Principal,
    name: &str,
    role: Role,
    password: &Password,
) -> Result<User, AccountError> {
    check_name(name)?;
    let first = store.accounts().await?.is_empty();
    if first {
        if role != Role::Administrator {
            return Err(AccountError::FirstMustBeAdministrator);
        }
    } else {
        authorize(principal, UseCase::ManageUsers, Relation::Any)?;
    }
    check_password(password, name)?;
    let hash = hasher()?.hash(&mut OsRng, password)?;
    let user = User {
        id: Id::generate(IdKind::User, &mut OsRng),
        username: name.to_owned(),
        role,
    };
    store.add_account(&user, &hash).await?;
    Ok(user)
}

/// An account as listed (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountSummary {
    /// User name.
    pub username: String,
    /// Role name.
    pub role: &'static str,
    /// Whether it is disabled.
    pub disabled: bool,
    /// Whether a second factor is enrolled.
    pub totp: bool,
}

/// All accounts.
pub async fn list_users(
    store: &dyn Store,
    principal: &Principal,
) -> Result<Vec<AccountSummary>, AccountError> {
    authorize(principal, UseCase::ManageUsers, Relation::Any)?;
    Ok(store
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountSummary {
            username: a.user.username,
            role: a.user.role.as_str(),
            disabled: a.disabled,
            totp: a.totp_secret.is_some(),
        })
        .collect())
}

fn relation_to(principal: &Principal, account: &Account) -> Relation {
    match principal {
        Principal::Staff { user, .. } if *user == account.user.id => Relation::Own,
        _ => Relation::Any,
    }
}

fn may_manage(principal: &Principal, account: &Account) -> Result<(), Denied> {
    authorize(principal, UseCase::ManageUsers, Relation::Any).or_else(|_| {
        authorize(
            principal,
            UseCase::ManageOwnAccount,
            relation_to(principal, account),
        )
    })
}

/// Disables (or re-enables) an account; its sessions end.
pub async fn set_disabled(
    store: &dyn Store,
    principal: &Principal,
    name: &str,
    disabled: bool,
) -> Result<(), AccountError> {
    authorize(principal, UseCase::ManageUsers, Relation::Any)?;
    let a = account_by_name(store, name).await?;
    store.set_disabled(&a.user.id, disabled).await?;
    Ok(())
}

/// Sets a new password (administrators for anyone, everyone for themselves).
pub async fn change_password(
    store: &dyn Store,
    principal: &Principal,
    name: &str,
    password: &Password,
) -> Result<(), AccountError> {
    let a = account_by_name(store, name).await?;
    may_manage(principal, &a)?;
    check_password(password, name)?;
    let hash = hasher()?.hash(&mut OsRng, password)?;
    store.set_password_hash(&a.user.id, &hash).await?;
    // Whoever held the old password may hold a session too.
    store.delete_user_sessions(&a.user.id).await?;
    Ok(())
}

/// Enrols a new TOTP secret; returns the base32 secret and the `otpauth://` URI to show
/// once (as text or a QR code).
pub async fn enable_totp(
    store: &dyn Store,
    principal: &Principal,
    name: &str,
) -> Result<(String, String), AccountError> {
    use secrecy::ExposeSecret;
    let a = account_by_name(store, name).await?;
    may_manage(principal, &a)?;
    let secret = TotpSecret::generate(&mut OsRng);
    let b32 = secret.to_base32().expose_secret().to_owned();
    store.set_totp(&a.user.id, Some(&b32)).await?;
    let uri = Totp::new(secret)
        .otpauth_uri("Homeward", name)
        .expose_secret()
        .to_owned();
    Ok((b32, uri))
}

/// Checks a login: name, password and, when enrolled, a TOTP code. Every failure is the
/// same `LoginFailed`, and an unknown name costs one hash like a known one. The caller
/// throttles (homeward_trust::session::LoginThrottle) and logs the outcome.
pub async fn login(
    store: &dyn Store,
    name: &str,
    password: &Password,
    totp_code: Option<&str>,
    now: u64,
) -> Result<Principal, AccountError> {
    let h = hasher()?;
    let Some(a) = store
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.user.username == name)
    else {
        h.dummy_verify(password);
        store.audit_event("login_failed", "session", "").await?;
        return Err(AccountError::LoginFailed);
    };
    let ok = h.verify(password, &a.password_hash).unwrap_or(false) && !a.disabled;
    let ok = ok
        && match &a.totp_secret {
            None => true,
            Some(b32) => {
                let totp = Totp::new(TotpSecret::from_base32(b32)?);
                match totp_code.and_then(|c| totp.verify(c, now, a.totp_last_step)) {
                    Some(step) => {
                        store.set_totp_step(&a.user.id, step).await?;
                        true
                    }
                    None => false,
                }
            }
        };
    if !ok {
        store
            .audit_event("login_failed", "user", a.user.id.as_str())
            .await?;
        return Err(AccountError::LoginFailed);
    }
    if h.needs_rehash(&a.password_hash).unwrap_or(true) {
        let hash = h.hash(&mut OsRng, password)?;
        store.set_password_hash(&a.user.id, &hash).await?;
    }
    store
        .audit_event("login", "user", a.user.id.as_str())
        .await?;
    Ok(Principal::Staff {
        user: a.user.id,
        role: a.user.role,
    })
}

/// A random password of 20 characters from an unambiguous alphabet (about 110 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// The demo's accounts: one per role with a random password, returned to print once.
/// Accounts that exist already are left alone.
pub async fn demo_accounts(store: &dyn Store) -> Result<Vec<(String, Role, String)>, AccountError> {
    let existing: Vec<String> = store
        .accounts()
        .await?
        .into_iter()
        .map(|a| a.user.username)
        .collect();
    let mut out = Vec::new();
    for role in [
        Role::Administrator,
        Role::Caseworker,
        Role::Analyst,
        Role::HealthOfficer,
        Role::Viewer,
    ] {
        let name = format!("demo-{}", role.as_str().replace('_', "-"));
        if existing.contains(&name) {
            continue;
        }
        let password = random_password();
        add_user(
            store,
            &Principal::LocalOperator,
            &name,
            role,
            &Password::new(password.clone()),
        )
        .await?;
        out.push((name, role, password));
    }
    Ok(out)
}
