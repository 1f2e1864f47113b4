//! The tamper-evident audit log: canonical entries that hold ids and commitments (never
//! personal data), an RFC 9162 Merkle tree over them with inclusion and consistency proofs,
//! Ed25519-signed checkpoints in the C2SP signed-note text format, and whole-log
//! verification that names the first bad entry.
//!
//! The hashing is RFC 9162 §2.1: leaf = SHA-256(0x00 ‖ entry bytes), node =
//! SHA-256(0x01 ‖ left ‖ right), and MTH splits a list of n > 1 leaves at the largest
//! power of two smaller than n. The empty tree's root is SHA-256 of nothing.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{SecureRng, TrustError};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Version byte that starts every canonical entry encoding.
pub const ENTRY_FORMAT_VERSION: u8 = 1;
/// Longest string field of an entry, in bytes.
pub const MAX_FIELD_BYTES: usize = 256;

/// What happened. The names are stable: they are part of the hashed encoding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// A record was created.
    Create,
    /// A new version of a record was written.
    Update,
    /// A record was deleted (its versions stay; see Erase for key destruction).
    Delete,
    /// A sensitive field (health, location, source, contact) was read.
    ReadSensitive,
    /// Records were merged into one person.
    Merge,
    /// A person was split into several.
    Split,
    /// A death was confirmed.
    ConfirmDeath,
    /// A source list was imported.
    Import,
    /// Data left the system (report, export, transfer).
    Export,
    /// A successful login.
    Login,
    /// A failed login.
    LoginFailed,
    /// A logout or session end.
    Logout,
    /// An authorisation check refused an action.
    AccessDenied,
    /// A second person approved a sensitive action.
    Approve,
    /// A correction with a reason code.
    Correct,
    /// A record's keys were destroyed (crypto-erasure); the disposal record.
    Erase,
    /// A master key was rotated or destroyed.
    KeyRotation,
    /// An action not listed above: lower-case ASCII letters, digits and `_`, at most 64,
    /// and not one of the names above.
    Other(String),
}

const KNOWN_ACTIONS: [(&str, Action); 17] = [
    ("create", Action::Create),
    ("update", Action::Update),
    ("delete", Action::Delete),
    ("read_sensitive", Action::ReadSensitive),
    ("merge", Action::Merge),
    ("split", Action::Split),
    ("confirm_death", Action::ConfirmDeath),
    ("import", Action::Import),
    ("export", Action::Export),
    ("login", Action::Login),
    ("login_failed", Action::LoginFailed),
    ("logout", Action::Logout),
    ("access_denied", Action::AccessDenied),
    ("approve", Action::Approve),
    ("correct", Action::Correct),
    ("erase", Action::Erase),
    ("key_rotation", Action::KeyRotation),
];

impl Action {
    /// The stable name written into the encoding.
    pub fn name(&self) -> &str {
        match self {
            Action::Other(s) => s,
            known => KNOWN_ACTIONS
                .iter()
                .find(|(_, a)| a == known)
                .map_or("", |(n, _)| n),
        }
    }

    /// The action with this name; unknown names become [`Action::Other`].
    pub fn from_name(name: &str) -> Self {
        KNOWN_ACTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| Action::Other(name.to_owned()), |(_, a)| a.clone())
    }

    fn is_valid(&self) -> bool {
        match self {
            Action::Other(s) => {
                !s.is_empty()
                    && s.len() <= 64
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    && !KNOWN_ACTIONS.iter().any(|(n, _)| n == s)
            }
            _ => true,
        }
    }
}

/// One audit event. It names who did what to which object and when, and commits to the
/// content involved, but carries no personal data: `actor` is a user id, `object_id` a
/// pseudonymous record id, and `commitment` an HMAC under a per-entry salt (see
/// [`commit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log, from 0, without gaps.
    pub seq: u64,
    /// When, in unix seconds UTC, as given by the caller's clock.
    pub at: i64,
    /// The user id of who acted (never a name).
    pub actor: String,
    /// What was done.
    pub action: Action,
    /// The kind of object, e.g. `person`, `record`, `visit`, `session`.
    pub object_kind: String,
    /// The object's id (may be empty for events without an object).
    pub object_id: String,
    /// Commitment to the content written or read, or all zeros when there is none.
    pub commitment: Hash,
}

