//! Password storage and policy: Argon2id at or above the OWASP minimum, PHC strings,
//! constant-time verification, rehash-on-login detection, and an ASVS-based length policy.

use std::collections::BTreeSet;
use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::{SecureRng, TrustError};

/// A password as typed. Held in a [`SecretString`]: redacted Debug, zeroised on drop.
pub struct Password(SecretString);

impl Password {
    /// Wraps a password. It is never trimmed, truncated or case-folded (ASVS 6.2.8).
    pub fn new(text: impl Into<String>) -> Self {
        Self(SecretString::from(text.into()))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }

    fn text(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Cost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
}

impl Argon2Cost {
    /// The OWASP Password Storage Cheat Sheet minimum: m=19456 KiB (19 MiB), t=2, p=1.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// Whether `self` is at least as costly as `other` in every parameter.
    pub fn at_least(&self, other: &Self) -> bool {
        self.memory_kib >= other.memory_kib
            && self.iterations >= other.iterations
            && self.parallelism >= other.parallelism
    }
}

impl Default for Argon2Cost {
    fn default() -> Self {
        Self::OWASP_MINIMUM
    }
}

/// Hashes and verifies passwords with Argon2id v1.3 and an optional pepper held outside the
/// database.
pub struct PasswordHasher {
    cost: Argon2Cost,
    pepper: Option<SecretString>,
    dummy_hash: String,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("cost", &self.cost)
            .field("pepper", &self.pepper.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

fn hash_err(e: impl fmt::Display) -> TrustError {
    TrustError::PasswordHash(e.to_string())
}

impl PasswordHasher {
    /// A hasher with the given cost; costs below the OWASP minimum are refused so that no
    /// configuration can weaken storage. `pepper`, if any, is mixed in as Argon2's secret.
    pub fn new(cost: Argon2Cost, pepper: Option<SecretString>) -> Result<Self, TrustError> {
        if !cost.at_least(&Argon2Cost::OWASP_MINIMUM) {
            return Err(TrustError::PasswordHash(
                "cost below the OWASP minimum (m=19456 KiB, t=2, p=1)".into(),
            ));
        }
        let mut hasher = Self {
            cost,
            pepper,
            dummy_hash: String::new(),
        };
        // A hash of a fixed password with a fixed salt, verified against when the account
        // does not exist, so that unknown and known accounts take the same time (AU-4).
        let salt = SaltString::encode_b64(b"homeward-dummy-salt").map_err(hash_err)?;
        hasher.dummy_hash = hasher
            .argon2()?
            .hash_password(b"homeward dummy password", &salt)
            .map_err(hash_err)?
            .to_string();
        Ok(hasher)
    }

    /// The cost new hashes are made with.
    pub fn cost(&self) -> Argon2Cost {
        self.cost
    }

    fn argon2(&self) -> Result<Argon2<'_>, TrustError> {
        self.argon2_with(self.cost)
    }

    fn argon2_with(&self, cost: Argon2Cost) -> Result<Argon2<'_>, TrustError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(hash_err)?;
        match &self.pepper {
            Some(p) => Argon2::new_with_secret(
                p.expose_secret().as_bytes(),
                Algorithm::Argon2id,
                Version::V0x13,
                params,
            )
            .map_err(hash_err),
            None => Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
        }
    }

    /// Hashes a password with a fresh 128-bit salt into a PHC string
    /// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
    pub fn hash(
        &self,
        rng: &mut impl SecureRng,
        password: &Password,
    ) -> Result<String, TrustError> {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(hash_err)?;
        Ok(self
            .argon2()?
            .hash_password(password.bytes(), &salt)
            .map_err(hash_err)?
            .to_string())
    }

