//! `homeward export`: the registry in interchange formats; `pfif` is PFIF 1.4 XML.

use super::db::{now_iso, DbArgs};
use anyhow::Context;
use homeward_app::pfif::{self, ExportPolicy};
use std::path::PathBuf;

/// Arguments of `homeward export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub format: ExportFormat,
}

/// The export formats.
#[derive(Debug, clap::Subcommand)]
pub enum ExportFormat {
    /// PFIF 1.4 XML: persons, notes, and notes for status changes (see docs/pfif.md).
    Pfif {
        /// Write to this file (created owner-only) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include dates of birth (withheld by default).
        #[arg(long)]
        birth_dates: bool,
        /// Include residence and last known locations (withheld by default).
        #[arg(long)]
        locations: bool,
        /// Include the records' free-text notes (withheld by default).
        #[arg(long)]
        descriptions: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs `homeward export`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.format {
        ExportFormat::Pfif {
            out,
            birth_dates,
            locations,
            descriptions,
            db,
        } => {
            let store = db.open().await?;
            let now = now_iso();
            let r = pfif::export(
                &store,
                ExportPolicy {
                    birth_dates,
                    locations,
                    descriptions,
                },
                &now,
            )
            .await;
            store.close().await;
            let xml = r?;
            match out {
                Some(path) => {
                    write_owner_only(&path, xml.as_bytes())
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => print!("{xml}"),
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn write_owner_only(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_owner_only(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
