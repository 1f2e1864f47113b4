//! `homeward status`: how much the registry holds.

use super::db::DbArgs;

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// One JSON object with the keys sources, records, persons, events, visits, enquiries.
    Json,
}

/// Arguments of `homeward status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `homeward status`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let c = homeward_app::status::status(&store).await?;
    store.close().await;
    match args.format {
        Format::Json => println!("{}", homeward_app::status::to_json(&c)),
        Format::Table => {
            for (k, v) in [
                ("sources", c.sources),
                ("records", c.records),
                ("persons", c.persons),
                ("events", c.events),
                ("visits", c.visits),
                ("enquiries", c.enquiries),
            ] {
                println!("{k:<10} {v:>10}");
            }
        }
    }
    Ok(())
}
