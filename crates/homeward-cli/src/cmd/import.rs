//! `homeward import`: bring a received list into the registry, all of it or nothing.

use super::db::{now_iso, spinner, DbArgs};
use anyhow::{bail, Context};
use homeward_app::import::{self, ImportError, ImportRequest, Mapping};
use homeward_app::linkage::{self, LinkOptions, LinkageError};
use homeward_store::ImportOutcome;
use std::path::{Path, PathBuf};

/// Arguments of `homeward import`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  homeward import --guess list.xlsx > list.toml\n  homeward import list.xlsx --source \"Rights group, March\" --mapping list.toml"
)]
pub struct Args {
    /// The file to import: CSV (any delimiter, UTF-8 or UTF-16), XLSX, ODS, or PFIF 1.4 XML
    /// (recognised by its content; its records go into one source per PFIF home repository).
    pub file: PathBuf,
    /// The source's name; created on first use (not used for PFIF).
    #[arg(long)]
    pub source: Option<String>,
    /// The mapping file (TOML) naming which column feeds which standard field (not used for PFIF).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Print a mapping proposal for the file instead of importing it.
    #[arg(long)]
    pub guess: bool,
    /// Import the good rows and write the bad ones to a report instead of refusing the file.
    #[arg(long)]
    pub skip_bad: bool,
    /// Where the report of skipped rows goes (default: FILE.rejected.csv).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Do not link the records to the registry (each stays a person of its own).
    #[arg(long)]
    pub no_link: bool,
    /// Score with this saved model (JSON from `homeward link --save-model`) instead of
    /// fitting one on the registry's candidate records and the new list.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// A bar of bytes read on standard error; indicatif hides it when that is not a terminal.
fn progress_bar(name: &str, total: u64) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:30}] {percent:>3}% {msg} ({elapsed}, about {eta} left)",
    )
    .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        pb.set_style(style);
    }
    pb.set_prefix(format!("importing {name}"));
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Runs `homeward import`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = file_name(&args.file);
    if homeward_app::pfif::is_pfif(&bytes) && !args.guess {
        let store = args.db.open().await?;
        let mut rng = rand::rngs::OsRng;
        let r = homeward_app::pfif::import(&store, &name, &bytes, &mut rng, &now_iso()).await;
        store.close().await;
        let r = r?;
        if r.already_imported {
            println!("{name} was already imported: nothing changed");
        } else {
            println!(
                "imported PFIF {name}: {} person record(s), {} note(s) into {}",
                r.persons,
                r.notes,
                r.sources.join(", ")
            );
        }
        return Ok(());
    }
    if args.guess {
        let table = import::read_table(&name, &bytes, None)?;
        let mapping = import::guess(&table);
        println!("# Mapping proposed by `homeward import --guess` for {name}.");
        println!(
            "# Check each column; unknown columns are ignored but kept verbatim in every record."
        );
        print!("{}", mapping.to_toml()?);
        return Ok(());
    }
    let (Some(source), Some(mapping_path)) = (&args.source, &args.mapping) else {
        bail!("--source and --mapping are required (or use --guess)");
    };
    let mapping_text = std::fs::read_to_string(mapping_path)
        .with_context(|| format!("reading {}", mapping_path.display()))?;
    let mapping_name = mapping_path.display().to_string();
    let mapping = Mapping::from_toml(&mapping_name, &mapping_text)?;
    let store = args.db.open().await?;
    let req = ImportRequest {
        file_name: &name,
        bytes: &bytes,
        source,
        mapping: &mapping,
        mapping_file: &mapping_name,
        skip_bad: args.skip_bad,
        imported_at: now_iso(),
    };
    let model = match &args.model {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(
                homeward_link::FittedModel::from_json(&text)
                    .with_context(|| format!("reading the model {}", path.display()))?,
            )
        }
        None => None,
    };
    let mut rng = rand::rngs::OsRng;
    // Without linkage the list is streamed (memory bounded by a chunk); linking needs the
    // whole list at once.
    let (pb, result) = if args.no_link {
        let pb = progress_bar(&name, bytes.len() as u64);
        let r = import::import_with_progress(&store, &req, &mut rng, &|p| {
            pb.set_length(p.total);
            pb.set_position(p.done);
            pb.set_message(format!("{} rows", p.rows));
        })
        .await
        .map(|r| (r, None))
        .map_err(LinkageError::Import);
        (pb, r)
    } else {
        let pb = spinner(&format!("importing and linking {name}"));
        let r = linkage::import_linked(&store, &req, &LinkOptions { model }, &mut rng)
            .await
            .map(|r| (r.import, r.link));
        (pb, r)
    };
    pb.finish_and_clear();
    store.close().await;
    let (report, link) = match result {
        Ok(r) => r,
        Err(LinkageError::Import(ImportError::BadRows(bad))) => {
            for b in &bad {
                eprintln!("{b}");
            }
            bail!(ImportError::BadRows(bad));
        }
        Err(e) => return Err(e.into()),
    };
    match report.outcome {
        ImportOutcome::AlreadyImported { at } => {
            println!("{name} was already imported into source '{source}' at {at}: nothing changed");
        }
        ImportOutcome::Imported {
            records,
            new_source,
        } => {
            println!(
                "imported {records} record(s) from {name} into {} source '{source}'",
                if new_source { "new" } else { "existing" }
            );
            if let Some(l) = &link {
                println!(
                    "linked against {} registry record(s) found through the names index: {} joined a person automatically, {} pair(s) queued for review ({} not proposed again: rejected before); model {}",
                    l.registry_records, l.auto_merged, l.queued, l.suppressed_by_rejection, l.model
                );
                if l.queued > 0 {
                    println!("see them with `homeward review list`");
                }
                if !l.settings.auto_accept {
                    println!(
                        "automatic acceptance is off: confident pairs (>= {}) are queued too",
                        l.settings.upper
                    );
                }
                for w in &l.warnings {
                    eprintln!("warning: {w}");
                }
            }
        }
    }
    if !report.skipped.is_empty() {
        let path = args
            .report
            .clone()
            .unwrap_or_else(|| args.file.with_extension("rejected.csv"));
        let mut w =
            csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
        w.write_record(["file", "row", "column", "value", "reason"])?;
        for b in &report.skipped {
            w.write_record([
                b.file.as_str(),
                &b.row.to_string(),
                &b.column,
                &b.value,
                &b.reason,
            ])?;
        }
        w.flush()?;
        println!(
            "skipped {} bad value(s); they are listed in {}",
            report.skipped.len(),
            path.display()
        );
    }
    Ok(())
}
