//! `homeward keys`: master-key rotation and erasure of a person by destroying their keys.

use super::db::DbArgs;
use anyhow::Context;
use homeward_domain::{Id, IdKind};
use homeward_store::TrustStore;

/// Arguments of `homeward keys`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Key actions.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Make a new master key current and rewrap every data key under it (one transaction).
    Rotate {
        /// Also forget the old master keys (backups made before can then not be read).
        #[arg(long)]
        drop_retired: bool,
    },
    /// Erase a person: destroy the data keys of their records and findings (every copy of
    /// their encrypted fields becomes unreadable) and blank their identifying fields.
    Erase {
        /// The person's id (per_...).
        person: String,
    },
}

/// Runs `homeward keys`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    match args.action {
        Action::Rotate { drop_retired } => {
            let Some(file) = store.keys().file().map(|p| p.to_owned()) else {
                anyhow::bail!("rotation writes the key file: set HOMEWARD_MASTER_KEY_FILE rather than HOMEWARD_MASTER_KEY");
            };
            // The key file gets the new key first (old ones kept), then the database is
            // rewrapped in one transaction: a crash in between leaves both readable.
            let (keys, id) = homeward_store_sql::crypto::add_key_to_file(&file)?;
            let store = store.with_keys(keys);
            let r = store.rotate_master_key().await?;
            println!(
                "master key {id} is current; {} data keys rewrapped ({})",
                r.keys,
                file.display()
            );
            if drop_retired {
                let n = homeward_store_sql::crypto::drop_retired_keys(&file)?;
                println!("forgot {n} retired master keys");
            } else {
                println!("the old keys stay in the file as retired until `keys rotate --drop-retired` (backups made before need them)");
            }
            store.close().await;
        }
        Action::Erase { person } => {
            let id = Id::parse_kind(&person, IdKind::Person).context("not a person id")?;
            let r = store.erase_person(&id).await?;
            store.close().await;
            println!(
                "erased {person}: {} data keys destroyed, identifying fields of {} records blanked",
                r.keys, r.rows
            );
        }
    }
    Ok(())
}