    /// Checks a password against a stored PHC string, with the parameters the string
    /// records; the final comparison is constant-time. `Ok(false)` means a wrong password;
    /// `Err` means the stored string is not a valid Argon2 hash.
    pub fn verify(&self, password: &Password, phc: &str) -> Result<bool, TrustError> {
        let parsed = PasswordHash::new(phc).map_err(hash_err)?;
        if parsed.algorithm.as_str() != "argon2id" {
            return Err(TrustError::PasswordHash("not an argon2id hash".into()));
        }
        let cost = cost_of(&parsed)?;
        match self
            .argon2_with(cost)?
            .verify_password(password.bytes(), &parsed)
        {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(e) => Err(hash_err(e)),
        }
    }

    /// Spends the time of one verification and returns `false`: call it when the account
    /// does not exist, so timing does not reveal which accounts exist.
    pub fn dummy_verify(&self, password: &Password) -> bool {
        let _ = self.verify(password, &self.dummy_hash);
        false
    }

    /// Whether a stored hash should be replaced at the next successful login: it is not
    /// Argon2id v1.3, or any of its costs is below this hasher's.
    pub fn needs_rehash(&self, phc: &str) -> Result<bool, TrustError> {
        let parsed = PasswordHash::new(phc).map_err(hash_err)?;
        if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
            return Ok(true);
        }
        Ok(!cost_of(&parsed)?.at_least(&self.cost))
    }
}

/// The Argon2 costs recorded in a PHC string.
fn cost_of(parsed: &PasswordHash<'_>) -> Result<Argon2Cost, TrustError> {
    let params = Params::try_from(parsed).map_err(hash_err)?;
    Ok(Argon2Cost {
        memory_kib: params.m_cost(),
        iterations: params.t_cost(),
        parallelism: params.p_cost(),
    })
}

/// Reads the cost of a stored PHC string (for audits that every stored hash meets AU-1).
pub fn stored_cost(phc: &str) -> Result<Argon2Cost, TrustError> {
    let parsed = PasswordHash::new(phc).map_err(hash_err)?;
    cost_of(&parsed)
}

/// Why a new password was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyViolation {
    /// Fewer characters than the minimum.
    TooShort {
        /// The minimum number of characters.
        min: usize,
    },
    /// More characters than the maximum.
    TooLong {
        /// The maximum number of characters.
        max: usize,
    },
    /// Found in the bundled list of common or breached passwords (ASVS 6.2.4, 6.2.12).
    Common,
    /// Contains a context word such as the user name or the organisation's name.
    ContainsContextWord,
}

/// A list of common or breached passwords, compared case-insensitively. The list itself is
/// bundled by the caller (this crate ships no data).
#[derive(Debug, Clone, Default)]
pub struct CommonPasswords {
    entries: BTreeSet<String>,
}

impl CommonPasswords {
    /// Builds the list from text with one password per line; blank lines are skipped.
    pub fn from_lines(text: &str) -> Self {
        Self {
            entries: text
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_lowercase)
                .collect(),
        }
    }

    /// Whether the password is on the list, ignoring case.
    pub fn contains(&self, password: &str) -> bool {
        self.entries.contains(&password.to_lowercase())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The password policy. Defaults: at least 12 characters (ASVS 4.0.3 2.1.1; above ASVS
/// 5.0's minimum of 8 and below its recommended 15), at most 128 (ASVS 4.0.3 2.1.2, which
/// still allows the 64 that ASVS 5.0 6.2.9 requires). No composition rules (ASVS 6.2.5)
/// and no expiry (ASVS 6.2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length in Unicode scalar values.
    pub min_chars: usize,
    /// Maximum length in Unicode scalar values.
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 12,
            max_chars: 128,
        }
    }
}

