//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1) for the second
//! factor, with a ±1 step window and replay protection through the accepted step.

use std::fmt;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use crate::{SecureRng, TrustError};

/// Bytes in a generated secret: 160 bits, the length RFC 4226 §4 recommends.
pub const SECRET_LEN: usize = 20;
/// The smallest secret accepted on import: 128 bits (ASVS 11.5.1, RFC 4226 §4).
pub const MIN_SECRET_LEN: usize = 16;
/// The step RFC 6238 recommends and ASVS 6.5.5 caps: 30 seconds.
pub const DEFAULT_STEP: u64 = 30;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The shared secret of one enrolled authenticator. Debug is redacted; zeroised on drop.
pub struct TotpSecret(SecretBox<Vec<u8>>);

impl TotpSecret {
    /// Draws a fresh 160-bit secret for enrolment.
    pub fn generate(rng: &mut impl SecureRng) -> Self {
        let mut bytes = vec![0u8; SECRET_LEN];
        rng.fill_bytes(&mut bytes);
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// Takes raw secret bytes; at least 16.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TrustError> {
        if bytes.len() < MIN_SECRET_LEN {
            return Err(TrustError::TotpSecret);
        }
        Ok(Self(SecretBox::new(Box::new(bytes.to_vec()))))
    }

    /// Reads an RFC 4648 base32 secret; case, spaces, hyphens and `=` padding are ignored.
    pub fn from_base32(text: &str) -> Result<Self, TrustError> {
        let bytes = base32_decode(text).ok_or(TrustError::TotpSecret)?;
        let secret = Self::from_bytes(&bytes);
        let mut bytes = bytes;
        zeroize::Zeroize::zeroize(&mut bytes);
        secret
    }

    /// The secret in unpadded base32, for the enrolment page and the stored form.
    pub fn to_base32(&self) -> SecretString {
        base32_encode(self.0.expose_secret()).into()
    }

    fn bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([REDACTED])")
    }
}

/// Encodes bytes as unpadded RFC 4648 base32.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u64 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes RFC 4648 base32, ignoring case, spaces, hyphens and trailing padding. Returns
/// `None` on any other character or on non-zero trailing bits.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u64 = 0;
    let mut bits = 0u32;
    let body = text.trim_end_matches(|c: char| c == '=' || c.is_whitespace());
    for c in body.chars() {
        if c == ' ' || c == '-' {
            continue;
        }
        let up = c.to_ascii_uppercase();
        let v = BASE32.iter().position(|&x| char::from(x) == up)? as u64;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    // Leftover bits must be padding zeros, or the text was not made by an encoder.
    if bits >= 5 || (buffer & ((1 << bits) - 1)) != 0 {
        return None;
    }
    Some(out)
}

/// A TOTP generator and checker for one secret.
#[derive(Debug)]
pub struct Totp {
    secret: TotpSecret,
    digits: u32,
    step: u64,
}

impl Totp {
    /// The usual parameters: 6 digits, 30-second steps, HMAC-SHA1 (what authenticator
    /// apps implement).
    pub fn new(secret: TotpSecret) -> Self {
        Self {
            secret,
            digits: 6,
            step: DEFAULT_STEP,
        }
    }

    /// Other parameters: 6 to 8 digits (RFC 4226 §5.3), a step of 1 to 30 seconds.
    pub fn with_params(secret: TotpSecret, digits: u32, step: u64) -> Result<Self, TrustError> {
        if !(6..=8).contains(&digits) || step == 0 || step > DEFAULT_STEP {
            return Err(TrustError::TotpParams);
        }
        Ok(Self {
            secret,
            digits,
            step,
        })
    }

    /// The time step that contains `unix` seconds.
    pub fn step_of(&self, unix: u64) -> u64 {
        unix / self.step
    }

    /// The HOTP value of one counter step (RFC 4226 §5.3, dynamic truncation).
    fn hotp(&self, counter: u64) -> u32 {
        // A key of any length is valid for HMAC, so this branch never fails.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(self.secret.bytes()) else {
            return u32::MAX;
        };
        mac.update(&counter.to_be_bytes());
        let h = mac.finalize().into_bytes();
        let offset = usize::from(h[19] & 0x0f);
        let bin = (u32::from(h[offset] & 0x7f) << 24)
            | (u32::from(h[offset + 1]) << 16)
            | (u32::from(h[offset + 2]) << 8)
            | u32::from(h[offset + 3]);
        bin % 10u32.pow(self.digits)
    }

    fn format(&self, value: u32) -> String {
        format!("{:0width$}", value, width = self.digits as usize)
    }

    /// The code shown by the authenticator at `unix` seconds.
    pub fn code_at(&self, unix: u64) -> String {
        self.format(self.hotp(self.step_of(unix)))
    }

    /// Checks a code typed at `now` against the previous, current and next step. Steps at or
    /// before `last_used_step` are refused (a code is usable once, ASVS 6.5.1). On success
    /// returns the accepted step, which the caller must store as the new `last_used_step`.
    pub fn verify(&self, code: &str, now: u64, last_used_step: Option<u64>) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != self.digits as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = self.step_of(now);
        let mut accepted = None;
        // All candidates are computed and compared in constant time, so timing does not
        // reveal which step matched.
        for step in [
            current.checked_sub(1),
            Some(current),
            current.checked_add(1),
        ]
        .into_iter()
        .flatten()
        {
            let expected = self.format(self.hotp(step));
            let fresh = last_used_step.map_or(true, |last| step > last);
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && fresh && accepted.is_none()
            {
                accepted = Some(step);
            }
        }
        accepted
    }

    /// The `otpauth://totp/` enrolment URI (the Key URI format authenticator apps read from a
    /// QR code). It contains the secret, so it is returned as a secret.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> SecretString {
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={}&period={}",
            percent_encode(issuer),
            percent_encode(account),
            self.secret.to_base32().expose_secret(),
            percent_encode(issuer),
            self.digits,
            self.step
        )
        .into()
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_known_vectors() {
        // RFC 4648 §10.
        for (raw, enc) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(raw.as_bytes()), enc);
            assert_eq!(base32_decode(enc).unwrap(), raw.as_bytes());
        }
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        assert!(base32_decode("MZXW1").is_none());
        assert!(base32_decode("MY").is_some());
        assert!(base32_decode("MZ7").is_none(), "non-zero trailing bits");
    }

    #[test]
    fn params_checked() {
        let s = || TotpSecret::from_bytes(&[1u8; 20]).unwrap();
        assert!(Totp::with_params(s(), 5, 30).is_err());
        assert!(Totp::with_params(s(), 9, 30).is_err());
        assert!(Totp::with_params(s(), 6, 60).is_err());
        assert!(Totp::with_params(s(), 8, 30).is_ok());
        assert!(TotpSecret::from_bytes(&[1u8; 10]).is_err());
    }

    #[test]
    fn uri_escapes_and_redacts() {
        let t = Totp::new(TotpSecret::from_bytes(b"12345678901234567890").unwrap());
        let uri = t.otpauth_uri("Homeward Yerevan", "caseworker@example.org");
        assert_eq!(
            uri.expose_secret(),
            "otpauth://totp/Homeward%20Yerevan:caseworker%40example.org?secret=\
             GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Homeward%20Yerevan&algorithm=SHA1&digits=6&period=30"
        );
        assert!(format!("{uri:?}").contains("REDACTED"));
    }
}