fn check_text(seq: u64, field: &'static str, s: &str, required: bool) -> Result<(), TrustError> {
    let bad = (required && s.is_empty())
        || s.len() > MAX_FIELD_BYTES
        || s.chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}');
    if bad {
        Err(TrustError::InvalidEntryField { seq, field })
    } else {
        Ok(())
    }
}

fn push_lp(buf: &mut Vec<u8>, s: &str) {
    // Fields are at most MAX_FIELD_BYTES (checked before), so a u16 prefix is exact.
    buf.extend_from_slice(&(s.len() as u16).to_be_bytes());
    buf.extend_from_slice(s.as_bytes());
}

impl AuditEntry {
    /// The canonical bytes that are hashed into the log: version byte, seq (u64 BE), at
    /// (i64 BE), actor, action name, object kind, object id (each u16 BE length-prefixed
    /// UTF-8), commitment (32 bytes). Refuses empty actor, action or kind, fields over 256
    /// bytes and control characters (so no entry can forge a line in a text log).
    pub fn to_bytes(&self) -> Result<Vec<u8>, TrustError> {
        let seq = self.seq;
        check_text(seq, "actor", &self.actor, true)?;
        check_text(seq, "object_kind", &self.object_kind, true)?;
        check_text(seq, "object_id", &self.object_id, false)?;
        if !self.action.is_valid() {
            return Err(TrustError::InvalidEntryField {
                seq,
                field: "action",
            });
        }
        let name = self.action.name();
        let mut b = Vec::with_capacity(
            1 + 16
                + 8
                + self.actor.len()
                + name.len()
                + self.object_kind.len()
                + self.object_id.len()
                + 32,
        );
        b.push(ENTRY_FORMAT_VERSION);
        b.extend_from_slice(&self.seq.to_be_bytes());
        b.extend_from_slice(&self.at.to_be_bytes());
        push_lp(&mut b, &self.actor);
        push_lp(&mut b, name);
        push_lp(&mut b, &self.object_kind);
        push_lp(&mut b, &self.object_id);
        b.extend_from_slice(&self.commitment);
        Ok(b)
    }

    /// Reads the canonical encoding back; strict (no trailing bytes, known version only).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TrustError> {
        let err = TrustError::Format {
            what: "audit entry",
        };
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(1).ok_or(err.clone())? != [ENTRY_FORMAT_VERSION] {
            return Err(err);
        }
        let seq = u64::from_be_bytes(r.array().ok_or(err.clone())?);
        let at = i64::from_be_bytes(r.array().ok_or(err.clone())?);
        let actor = r.string().ok_or(err.clone())?;
        let action = Action::from_name(&r.string().ok_or(err.clone())?);
        let object_kind = r.string().ok_or(err.clone())?;
        let object_id = r.string().ok_or(err.clone())?;
        let commitment: Hash = r.array().ok_or(err.clone())?;
        if r.at != bytes.len() {
            return Err(err);
        }
        let entry = Self {
            seq,
            at,
            actor,
            action,
            object_kind,
            object_id,
            commitment,
        };
        // Only canonical encodings are accepted: re-encoding must give the same bytes.
        match entry.to_bytes() {
            Ok(again) if again == bytes => Ok(entry),
            _ => Err(err),
        }
    }

    /// This entry's leaf hash, SHA-256(0x00 ‖ canonical bytes).
    pub fn leaf_hash(&self) -> Result<Hash, TrustError> {
        Ok(leaf_hash(&self.to_bytes()?))
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.b.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Some(a)
    }
    fn string(&mut self) -> Option<String> {
        let n = u16::from_be_bytes(self.array()?);
        String::from_utf8(self.take(usize::from(n))?.to_vec()).ok()
    }
}

/// A fresh 256-bit salt for one commitment. Store it with the record version, not in the
/// log: destroying it (with the record) makes the commitment useless for guessing content.
pub fn new_salt(rng: &mut impl SecureRng) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}

/// Commitment to some content: HMAC-SHA-256 keyed by the salt over a domain tag and the
/// content. Hiding (without the salt, low-entropy content cannot be guessed) and binding.
pub fn commit(salt: &[u8; 32], content: &[u8]) -> Hash {
    // HMAC accepts any key length, so the error branch cannot be taken.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(salt) else {
        return [0u8; 32];
    };
    mac.update(b"homeward commitment v1\n");
    mac.update(content);
    mac.finalize().into_bytes().into()
}

