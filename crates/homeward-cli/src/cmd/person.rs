//! `homeward person`: show a person with its records and decisions; merge and split by hand.

use super::db::{now_iso, ActorArgs, DbArgs};
use super::review::print_decision;
use homeward_app::linkage::review::{self, Actor};

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// JSON.
    Json,
}

/// Arguments of `homeward person`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
    #[command(flatten)]
    pub db: DbArgs,
}

/// `homeward person` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// A person's records (each with its source, names as written) and decisions.
    Show {
        /// The person's id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Merge person B into person A (recorded; `homeward review undo` reverts it).
    Merge {
        /// The person kept.
        a: String,
        /// The person that joins it.
        b: String,
        #[command(flatten)]
        actor: ActorArgs,
    },
    /// Move some records of a person to a new person (recorded; undoable).
    Split {
        /// The person.
        person: String,
        /// The records to move, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        records: Vec<String>,
        #[command(flatten)]
        actor: ActorArgs,
    },
}

/// Runs `homeward person`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let result = run_on(&store, args.command).await;
    store.close().await;
    result
}

async fn run_on(store: &homeward_store_sql::SqlStore, command: Sub) -> anyhow::Result<()> {
    let mut rng = rand::rngs::OsRng;
    let at = now_iso();
    match command {
        Sub::Show { id, format } => {
            let p = review::person(store, &id).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&p)?),
                Format::Table => {
                    println!(
                        "person {} {}{}",
                        p.id,
                        p.display_name,
                        if p.reviewed { " (reviewed)" } else { "" }
                    );
                    println!("{} record(s):", p.records.len());
                    for r in &p.records {
                        let fields: Vec<String> =
                            r.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        println!(
                            "  {} [{} row {}] {}",
                            r.id,
                            r.source,
                            r.row,
                            fields.join("; ")
                        );
                    }
                    if !p.decisions.is_empty() {
                        println!("decisions:");
                    }
                    for d in &p.decisions {
                        println!(
                            "  {} #{} {} {} / {} by {} at {}{}: {}",
                            d.id,
                            d.seq,
                            d.kind,
                            d.person,
                            d.other_person,
                            d.actor,
                            d.at,
                            d.undone_at
                                .as_ref()
                                .map(|u| format!(" (undone {u})"))
                                .unwrap_or_default(),
                            d.reason
                        );
                    }
                }
            }
        }
        Sub::Merge { a, b, actor } => {
            let name = actor.name();
            let who = Actor {
                name: &name,
                at: &at,
                reason: &actor.reason,
            };
            let d = review::merge(store, &a, &b, &who, &mut rng).await?;
            print_decision("recorded", &d);
        }
        Sub::Split {
            person,
            records,
            actor,
        } => {
            let name = actor.name();
            let who = Actor {
                name: &name,
                at: &at,
                reason: &actor.reason,
            };
            let d = review::split(store, &person, &records, &who, &mut rng).await?;
            print_decision("recorded", &d);
        }
    }
    Ok(())
}
