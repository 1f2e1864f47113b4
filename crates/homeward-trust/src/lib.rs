//! Trust primitives for Homeward: the cryptography, audit and disclosure mechanisms that the
//! storage, web and CLI crates wire in.
//!
//! Pure: nothing here reads files, the environment or the clock, and nothing draws from a
//! global random generator. Keys, times (unix seconds) and randomness (a `CryptoRng`) are
//! passed in, so every behaviour is reproducible in tests. `docs/security-trust.md` maps each
//! module to the requirements of `SECURITY-REQUIREMENTS.md` it provides the mechanism for.

pub mod audit;
pub mod disclosure;
pub mod envelope;
mod error;
pub mod password;
pub mod session;
pub mod totp;

pub use error::TrustError;

/// The random generator every function here takes: cryptographically secure, passed in.
pub trait SecureRng: rand_core::CryptoRng + rand_core::RngCore {}
impl<T: rand_core::CryptoRng + rand_core::RngCore> SecureRng for T {}
