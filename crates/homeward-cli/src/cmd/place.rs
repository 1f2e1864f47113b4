//! `homeward place`: places of detention.

use super::db::DbArgs;
use homeward_app::casework;

/// Arguments of `homeward place`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: PlaceCommand,
}

/// The place subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PlaceCommand {
    /// Add a place of detention.
    Add {
        /// Its name.
        #[arg(long)]
        name: String,
        /// The detaining authority that runs it.
        #[arg(long)]
        authority: Option<String>,
        /// Region, for aggregate reports.
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List places of detention.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs `homeward place`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        PlaceCommand::Add {
            name,
            authority,
            region,
            db,
        } => {
            let store = db.open().await?;
            let mut rng = rand::rngs::OsRng;
            let r = casework::add_place(&store, &mut rng, &name, authority, region).await;
            store.close().await;
            let p = r?;
            println!("added place {} ({})", p.id, p.name);
        }
        PlaceCommand::List { json, db } => {
            let store = db.open().await?;
            let r = homeward_store::Store::places(&store).await;
            store.close().await;
            let places = r?;
            if json {
                let v: Vec<_> = places
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "id": p.id.as_str(), "name": p.name,
                            "authority": p.authority, "region": p.region,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for p in places {
                    println!(
                        "{}  {:<40} {:<30} {}",
                        p.id,
                        p.name,
                        p.authority.unwrap_or_default(),
                        p.region.unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(())
}
