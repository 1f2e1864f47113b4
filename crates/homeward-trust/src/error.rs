//! The one error type of the crate.

/// Everything that can fail in the trust primitives. Messages never carry key material,
/// plaintext or personal data: only lengths, field names, ids and sequence numbers.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TrustError {
    /// A key string was neither 64 hex digits nor base64 of 32 bytes.
    #[error("key is not 32 bytes in hex or base64")]
    KeyEncoding,
    /// A stored blob does not start with the expected magic prefix, version or algorithm.
    #[error("unrecognised {what} format")]
    Format {
        /// Which kind of blob was being read (wrapped key, field ciphertext, entry, ...).
        what: &'static str,
    },
    /// Authenticated decryption failed: wrong key, wrong record or field, or altered bytes.
    #[error("authenticated decryption failed")]
    Decrypt,
    /// Encryption failed inside the AEAD (only on absurd input sizes).
    #[error("encryption failed")]
    Encrypt,
    /// A wrapped key names a master key id that the keyring does not hold.
    #[error("no master key with id {0}")]
    UnknownKeyId(u32),
    /// Argon2 rejected its parameters, or a stored password hash is not a valid PHC string.
    #[error("password hashing: {0}")]
    PasswordHash(String),
    /// A base32 TOTP secret could not be decoded, or is too short.
    #[error("invalid TOTP secret")]
    TotpSecret,
    /// A TOTP parameter (digits, step) is outside what RFC 6238 deployments use.
    #[error("invalid TOTP parameters")]
    TotpParams,
    /// An audit entry field is empty where required, too long, or holds control
    /// characters (log-injection guard); names the entry.
    #[error("audit entry {seq}: field {field} is invalid")]
    InvalidEntryField {
        /// Sequence number of the entry.
        seq: u64,
        /// The name of the offending field.
        field: &'static str,
    },
    /// An entry's commitment does not match the record content and salt it should commit
    /// to: the record was changed outside the application.
    #[error("audit entry {seq}: commitment does not match the record")]
    CommitmentMismatch {
        /// Sequence number of the entry.
        seq: u64,
    },
    /// Entries are not numbered 0, 1, 2, ... in order: names the first entry out of place.
    #[error("audit entry at position {position} has seq {found}, expected {position}")]
    SequenceGap {
        /// Position of the entry in the log.
        position: u64,
        /// The sequence number it carries.
        found: u64,
    },
    /// An entry's content does not match its stored leaf hash: names the first bad entry.
    #[error("audit entry {seq} does not match its stored leaf hash")]
    EntryMismatch {
        /// Sequence number of the first entry whose hash differs.
        seq: u64,
    },
    /// The number of stored leaf hashes differs from the number of entries.
    #[error("{entries} entries but {hashes} stored leaf hashes")]
    LeafCountMismatch {
        /// Number of entries.
        entries: u64,
        /// Number of stored leaf hashes.
        hashes: u64,
    },
    /// The log is shorter than a checkpoint that was issued for it: entries were removed.
    #[error("log has {size} entries but a checkpoint covers {checkpoint_size}")]
    LogTruncated {
        /// Current number of entries.
        size: u64,
        /// Tree size of the checkpoint.
        checkpoint_size: u64,
    },
    /// The first `size` entries no longer hash to the root a signed checkpoint recorded:
    /// history was rewritten (even if every stored hash was recomputed).
    #[error("log prefix of size {size} does not match the checkpoint root")]
    CheckpointMismatch {
        /// Tree size of the checkpoint.
        size: u64,
    },
    /// A checkpoint signature does not verify, or was made by another key.
    #[error("checkpoint signature invalid")]
    BadSignature,
    /// A checkpoint or verifier key text is malformed.
    #[error("malformed checkpoint: {0}")]
    CheckpointFormat(&'static str),
    /// A newer checkpoint has a smaller tree size than an older one.
    #[error("tree size went down from {old} to {new}")]
    TreeShrank {
        /// Size of the older checkpoint.
        old: u64,
        /// Size of the newer checkpoint.
        new: u64,
    },
    /// An inclusion or consistency proof does not verify.
    #[error("Merkle proof does not verify")]
    BadProof,
    /// A proof was requested for sizes or indexes outside the tree.
    #[error("proof request out of range")]
    ProofRange,
    /// A disclosure table is malformed (ragged rows, tables with different totals, ...).
    #[error("invalid table: {0}")]
    InvalidTable(&'static str),
    /// A suppression threshold below the floor of 5 was asked for.
    #[error("suppression threshold {0} is below the floor of 5")]
    ThresholdTooLow(u64),
}