/// Checks that an entry commits to `content` under `salt`; names the entry if not. This is
/// how a change made directly in the database, bypassing the application, is found (AT-6).
pub fn check_commitment(
    entry: &AuditEntry,
    salt: &[u8; 32],
    content: &[u8],
) -> Result<(), TrustError> {
    let c = commit(salt, content);
    if bool::from(c.ct_eq(&entry.commitment)) {
        Ok(())
    } else {
        Err(TrustError::CommitmentMismatch { seq: entry.seq })
    }
}

/// RFC 9162 leaf hash: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly smaller than `n` (n ≥ 2).
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH over leaf hashes (RFC 9162 §2.1.1).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split_point(n);
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2) of the leaf hash at `index` in the tree
/// of `size` leaves with root `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), TrustError> {
    if index >= size {
        return Err(TrustError::BadProof);
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(TrustError::BadProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && bool::from(r.ct_eq(root)) {
        Ok(())
    } else {
        Err(TrustError::BadProof)
    }
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2): the tree of `new_size` leaves with
/// root `new_root` extends the tree of `old_size` leaves with root `old_root`. Equal sizes
/// need an empty proof and equal roots; an empty old tree is extended by every tree.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), TrustError> {
    if old_size > new_size {
        return Err(TrustError::TreeShrank {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size {
        return if proof.is_empty() && bool::from(old_root.ct_eq(new_root)) {
            Ok(())
        } else {
            Err(TrustError::BadProof)
        };
    }
    if old_size == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(TrustError::BadProof)
        };
    }
    if proof.is_empty() {
        return Err(TrustError::BadProof);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if snode == 0 {
            return Err(TrustError::BadProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && bool::from(fr.ct_eq(old_root)) && bool::from(sr.ct_eq(new_root)) {
        Ok(())
    } else {
        Err(TrustError::BadProof)
    }
}

/// An append-only Merkle tree of leaf hashes. Keeps every leaf and the root of every
/// complete, aligned subtree (about one extra hash per leaf), so roots at any size and
/// proofs cost O(log² n) hashes at most instead of O(n).
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    // levels[l][i] is the root of leaves [i·2^l, (i+1)·2^l); levels[0] are the leaves.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over stored leaf hashes.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut t = Self::new();
        for l in leaves {
            t.push_leaf(l);
        }
        t
    }

    /// Appends a leaf hash; returns the new size.
    pub fn push_leaf(&mut self, leaf: Hash) -> u64 {
        let mut carry = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(carry);
            let n = row.len();
            if n % 2 == 1 {
                break;
            }
            carry = node_hash(&row[n - 2], &row[n - 1]);
            level += 1;
        }
        self.len()
    }

    /// Appends an entry, which must carry the next sequence number; returns its leaf hash.
    pub fn append(&mut self, entry: &AuditEntry) -> Result<Hash, TrustError> {
        let position = self.len();
        if entry.seq != position {
            return Err(TrustError::SequenceGap {
                position,
                found: entry.seq,
            });
        }
        let leaf = entry.leaf_hash()?;
        self.push_leaf(leaf);
        Ok(leaf)
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.leaves().len() as u64
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.leaves().is_empty()
    }

    /// The leaf hashes, in order.
    pub fn leaves(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// MTH of the leaves [start, start + len), where the range is one that the RFC's
    /// recursion over a prefix produces (every left part is complete and aligned).
    fn range_root(&self, start: usize, len: usize) -> Hash {
        if len == 0 {
            return empty_root();
        }
        if len.is_power_of_two() && start % len == 0 {
            let level = len.trailing_zeros() as usize;
            if let Some(h) = self
                .levels
                .get(level)
                .and_then(|row| row.get(start >> level))
            {
                return *h;
            }
        }
        if len == 1 {
            // Unreachable for ranges inside the tree; kept total for safety.
            return self.leaves().get(start).copied().unwrap_or_else(empty_root);
        }
        let k = split_point(len);
        node_hash(
            &self.range_root(start, k),
            &self.range_root(start + k, len - k),
        )
    }

    /// The current root (MTH of all leaves).
    pub fn root(&self) -> Hash {
        self.range_root(0, self.leaves().len())
    }

    fn size(&self, size: u64) -> Result<usize, TrustError> {
        usize::try_from(size)
            .ok()
            .filter(|&s| s <= self.leaves().len())
            .ok_or(TrustError::ProofRange)
    }

    /// The root the tree had when it held `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, TrustError> {
        Ok(self.range_root(0, self.size(size)?))
    }

    /// PATH(m, D[start..start+n]) of RFC 9162 §2.1.3.1.
    fn path(&self, m: usize, start: usize, n: usize, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.range_root(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.range_root(start, k));
        }
    }

    /// SUBPROOF(m, D[start..start+n], complete) of RFC 9162 §2.1.4.1.
    fn subproof(&self, m: usize, start: usize, n: usize, complete: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !complete {
                out.push(self.range_root(start, n));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, k, complete, out);
            out.push(self.range_root(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.range_root(start, k));
        }
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, TrustError> {
        let n = self.size(size)?;
        let m = usize::try_from(index).map_err(|_| TrustError::ProofRange)?;
        if m >= n {
            return Err(TrustError::ProofRange);
        }
        let mut out = Vec::new();
        self.path(m, 0, n, &mut out);
        Ok(out)
    }

    /// Consistency proof from the tree of `old_size` leaves to that of `new_size`
    /// (RFC 9162 §2.1.4.1). Empty when the sizes are equal or `old_size` is 0.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, TrustError> {
        let n = self.size(new_size)?;
        let m = self.size(old_size)?;
        if m > n {
            return Err(TrustError::ProofRange);
        }
        let mut out = Vec::new();
        if m > 0 && m < n {
            self.subproof(m, 0, n, true, &mut out);
        }
        Ok(out)
    }
}

