//! `homeward user`: accounts. No account exists until `user add` creates the first
//! administrator; passwords are read from standard input, never from the command line.

use super::db::DbArgs;
use anyhow::Context;
use homeward_app::accounts;
use homeward_app::policy::Principal;
use homeward_domain::Role;
use homeward_trust::password::Password;
use std::io::{BufRead, IsTerminal, Write};

/// Arguments of `homeward user`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    #[command(flatten)]
    pub db: DbArgs,
}

/// What to do with accounts.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Create an account (the first must be an administrator); the password is read from stdin.
    Add {
        /// User name.
        name: String,
        /// administrator, caseworker, analyst, health_officer or viewer.
        #[arg(long)]
        role: String,
    },
    /// List accounts (name, role, disabled, second factor).
    List,
    /// Disable an account (its sessions end); `--enable` turns it back on.
    Disable {
        /// User name.
        name: String,
        /// Re-enable instead.
        #[arg(long)]
        enable: bool,
    },
    /// Set a new password, read from stdin.
    Passwd {
        /// User name.
        name: String,
    },
    /// Second factor: `totp enable NAME` enrols a new TOTP secret and shows it once.
    Totp {
        /// Only `enable` for now.
        #[arg(value_parser = ["enable"])]
        what: String,
        /// User name.
        name: String,
    },
}

/// Reads a password: prompts on a terminal (twice), else reads one line from stdin.
fn read_password() -> anyhow::Result<Password> {
    let stdin = std::io::stdin();
    let mut line = String::new();
    if stdin.is_terminal() {
        eprint!("password (input is shown; prefer piping it): ");
        std::io::stderr().flush().ok();
    }
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let text = line.trim_end_matches(['\n', '\r']).to_owned();
    if text.is_empty() {
        anyhow::bail!("no password on stdin");
    }
    Ok(Password::new(text))
}

/// Runs `homeward user`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let me = Principal::LocalOperator;
    match args.action {
        Action::Add { name, role } => {
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let password = read_password()?;
            let user = accounts::add_user(&store, &me, &name, role, &password).await?;
            println!(
                "created {} ({}) as {}",
                user.username,
                user.id.as_str(),
                role.as_str()
            );
        }
        Action::List => {
            for a in accounts::list_users(&store, &me).await? {
                println!(
                    "{:<24} {:<15} {:<9} {}",
                    a.username,
                    a.role,
                    if a.disabled { "disabled" } else { "active" },
                    if a.totp { "totp" } else { "-" }
                );
            }
        }
        Action::Disable { name, enable } => {
            accounts::set_disabled(&store, &me, &name, !enable).await?;
            println!("{name} {}", if enable { "enabled" } else { "disabled" });
        }
        Action::Passwd { name } => {
            let password = read_password()?;
            accounts::change_password(&store, &me, &name, &password).await?;
            println!("password of {name} changed");
        }
        Action::Totp { name, .. } => {
            let (secret, uri) = accounts::enable_totp(&store, &me, &name).await?;
            println!("TOTP enrolled for {name}; add it to an authenticator now (shown once):");
            println!("secret {secret}");
            println!("{uri}");
        }
    }
    store.close().await;
    Ok(())
}
