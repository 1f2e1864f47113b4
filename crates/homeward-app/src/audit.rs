//! Verifying the audit log and exporting signed checkpoints of it.
//!
//! A checkpoint file holds a C2SP signed note (origin, size, root, time, Ed25519
//! signature) followed by the leaf hashes it covers. The signed root vouches for the leaf
//! list, and the list lets `verify` name the first entry an insider rewrote, even when they
//! recomputed every hash in the database.

use homeward_store::{AuditRow, RowProblem, RowProblemKind, Store, StoreError};
use homeward_trust::audit::{
    root_of, verify_log, Action, AuditEntry, Checkpoint, CheckpointSigner, CheckpointVerifier, Hash,
};
use homeward_trust::TrustError;

/// The origin line of Homeward's checkpoints.
pub const ORIGIN: &str = "homeward/audit";

const LEAVES_MARK: &str = "-- leaf hashes --\n";

/// Errors of the audit use cases.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The checkpoint or key file is malformed.
    #[error("{what}: {reason}")]
    Format {
        /// Which file or value.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A cryptographic check failed in a way not tied to one entry.
    #[error("{0}")]
    Trust(#[from] TrustError),
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries in the log.
    pub size: u64,
    /// The root over them, hex.
    pub root: String,
    /// The size of the checkpoint the log was shown to extend.
    pub extends_checkpoint: Option<u64>,
    /// The first problem found in the log itself, if any.
    pub log_problem: Option<LogProblem>,
    /// Rows the log does not vouch for.
    pub rows: Vec<RowProblem>,
}

impl VerifyReport {
    /// Whether everything checked out.
    pub fn ok(&self) -> bool {
        self.log_problem.is_none() && self.rows.is_empty()
    }
}

/// A problem with the log's own entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogProblem {
    /// Entry `seq` (about `object`) does not hash to its stored leaf hash, or differs from
    /// the entry the checkpoint vouched for.
    BadEntry {
        /// The first bad entry.
        seq: u64,
        /// `kind/id` of the object the entry is about, as stored now.
        object: String,
        /// What it was compared against.
        against: &'static str,
    },
    /// Entries are not numbered 0..n without gaps.
    Numbering {
        /// The first misplaced entry.
        seq: u64,
    },
    /// The log is shorter than the checkpoint: entries were removed.
    Truncated {
        /// Entries now.
        size: u64,
        /// Entries the checkpoint covers.
        checkpoint_size: u64,
    },
    /// The checkpoint does not match the log and holds no leaf list to say where.
    Rewritten {
        /// Entries the checkpoint covers.
        checkpoint_size: u64,
    },
    /// The checkpoint's signature does not verify with the given key.
    BadSignature,
}

impl std::fmt::Display for LogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogProblem::BadEntry { seq, object, against } => write!(
                f,
                "entry {seq} ({object}) does not match {against}: the log was altered at or before it"
            ),
            LogProblem::Numbering { seq } => write!(f, "entry {seq} is out of sequence"),
            LogProblem::Truncated { size, checkpoint_size } => write!(
                f,
                "the log has {size} entries but the checkpoint vouches for {checkpoint_size}: entries were removed"
            ),
            LogProblem::Rewritten { checkpoint_size } => write!(
                f,
                "the first {checkpoint_size} entries no longer hash to the checkpoint's root: the log was rewritten"
            ),
            LogProblem::BadSignature => write!(f, "the checkpoint's signature does not verify"),
        }
    }
}