/// The C2SP signed-note algorithm byte for Ed25519.
const ED25519_ALG: u8 = 0x01;

fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('+')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519_ALG]);
    h.update(public.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// Signs checkpoints with an Ed25519 key under a key name (the signed-note key name, e.g.
/// `homeward-yerevan-2026`). Debug never shows the key.
pub struct CheckpointSigner {
    name: String,
    key: SigningKey,
}

impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("name", &self.name)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

impl CheckpointSigner {
    /// A signer from a 32-byte Ed25519 seed. The name must be non-empty, without spaces or
    /// `+` (signed-note rules).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, TrustError> {
        if !valid_key_name(name) {
            return Err(TrustError::CheckpointFormat("key name"));
        }
        Ok(Self {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        })
    }

    /// A signer with a fresh key from the passed-in generator.
    pub fn generate(name: &str, rng: &mut impl SecureRng) -> Result<Self, TrustError> {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(name, &seed)
    }

    /// The matching verifier, to hand to whoever keeps checkpoints outside.
    pub fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Signs the tree head `(size, root)` of the log named `origin` at `signed_at`.
    pub fn sign(
        &self,
        origin: &str,
        size: u64,
        root: Hash,
        signed_at: i64,
    ) -> Result<Checkpoint, TrustError> {
        if origin.is_empty() || origin.chars().any(char::is_control) {
            return Err(TrustError::CheckpointFormat("origin"));
        }
        let mut cp = Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            signed_at,
            key_name: self.name.clone(),
            key_id: key_id(&self.name, &self.key.verifying_key()),
            signature: [0u8; 64],
        };
        cp.signature = self.key.sign(cp.body().as_bytes()).to_bytes();
        Ok(cp)
    }

    /// Signs the SHA-256 digest of a handover bundle's contents. The signed message is
    /// prefixed, so that a bundle signature can never pass for a checkpoint's or back.
    pub fn sign_bundle(&self, digest: &[u8; 32]) -> [u8; 64] {
        self.key.sign(&bundle_message(digest)).to_bytes()
    }
}

/// The message a bundle signature covers.
fn bundle_message(digest: &[u8; 32]) -> Vec<u8> {
    let mut m = b"homeward handover bundle v1\n".to_vec();
    m.extend_from_slice(digest);
    m
}

/// The public half of a checkpoint key, with its name. Its text form is the signed-note
/// verifier key `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    key: VerifyingKey,
}

