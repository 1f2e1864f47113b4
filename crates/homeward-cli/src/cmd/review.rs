//! `homeward review`: the queue of proposed links, with their evidence, and the decisions.

use super::db::{now_iso, ActorArgs, DbArgs};
use homeward_app::linkage::review::{self, Actor};
use homeward_store::ReviewState;

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// JSON.
    Json,
}

/// Arguments of `homeward review`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

/// Which states to list.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StateArg {
    /// Waiting for a decision.
    Open,
    /// Accepted (merged).
    Accepted,
    /// Rejected (different persons).
    Rejected,
    /// Everything.
    All,
}

/// `homeward review` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// List the queue, most probable first.
    List {
        /// Which items.
        #[arg(long, value_enum, default_value = "open")]
        state: StateArg,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Show an item with each field's level and weight and both records as written.
    Show {
        /// The review item's id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Accept: the two persons become one (the right one joins the left one).
    Accept {
        /// The review item's id.
        id: String,
        #[command(flatten)]
        actor: ActorArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Reject: the two are different persons and will not be proposed again.
    Reject {
        /// The review item's id.
        id: String,
        #[command(flatten)]
        actor: ActorArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Undo the last decision in force, or the one named.
    Undo {
        /// The decision's id (default: the latest decision not yet undone).
        id: Option<String>,
        #[command(flatten)]
        actor: ActorArgs,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Prints a decision in one line.
pub fn print_decision(verb: &str, d: &homeward_app::linkage::DecisionView) {
    println!(
        "{verb} decision {} ({}): {} {} {} by {} at {}; {}",
        d.id,
        d.kind,
        d.person,
        match d.kind.as_str() {
            "merge" => "<-",
            "split" => "->",
            _ => "!=",
        },
        d.other_person,
        d.actor,
        d.at,
        d.reason
    );
}

/// Runs `homeward review`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let db = match &args.command {
        Sub::List { db, .. }
        | Sub::Show { db, .. }
        | Sub::Accept { db, .. }
        | Sub::Reject { db, .. }
        | Sub::Undo { db, .. } => db.clone(),
    };
    let store = db.open().await?;
    let result = run_on(&store, args.command).await;
    store.close().await;
    result
}

async fn run_on(store: &homeward_store_sql::SqlStore, command: Sub) -> anyhow::Result<()> {
    let mut rng = rand::rngs::OsRng;
    let at = now_iso();
    match command {
        Sub::List { state, format, .. } => {
            let state = match state {
                StateArg::Open => Some(ReviewState::Open),
                StateArg::Accepted => Some(ReviewState::Accepted),
                StateArg::Rejected => Some(ReviewState::Rejected),
                StateArg::All => None,
            };
            let items = review::list(store, state).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&items)?),
                Format::Table => {
                    println!(
                        "{:<21} {:<8} {:>11} {:>7}  left person / right person",
                        "id", "state", "probability", "weight"
                    );
                    for i in &items {
                        println!(
                            "{:<21} {:<8} {:>11.4} {:>7.2}  {} {} / {} {}",
                            i.id,
                            format!("{:?}", i.state).to_lowercase(),
                            i.probability,
                            i.weight,
                            i.left_person,
                            i.left_name,
                            i.right_person,
                            i.right_name
                        );
                    }
                    println!("{} item(s)", items.len());
                }
            }
        }
        Sub::Show { id, format, .. } => {
            let d = review::show(store, &id).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&d)?),
                Format::Table => {
                    let s = &d.summary;
                    println!(
                        "review {} ({:?}): probability {:.4}, weight {:.2} bits (prior {:.2})",
                        s.id, s.state, s.probability, s.weight, d.prior_weight
                    );
                    println!(
                        "left:  {} {} (record {}, {} row {})",
                        s.left_person, s.left_name, d.left.id, d.left.source, d.left.row
                    );
                    println!(
                        "right: {} {} (record {}, {} row {})",
                        s.right_person, s.right_name, d.right.id, d.right.source, d.right.row
                    );
                    println!(
                        "{:<14} {:<40} {:>7}  {:<30} right",
                        "field", "level", "weight", "left"
                    );
                    for e in &d.evidence {
                        println!(
                            "{:<14} {:<40} {:>7.2}  {:<30} {}",
                            e.field, e.level, e.weight, e.left, e.right
                        );
                    }
                    if let Some(dec) = &d.decision {
                        println!("decided by {dec}");
                    }
                }
            }
        }
        Sub::Accept { id, actor, .. } => {
            let name = actor.name();
            let a = Actor {
                name: &name,
                at: &at,
                reason: &actor.reason,
            };
            let d = review::accept(store, &id, &a, &mut rng).await?;
            print_decision("recorded", &d);
        }
        Sub::Reject { id, actor, .. } => {
            let name = actor.name();
            let a = Actor {
                name: &name,
                at: &at,
                reason: &actor.reason,
            };
            let d = review::reject(store, &id, &a, &mut rng).await?;
            print_decision("recorded", &d);
        }
        Sub::Undo { id, actor, .. } => {
            let name = actor.name();
            let a = Actor {
                name: &name,
                at: &at,
                reason: &actor.reason,
            };
            let d = review::undo(store, id.as_deref(), &a).await?;
            print_decision("undid", &d);
        }
    }
    Ok(())
}
