//! `homeward settings`: what an administrator controls (automatic acceptance, thresholds).

use super::db::{now_iso, ActorArgs, DbArgs};

/// Arguments of `homeward settings`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

/// `homeward settings` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Every setting with its value in force and what it means.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a setting, e.g. `homeward settings set link.auto_accept true`.
    Set {
        /// The key.
        key: String,
        /// The value.
        value: String,
        #[command(flatten)]
        actor: ActorArgs,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs `homeward settings`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let db = match &args.command {
        Sub::List { db } | Sub::Set { db, .. } => db.clone(),
    };
    let store = db.open().await?;
    let result = match args.command {
        Sub::List { .. } => homeward_app::linkage::list_settings(&store)
            .await
            .map(|all| {
                for s in all {
                    let set = s
                        .set
                        .map(|(at, by)| format!(" (set by {by} at {at})"))
                        .unwrap_or_else(|| " (default)".to_owned());
                    println!("{} = {}{}\n    {}", s.key, s.value, set, s.meaning);
                }
            }),
        Sub::Set {
            key, value, actor, ..
        } => homeward_app::linkage::set_setting(&store, &key, &value, &actor.name(), &now_iso())
            .await
            .map(|s| {
                println!(
                    "{key} = {}; in force: auto_accept={}, upper={}, lower={}",
                    value.trim(),
                    s.auto_accept,
                    s.upper,
                    s.lower
                );
            }),
    };
    store.close().await;
    Ok(result?)
}