impl CheckpointVerifier {
    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key text.
    pub fn to_vkey(&self) -> String {
        let id = key_id(&self.name, &self.key);
        let mut raw = vec![ED25519_ALG];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            id.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            STANDARD.encode(raw)
        )
    }

    /// Checks a handover bundle's signature over the digest of its contents
    /// ([`CheckpointSigner::sign_bundle`]), strictly.
    pub fn verify_bundle(&self, digest: &[u8; 32], signature: &[u8; 64]) -> Result<(), TrustError> {
        self.key
            .verify_strict(&bundle_message(digest), &Signature::from_bytes(signature))
            .map_err(|_| TrustError::BadSignature)
    }

    /// Reads a verifier key text, checking its key id.
    pub fn from_vkey(text: &str) -> Result<Self, TrustError> {
        let bad = TrustError::CheckpointFormat("verifier key");
        // The key data is standard base64, which may itself hold `+`: split twice only.
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad);
        };
        if !valid_key_name(name) {
            return Err(bad);
        }
        let raw = STANDARD.decode(b64).map_err(|_| bad.clone())?;
        if raw.len() != 33 || raw[0] != ED25519_ALG {
            return Err(bad);
        }
        let mut pk = [0u8; 32];
        pk.copy_from_slice(&raw[1..]);
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad.clone())?;
        let id = key_id(name, &key);
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        if hex != id_hex {
            return Err(bad);
        }
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }
}

/// A signed tree head: the log `origin` had `size` entries with root `root` at `signed_at`
/// (unix seconds). Exported as a C2SP signed note that can be kept anywhere (HQ, a witness,
/// paper), then used to prove the log only grew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, first line of the note (e.g. `homeward.example/yerevan`).
    pub origin: String,
    /// Number of entries covered.
    pub size: u64,
    /// The Merkle root of those entries.
    pub root: Hash,
    /// When it was signed (an extension line `time <unix seconds>`).
    pub signed_at: i64,
    /// Name of the signing key.
    pub key_name: String,
    /// Signed-note key id of the signing key.
    pub key_id: [u8; 4],
    /// Ed25519 signature over the note body.
    pub signature: [u8; 64],
}

impl Checkpoint {
    /// The signed text: origin, size, base64 root, `time` extension line.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root),
            self.signed_at
        )
    }

    /// The note text: body, a blank line, and the signature line `— <name> <base64>`.
    pub fn to_note(&self) -> String {
        let mut sig = Vec::with_capacity(68);
        sig.extend_from_slice(&self.key_id);
        sig.extend_from_slice(&self.signature);
        format!(
            "{}\n\u{2014} {} {}\n",
            self.body(),
            self.key_name,
            STANDARD.encode(sig)
        )
    }

    /// Checks the signature with `verify_strict` (no weak keys, no malleable signatures).
    pub fn verify(&self, verifier: &CheckpointVerifier) -> Result<(), TrustError> {
        if self.key_name != verifier.name || self.key_id != key_id(&verifier.name, &verifier.key) {
            return Err(TrustError::BadSignature);
        }
        let sig = Signature::from_bytes(&self.signature);
        verifier
            .key
            .verify_strict(self.body().as_bytes(), &sig)
            .map_err(|_| TrustError::BadSignature)
    }

    /// Parses a note and verifies the signature line made by `verifier`; signature lines of
    /// other keys (e.g. witness cosignatures) are ignored.
    pub fn from_note(text: &str, verifier: &CheckpointVerifier) -> Result<Self, TrustError> {
        let (body, sigs) = text
            .split_once("\n\n")
            .ok_or(TrustError::CheckpointFormat("no blank line"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, time] = lines[..] else {
            return Err(TrustError::CheckpointFormat("body lines"));
        };
        if origin.is_empty() {
            return Err(TrustError::CheckpointFormat("origin"));
        }
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(TrustError::CheckpointFormat("size"));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| TrustError::CheckpointFormat("size"))?;
        let root_raw = STANDARD
            .decode(root)
            .map_err(|_| TrustError::CheckpointFormat("root"))?;
        let root: Hash = root_raw
            .try_into()
            .map_err(|_| TrustError::CheckpointFormat("root"))?;
        let signed_at: i64 = time
            .strip_prefix("time ")
            .and_then(|t| t.parse().ok())
            .ok_or(TrustError::CheckpointFormat("time"))?;
        if !sigs.ends_with('\n') {
            return Err(TrustError::CheckpointFormat("signature lines"));
        }
        let want_id = key_id(&verifier.name, &verifier.key);
        for line in sigs.trim_end_matches('\n').split('\n') {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or(TrustError::CheckpointFormat("signature line"))?;
            let (name, b64) = rest
                .split_once(' ')
                .ok_or(TrustError::CheckpointFormat("signature line"))?;
            let raw = STANDARD
                .decode(b64)
                .map_err(|_| TrustError::CheckpointFormat("signature"))?;
            if name != verifier.name || raw.len() != 68 || raw[..4] != want_id {
                continue;
            }
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&raw[4..]);
            let cp = Checkpoint {
                origin: origin.to_owned(),
                size,
                root,
                signed_at,
                key_name: name.to_owned(),
                key_id: want_id,
                signature,
            };
            // The body is re-rendered from parsed values: a non-canonical body (say, a
            // root in another base64 form) cannot carry a valid signature.
            if cp.body() != format!("{body}\n") {
                return Err(TrustError::CheckpointFormat("non-canonical body"));
            }
            cp.verify(verifier)?;
            return Ok(cp);
        }
        Err(TrustError::BadSignature)
    }
}

