//! `homeward backup` and `homeward wipe`: a consistent snapshot, and destroying local data
//! and keys once a verified copy exists.

use super::db::DbArgs;
use anyhow::Context;
use homeward_app::custody;
use homeward_app::policy::Principal;
use std::path::PathBuf;

/// Arguments of `homeward backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the snapshot (never overwritten).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `homeward backup`.
pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    custody::backup(&store, &Principal::LocalOperator, &args.out).await?;
    store.close().await;
    println!(
        "backup written to {} (fsynced); its sensitive fields stay encrypted: keep the master key apart",
        args.out.display()
    );
    Ok(())
}

/// Arguments of `homeward wipe`.
#[derive(Debug, clap::Args)]
pub struct WipeArgs {
    /// A verified copy of this database (a backup or an imported handover) that holds the
    /// whole log; nothing is destroyed unless it verifies.
    #[arg(long)]
    pub verified_copy: PathBuf,
    /// Confirm: this destroys the local database and its master key.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Overwrites a file with zeros, fsyncs and removes it; `false` when it did not exist.
pub(crate) fn overwrite_and_remove(path: &std::path::Path) -> anyhow::Result<bool> {
    use std::io::Write;
    if !path.exists() {
        return Ok(false);
    }
    let len = std::fs::metadata(path)?.len();
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        let zeros = vec![0u8; 1 << 16];
        let mut left = len;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            f.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        f.sync_all()?;
    }
    std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
    Ok(true)
}

/// Runs `homeward wipe`.
pub async fn wipe(args: WipeArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let Some(db_file) = homeward_store_sql::sqlite_file(&store).map(PathBuf::from) else {
        anyhow::bail!("wipe handles SQLite databases; for PostgreSQL drop the database with the server's tools after a verified export");
    };
    let copy_url = format!("sqlite:{}", args.verified_copy.display());
    if !args.verified_copy.is_file() {
        anyhow::bail!("{} does not exist", args.verified_copy.display());
    }
    let copy = homeward_store_sql::connect_with_keys(&copy_url, store.keys().clone())
        .await
        .with_context(|| format!("opening {}", args.verified_copy.display()))?;
    let entries = custody::check_copy(&store, &copy).await?;
    copy.close().await;
    println!(
        "{} verifies and holds all {entries} log entries",
        args.verified_copy.display()
    );
    if !args.yes {
        anyhow::bail!("nothing destroyed: add --yes to destroy the local database and its key");
    }
    let key_file = store.keys().file().map(|p| p.to_owned());
    store.close().await;
    let mut destroyed = Vec::new();
    if let Some(k) = key_file {
        if overwrite_and_remove(&k)? {
            destroyed.push(format!("master key file {}", k.display()));
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db_file.display()));
        if overwrite_and_remove(&p)? {
            destroyed.push(format!("database file {}", p.display()));
        }
    }
    for d in &destroyed {
        println!("destroyed {d}");
    }
    println!("overwritten with zeros then removed; on SSDs and copy-on-write file systems only the key's destruction is certain, which leaves any remaining copy of the encrypted fields unreadable");
    Ok(())
}
