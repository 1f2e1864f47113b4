//! `homeward demo`: a seeded synthetic scenario, loaded into the registry or written out
//! as list files with their ground truth.

use super::db::{now_iso, DbArgs};
use anyhow::Context;
use homeward_synth::{ScenarioConfig, SourceList};
use rand::SeedableRng;
use std::path::{Path, PathBuf};

/// Arguments of `homeward demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many true persons the scenario has.
    #[arg(long, default_value_t = 3000)]
    pub persons: usize,
    /// The seed: the same seed gives the same scenario.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How many source lists (at least 5).
    #[arg(long, default_value_t = 6)]
    pub lists: usize,
    /// Write the lists as CSV and XLSX files with the ground truth into DIR instead of a database.
    #[arg(long, value_name = "DIR")]
    pub write_lists: Option<PathBuf>,
    /// Then serve the web interface on this address (e.g. 127.0.0.1:8080) until Ctrl-C.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = super::serve::DEFAULT_BIND)]
    pub serve: Option<std::net::SocketAddr>,
    #[command(flatten)]
    pub db: DbArgs,
}

fn write_xlsx(list: &SourceList, path: &Path) -> anyhow::Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in list.columns.iter().enumerate() {
        sheet.write_string(0, c as u16, h)?;
    }
    for (r, row) in list.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
    }
    book.save(path)?;
    Ok(())
}

/// Runs `homeward demo`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let cfg = ScenarioConfig {
        lists: args.lists.max(5),
        ..ScenarioConfig::new(args.persons, args.seed)
    };
    let pb = super::db::spinner("generating the synthetic scenario");
    let scenario = homeward_synth::generate(&cfg);
    pb.finish_and_clear();
    if let Some(dir) = &args.write_lists {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut truth = csv::Writer::from_path(dir.join("truth.csv"))?;
        truth.write_record(["file", "row", "record_id", "person"])?;
        let bar = indicatif::ProgressBar::new(scenario.lists.len() as u64);
        for list in &scenario.lists {
            let csv_path = dir.join(format!("{}.csv", list.code));
            std::fs::write(&csv_path, homeward_synth::list_to_csv(list)?)
                .with_context(|| format!("writing {}", csv_path.display()))?;
            write_xlsx(list, &dir.join(format!("{}.xlsx", list.code)))?;
            let mapping = homeward_app::demo::mapping_for(list);
            std::fs::write(dir.join(format!("{}.toml", list.code)), mapping.to_toml()?)?;
            let id_col = list.column_of("record_id");
            for (i, (row, person)) in list.rows.iter().zip(&list.truth).enumerate() {
                let rid = id_col.and_then(|c| row.get(c)).cloned().unwrap_or_default();
                truth.write_record([
                    format!("{}.csv", list.code),
                    (i + 2).to_string(),
                    rid,
                    person.to_string(),
                ])?;
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        truth.flush()?;
        println!(
            "wrote {} lists ({} rows, {} persons) with truth.csv and mappings into {}",
            scenario.lists.len(),
            scenario.total_rows(),
            scenario.persons.len(),
            dir.display()
        );
        return Ok(());
    }
    let store = args.db.open().await?;
    let before = homeward_app::status::status(&store).await?;
    if before.sources > 0 {
        println!("the database already holds data; the demo is not loaded twice");
        println!(
            "its demo accounts were printed when it was loaded; give one a new password with `homeward user passwd NAME`"
        );
        return serve_or_close(store, args.serve).await;
    }
    let bar = indicatif::ProgressBar::new(scenario.lists.len() as u64);
    let progress = |done: usize, _total: usize| bar.set_position(done as u64);
    // Ids are random and opaque even in the demo; the scenario itself is what the seed fixes.
    let mut rng = rand_chacha::ChaCha20Rng::from_entropy();
    let hasher = homeward_trust::password::PasswordHasher::new(
        homeward_trust::password::Argon2Cost::default(),
        None,
    )?;
    let summary =
        homeward_app::demo::load(&store, &scenario, &mut rng, &now_iso(), &hasher, &progress)
            .await?;
    bar.finish_and_clear();
    let c = homeward_app::status::status(&store).await?;
    println!(
        "demo loaded into {}: {} true persons named in {} lists ({} records), {} events, {} visits, {} enquiries",
        super::db::redact_url(&args.db.db),
        summary.persons,
        summary.lists,
        summary.records,
        c.events,
        c.visits,
        c.enquiries
    );
    println!(
        "linkage: {} record(s) joined a person automatically ({} persons now), {} pair(s) wait in `homeward review list`",
        summary.auto_merged, c.persons, summary.queued
    );
    println!(
        "{} enquiries answered; {} death claim(s) left unconfirmed (hidden from families and figures)",
        summary.answered, summary.death_claims
    );
    if let Some((id, secret)) = summary.enquiry_secrets.first() {
        println!("a family enquiry to try (shown once): homeward enquiry status --reference {id}");
        println!("  (or on the family page, /family, of `homeward serve`)");
        println!("  with the passphrase on standard input: {secret}");
    }
    let accounts = homeward_app::accounts::demo_accounts(&store).await?;
    if !accounts.is_empty() {
        println!(
            "demo accounts, one per role (passwords shown once, not stored anywhere readable):"
        );
        for (name, role, password) in accounts {
            println!("  {name:<22} {:<15} {password}", role.as_str());
        }
    }
    serve_or_close(store, args.serve).await
}

/// Serves the store when `--serve` was given, else closes it.
async fn serve_or_close(
    store: homeward_store_sql::SqlStore,
    serve: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    match serve {
        Some(bind) => super::serve::serve(store, bind, false).await,
        None => {
            store.close().await;
            Ok(())
        }
    }
}
