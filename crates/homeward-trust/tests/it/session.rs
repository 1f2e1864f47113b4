//! Sessions, CSRF tokens and throttling through the public API (AU-4, AU-6, AU-7).

use homeward_trust::session::{
    same_origin_request, LoginThrottle, SessionPolicy, SessionState, ThrottleDecision,
    ThrottlePolicy, Token,
};
use proptest::prelude::*;

use crate::rng;

#[test]
fn session_token_lifecycle() {
    let mut r = rng(30);
    let token = Token::generate(&mut r);
    // The server stores only the digest, and finds the session from the cookie value.
    let stored = token.digest();
    let presented = Token::from_presented(token.expose());
    assert!(presented.digest().ct_eq(&stored));
    assert_ne!(stored.to_hex(), token.expose());
    let csrf = Token::generate(&mut r);
    assert!(!csrf.ct_eq(&Token::from_presented("")));
    assert!(!csrf.ct_eq(&Token::from_presented(&csrf.expose()[1..])));
}

#[test]
fn hundred_wrong_passwords_are_throttled_and_recover() {
    let policy = ThrottlePolicy::default();
    let mut t = LoginThrottle::new(policy);
    let mut now = 10_000;
    let mut refused = 0;
    for _ in 0..100 {
        match t.check("u-1", "198.51.100.1", now) {
            ThrottleDecision::Allow => t.record_failure("u-1", "198.51.100.1", now),
            ThrottleDecision::RetryAfter(_) => refused += 1,
        }
        now += 1;
    }
    assert!(refused > 80, "{refused}");
    // A second client after the cool-down succeeds.
    now += policy.max_delay_secs;
    assert_eq!(t.check("u-1", "203.0.113.9", now), ThrottleDecision::Allow);
}

#[test]
fn default_timeouts_are_asvs_figures() {
    let p = SessionPolicy::default();
    assert_eq!((p.idle_secs, p.absolute_secs), (1800, 43_200));
    assert!(!same_origin_request(Some("null"), None, "https://h.local"));
}

proptest! {
    /// A session is active exactly when both timeouts are respected.
    #[test]
    fn timeout_rule(created in 0u64..1_000_000, a in 0u64..50_000, b in 0u64..50_000) {
        let p = SessionPolicy::default();
        let last = created + a;
        let now = last + b;
        let state = p.check(created, last, now);
        let expected = if now - created >= p.absolute_secs {
            SessionState::AbsoluteExpired
        } else if now - last >= p.idle_secs {
            SessionState::IdleExpired
        } else {
            SessionState::Active
        };
        prop_assert_eq!(state, expected);
    }

    /// Throttling never waits longer than the cap, whatever the history.
    #[test]
    fn throttle_wait_is_bounded(fails in proptest::collection::vec((0u8..3, 0u64..500), 0..200)) {
        let policy = ThrottlePolicy::default();
        let mut t = LoginThrottle::new(policy);
        let mut now = 0;
        for (who, dt) in fails {
            now += dt;
            t.record_failure(&format!("a{who}"), "s", now);
            if let ThrottleDecision::RetryAfter(w) = t.check(&format!("a{who}"), "s", now) {
                prop_assert!(w <= policy.max_delay_secs);
            }
        }
    }
}