/// A row problem as one line of text (table, row id, what, and the vouching entry).
pub fn describe(p: &RowProblem) -> String {
    let what = match p.kind {
        RowProblemKind::Altered => "altered outside the application",
        RowProblemKind::Unlogged => "present but never logged",
        RowProblemKind::Missing => "deleted outside the application",
        RowProblemKind::Pending => {
            "changed outside the application (noted by the triggers, never logged)"
        }
    };
    match p.seq {
        Some(seq) => format!(
            "{} {}: {what} (last logged in entry {seq})",
            p.table, p.row_id
        ),
        None => format!("{} {}: {what}", p.table, p.row_id),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex32(s: &str) -> Option<Hash> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn entry_of(r: &AuditRow) -> AuditEntry {
    AuditEntry {
        seq: r.seq,
        at: r.at,
        actor: r.actor.clone(),
        action: Action::from_name(&r.action),
        object_kind: r.object_kind.clone(),
        object_id: r.object_id.clone(),
        commitment: r.commitment,
    }
}

/// A checkpoint file: the signed note and the leaf hashes it covers.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    /// The signed checkpoint.
    pub checkpoint: Checkpoint,
    /// The leaf hashes of the first `checkpoint.size` entries (checked against the root).
    pub leaves: Vec<Hash>,
}

/// Reads a checkpoint file and checks its signature and that its leaves hash to its root.
pub fn read_checkpoint(
    text: &str,
    verifier: &CheckpointVerifier,
) -> Result<CheckpointFile, AuditError> {
    let bad = |reason: &str| AuditError::Format {
        what: "checkpoint file".into(),
        reason: reason.into(),
    };
    let (note, leaves) = match text.split_once(LEAVES_MARK) {
        Some((n, l)) => (n, Some(l)),
        None => (text, None),
    };
    let checkpoint = Checkpoint::from_note(note, verifier)?;
    let leaves = match leaves {
        None => Vec::new(),
        Some(l) => {
            let v = l
                .lines()
                .filter(|x| !x.is_empty())
                .map(|x| unhex32(x.trim()).ok_or_else(|| bad("a leaf hash is not 64 hex digits")))
                .collect::<Result<Vec<_>, _>>()?;
            if v.len() as u64 != checkpoint.size || root_of(&v) != checkpoint.root {
                return Err(bad("its leaf hashes do not match its signed root"));
            }
            v
        }
    };
    Ok(CheckpointFile { checkpoint, leaves })
}

/// Verifies the whole log: numbering, each entry against its stored hash, against a
/// checkpoint held outside (if given: the log only grew since), and every audited row
/// against the commitment of its last entry.
pub async fn verify(
    store: &dyn Store,
    checkpoint: Option<(&CheckpointFile, &CheckpointVerifier)>,
) -> Result<VerifyReport, AuditError> {
    let rows = store.audit_rows().await?;
    let entries: Vec<AuditEntry> = rows.iter().map(entry_of).collect();
    let stored: Vec<Hash> = rows.iter().map(|r| r.leaf_hash).collect();
    let object = |seq: u64| {
        rows.iter()
            .find(|r| r.seq == seq)
            .map(|r| format!("{}/{}", r.object_kind, r.object_id))
            .unwrap_or_default()
    };
    let mut log_problem = None;
    // Numbering first: verify_log assumes it.
    for (i, r) in rows.iter().enumerate() {
        if r.seq != i as u64 {
            log_problem = Some(LogProblem::Numbering { seq: r.seq });
            break;
        }
    }
    // Against the checkpoint's own leaf list: names the first rewritten entry.
    if let (None, Some((cp, _))) = (&log_problem, checkpoint) {
        if (rows.len() as u64) < cp.checkpoint.size {
            log_problem = Some(LogProblem::Truncated {
                size: rows.len() as u64,
                checkpoint_size: cp.checkpoint.size,
            });
        } else {
            for (i, leaf) in cp.leaves.iter().enumerate() {
                let now = entries[i].leaf_hash().unwrap_or([0u8; 32]);
                if now != *leaf {
                    log_problem = Some(LogProblem::BadEntry {
                        seq: i as u64,
                        object: object(i as u64),
                        against: "the exported checkpoint",
                    });
                    break;
                }
            }
        }
    }
    let mut size = rows.len() as u64;
    let mut root = String::new();
    let mut extends = None;
    if log_problem.is_none() {
        match verify_log(
            &entries,
            Some(&stored),
            checkpoint.map(|(c, v)| (&c.checkpoint, v)),
        ) {
            Ok(v) => {
                size = v.size;
                root = hex(&v.root);
                extends = v.extends_checkpoint;
            }
            Err(TrustError::EntryMismatch { seq }) => {
                log_problem = Some(LogProblem::BadEntry {
                    seq,
                    object: object(seq),
                    against: "its stored hash",
                })
            }
            Err(TrustError::InvalidEntryField { seq, .. }) => {
                log_problem = Some(LogProblem::BadEntry {
                    seq,
                    object: object(seq),
                    against: "the entry format",
                })
            }
            Err(TrustError::LogTruncated {
                size,
                checkpoint_size,
            }) => {
                log_problem = Some(LogProblem::Truncated {
                    size,
                    checkpoint_size,
                })
            }
            Err(TrustError::CheckpointMismatch { size }) => {
                log_problem = Some(LogProblem::Rewritten {
                    checkpoint_size: size,
                })
            }
            Err(TrustError::BadSignature) => log_problem = Some(LogProblem::BadSignature),
            Err(e) => return Err(e.into()),
        }
    }
    let rows = store.audit_row_problems().await?;
    Ok(VerifyReport {
        size,
        root,
        extends_checkpoint: extends,
        log_problem,
        rows,
    })
}

/// Reads a checkpoint signing key file: `NAME SEED` with the 32-byte Ed25519 seed in hex.
pub fn read_signer(text: &str) -> Result<CheckpointSigner, AuditError> {
    let bad = |reason: &str| AuditError::Format {
        what: "checkpoint key".into(),
        reason: reason.into(),
    };
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| bad("empty"))?;
    let (name, seed) = line
        .split_once(' ')
        .ok_or_else(|| bad("expected `NAME SEED`"))?;
    let seed = zeroize::Zeroizing::new(
        unhex32(seed.trim()).ok_or_else(|| bad("the seed is not 64 hex digits"))?,
    );
    Ok(CheckpointSigner::from_seed(name, &seed)?)
}

/// A new signing key file's text (`NAME SEED`) and its verifier key to publish.
pub fn new_signer(name: &str) -> Result<(zeroize::Zeroizing<String>, String), AuditError> {
    use rand::RngCore;
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(seed.as_mut());
    let signer = CheckpointSigner::from_seed(name, &seed)?;
    let text = zeroize::Zeroizing::new(format!(
        "# Homeward checkpoint signing key: keep off the database machine\n{name} {}\n",
        hex(seed.as_ref())
    ));
    Ok((text, signer.verifier().to_vkey()))
}

/// Signs a checkpoint of the current log (after verifying it) and returns the file's text.
/// The export itself is logged first, so the checkpoint covers its own entry.
pub async fn checkpoint(
    store: &dyn Store,
    signer: &CheckpointSigner,
    now: i64,
) -> Result<String, AuditError> {
    store.audit_event("export", "checkpoint", "").await?;
    let rows = store.audit_rows().await?;
    let entries: Vec<AuditEntry> = rows.iter().map(entry_of).collect();
    let stored: Vec<Hash> = rows.iter().map(|r| r.leaf_hash).collect();
    let v = verify_log(&entries, Some(&stored), None)?;
    let cp = signer.sign(ORIGIN, v.size, v.root, now)?;
    let mut out = cp.to_note();
    out.push_str(LEAVES_MARK);
    for h in &stored {
        out.push_str(&hex(h));
        out.push('\n');
    }
    Ok(out)
}
