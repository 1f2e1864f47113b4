//! `homeward audit`: verify the tamper-evident log, export signed checkpoints of it.

use super::db::DbArgs;
use anyhow::Context;
use homeward_app::audit;
use homeward_trust::audit::CheckpointVerifier;
use std::path::PathBuf;

/// Arguments of `homeward audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// Audit actions.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Check the whole log, every row against it, and (with --checkpoint) that it only grew.
    Verify {
        /// A checkpoint exported earlier and kept elsewhere.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The verifier key (text or a file holding it); by default derived from the signing key.
        #[arg(long)]
        vkey: Option<String>,
        /// The signing key file (or HOMEWARD_CHECKPOINT_KEY_FILE), to derive the verifier key.
        #[arg(long, env = "HOMEWARD_CHECKPOINT_KEY_FILE")]
        key: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Export an Ed25519-signed checkpoint of the log (signing key from a file, never the database).
    Checkpoint {
        /// Where to write it (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// The signing key file (or HOMEWARD_CHECKPOINT_KEY_FILE).
        #[arg(long, env = "HOMEWARD_CHECKPOINT_KEY_FILE")]
        key: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a checkpoint signing key file (owner-only) and print its verifier key.
    Keygen {
        /// Where to write the key (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// The key's name (no spaces).
        #[arg(long, default_value = "homeward-checkpoints")]
        name: String,
    },
}

fn write_new(path: &PathBuf, text: &str, mode: u32) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {} (it must not exist)", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

fn read_signer(path: &PathBuf) -> anyhow::Result<homeward_trust::audit::CheckpointSigner> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the checkpoint key {}", path.display()))?;
    audit::read_signer(&text).with_context(|| format!("in {}", path.display()))
}

/// Runs `homeward audit`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.action {
        Action::Keygen { out, name } => {
            let (text, vkey) = audit::new_signer(&name)?;
            write_new(&out, &text, 0o600)?;
            println!(
                "wrote the signing key {} (owner-only); keep it off the database machine",
                out.display()
            );
            println!("verifier key: {vkey}");
            Ok(())
        }
        Action::Checkpoint { out, key, db } => {
            let signer = read_signer(&key)?;
            let store = db.open().await?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let text = audit::checkpoint(&store, &signer, now).await?;
            store.close().await;
            write_new(&out, &text, 0o644)?;
            let size = text.lines().nth(1).unwrap_or("?");
            println!("checkpoint of {size} entries written to {}", out.display());
            Ok(())
        }
        Action::Verify {
            checkpoint,
            vkey,
            key,
            db,
        } => {
            let verifier: Option<CheckpointVerifier> = match (vkey, &key) {
                (Some(v), _) => {
                    let text = if std::path::Path::new(&v).is_file() {
                        std::fs::read_to_string(&v).with_context(|| format!("reading {v}"))?
                    } else {
                        v
                    };
                    Some(CheckpointVerifier::from_vkey(text.trim()).context("--vkey")?)
                }
                (None, Some(k)) if checkpoint.is_some() => Some(read_signer(k)?.verifier()),
                _ => None,
            };
            let cp = match &checkpoint {
                None => None,
                Some(path) => {
                    let Some(v) = &verifier else {
                        anyhow::bail!(
                            "--checkpoint needs --vkey (or --key / HOMEWARD_CHECKPOINT_KEY_FILE)"
                        );
                    };
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    Some(
                        audit::read_checkpoint(&text, v)
                            .with_context(|| format!("in {}", path.display()))?,
                    )
                }
            };
            let store = db.open().await?;
            let report = audit::verify(&store, cp.as_ref().zip(verifier.as_ref())).await?;
            store.close().await;
            if let Some(p) = &report.log_problem {
                println!("FAILED: {p}");
            }
            for r in &report.rows {
                println!("FAILED: {}", audit::describe(r));
            }
            if !report.ok() {
                anyhow::bail!("the audit log does not verify");
            }
            match report.extends_checkpoint {
                Some(n) => println!(
                    "ok: {} entries, root {}; extends the checkpoint of {n} entries; every row matches its last entry",
                    report.size, report.root
                ),
                None => println!(
                    "ok: {} entries, root {}; every row matches its last entry",
                    report.size, report.root
                ),
            }
            Ok(())
        }
    }
}
