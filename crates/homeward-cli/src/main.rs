//! The `homeward` command-line program: parses arguments, sets up logging and hands each
//! subcommand to its module under `cmd/`. The only crate that uses `anyhow`.

mod cmd;

use clap::{Parser, Subcommand};

/// Homeward: a registry of people detained or missing in armed conflict.
#[derive(Debug, Parser)]
#[command(name = "homeward", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a seeded synthetic scenario (or write its lists and ground truth as files).
    Demo(cmd::demo::Args),
    /// Import a list (CSV, XLSX, ODS) or a PFIF 1.4 file into the registry, all of it or
    /// nothing; a list's records are linked to the registry's persons.
    Import(cmd::import::Args),
    /// Count what the registry holds.
    Status(cmd::status::Args),
    /// Find persons by name, in any script.
    Search(cmd::search::Args),
    /// Show how a name is read: scripts, canonical form and matching keys.
    Names(cmd::names::Args),
    /// Link or de-duplicate CSV lists without a registry, writing candidate pairs and clusters.
    Link(cmd::link::Args),
    /// Estimate the total number of people from the overlaps of several lists.
    Estimate(cmd::estimate::Args),
    /// The queue of proposed links: list, show the evidence, accept, reject, undo.
    Review(cmd::review::Args),
    /// Administrator settings (automatic acceptance of confident links, thresholds).
    Settings(cmd::settings::Args),
    /// Monitoring reports: `report access` shows how long since detainees were last visited.
    Report(cmd::report::Args),
    /// Accounts: add (the first is an administrator), list, disable, passwd, totp enable.
    User(cmd::user::Args),
    /// The tamper-evident audit log: verify it, export signed checkpoints.
    Audit(cmd::audit::Args),
    /// Master keys: rotate; erase a person by destroying their data keys.
    Keys(cmd::keys::Args),
    /// Write a consistent, fsynced snapshot of the database.
    Backup(cmd::custody::BackupArgs),
    /// Destroy the local database and master key, after checking a verified copy.
    Wipe(cmd::custody::WipeArgs),
    /// Hand the office's data to another office: `handover keygen`, `export` (one bundle
    /// encrypted to the recipients' age keys and signed), `import` (verified before written).
    Handover(cmd::handover::Args),
    /// Serve the web interface and JSON API on loopback (sign in with an account).
    Serve(cmd::serve::Args),
    /// Places of detention: add, list.
    Place(cmd::place::Args),
    /// Independent visits to places of detention: add (file or flags), list, items.
    Visit(cmd::visit::Args),
    /// Timeline events: add (with source, optionally contesting another), confirm a death claim.
    Event(cmd::event::Args),
    /// One person: `person show` (records, decisions), `merge`, `split`, and `person
    /// timeline` (events, sources, disputes, legal status history).
    Person(cmd::person::Args),
    /// Family enquiries: add, list, show, match, answer, close, and the enquirer's status.
    Enquiry(cmd::enquiry::Args),
    /// Export the registry: `export pfif` writes PFIF 1.4 XML.
    Export(cmd::export::Args),
}

// glibc's allocator took a sixth of the server's time on the person page and is slow under
// the linkage engine's many threads; mimalloc is made for both.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOMEWARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Whoever runs the command line acts as the local operator in the audit log.
    homeward_store::as_actor("local-operator", dispatch(cli)).await
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => cmd::demo::run(args).await,
        Command::Import(args) => cmd::import::run(args).await,
        Command::Status(args) => cmd::status::run(args).await,
        Command::Search(args) => cmd::search::run(args).await,
        Command::Names(args) => cmd::names::run(args).await,
        Command::Link(args) => cmd::link::run(args).await,
        Command::Estimate(args) => cmd::estimate::run(args).await,
        Command::Report(args) => cmd::report::run(args).await,
        Command::Review(args) => cmd::review::run(args).await,
        Command::Settings(args) => cmd::settings::run(args).await,
        Command::User(args) => cmd::user::run(args).await,
        Command::Audit(args) => cmd::audit::run(args).await,
        Command::Keys(args) => cmd::keys::run(args).await,
        Command::Backup(args) => cmd::custody::backup(args).await,
        Command::Wipe(args) => cmd::custody::wipe(args).await,
        Command::Handover(args) => cmd::handover::run(args).await,
        Command::Serve(args) => cmd::serve::run(args).await,
        Command::Place(args) => cmd::place::run(args).await,
        Command::Visit(args) => cmd::visit::run(args).await,
        Command::Event(args) => cmd::event::run(args).await,
        Command::Person(args) => cmd::person::run(args).await,
        Command::Enquiry(args) => cmd::enquiry::run(args).await,
        Command::Export(args) => cmd::export::run(args).await,
    }
}
