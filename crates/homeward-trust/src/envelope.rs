//! Envelope encryption of sensitive fields: a random key per record (DEK) seals the fields,
//! a master key (KEK) held outside the database wraps the record keys.
//!
//! # Formats
//! Both blobs are versioned and carry everything needed to pick the right key:
//!
//! * wrapped record key (85 bytes):
//!   `"HWK" | version 0x01 | alg 0x01 | kek_id u32 BE | generation u32 BE | nonce 24 | ct 32+16`
//! * sealed field: `"HWF" | version 0x01 | alg 0x01 | generation u32 BE | nonce 24 | ct n+16`
//!
//! `alg 0x01` is XChaCha20-Poly1305 with a random 192-bit nonce, so random nonces never
//! collide in practice (ASVS 11.3.4). The associated data of a wrapped key is its header and
//! the record id; that of a field is its header, the field name and the record id, each
//! length-prefixed. A wrapped key moved to another record, or a field ciphertext moved to
//! another record or another field, therefore fails to open (CR-1 swap test).
//!
//! # Crypto-erasure
//! A record key exists only wrapped. Destroying the wrapped key (deleting its row, and
//! letting [`WrappedKey`] zeroise its bytes on drop) leaves every ciphertext of the record,
//! in every copy of the database, unreadable even to the holder of the master key. A backup
//! taken *before* the erasure still holds the wrapped key; it dies when the master key that
//! wrapped it is destroyed, which is why erasures should be followed by a master-key
//! rotation ([`Keyring::rewrap`]) and the old master key destroyed once no retained backup
//! needs it.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{SecureRng, TrustError};

/// Length of every symmetric key here, in bytes.
pub const KEY_LEN: usize = 32;
/// Length of an XChaCha20-Poly1305 nonce, in bytes.
pub const NONCE_LEN: usize = 24;
/// Length of a Poly1305 tag, in bytes.
pub const TAG_LEN: usize = 16;

const WRAP_MAGIC: &[u8; 3] = b"HWK";
const FIELD_MAGIC: &[u8; 3] = b"HWF";
const FORMAT_VERSION: u8 = 1;
const ALG_XCHACHA20POLY1305: u8 = 1;
const WRAP_HEADER_LEN: usize = 3 + 1 + 1 + 4 + 4;
const FIELD_HEADER_LEN: usize = 3 + 1 + 1 + 4;
/// Length of a wrapped record key in bytes.
pub const WRAPPED_KEY_LEN: usize = WRAP_HEADER_LEN + NONCE_LEN + KEY_LEN + TAG_LEN;
/// Bytes a sealed field adds to its plaintext.
pub const FIELD_OVERHEAD: usize = FIELD_HEADER_LEN + NONCE_LEN + TAG_LEN;

/// The key-encryption key, with the id that wrapped keys carry so that rotation can tell
/// old wraps from new. Debug is redacted; the bytes are zeroised on drop.
pub struct MasterKey {
    id: u32,
    key: SecretBox<[u8; KEY_LEN]>,
}

