//! `homeward search`: persons ranked by name similarity, whatever script the query and the
//! records use.

use super::db::DbArgs;

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// A JSON list of {"person_id", "name", "score"}.
    Json,
}

/// Arguments of `homeward search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The name to look for, in any script.
    pub query: String,
    /// How many persons to return.
    #[arg(long, default_value_t = 10)]
    pub limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `homeward search`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let hits = homeward_app::search::search(&store, &args.query, args.limit.clamp(1, 1000)).await?;
    store.close().await;
    match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = hits
                .iter()
                .map(|h| serde_json::json!({"person_id": h.person_id.as_str(), "name": h.name, "score": h.score}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Table => {
            if hits.is_empty() {
                println!("no person matches");
            }
            for h in hits {
                println!("{:.3}  {}  {}", h.score, h.person_id, h.name);
            }
        }
    }
    Ok(())
}
