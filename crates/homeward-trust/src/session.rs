//! Session and CSRF tokens, session timeouts, request-origin checks and login throttling,
//! all as pure functions of passed-in randomness and time (unix seconds).

use std::collections::BTreeMap;
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::SecureRng;

/// Random bytes in every token: 256 bits, twice ASVS 7.2.3's minimum of 128.
pub const TOKEN_BYTES: usize = 32;

/// A bearer token (session cookie value or CSRF token): 32 random bytes in unpadded
/// base64url (43 characters). Debug is redacted; the text is zeroised on drop.
pub struct Token(SecretString);

impl Token {
    /// Draws a new token from the passed-in CSPRNG.
    pub fn generate(rng: &mut impl SecureRng) -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rng.fill_bytes(&mut bytes);
        let token = Self(URL_SAFE_NO_PAD.encode(bytes).into());
        zeroize::Zeroize::zeroize(&mut bytes);
        token
    }

    /// Wraps a token presented by a client (cookie or form field).
    pub fn from_presented(text: &str) -> Self {
        Self(text.to_owned().into())
    }

    /// The token text, to put in a cookie or a form.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The digest to store server-side instead of the token (so a leaked sessions table
    /// does not hand out live sessions).
    pub fn digest(&self) -> TokenDigest {
        TokenDigest(Sha256::digest(self.0.expose_secret().as_bytes()).into())
    }

    /// Constant-time comparison with another token, for CSRF tokens held in the session.
    pub fn ct_eq(&self, other: &Token) -> bool {
        let a = self.0.expose_secret().as_bytes();
        let b = other.0.expose_secret().as_bytes();
        bool::from(a.ct_eq(b))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([REDACTED])")
    }
}

/// SHA-256 of a token: what the sessions table stores and looks up by.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenDigest(pub [u8; 32]);

impl TokenDigest {
    /// Constant-time equality.
    pub fn ct_eq(&self, other: &TokenDigest) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }

    /// Lower-case hex, for storage as text.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenDigest({}…)", &self.to_hex()[..8])
    }
}

/// Idle and absolute session lifetimes in seconds. Default 30 min idle and 12 h absolute,
/// the ASVS 4.0.3 3.3.2 (L2) figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Seconds of inactivity after which a session ends.
    pub idle_secs: u64,
    /// Seconds after creation after which a session ends whatever the activity.
    pub absolute_secs: u64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 60 * 60,
        }
    }
}

/// Whether a session is still usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Usable; the caller updates `last_seen` to now.
    Active,
    /// Unused for longer than the idle timeout.
    IdleExpired,
    /// Older than the absolute timeout.
    AbsoluteExpired,
    /// `now` is before the session's creation or last use: a clock went backwards or the
    /// row was altered; refused (fail closed).
    ClockAnomaly,
}

impl SessionPolicy {
    /// Decides whether a session created at `created_at` and last used at `last_seen` is
    /// still usable at `now`. The boundary second itself is already expired.
    pub fn check(&self, created_at: u64, last_seen: u64, now: u64) -> SessionState {
        if now < created_at || now < last_seen || last_seen < created_at {
            return SessionState::ClockAnomaly;
        }
        if now - created_at >= self.absolute_secs {
            SessionState::AbsoluteExpired
        } else if now - last_seen >= self.idle_secs {
            SessionState::IdleExpired
        } else {
            SessionState::Active
        }
    }
}