impl MasterKey {
    /// Takes 32 key bytes and the id (version) of this master key.
    pub fn from_bytes(id: u32, bytes: [u8; KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let key = SecretBox::new(Box::new(bytes));
        bytes.zeroize();
        Self { id, key }
    }

    /// Reads a key as the CLI gets it from a file or the environment: 64 hex digits, or
    /// base64 (standard or URL-safe, padded or not) of 32 bytes. Surrounding whitespace is
    /// ignored.
    pub fn from_encoded(id: u32, text: &str) -> Result<Self, TrustError> {
        let bytes = decode_key_text(text.trim())?;
        Ok(Self::from_bytes(id, *bytes))
    }

    /// Derives a master key from an operator passphrase with Argon2id (CR-2: use stronger
    /// costs than for logins, e.g. 262144 KiB). `salt` is stored beside the key id; it is
    /// not secret but must be at least 16 random bytes. Costs below the OWASP minimum are
    /// refused.
    pub fn from_passphrase(
        id: u32,
        passphrase: &crate::password::Password,
        salt: &[u8],
        cost: crate::password::Argon2Cost,
    ) -> Result<Self, TrustError> {
        if salt.len() < 16 || !cost.at_least(&crate::password::Argon2Cost::OWASP_MINIMUM) {
            return Err(TrustError::PasswordHash(
                "salt under 16 bytes or cost below the OWASP minimum".into(),
            ));
        }
        let params = argon2::Params::new(
            cost.memory_kib,
            cost.iterations,
            cost.parallelism,
            Some(KEY_LEN),
        )
        .map_err(|e| TrustError::PasswordHash(e.to_string()))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        argon
            .hash_password_into(passphrase.bytes(), salt, out.as_mut())
            .map_err(|e| TrustError::PasswordHash(e.to_string()))?;
        Ok(Self::from_bytes(id, *out))
    }

    /// Draws a fresh master key from the passed-in generator.
    pub fn generate(id: u32, rng: &mut impl SecureRng) -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill_bytes(bytes.as_mut());
        Self::from_bytes(id, *bytes)
    }

    /// The id (version) of this key.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The key as unpadded base64, for writing a new key file; handle as a secret.
    pub fn to_base64(&self) -> secrecy::SecretString {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .encode(self.key.expose_secret())
            .into()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.expose_secret().into())
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

fn decode_key_text(text: &str) -> Result<Zeroizing<[u8; KEY_LEN]>, TrustError> {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        for (i, pair) in text.as_bytes().chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or(TrustError::KeyEncoding)?;
            let lo = hex_val(pair[1]).ok_or(TrustError::KeyEncoding)?;
            out[i] = (hi << 4) | lo;
        }
        return Ok(out);
    }
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        if let Ok(decoded) = engine.decode(text) {
            let decoded = Zeroizing::new(decoded);
            if decoded.len() == KEY_LEN {
                out.copy_from_slice(&decoded);
                return Ok(out);
            }
        }
    }
    Err(TrustError::KeyEncoding)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A record's data-encryption key, with its generation (bumped when a record is
/// re-encrypted under a new key). Debug is redacted; the bytes are zeroised on drop.
pub struct RecordKey {
    generation: u32,
    key: SecretBox<[u8; KEY_LEN]>,
}

impl RecordKey {
    /// Draws a fresh record key of the given generation from the passed-in generator.
    pub fn generate(generation: u32, rng: &mut impl SecureRng) -> Self {
        let mut bytes = Box::new([0u8; KEY_LEN]);
        rng.fill_bytes(bytes.as_mut());
        Self {
            generation,
            key: SecretBox::new(bytes),
        }
    }

    /// The generation of this key, also written into every field it seals.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Encrypts one field of one record. `field` names the field, e.g. `visit.health_notes`
    /// (table and column); `record_id` is the record's stable id. Both are bound as
    /// associated data, so the ciphertext opens only for the same record and field.
    pub fn seal(
        &self,
        rng: &mut impl SecureRng,
        field: &str,
        record_id: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, TrustError> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(plaintext.len() + FIELD_OVERHEAD);
        out.extend_from_slice(FIELD_MAGIC);
        out.push(FORMAT_VERSION);
        out.push(ALG_XCHACHA20POLY1305);
        out.extend_from_slice(&self.generation.to_be_bytes());
        let aad = field_aad(&out, field, record_id);
        let ct = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| TrustError::Encrypt)?;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts a field sealed by [`RecordKey::seal`] for the same field and record. Fails
    /// with [`TrustError::Decrypt`] on any altered byte, wrong key, record or field.
    pub fn open(
        &self,
        field: &str,
        record_id: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, TrustError> {
        let header = parse_field_header(sealed)?;
        if header.generation != self.generation {
            return Err(TrustError::Decrypt);
        }
        let aad = field_aad(&sealed[..FIELD_HEADER_LEN], field, record_id);
        let nonce = &sealed[FIELD_HEADER_LEN..FIELD_HEADER_LEN + NONCE_LEN];
        let ct = &sealed[FIELD_HEADER_LEN + NONCE_LEN..];
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
            .map(Zeroizing::new)
            .map_err(|_| TrustError::Decrypt)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.expose_secret().into())
    }
}

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordKey")
            .field("generation", &self.generation)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

