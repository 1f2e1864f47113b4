//! Behaviour of the trust primitives through the public API: one integration binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod disclosure;
mod envelope;
mod password;
mod session;
mod totp;

use rand_chacha::rand_core::SeedableRng;

/// A seeded CSPRNG, so every test is reproducible.
pub fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}
