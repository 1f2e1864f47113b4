//! `homeward names`: how Homeward reads a name (scripts, canonical form, keys) and whether
//! two names are taken as the same name.

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Text,
    /// JSON.
    Json,
}

/// Arguments of `homeward names`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

/// The `names` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Print, per name, its scripts, canonical Latin form and matching keys.
    Show {
        /// One or more names, in any script.
        #[arg(required = true)]
        names: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the similarity of two names and whether they are taken as the same name.
    Compare {
        /// The first name.
        a: String,
        /// The second name.
        b: String,
        /// Output format: text, or JSON {"score": s, "same": true|false}.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// Runs `homeward names`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Sub::Show { names, format } => {
            let mut out = Vec::new();
            for name in &names {
                let a = homeward_names::analyse(name);
                let scripts: Vec<String> = a.scripts.iter().map(|s| format!("{s:?}")).collect();
                match format {
                    Format::Text => {
                        println!("{name}");
                        println!("  scripts:     {}", scripts.join(", "));
                        println!("  normalised:  {}", a.normalized);
                        println!("  canonical:   {}", a.canonical);
                        println!("  keys:        {}", a.keys.join(" "));
                        let alts: Vec<String> = a.alt_keys.iter().map(|k| k.join("|")).collect();
                        println!("  all keys:    {}", alts.join(" "));
                        for d in &a.diagnostics {
                            println!("  note:        {d}");
                        }
                    }
                    Format::Json => out.push(serde_json::json!({
                        "name": name,
                        "scripts": scripts,
                        "normalized": a.normalized,
                        "canonical": a.canonical,
                        "tokens": a.tokens,
                        "keys": a.keys,
                        "alt_keys": a.alt_keys,
                        "diagnostics": a.diagnostics,
                    })),
                }
            }
            if let Format::Json = format {
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
        }
        Sub::Compare { a, b, format } => {
            let score = homeward_names::similarity(&a, &b);
            let same = score >= homeward_names::SAME_NAME_THRESHOLD;
            match format {
                Format::Json => println!("{}", serde_json::json!({"score": score, "same": same})),
                Format::Text => println!(
                    "{score:.3} {} (threshold {})",
                    if same { "same name" } else { "different names" },
                    homeward_names::SAME_NAME_THRESHOLD
                ),
            }
        }
    }
    Ok(())
}