struct FieldHeader {
    generation: u32,
}

fn parse_field_header(sealed: &[u8]) -> Result<FieldHeader, TrustError> {
    const WHAT: &str = "sealed field";
    if sealed.len() < FIELD_OVERHEAD
        || &sealed[..3] != FIELD_MAGIC
        || sealed[3] != FORMAT_VERSION
        || sealed[4] != ALG_XCHACHA20POLY1305
    {
        return Err(TrustError::Format { what: WHAT });
    }
    Ok(FieldHeader {
        generation: be_u32(&sealed[5..9]),
    })
}

/// The generation of the record key that sealed a field, read from its header, so storage
/// can tell which fields still need re-encryption after a record-key change.
pub fn sealed_generation(sealed: &[u8]) -> Result<u32, TrustError> {
    parse_field_header(sealed).map(|h| h.generation)
}

fn be_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_be_bytes(a)
}

fn push_lp(buf: &mut Vec<u8>, bytes: &[u8]) {
    // Lengths are u64 so no input can make two different (field, record) pairs collide.
    buf.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    buf.extend_from_slice(bytes);
}

fn field_aad(header: &[u8], field: &str, record_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + field.len() + record_id.len() + 16);
    aad.extend_from_slice(header);
    push_lp(&mut aad, field.as_bytes());
    push_lp(&mut aad, record_id.as_bytes());
    aad
}

fn wrap_aad(header: &[u8], record_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + record_id.len() + 8);
    aad.extend_from_slice(header);
    push_lp(&mut aad, record_id.as_bytes());
    aad
}

/// A record key encrypted under a master key, in the 85-byte format above. Safe to store
/// in the database; destroying it erases the record (see the module docs).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct WrappedKey {
    bytes: Vec<u8>,
}

impl WrappedKey {
    /// Reads a stored wrapped key, checking its magic, version, algorithm and length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TrustError> {
        if bytes.len() != WRAPPED_KEY_LEN
            || &bytes[..3] != WRAP_MAGIC
            || bytes[3] != FORMAT_VERSION
            || bytes[4] != ALG_XCHACHA20POLY1305
        {
            return Err(TrustError::Format {
                what: "wrapped key",
            });
        }
        Ok(Self {
            bytes: bytes.to_vec(),
        })
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The id of the master key that wrapped this key.
    pub fn master_key_id(&self) -> u32 {
        be_u32(&self.bytes[5..9])
    }

    /// The generation of the wrapped record key.
    pub fn generation(&self) -> u32 {
        be_u32(&self.bytes[9..13])
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("master_key_id", &self.master_key_id())
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

/// Wraps a record key under the master key, binding it to `record_id`.
pub fn wrap(
    master: &MasterKey,
    rng: &mut impl SecureRng,
    record_id: &str,
    key: &RecordKey,
) -> Result<WrappedKey, TrustError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let mut bytes = Vec::with_capacity(WRAPPED_KEY_LEN);
    bytes.extend_from_slice(WRAP_MAGIC);
    bytes.push(FORMAT_VERSION);
    bytes.push(ALG_XCHACHA20POLY1305);
    bytes.extend_from_slice(&master.id.to_be_bytes());
    bytes.extend_from_slice(&key.generation.to_be_bytes());
    let aad = wrap_aad(&bytes, record_id);
    let ct = master
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.key.expose_secret(),
                aad: &aad,
            },
        )
        .map_err(|_| TrustError::Encrypt)?;
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&ct);
    Ok(WrappedKey { bytes })
}