/// Checks the origin of a state-changing request (ASVS 3.5.1, AU-7), in addition to the CSRF
/// token: `Sec-Fetch-Site` must be `same-origin` (or `none`, a user typing the address),
/// and `Origin`, when sent, must equal `own_origin` (e.g. `https://homeward.local:8443`).
/// A request with neither header (an old browser or a non-browser client) passes here and
/// relies on the token.
pub fn same_origin_request(
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    own_origin: &str,
) -> bool {
    if let Some(site) = sec_fetch_site {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    match origin {
        Some(o) => o.eq_ignore_ascii_case(own_origin),
        None => true,
    }
}

/// Login-throttling parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures per account allowed before delays start.
    pub account_free_failures: u32,
    /// Failures per source (client address or network) allowed before delays start; higher,
    /// because many users may share one address.
    pub source_free_failures: u32,
    /// The first delay in seconds; each further failure doubles it.
    pub base_delay_secs: u64,
    /// The longest delay: throttling never locks a user out for good (AU-4).
    pub max_delay_secs: u64,
    /// Failures older than this are forgotten.
    pub forget_after_secs: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            account_free_failures: 5,
            source_free_failures: 20,
            base_delay_secs: 2,
            max_delay_secs: 15 * 60,
            forget_after_secs: 24 * 60 * 60,
        }
    }
}

/// The outcome of asking whether a login attempt may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleDecision {
    /// Go ahead and check the password.
    Allow,
    /// Refuse without checking; the attempt may be retried after this many seconds.
    RetryAfter(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counter {
    failures: u32,
    last_failure: u64,
}

/// Per-account and per-source failure counters with exponential backoff: a pure state
/// machine over passed-in time. Keys are whatever the caller chooses (a normalised account
/// name, whether or not the account exists, so throttling does not reveal existence; a
/// client address or prefix).
#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    accounts: BTreeMap<String, Counter>,
    sources: BTreeMap<String, Counter>,
}

