//! `homeward person`: one person's records and decisions, merge and split by hand (linkage),
//! and its timeline with sources, disputes and legal status history (monitoring).

use super::db::{now_iso, ActorArgs, DbArgs};
use super::review::print_decision;
use homeward_app::casework;
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
    pub command: PersonCommand,
}

/// The person subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PersonCommand {
    /// Events with their sources and disputes, and the legal status history.
    Timeline {
        /// The person's id.
        person: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// A person's records (each with its source, names as written) and decisions.
    Show {
        /// The person's id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Merge person B into person A (recorded; `homeward review undo` reverts it).
    Merge {
        /// The person kept.
        a: String,
        /// The person that joins it.
        b: String,
        #[command(flatten)]
        actor: ActorArgs,
        #[command(flatten)]
        db: DbArgs,
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
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs `homeward person`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        PersonCommand::Timeline { person, json, db } => {
            let store = db.open().await?;
            let r = casework::timeline(&store, &person).await;
            store.close().await;
            let t = r?;
            if json {
                println!("{}", serde_json::to_string_pretty(&t)?);
                return Ok(());
            }
            println!("timeline of {} (category {})", t.person_id, t.category);
            for e in &t.events {
                let mut flags = Vec::new();
                if let Some(c) = &e.contests {
                    flags.push(format!("contests {c}"));
                }
                if !e.contested_by.is_empty() {
                    flags.push(format!("contested by {}", e.contested_by.join(", ")));
                }
                if e.unconfirmed_death_claim {
                    flags.push("UNCONFIRMED death claim: hidden from families and figures".into());
                }
                if let Some(b) = &e.confirmed_by {
                    flags.push(format!("confirmed by {b}"));
                }
                println!(
                    "  {:<11} {:<20} source: {:<36} {}{}",
                    e.date,
                    e.kind,
                    e.source,
                    e.place
                        .as_deref()
                        .map(|p| format!("at {p} "))
                        .unwrap_or_default(),
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", flags.join("; "))
                    }
                );
                println!("              id {}", e.id);
            }
            println!("legal status history (confirmed events):");
            if t.history.is_empty() {
                println!("  unknown");
            }
            for s in &t.history {
                let state = if s.ended {
                    "ended (confirmed death)"
                } else if s.released {
                    "released"
                } else {
                    "held"
                };
                println!(
                    "  since {:<11} {:<18} {:<24}{}",
                    s.since.as_deref().unwrap_or("?"),
                    s.legal_status,
                    state,
                    if s.contested {
                        " (basis contested)"
                    } else {
                        ""
                    }
                );
            }
        }
        other => {
            let db = match &other {
                PersonCommand::Show { db, .. }
                | PersonCommand::Merge { db, .. }
                | PersonCommand::Split { db, .. }
                | PersonCommand::Timeline { db, .. } => db.clone(),
            };
            let store = db.open().await?;
            let result = run_on(&store, other).await;
            store.close().await;
            result?;
        }
    }
    Ok(())
}

async fn run_on(
    store: &homeward_store_sql::SqlStore,
    command: PersonCommand,
) -> anyhow::Result<()> {
    let mut rng = rand::rngs::OsRng;
    let at = now_iso();
    match command {
        PersonCommand::Show { id, format, .. } => {
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
        PersonCommand::Merge { a, b, actor, .. } => {
            let name = actor.name();
            let who = Actor {
                name: &name,
                at: &at,
                reason: &actor.reason,
            };
            let d = review::merge(store, &a, &b, &who, &mut rng).await?;
            print_decision("recorded", &d);
        }
        PersonCommand::Split {
            person,
            records,
            actor,
            ..
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
        PersonCommand::Timeline { .. } => {}
    }
    Ok(())
}