/// Unwraps a record key of `record_id`. Fails with [`TrustError::UnknownKeyId`] when the
/// key was wrapped by another master key, and [`TrustError::Decrypt`] when it was altered
/// or belongs to another record.
pub fn unwrap(
    master: &MasterKey,
    record_id: &str,
    wrapped: &WrappedKey,
) -> Result<RecordKey, TrustError> {
    let id = wrapped.master_key_id();
    if id != master.id {
        return Err(TrustError::UnknownKeyId(id));
    }
    let b = &wrapped.bytes;
    let aad = wrap_aad(&b[..WRAP_HEADER_LEN], record_id);
    let nonce = &b[WRAP_HEADER_LEN..WRAP_HEADER_LEN + NONCE_LEN];
    let pt = Zeroizing::new(
        master
            .cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: &b[WRAP_HEADER_LEN + NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| TrustError::Decrypt)?,
    );
    let mut key = Box::new([0u8; KEY_LEN]);
    if pt.len() != KEY_LEN {
        return Err(TrustError::Decrypt);
    }
    key.copy_from_slice(&pt);
    Ok(RecordKey {
        generation: wrapped.generation(),
        key: SecretBox::new(key),
    })
}

/// Re-wraps a record key from the `old` master key to the `new` one (master-key rotation);
/// the record's field ciphertexts are untouched.
pub fn rewrap(
    old: &MasterKey,
    new: &MasterKey,
    rng: &mut impl SecureRng,
    record_id: &str,
    wrapped: &WrappedKey,
) -> Result<WrappedKey, TrustError> {
    let key = unwrap(old, record_id, wrapped)?;
    wrap(new, rng, record_id, &key)
}

/// The master keys in force: one current key that wraps, and older keys kept only to unwrap
/// until every wrapped key has been rotated (and no retained backup needs them).
#[derive(Debug)]
pub struct Keyring {
    current: u32,
    keys: BTreeMap<u32, MasterKey>,
}

impl Keyring {
    /// A keyring whose current key is `current`.
    pub fn new(current: MasterKey) -> Self {
        let id = current.id;
        let mut keys = BTreeMap::new();
        keys.insert(id, current);
        Self { current: id, keys }
    }

    /// Adds an older key, used only to unwrap. A key with the current id is ignored.
    pub fn add_retired(&mut self, key: MasterKey) {
        if key.id != self.current {
            self.keys.insert(key.id, key);
        }
    }

    /// Forgets a retired key (destroying it zeroises its bytes). Returns whether it was held.
    pub fn destroy_retired(&mut self, id: u32) -> bool {
        id != self.current && self.keys.remove(&id).is_some()
    }

    /// The id of the current key.
    pub fn current_id(&self) -> u32 {
        self.current
    }

    /// Every held key, the current one first (to write the keyring out whole).
    pub fn keys(&self) -> impl Iterator<Item = &MasterKey> {
        let current = self.keys.get(&self.current);
        current.into_iter().chain(
            self.keys
                .iter()
                .filter(|(id, _)| **id != self.current)
                .map(|(_, k)| k),
        )
    }

    /// Wraps a record key under the current master key.
    pub fn wrap(
        &self,
        rng: &mut impl SecureRng,
        record_id: &str,
        key: &RecordKey,
    ) -> Result<WrappedKey, TrustError> {
        let master = self
            .keys
            .get(&self.current)
            .ok_or(TrustError::UnknownKeyId(self.current))?;
        wrap(master, rng, record_id, key)
    }

    /// Unwraps with whichever held key wrapped it.
    pub fn unwrap(&self, record_id: &str, wrapped: &WrappedKey) -> Result<RecordKey, TrustError> {
        let id = wrapped.master_key_id();
        let master = self.keys.get(&id).ok_or(TrustError::UnknownKeyId(id))?;
        unwrap(master, record_id, wrapped)
    }

    /// Whether a wrapped key still needs rotating to the current master key.
    pub fn needs_rewrap(&self, wrapped: &WrappedKey) -> bool {
        wrapped.master_key_id() != self.current
    }