impl PasswordPolicy {
    /// Lists every rule a new password breaks (empty means accepted). `context` holds words
    /// the password must not contain (user name, e-mail local part, organisation); words
    /// shorter than 4 characters are ignored.
    pub fn check(
        &self,
        password: &Password,
        context: &[&str],
        common: &CommonPasswords,
    ) -> Vec<PolicyViolation> {
        let text = password.text();
        let n = text.chars().count();
        let mut out = Vec::new();
        if n < self.min_chars {
            out.push(PolicyViolation::TooShort {
                min: self.min_chars,
            });
        }
        if n > self.max_chars {
            out.push(PolicyViolation::TooLong {
                max: self.max_chars,
            });
        }
        if common.contains(text) {
            out.push(PolicyViolation::Common);
        }
        let lower = text.to_lowercase();
        if context
            .iter()
            .map(|w| w.to_lowercase())
            .any(|w| w.chars().count() >= 4 && lower.contains(&w))
        {
            out.push(PolicyViolation::ContainsContextWord);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn hash_has_owasp_parameters_and_verifies() {
        let h = PasswordHasher::new(Argon2Cost::default(), None).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let pw = Password::new("correct horse battery staple");
        let phc = h.hash(&mut rng, &pw).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(h.verify(&pw, &phc).unwrap());
        assert!(!h
            .verify(&Password::new("correct horse battery stapl"), &phc)
            .unwrap());
        assert!(!h
            .verify(&Password::new("Correct horse battery staple"), &phc)
            .unwrap());
        assert!(!h.needs_rehash(&phc).unwrap());
        assert_eq!(stored_cost(&phc).unwrap(), Argon2Cost::OWASP_MINIMUM);
        assert!(!h.dummy_verify(&pw));
    }

    #[test]
    fn weak_costs_refused_and_flagged() {
        let weak = Argon2Cost {
            memory_kib: 4096,
            iterations: 1,
            parallelism: 1,
        };
        assert!(PasswordHasher::new(weak, None).is_err());
        let strong = Argon2Cost {
            memory_kib: 19_456,
            iterations: 3,
            parallelism: 1,
        };
        let h = PasswordHasher::new(strong, None).unwrap();
        let old = PasswordHasher::new(Argon2Cost::default(), None).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let pw = Password::new("a long enough passphrase");
        let phc = old.hash(&mut rng, &pw).unwrap();
        assert!(h.needs_rehash(&phc).unwrap());
        // A stronger hasher still verifies hashes made with older parameters.
        assert!(h.verify(&pw, &phc).unwrap());
        assert!(h.needs_rehash("$argon2i$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap());
        assert!(h.verify(&pw, "not a phc string").is_err());
    }

    #[test]
    fn pepper_is_required_to_verify() {
        let with = PasswordHasher::new(Argon2Cost::default(), Some("pepper-1".to_string().into()))
            .unwrap();
        let without = PasswordHasher::new(Argon2Cost::default(), None).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let pw = Password::new("another long passphrase");
        let phc = with.hash(&mut rng, &pw).unwrap();
        assert!(with.verify(&pw, &phc).unwrap());
        assert!(!without.verify(&pw, &phc).unwrap());
    }

    #[test]
    fn policy() {
        let p = PasswordPolicy::default();
        let common = CommonPasswords::from_lines("password1234\nqwertyuiop12\n");
        let ok = |s: &str| p.check(&Password::new(s), &["maral.user"], &common);
        assert!(ok("tři slova dohromady").is_empty());
        assert_eq!(ok("short"), vec![PolicyViolation::TooShort { min: 12 }]);
        assert_eq!(
            ok(&"x".repeat(129)),
            vec![PolicyViolation::TooLong { max: 128 }]
        );
        assert!(ok(&"x".repeat(128)).is_empty());
        assert_eq!(ok("PASSWORD1234"), vec![PolicyViolation::Common]);
        assert_eq!(
            ok("my Maral.User secret"),
            vec![PolicyViolation::ContainsContextWord]
        );
        // Twelve Armenian letters count as twelve characters, not 24 bytes.
        assert!(ok("աբգդեզէըթժիլ").is_empty());
        assert!(format!("{:?}", Password::new("hunter2hunter2")).contains("REDACTED"));
    }
}
