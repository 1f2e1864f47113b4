//! The `--db` option every data command takes, and opening the store it names.

use anyhow::Context;
use homeward_store_sql::SqlStore;

/// Where the registry lives.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Database URL: sqlite:PATH (the default, created owner-only) or postgres://USER@HOST/DB.
    #[arg(long, env = "HOMEWARD_DB", default_value = "sqlite:homeward.db")]
    pub db: String,
}

impl DbArgs {
    /// Opens the store, creating and migrating it if needed.
    pub async fn open(&self) -> anyhow::Result<SqlStore> {
        let store = homeward_store_sql::connect(&self.db)
            .await
            .with_context(|| format!("opening the database {}", redact_url(&self.db)))?;
        if let Some(notice) = store.keys().notice() {
            eprintln!("note: {notice}");
        }
        Ok(store)
    }
}

/// A database URL without its password, fit for a message or a log line.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Who is acting, for decisions: `--actor`, else `HOMEWARD_ACTOR`, else the login name.
/// (Authenticated users replace this once accounts are enforced on the command line.)
#[derive(Debug, Clone, clap::Args)]
pub struct ActorArgs {
    /// Who is deciding (recorded with the decision).
    #[arg(long, env = "HOMEWARD_ACTOR")]
    pub actor: Option<String>,
    /// Why (recorded with the decision).
    #[arg(long, default_value = "")]
    pub reason: String,
}

impl ActorArgs {
    /// The actor's name.
    pub fn name(&self) -> String {
        self.actor
            .clone()
            .filter(|a| !a.trim().is_empty())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "cli".to_owned())
    }
}

/// A spinner on standard error that stays quiet when it is not a terminal.
pub fn spinner(msg: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg.to_owned());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// The current time as ISO 8601 UTC, for import logs.
pub fn now_iso() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let date = homeward_domain::PartialDate::from_day_number(days)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "1970-01-01".into());
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(
            super::redact_url("sqlite:homeward.db"),
            "sqlite:homeward.db"
        );
        assert_eq!(super::now_iso().len(), 20);
    }
}
