//! `homeward visit`: independent visits to places of detention, and the list of items.

use super::db::DbArgs;
use anyhow::{bail, Context};
use homeward_app::casework::{self, ConditionsInput, SeenInput, VisitInput};
use homeward_store::MonitoringStore;
use std::path::PathBuf;

/// Arguments of `homeward visit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: VisitCommand,
}

/// The visit subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum VisitCommand {
    /// Record a visit, from a TOML or JSON file (with findings per person) or from flags.
    #[command(
        after_help = "A visit file (TOML):\n  date = \"2026-10-01\"\n  place = \"Central prison\"\n  organisation = \"Neutral humanitarian organisation\"\n  [conditions]\n  access_all = true\n  private_interviews = true\n  repeat_allowed = false\n  list_provided = true\n  [[seen]]\n  person = \"per_...\"\n  health = \"no complaints\"\n  conditions = \"overcrowded cell\"\n  items = [\"clothing\", \"hygiene kit\"]\n  messages_collected = 1\n  messages_delivered = 2\n  family_call = true\n  consent = { family = true, representations = true, reports = false }"
    )]
    Add(AddArgs),
    /// List visits, newest first (counts only: findings are not printed).
    List {
        /// Only visits to this place (id or name).
        #[arg(long)]
        place: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Show or edit the list of items visitors deliver.
    Items {
        /// Add an item.
        #[arg(long)]
        add: Vec<String>,
        /// Remove an item.
        #[arg(long)]
        remove: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Arguments of `homeward visit add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// A visit file (.toml or .json); the flags below are then not used.
    pub file: Option<PathBuf>,
    /// Date of the visit.
    #[arg(long)]
    pub date: Option<String>,
    /// The place (id or name).
    #[arg(long)]
    pub place: Option<String>,
    /// The visiting organisation.
    #[arg(long)]
    pub organisation: Option<String>,
    /// Access to all detainees and all places was given.
    #[arg(long)]
    pub access_all: bool,
    /// Interviews were in private.
    #[arg(long)]
    pub private_interviews: bool,
    /// Repeat visits are allowed.
    #[arg(long)]
    pub repeat_allowed: bool,
    /// A list of detainees was provided.
    #[arg(long)]
    pub list_provided: bool,
    /// A person seen (repeat the flag); findings need a file.
    #[arg(long)]
    pub seen: Vec<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `homeward visit`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        VisitCommand::Add(a) => {
            let (name, input) = match &a.file {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let name = path.display().to_string();
                    let input = VisitInput::from_file_text(&name, &text)?;
                    (name, input)
                }
                None => {
                    let (Some(date), Some(place), Some(organisation)) =
                        (a.date.clone(), a.place.clone(), a.organisation.clone())
                    else {
                        bail!("give a visit file, or --date, --place and --organisation");
                    };
                    let input = VisitInput {
                        date,
                        place,
                        organisation,
                        conditions: ConditionsInput {
                            access_all: a.access_all,
                            private_interviews: a.private_interviews,
                            repeat_allowed: a.repeat_allowed,
                            list_provided: a.list_provided,
                        },
                        seen: a
                            .seen
                            .iter()
                            .map(|p| SeenInput {
                                person: p.clone(),
                                ..SeenInput::default()
                            })
                            .collect(),
                    };
                    ("flags".to_owned(), input)
                }
            };
            let store = a.db.open().await?;
            let mut rng = rand::rngs::OsRng;
            let r = casework::add_visit(&store, &mut rng, &name, &input).await;
            store.close().await;
            let v = r?;
            println!(
                "recorded visit {} on {} ({} person(s) seen)",
                v.id,
                v.date,
                v.findings.len()
            );
        }
        VisitCommand::List { place, json, db } => {
            let store = db.open().await?;
            let r = casework::list_visits(&store, place.as_deref()).await;
            store.close().await;
            let visits = r?;
            if json {
                println!("{}", serde_json::to_string_pretty(&visits)?);
            } else {
                let yn = |b: bool| if b { "y" } else { "n" };
                println!(
                    "{:<22} {:<11} {:<32} {:<6} {:>5} {:>5} {:>5}  organisation",
                    "visit", "date", "place", "cond.", "seen", "calls", "msgs"
                );
                for v in visits {
                    let c = v.conditions;
                    println!(
                        "{:<22} {:<11} {:<32} {}{}{}{}   {:>5} {:>5} {:>5}  {}",
                        v.id,
                        v.date,
                        v.place,
                        yn(c.access_all),
                        yn(c.private_interviews),
                        yn(c.repeat_allowed),
                        yn(c.list_provided),
                        v.persons_seen,
                        v.family_calls,
                        v.messages,
                        v.organisation
                    );
                }
            }
        }
        VisitCommand::Items { add, remove, db } => {
            let store = db.open().await?;
            let result: anyhow::Result<Vec<String>> = async {
                for a in &add {
                    let a = a.trim();
                    if a.is_empty() {
                        bail!("--add: an item needs a name");
                    }
                    store.add_visit_item(a).await?;
                }
                for r in &remove {
                    store.remove_visit_item(r.trim()).await?;
                }
                Ok(store.visit_items().await?)
            }
            .await;
            store.close().await;
            for i in result? {
                println!("{i}");
            }
        }
    }
    Ok(())
}
