//! TOTP against RFC 6238 Appendix B and the one-use rule (AU-3).

use homeward_trust::totp::{base32_decode, base32_encode, Totp, TotpSecret};
use proptest::prelude::*;
use secrecy::ExposeSecret;

use crate::rng;

#[test]
fn rfc6238_sha1_vectors() {
    // RFC 6238 Appendix B, SHA-1 rows: 8 digits, 30 s steps, ASCII "12345678901234567890".
    let totp = Totp::with_params(
        TotpSecret::from_bytes(b"12345678901234567890").unwrap(),
        8,
        30,
    )
    .unwrap();
    for (t, code) in [
        (59u64, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        assert_eq!(totp.code_at(t), code, "T = {t}");
        assert_eq!(totp.verify(code, t, None), Some(t / 30));
    }
}

#[test]
fn rfc4226_six_digit_vectors() {
    // RFC 4226 Appendix D: HOTP values of counters 0..9; TOTP at t = 30 c uses counter c.
    let totp = Totp::new(TotpSecret::from_bytes(b"12345678901234567890").unwrap());
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (c, code) in expected.iter().enumerate() {
        assert_eq!(totp.code_at(30 * c as u64), *code);
    }
}

#[test]
fn window_and_replay() {
    let totp = Totp::new(TotpSecret::generate(&mut rng(20)));
    let now = 1_800_000_015;
    let step = now / 30;
    let code = totp.code_at(now);
    let accepted = totp.verify(&code, now, None).unwrap();
    assert_eq!(accepted, step);
    // The same code again: refused (ASVS 6.5.1).
    assert_eq!(totp.verify(&code, now, Some(accepted)), None);
    assert_eq!(totp.verify(&code, now + 20, Some(accepted)), None);
    // A code from the previous step is accepted once (clock skew), from two steps ago not.
    let prev = totp.code_at(now - 30);
    assert_eq!(totp.verify(&prev, now, None), Some(step - 1));
    let old = totp.code_at(now - 60);
    if old != code && old != prev && old != totp.code_at(now + 30) {
        assert_eq!(totp.verify(&old, now, None), None);
    }
    // The next step's code (a fast phone) is accepted.
    assert_eq!(
        totp.verify(&totp.code_at(now + 30), now, None),
        Some(step + 1)
    );
    // Malformed input.
    assert_eq!(totp.verify("12345", now, None), None);
    assert_eq!(totp.verify("12a456", now, None), None);
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    assert_eq!(totp.verify(&spaced, now, None), Some(step));
}

#[test]
fn guessing_a_code_is_rarely_lucky() {
    // With 3 steps accepted, a fixed guess succeeds with probability 3e-6 per try.
    let totp = Totp::new(TotpSecret::generate(&mut rng(21)));
    let hits = (0..2_000u64)
        .filter(|i| {
            totp.verify("000000", 1_000_000_000 + i * 90, None)
                .is_some()
        })
        .count();
    assert!(hits <= 1, "{hits}");
}

#[test]
fn enrolment_round_trip() {
    let secret = TotpSecret::generate(&mut rng(22));
    let b32 = secret.to_base32();
    assert_eq!(b32.expose_secret().len(), 32);
    let again = TotpSecret::from_base32(&b32.expose_secret().to_lowercase()).unwrap();
    let (a, b) = (Totp::new(secret), Totp::new(again));
    assert_eq!(a.code_at(123_456_789), b.code_at(123_456_789));
    let uri = a.otpauth_uri("Homeward", "u-17");
    assert!(uri
        .expose_secret()
        .starts_with("otpauth://totp/Homeward:u-17?secret="));
    assert!(TotpSecret::from_base32("not base32!").is_err());
}

proptest! {
    #[test]
    fn base32_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
    }
}
