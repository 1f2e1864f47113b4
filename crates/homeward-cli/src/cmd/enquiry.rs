//! `homeward enquiry`: family enquiries: intake, matching, answer, closing, and the
//! enquirer's own view with a reference and passphrase.

use super::db::{now_iso, DbArgs};
use anyhow::{bail, Context};
use homeward_app::enquiry::{self, AnswerPolicy, EnquiryIntake};
use homeward_domain::PartialDate;
use homeward_trust::password::{Argon2Cost, PasswordHasher};
use std::io::Read;
use std::path::PathBuf;

/// Arguments of `homeward enquiry`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: EnquiryCommand,
}

/// The enquiry subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum EnquiryCommand {
    /// Receive an enquiry; prints the reference and passphrase to give the enquirer (once).
    Add(AddArgs),
    /// List enquiries (no enquirer contact details).
    List {
        /// Only enquiries in this state (open, under_review, answered, closed).
        #[arg(long)]
        state: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Show one enquiry in full, for the caseworker handling it.
    Show {
        /// The reference.
        reference: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Find candidate persons in the registry, with field-by-field evidence.
    Match {
        /// The reference.
        reference: String,
        /// How many candidates.
        #[arg(long, default_value_t = 5)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Who is matching.
        #[arg(long, env = "HOMEWARD_USER", default_value = "caseworker")]
        by: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Link the enquiry to a person and answer it with what is known.
    Answer {
        /// The reference.
        reference: String,
        /// The person the sought person is.
        #[arg(long)]
        person: String,
        /// Answer as of this date (default today).
        #[arg(long)]
        as_of: Option<String>,
        /// Policy allows telling the place of detention (only if the detainee consented).
        #[arg(long)]
        disclose_place: bool,
        /// Words for the family.
        #[arg(long)]
        message: Option<String>,
        /// The answering caseworker.
        #[arg(long, env = "HOMEWARD_USER")]
        by: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Close an enquiry without an answer.
    Close {
        /// The reference.
        reference: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The caseworker.
        #[arg(long, env = "HOMEWARD_USER")]
        by: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The enquirer's view: state and answer of their own enquiry. The passphrase is read
    /// from standard input or a file, never from the command line.
    Status {
        /// The reference.
        #[arg(long)]
        reference: String,
        /// Read the passphrase from this file instead of standard input.
        #[arg(long)]
        secret_file: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Arguments of `homeward enquiry add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// An intake file (TOML or JSON with the fields below; `sought` as a list of
    /// [field, value] pairs); the flags are then not used.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// When it was received (default today).
    #[arg(long)]
    pub received: Option<String>,
    /// The enquirer's name.
    #[arg(long)]
    pub enquirer_name: Option<String>,
    /// Relation to the sought person (mother, brother, ...).
    #[arg(long)]
    pub relation: Option<String>,
    /// How to reach the enquirer.
    #[arg(long)]
    pub contact: Option<String>,
    /// The enquirer agrees that the enquiry be shared with the sought person and other services.
    #[arg(long)]
    pub consent_to_share: bool,
    /// What the family knows: FIELD=VALUE with standard field names (repeat the flag).
    #[arg(long = "sought", value_name = "FIELD=VALUE")]
    pub sought: Vec<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// The hasher of enquiry passphrases: Argon2id at the OWASP minimum.
fn hasher() -> anyhow::Result<PasswordHasher> {
    Ok(PasswordHasher::new(Argon2Cost::default(), None)?)
}

fn today() -> anyhow::Result<PartialDate> {
    let now = now_iso();
    Ok(now.get(..10).unwrap_or(&now).parse()?)
}

/// Runs `homeward enquiry`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        EnquiryCommand::Add(a) => add(a).await,
        EnquiryCommand::List { state, json, db } => {
            let state = match state {
                Some(s) => Some(enquiry::parse_state(&s).with_context(|| {
                    format!("--state '{s}': expected open, under_review, answered or closed")
                })?),
                None => None,
            };
            let store = db.open().await?;
            let r = enquiry::list(&store, state).await;
            store.close().await;
            let list = r?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for e in list {
                    println!(
                        "{}  {:<11} {:<13} {:<40} {}",
                        e.reference,
                        e.received,
                        e.state,
                        e.sought_name,
                        e.person_id.unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
        EnquiryCommand::Show { reference, db } => {
            let store = db.open().await?;
            let r = enquiry::show(&store, &reference).await;
            store.close().await;
            println!("{}", serde_json::to_string_pretty(&r?)?);
            Ok(())
        }
        EnquiryCommand::Match {
            reference,
            limit,
            json,
            by,
            db,
        } => {
            let store = db.open().await?;
            let r = enquiry::match_enquiry(&store, &reference, limit, &by, &now_iso()).await;
            store.close().await;
            let c = r?;
            if json {
                println!("{}", serde_json::to_string_pretty(&c)?);
                return Ok(());
            }
            if c.is_empty() {
                println!("no candidates");
            }
            for cand in c {
                match &cand.model {
                    Some(m) => println!(
                        "{}  score {:.3}  model {:+.1} bits (p {:.3})  {}",
                        cand.person_id, cand.score, m.weight, m.probability, cand.name
                    ),
                    None => println!("{}  score {:.3}  {}", cand.person_id, cand.score, cand.name),
                }
                for e in cand.evidence {
                    println!(
                        "    {:<14} {:<8} enquiry: {:<30} registry: {}",
                        e.field,
                        e.verdict,
                        e.enquiry,
                        e.registry.unwrap_or_else(|| "-".into())
                    );
                }
            }
            Ok(())
        }
        EnquiryCommand::Answer {
            reference,
            person,
            as_of,
            disclose_place,
            message,
            by,
            db,
        } => {
            let as_of = match as_of {
                Some(s) => s.parse().with_context(|| format!("--as-of {s}"))?,
                None => today()?,
            };
            let store = db.open().await?;
            let r = enquiry::answer(
                &store,
                &reference,
                &person,
                as_of,
                AnswerPolicy { disclose_place },
                message,
                &by,
                &now_iso(),
            )
            .await;
            store.close().await;
            println!("answered:\n{}", serde_json::to_string_pretty(&r?)?);
            Ok(())
        }
        EnquiryCommand::Close {
            reference,
            reason,
            by,
            db,
        } => {
            let store = db.open().await?;
            let r = enquiry::close(&store, &reference, &reason, &by, &now_iso()).await;
            store.close().await;
            r?;
            println!("enquiry {reference} closed");
            Ok(())
        }
        EnquiryCommand::Status {
            reference,
            secret_file,
            json,
            db,
        } => {
            let mut secret = String::new();
            match &secret_file {
                Some(p) => {
                    secret = std::fs::read_to_string(p)
                        .with_context(|| format!("reading {}", p.display()))?;
                }
                None => {
                    std::io::stdin()
                        .read_to_string(&mut secret)
                        .context("reading the passphrase from standard input")?;
                }
            }
            let h = hasher()?;
            let store = db.open().await?;
            let r = enquiry::family_status(&store, &h, &reference, &secret).await;
            store.close().await;
            match r? {
                Ok(view) if json => println!("{}", serde_json::to_string_pretty(&view)?),
                Ok(view) => {
                    println!("enquiry {}: {}", view.reference, view.state);
                    if let Some(a) = view.answer {
                        println!("  as of:                     {}", a.as_of);
                        println!("  status:                    {}", a.status);
                        println!("  legal status:              {}", a.legal_status);
                        println!(
                            "  last independent sighting: {}",
                            a.last_independent_sighting
                                .as_deref()
                                .unwrap_or("none known")
                        );
                        if let Some(p) = a.place_of_detention {
                            println!("  place of detention:        {p}");
                        }
                        println!(
                            "  last contact with family:  {}",
                            a.last_family_contact.as_deref().unwrap_or("none known")
                        );
                        if let Some(m) = a.message {
                            println!("  message: {m}");
                        }
                    }
                }
                Err(denied) => bail!(denied),
            }
            Ok(())
        }
    }
}

async fn add(a: AddArgs) -> anyhow::Result<()> {
    let intake = match &a.file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let name = path.display().to_string();
            let mut i: EnquiryIntake = if name.ends_with(".json") {
                serde_json::from_str(&text).with_context(|| name.clone())?
            } else {
                toml::from_str(&text).with_context(|| name.clone())?
            };
            if i.received.is_empty() {
                i.received = today()?.to_string();
            }
            i
        }
        None => {
            let mut sought = Vec::new();
            for s in &a.sought {
                let Some((k, v)) = s.split_once('=') else {
                    bail!("--sought '{s}': expected FIELD=VALUE");
                };
                sought.push((k.trim().to_owned(), v.trim().to_owned()));
            }
            EnquiryIntake {
                received: match &a.received {
                    Some(r) => r.clone(),
                    None => today()?.to_string(),
                },
                enquirer_name: a.enquirer_name.clone(),
                relation: a.relation.clone(),
                contact: a.contact.clone(),
                consent_to_share: a.consent_to_share,
                sought,
            }
        }
    };
    let h = hasher()?;
    let store = a.db.open().await?;
    let mut rng = rand::rngs::OsRng;
    let r = enquiry::add(&store, &h, &mut rng, &intake).await;
    store.close().await;
    let receipt = r?;
    println!("enquiry received. Give the enquirer, once:");
    println!("  reference:  {}", receipt.reference);
    println!("  passphrase: {}", receipt.passphrase);
    println!("The passphrase is stored only as a hash and cannot be shown again.");
    Ok(())
}