    /// Re-wraps under the current key whatever held key wrapped it.
    pub fn rewrap(
        &self,
        rng: &mut impl SecureRng,
        record_id: &str,
        wrapped: &WrappedKey,
    ) -> Result<WrappedKey, TrustError> {
        let key = self.unwrap(record_id, wrapped)?;
        self.wrap(rng, record_id, &key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(7)
    }

    #[test]
    fn field_round_trip_and_format() {
        let mut r = rng();
        let k = RecordKey::generate(3, &mut r);
        let ct = k.seal(&mut r, "visit.health", "rec-1", b"fever").unwrap();
        assert_eq!(&ct[..3], b"HWF");
        assert_eq!(ct.len(), 5 + FIELD_OVERHEAD);
        assert_eq!(sealed_generation(&ct).unwrap(), 3);
        assert_eq!(&*k.open("visit.health", "rec-1", &ct).unwrap(), b"fever");
    }

    #[test]
    fn every_byte_is_authenticated() {
        let mut r = rng();
        let k = RecordKey::generate(0, &mut r);
        let ct = k.seal(&mut r, "f", "r", b"some text").unwrap();
        for i in 0..ct.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = ct.clone();
                bad[i] ^= bit;
                assert!(k.open("f", "r", &bad).is_err(), "byte {i} bit {bit}");
            }
        }
        assert!(k.open("f", "r", &ct[..ct.len() - 1]).is_err());
    }

    #[test]
    fn associated_data_binds_field_and_record() {
        let mut r = rng();
        let k = RecordKey::generate(0, &mut r);
        let ct = k.seal(&mut r, "person.notes", "A", b"x").unwrap();
        assert_eq!(k.open("person.notes", "B", &ct), Err(TrustError::Decrypt));
        assert_eq!(k.open("person.contact", "A", &ct), Err(TrustError::Decrypt));
        // Length prefixes keep ("ab","c") and ("a","bc") apart.
        let ct2 = k.seal(&mut r, "ab", "c", b"x").unwrap();
        assert_eq!(k.open("a", "bc", &ct2), Err(TrustError::Decrypt));
    }

    #[test]
    fn key_text_forms() {
        let hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1F";
        let a = MasterKey::from_encoded(1, hex).unwrap();
        let b64 = a.to_base64();
        let b = MasterKey::from_encoded(1, &format!("  {}\n", b64.expose_secret())).unwrap();
        assert_eq!(a.key.expose_secret(), b.key.expose_secret());
        assert_eq!(a.key.expose_secret()[31], 0x1f);
        assert!(MasterKey::from_encoded(1, "short").is_err());
        assert!(MasterKey::from_encoded(1, &hex[..62]).is_err());
    }

    #[test]
    fn passphrase_derivation_is_deterministic_and_salted() {
        use crate::password::{Argon2Cost, Password};
        let pw = Password::new("operator passphrase for the office");
        let cost = Argon2Cost::OWASP_MINIMUM;
        let a = MasterKey::from_passphrase(1, &pw, &[1u8; 16], cost).unwrap();
        let b = MasterKey::from_passphrase(1, &pw, &[1u8; 16], cost).unwrap();
        let c = MasterKey::from_passphrase(1, &pw, &[2u8; 16], cost).unwrap();
        assert_eq!(a.key.expose_secret(), b.key.expose_secret());
        assert_ne!(a.key.expose_secret(), c.key.expose_secret());
        assert!(MasterKey::from_passphrase(1, &pw, &[1u8; 8], cost).is_err());
        let weak = Argon2Cost {
            memory_kib: 1024,
            ..cost
        };
        assert!(MasterKey::from_passphrase(1, &pw, &[1u8; 16], weak).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let k = MasterKey::from_bytes(9, [0xAB; 32]);
        let d = format!("{k:?}");
        assert!(!d.contains("171") && !d.to_lowercase().contains("ab, ") && d.contains("REDACTED"));
        let rk = RecordKey::generate(0, &mut rng());
        assert!(format!("{rk:?}").contains("REDACTED"));
    }
}
