//! `homeward handover`: hand an office's data to another office in one bundle encrypted to
//! the receiving office's age keys and signed with the sending office's checkpoint key, and
//! take such a bundle in, verifying everything before anything is written.

use super::db::DbArgs;
use anyhow::{bail, Context};
use homeward_app::handover::{self, BundleFile};
use homeward_app::{audit, custody, policy::Principal};
use homeward_store::{Store as _, TrustStore as _};
use homeward_trust::audit::CheckpointVerifier;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Arguments of `homeward handover`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// Handover actions.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create an age identity for the receiving office (owner-only file) and print its
    /// recipient, to give to the sending office.
    Keygen {
        /// Where to write the identity (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a bundle: a consistent snapshot, the master keys, a signed checkpoint of the
    /// audit log; encrypted to the recipients, signed with the checkpoint key.
    Export {
        /// A recipient (age1...) or a file of recipients; repeat for several.
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// Where to write the bundle (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// The checkpoint signing key file (or HOMEWARD_CHECKPOINT_KEY_FILE).
        #[arg(long, env = "HOMEWARD_CHECKPOINT_KEY_FILE")]
        key: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Take a bundle in: decrypt, verify the signature, the whole audit log and that it
    /// extends the bundled checkpoint, and only then create the database and its key file.
    Import {
        /// The bundle.
        bundle: PathBuf,
        /// The receiving office's age identity file.
        #[arg(long)]
        identity: PathBuf,
        /// The sending office's checkpoint verifier key (text or a file holding it), agreed
        /// beforehand by another channel.
        #[arg(long)]
        vkey: String,
        /// Also check the log against a checkpoint of the sender's kept elsewhere.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The new database: sqlite:PATH, which must not exist yet.
        #[arg(long)]
        db: String,
    },
}

/// The files a bundle holds, in order.
const DATABASE: &str = "database.sqlite";
const KEYS: &str = "master.key";
const CHECKPOINT: &str = "checkpoint.txt";
const MANIFEST: &str = "manifest.json";

fn create_new(path: &Path, mode: u32) -> anyhow::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    opts.open(path)
        .with_context(|| format!("creating {} (it must not exist)", path.display()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// A scratch path beside `path`, removed (overwritten first) when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = fs::remove_dir_all(&self.0);
        } else if super::custody::overwrite_and_remove(&self.0).is_err() {
            let _ = fs::remove_file(&self.0);
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

async fn export(to: Vec<String>, out: PathBuf, key: PathBuf, db: DbArgs) -> anyhow::Result<()> {
    let recipients = handover::parse_recipients(&to)?;
    let key_text = fs::read_to_string(&key)
        .with_context(|| format!("reading the checkpoint key {}", key.display()))?;
    let signer = audit::read_signer(&key_text).with_context(|| format!("in {}", key.display()))?;
    if out.exists() {
        bail!("{} exists; a bundle never overwrites", out.display());
    }
    let store = db.open().await?;
    if homeward_store_sql::sqlite_file(&store).is_none() {
        bail!("handover bundles carry SQLite databases; for PostgreSQL use `homeward backup` (pg_dump) and hand the key over separately");
    }
    let Some(keys) = store.keys().to_key_file_text() else {
        bail!("no master key is configured: nothing could read the bundled data");
    };
    let created_at = now();
    // The checkpoint first: the snapshot taken after it holds a log that extends it.
    let checkpoint = audit::checkpoint(&store, &signer, created_at).await?;
    let snapshot = Scratch(with_suffix(&out, ".snapshot"));
    custody::backup(&store, &Principal::LocalOperator, &snapshot.0).await?;
    let entries = store.audit_rows().await?.len();
    store.close().await;
    let manifest = serde_json::json!({
        "format": "homeward-handover/1",
        "created_at": created_at,
        "database": "sqlite",
        "signer": signer.verifier().to_vkey(),
        "checkpoint_entries": checkpoint.lines().nth(1).unwrap_or(""),
    })
    .to_string();
    let partial = Scratch(with_suffix(&out, ".partial"));
    let file = create_new(&partial.0, 0o600)?;
    let mut snap = File::open(&snapshot.0)?;
    let snap_len = snap.metadata()?.len();
    let (mut m, mut k, mut c) = (manifest.as_bytes(), keys.as_bytes(), checkpoint.as_bytes());
    let mut files = [
        BundleFile {
            name: MANIFEST,
            len: m.len() as u64,
            reader: &mut m,
        },
        BundleFile {
            name: CHECKPOINT,
            len: c.len() as u64,
            reader: &mut c,
        },
        BundleFile {
            name: KEYS,
            len: k.len() as u64,
            reader: &mut k,
        },
        BundleFile {
            name: DATABASE,
            len: snap_len,
            reader: &mut snap,
        },
    ];
    let pb = super::db::spinner("encrypting and signing the bundle");
    let file = handover::write_bundle(
        std::io::BufWriter::new(file),
        &recipients,
        &signer,
        created_at,
        &mut files,
    )?;
    pb.finish_and_clear();
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    drop(file);
    if out.exists() {
        bail!("{} appeared meanwhile; not overwritten", out.display());
    }
    fs::rename(&partial.0, &out)?;
    sync_dir(&out);
    println!(
        "handover bundle written to {} for {} recipient(s): {} log entries, signed by {}",
        out.display(),
        recipients.len(),
        entries,
        signer.verifier().name()
    );
    println!(
        "the receiving office verifies it with: {}",
        signer.verifier().to_vkey()
    );
    Ok(())
}

/// Writes each bundled file into the scratch directory, refusing any other name.
fn write_into(dir: &Path, name: &str, r: &mut dyn Read) -> Result<(), handover::HandoverError> {
    if ![DATABASE, KEYS, CHECKPOINT, MANIFEST].contains(&name) {
        return Err(handover::HandoverError::Refused(format!(
            "the bundle holds an unexpected file {name:?}: refused"
        )));
    }
    let io = |e: std::io::Error| handover::HandoverError::Refused(format!("writing {name}: {e}"));
    let mut f = create_new(&dir.join(name), 0o600)
        .map_err(|e| handover::HandoverError::Refused(e.to_string()))?;
    std::io::copy(r, &mut f).map_err(io)?;
    f.sync_all().map_err(io)
}

async fn import(
    bundle: PathBuf,
    identity: PathBuf,
    vkey: String,
    checkpoint: Option<PathBuf>,
    db: String,
) -> anyhow::Result<()> {
    let Some(dest) = homeward_store_sql::sqlite_path(&db).map(PathBuf::from) else {
        bail!("--db must be sqlite:PATH (a new file)");
    };
    let dest_key = with_suffix(&dest, ".key");
    for p in [&dest, &dest_key] {
        if p.exists() {
            bail!(
                "{} exists; a handover is taken into a new database only",
                p.display()
            );
        }
    }
    let id_text = fs::read_to_string(&identity)
        .with_context(|| format!("reading the identity {}", identity.display()))?;
    let id =
        handover::parse_identity(&id_text).with_context(|| format!("in {}", identity.display()))?;
    let vkey_text = if Path::new(&vkey).is_file() {
        fs::read_to_string(&vkey).with_context(|| format!("reading {vkey}"))?
    } else {
        vkey
    };
    let verifier = CheckpointVerifier::from_vkey(vkey_text.trim()).context("--vkey")?;
    let outside = match &checkpoint {
        None => None,
        Some(p) => {
            let text = fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Some(
                audit::read_checkpoint(&text, &verifier)
                    .with_context(|| format!("in {}", p.display()))?,
            )
        }
    };

    let scratch = Scratch(with_suffix(&dest, ".handover"));
    fs::create_dir(&scratch.0)
        .with_context(|| format!("creating {} (it must not exist)", scratch.0.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&scratch.0, fs::Permissions::from_mode(0o700))?;
    }
    let input = File::open(&bundle).with_context(|| format!("opening {}", bundle.display()))?;
    let pb = super::db::spinner("decrypting and checking the signature");
    let dir = scratch.0.clone();
    let contents = handover::read_bundle(
        std::io::BufReader::new(input),
        &id,
        &verifier,
        &mut |name, _, r| write_into(&dir, name, r),
    )
    .with_context(|| format!("{}: nothing was written", bundle.display()))?;
    pb.finish_and_clear();
    for needed in [DATABASE, KEYS, CHECKPOINT] {
        if !contents.files.iter().any(|(n, _)| n == needed) {
            bail!("the bundle lacks {needed}: nothing was written");
        }
    }

    // The signature holds; now the data itself: the log, every row, the checkpoints.
    let keys_text = fs::read_to_string(scratch.0.join(KEYS))?;
    let ring = homeward_store_sql::crypto::parse_key_text(&keys_text, KEYS)?;
    let bundled =
        audit::read_checkpoint(&fs::read_to_string(scratch.0.join(CHECKPOINT))?, &verifier)
            .context("the bundled checkpoint: nothing was written")?;
    let url = format!("sqlite:{}", scratch.0.join(DATABASE).display());
    let copy =
        homeward_store_sql::connect_with_keys(&url, homeward_store_sql::Keys::from_keyring(ring))
            .await
            .context("opening the bundled database: nothing was written")?;
    let mut report = audit::verify(&copy, Some((&bundled, &verifier))).await?;
    let mut extends = vec![report.extends_checkpoint];
    if let Some(cp) = &outside {
        let r = audit::verify(&copy, Some((cp, &verifier))).await?;
        extends.push(r.extends_checkpoint);
        if !r.ok() {
            report = r;
        }
    }
    let persons = copy.counts().await.map(|c| c.persons).unwrap_or(0);
    copy.close().await;
    if let Some(p) = &report.log_problem {
        bail!("the bundled audit log does not verify ({p}): nothing was written");
    }
    if let Some(r) = report.rows.first() {
        bail!(
            "a bundled row is not vouched for by the log ({}): nothing was written",
            audit::describe(r)
        );
    }
    if extends.iter().any(Option::is_none) {
        bail!("the bundled log does not extend the checkpoint: nothing was written");
    }

    // Everything verified: move the database into place, then its key.
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(with_suffix(&scratch.0.join(DATABASE), suffix));
    }
    homeward_store_sql::crypto::write_key_text(&dest_key, &keys_text)?;
    if let Err(e) = fs::rename(scratch.0.join(DATABASE), &dest) {
        let _ = fs::remove_file(&dest_key);
        return Err(e).with_context(|| format!("moving the database to {}", dest.display()));
    }
    sync_dir(&dest);
    println!(
        "verified and imported into {}: {} log entries (extending the bundled checkpoint{}), {} persons; key file {} (owner-only)",
        dest.display(),
        report.size,
        if outside.is_some() { " and yours" } else { "" },
        persons,
        dest_key.display()
    );
    Ok(())
}

/// Runs `homeward handover`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.action {
        Action::Keygen { out } => {
            let (text, recipient) = handover::new_identity();
            let mut f = create_new(&out, 0o600)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            println!(
                "wrote the identity {} (owner-only); keep it secret",
                out.display()
            );
            println!("recipient: {recipient}");
            Ok(())
        }
        Action::Export { to, out, key, db } => export(to, out, key, db).await,
        Action::Import {
            bundle,
            identity,
            vkey,
            checkpoint,
            db,
        } => import(bundle, identity, vkey, checkpoint, db).await,
    }
}