impl LoginThrottle {
    /// An empty throttle with the given policy.
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            accounts: BTreeMap::new(),
            sources: BTreeMap::new(),
        }
    }

    fn wait(&self, c: Option<&Counter>, free: u32, now: u64) -> u64 {
        let Some(c) = c else { return 0 };
        if now.saturating_sub(c.last_failure) >= self.policy.forget_after_secs || c.failures < free
        {
            return 0;
        }
        let doublings = (c.failures - free).min(40);
        let delay = self
            .policy
            .base_delay_secs
            .saturating_mul(1u64 << doublings)
            .min(self.policy.max_delay_secs);
        (c.last_failure.saturating_add(delay)).saturating_sub(now)
    }

    /// Whether an attempt for `account` from `source` may proceed at `now`.
    pub fn check(&self, account: &str, source: &str, now: u64) -> ThrottleDecision {
        let a = self.wait(
            self.accounts.get(account),
            self.policy.account_free_failures,
            now,
        );
        let s = self.wait(
            self.sources.get(source),
            self.policy.source_free_failures,
            now,
        );
        match a.max(s) {
            0 => ThrottleDecision::Allow,
            w => ThrottleDecision::RetryAfter(w),
        }
    }

    /// Records a failed attempt (wrong password, wrong second factor, unknown account).
    pub fn record_failure(&mut self, account: &str, source: &str, now: u64) {
        let forget = self.policy.forget_after_secs;
        for (map, key) in [(&mut self.accounts, account), (&mut self.sources, source)] {
            let c = map.entry(key.to_owned()).or_insert(Counter {
                failures: 0,
                last_failure: now,
            });
            if now.saturating_sub(c.last_failure) >= forget {
                c.failures = 0;
            }
            c.failures = c.failures.saturating_add(1);
            c.last_failure = c.last_failure.max(now);
        }
    }

    /// Records a successful login: the account's counter is cleared; the source's is kept,
    /// so one good account cannot launder a source that is guessing at others.
    pub fn record_success(&mut self, account: &str) {
        self.accounts.remove(account);
    }

    /// Drops counters whose last failure is older than the forget period (bounded memory).
    pub fn prune(&mut self, now: u64) {
        let forget = self.policy.forget_after_secs;
        self.accounts
            .retain(|_, c| now.saturating_sub(c.last_failure) < forget);
        self.sources
            .retain(|_, c| now.saturating_sub(c.last_failure) < forget);
    }

    /// Number of tracked accounts and sources.
    pub fn tracked(&self) -> (usize, usize) {
        (self.accounts.len(), self.sources.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn tokens_are_long_unique_and_hashed() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..10_000 {
            let t = Token::generate(&mut rng);
            assert_eq!(t.expose().len(), 43);
            assert!(seen.insert(t.digest()));
        }
        let t = Token::generate(&mut rng);
        let again = Token::from_presented(t.expose());
        assert!(t.ct_eq(&again) && t.digest().ct_eq(&again.digest()));
        assert!(!t.ct_eq(&Token::generate(&mut rng)));
        assert!(format!("{t:?}").contains("REDACTED"));
    }

    #[test]
    fn timeouts_at_boundaries() {
        let p = SessionPolicy::default();
        assert_eq!(p.check(1000, 1000, 1000 + 1799), SessionState::Active);
        assert_eq!(p.check(1000, 1000, 1000 + 1800), SessionState::IdleExpired);
        let created = 0;
        let last = 12 * 3600 - 10;
        assert_eq!(p.check(created, last, 12 * 3600 - 1), SessionState::Active);
        assert_eq!(
            p.check(created, last, 12 * 3600),
            SessionState::AbsoluteExpired
        );
        assert_eq!(p.check(100, 50, 200), SessionState::ClockAnomaly);
        assert_eq!(p.check(100, 100, 99), SessionState::ClockAnomaly);
    }

    #[test]
    fn origin_checks() {
        let own = "https://homeward.local";
        assert!(same_origin_request(Some(own), Some("same-origin"), own));
        assert!(!same_origin_request(
            Some("https://evil.example"),
            None,
            own
        ));
        assert!(!same_origin_request(Some(own), Some("cross-site"), own));
        assert!(!same_origin_request(None, Some("same-site"), own));
        assert!(same_origin_request(None, None, own));
    }

    #[test]
    fn throttle_backs_off_and_recovers() {
        let policy = ThrottlePolicy::default();
        let mut t = LoginThrottle::new(policy);
        let mut now = 1_000_000;
        for _ in 0..5 {
            assert_eq!(t.check("ana", "10.0.0.1", now), ThrottleDecision::Allow);
            t.record_failure("ana", "10.0.0.1", now);
            now += 1;
        }
        // Sixth failure pending: the account is now delayed by the base delay.
        let ThrottleDecision::RetryAfter(w1) = t.check("ana", "10.0.0.1", now - 1) else {
            panic!("expected a delay")
        };
        assert_eq!(w1, 2);
        // Another source does not escape the account's delay.
        assert!(matches!(
            t.check("ana", "10.9.9.9", now - 1),
            ThrottleDecision::RetryAfter(_)
        ));
        // Another account from the same source is not yet limited.
        assert_eq!(t.check("bo", "10.0.0.1", now), ThrottleDecision::Allow);
        // Delays double and cap.
        let mut last = 0;
        for _ in 0..20 {
            now += 10_000;
            t.record_failure("ana", "10.0.0.2", now);
            if let ThrottleDecision::RetryAfter(w) = t.check("ana", "x", now) {
                assert!(w >= last.min(policy.max_delay_secs) && w <= policy.max_delay_secs);
                last = w;
            }
        }
        assert_eq!(last, policy.max_delay_secs);
        // Never locked for good: after the cap passes, an attempt is allowed.
        assert_eq!(
            t.check("ana", "x", now + policy.max_delay_secs),
            ThrottleDecision::Allow
        );
        t.record_success("ana");
        assert_eq!(t.check("ana", "x", now), ThrottleDecision::Allow);
        t.prune(now + policy.forget_after_secs + 1);
        assert_eq!(t.tracked(), (0, 0));
    }

    #[test]
    fn source_limit_spans_accounts() {
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        for i in 0..25 {
            t.record_failure(&format!("user{i}"), "192.0.2.7", 500);
        }
        assert!(matches!(
            t.check("newuser", "192.0.2.7", 500),
            ThrottleDecision::RetryAfter(_)
        ));
        assert_eq!(
            t.check("newuser", "192.0.2.8", 500),
            ThrottleDecision::Allow
        );
    }
}