/// Checks that `new` extends `old`: both signed by `verifier`, same origin, size not
/// smaller, and the consistency proof from `old` to `new` verifies.
pub fn check_checkpoints(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: &[Hash],
    verifier: &CheckpointVerifier,
) -> Result<(), TrustError> {
    old.verify(verifier)?;
    new.verify(verifier)?;
    if old.origin != new.origin {
        return Err(TrustError::CheckpointFormat("origin differs"));
    }
    verify_consistency(old.size, new.size, &old.root, &new.root, proof)
}

/// What [`verify_log`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Number of entries checked.
    pub size: u64,
    /// The root over all of them (sign it as the next checkpoint).
    pub root: Hash,
    /// The size of the checkpoint the log was shown to extend, if one was given.
    pub extends_checkpoint: Option<u64>,
}

/// Checks a whole log: entries numbered 0..n in order; each entry's canonical encoding
/// hashes to its stored leaf hash (if stored hashes are given), naming the first entry that
/// does not; and, given a checkpoint held outside, that its signature verifies and that the
/// first `checkpoint.size` entries still hash to its root, so the log only grew since. The
/// last check catches an insider who rewrites an entry and recomputes every hash.
pub fn verify_log(
    entries: &[AuditEntry],
    stored_leaf_hashes: Option<&[Hash]>,
    checkpoint: Option<(&Checkpoint, &CheckpointVerifier)>,
) -> Result<Verified, TrustError> {
    if let Some(stored) = stored_leaf_hashes {
        if stored.len() != entries.len() {
            return Err(TrustError::LeafCountMismatch {
                entries: entries.len() as u64,
                hashes: stored.len() as u64,
            });
        }
    }
    let mut tree = MerkleTree::new();
    let mut checkpoint_root: Option<Hash> = None;
    let cp_size = checkpoint.map(|(c, _)| c.size);
    for (i, e) in entries.iter().enumerate() {
        if cp_size == Some(tree.len()) {
            checkpoint_root = Some(tree.root());
        }
        let leaf = tree.append(e)?;
        if let Some(stored) = stored_leaf_hashes {
            if !bool::from(leaf.ct_eq(&stored[i])) {
                return Err(TrustError::EntryMismatch { seq: e.seq });
            }
        }
    }
    if cp_size == Some(tree.len()) {
        checkpoint_root = Some(tree.root());
    }
    let mut extends = None;
    if let Some((cp, verifier)) = checkpoint {
        cp.verify(verifier)?;
        let Some(prefix_root) = checkpoint_root else {
            return Err(TrustError::LogTruncated {
                size: tree.len(),
                checkpoint_size: cp.size,
            });
        };
        if !bool::from(prefix_root.ct_eq(&cp.root)) {
            return Err(TrustError::CheckpointMismatch { size: cp.size });
        }
        extends = Some(cp.size);
    }
    Ok(Verified {
        size: tree.len(),
        root: tree.root(),
        extends_checkpoint: extends,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64) -> AuditEntry {
        AuditEntry {
            seq,
            at: 1_700_000_000 + seq as i64,
            actor: "u-17".into(),
            action: Action::Update,
            object_kind: "record".into(),
            object_id: format!("r-{seq}"),
            commitment: commit(&[seq as u8; 32], b"content"),
        }
    }

    #[test]
    fn verifier_keys_whose_base64_holds_a_plus_read_back() {
        let with_plus = (0u8..=255)
            .map(|i| {
                CheckpointSigner::from_seed("k", &[i; 32])
                    .unwrap()
                    .verifier()
            })
            .find(|v| v.to_vkey().matches('+').count() > 2)
            .expect("some key's base64 holds a '+'");
        assert_eq!(
            CheckpointVerifier::from_vkey(&with_plus.to_vkey()).unwrap(),
            with_plus
        );
    }

    #[test]
    fn bundle_signatures_verify_only_for_their_digest_and_key() {
        let signer = CheckpointSigner::from_seed("office-a", &[7u8; 32]).unwrap();
        let other = CheckpointSigner::from_seed("office-a", &[8u8; 32]).unwrap();
        let digest = [1u8; 32];
        let sig = signer.sign_bundle(&digest);
        assert!(signer.verifier().verify_bundle(&digest, &sig).is_ok());
        assert!(signer.verifier().verify_bundle(&[2u8; 32], &sig).is_err());
        assert!(other.verifier().verify_bundle(&digest, &sig).is_err());
        // A checkpoint's signature is not a bundle signature over the same bytes.
        let cp = signer.sign("o", 1, [1u8; 32], 0).unwrap();
        assert!(signer
            .verifier()
            .verify_bundle(&digest, &cp.signature)
            .is_err());
    }

    #[test]
    fn rfc_shapes_for_small_trees() {
        let l: Vec<Hash> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
        assert_eq!(root_of(&[]), empty_root());
        assert_eq!(root_of(&l[..1]), l[0]);
        assert_eq!(root_of(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        // Known value: SHA-256 of the empty string.
        assert_eq!(
            empty_root()[..4],
            [0xe3, 0xb0, 0xc4, 0x42],
            "SHA-256(\"\") starts e3b0c442"
        );
    }

    #[test]
    fn cached_roots_equal_mth() {
        let mut t = MerkleTree::new();
        for i in 0..70u32 {
            t.push_leaf(leaf_hash(&i.to_be_bytes()));
            assert_eq!(t.root(), root_of(t.leaves()), "size {}", t.len());
        }
        for size in 0..=70 {
            assert_eq!(
                t.root_at(size).unwrap(),
                root_of(&t.leaves()[..size as usize])
            );
        }
        assert!(t.root_at(71).is_err());
    }

    #[test]
    fn entry_encoding_is_canonical_and_strict() {
        let e = entry(3);
        let b = e.to_bytes().unwrap();
        assert_eq!(AuditEntry::from_bytes(&b).unwrap(), e);
        let mut longer = b.clone();
        longer.push(0);
        assert!(AuditEntry::from_bytes(&longer).is_err());
        assert!(AuditEntry::from_bytes(&b[..b.len() - 1]).is_err());
        let mut bad = e.clone();
        bad.actor = "u-1\nforged line".into();
        assert_eq!(
            bad.to_bytes(),
            Err(TrustError::InvalidEntryField {
                seq: 3,
                field: "actor"
            })
        );
        bad = e.clone();
        bad.action = Action::Other("create".into());
        assert!(bad.to_bytes().is_err());
        bad.action = Action::Other("retention_review".into());
        assert_eq!(
            AuditEntry::from_bytes(&bad.to_bytes().unwrap()).unwrap(),
            bad
        );
        for (name, a) in KNOWN_ACTIONS.iter() {
            assert_eq!(a.name(), *name);
            assert_eq!(&Action::from_name(name), a);
        }
    }

    #[test]
    fn commitment_checks() {
        let salt = [9u8; 32];
        let mut e = entry(0);
        e.commitment = commit(&salt, b"version 2 of record r-0");
        assert!(check_commitment(&e, &salt, b"version 2 of record r-0").is_ok());
        assert_eq!(
            check_commitment(&e, &salt, b"version 2 of record r-1"),
            Err(TrustError::CommitmentMismatch { seq: 0 })
        );
        assert!(check_commitment(&e, &[8u8; 32], b"version 2 of record r-0").is_err());
    }

    #[test]
    fn sequence_gap_named() {
        let entries = vec![entry(0), entry(1), entry(3)];
        assert_eq!(
            verify_log(&entries, None, None),
            Err(TrustError::SequenceGap {
                position: 2,
                found: 3
            })
        );
    }
}
