//! `homeward event`: dated, sourced timeline events, and confirmation of death claims.

use super::db::{now_iso, DbArgs};
use homeward_app::casework::{self, EventInput};

/// Arguments of `homeward event`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: EventCommand,
}

/// The event subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum EventCommand {
    /// Add an event to a person's timeline.
    Add {
        /// The person's id.
        person: String,
        /// capture, registration, transfer, charge, trial, sentence, release, repatriation,
        /// prisoner_exchange, death_in_custody, remains_handed_over.
        #[arg(long)]
        kind: String,
        /// When (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// Which source says so (name or id; a new name creates a source).
        #[arg(long)]
        source: String,
        /// Where (place id or name).
        #[arg(long)]
        place: Option<String>,
        /// The event this one contests (another source's report).
        #[arg(long)]
        contests: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Confirm a death claim so that families and public figures may see it.
    Confirm {
        /// The event's id.
        event: String,
        /// The confirming caseworker.
        #[arg(long, env = "HOMEWARD_USER")]
        by: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs `homeward event`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        EventCommand::Add {
            person,
            kind,
            date,
            source,
            place,
            contests,
            db,
        } => {
            let store = db.open().await?;
            let mut rng = rand::rngs::OsRng;
            let input = EventInput {
                person,
                kind,
                date,
                source,
                place,
                contests,
            };
            let r = casework::add_event(&store, &mut rng, &input).await;
            store.close().await;
            let e = r?;
            println!("added event {} ({} on {})", e.id, e.kind.as_str(), e.date);
            if casework::is_death_claim(e.kind) {
                println!(
                    "this is a death claim: families and public figures see it only after `homeward event confirm {}`",
                    e.id
                );
            }
        }
        EventCommand::Confirm { event, by, db } => {
            let store = db.open().await?;
            let r = casework::confirm_event(&store, &event, &by, &now_iso()).await;
            store.close().await;
            let c = r?;
            println!(
                "event {} confirmed by {} at {}",
                c.event_id, c.confirmed_by, c.confirmed_at
            );
        }
    }
    Ok(())
}
