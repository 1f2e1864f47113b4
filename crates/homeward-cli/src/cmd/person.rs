//! `homeward person`: one person's timeline with sources, disputes and legal status history.

use super::db::DbArgs;
use homeward_app::casework;

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
    }
    Ok(())
}
