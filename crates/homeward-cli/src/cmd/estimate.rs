//! `homeward estimate`: how many people there are in total, from the overlaps of lists.

use anyhow::Context;
use homeward_estimate::{EstimateOptions, MethodSelection};
use std::path::PathBuf;

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned text with warnings.
    Table,
    /// A JSON list of {"method", "estimate", "lower", "upper", "level", "observed", "model", "warnings"}.
    Json,
}

/// Which estimators to run.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    /// Independence, AIC- and BIC-selected and model-averaged log-linear estimates.
    Loglinear,
    /// The Bayesian latent class model (LCMCR).
    Lcmcr,
    /// Both.
    All,
}

/// Arguments of `homeward estimate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "T.csv has one 0/1 column per list and a `count` column; lines starting with # are comments."
)]
pub struct Args {
    /// The overlap table (CSV).
    #[arg(long, required_unless_present = "db", conflicts_with = "db")]
    pub table: Option<PathBuf>,
    /// Build the overlap table from this registry instead (which sources named each settled
    /// person: reviewed, or linked only above the upper threshold).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Estimate per stratum by this column of the table (with --db: a standard field such as
    /// category, or the year of a date field such as capture_year), and a combined total.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// With --db: also write the overlap table built from the registry to this CSV file.
    #[arg(long, value_name = "FILE", requires = "db")]
    pub write_table: Option<PathBuf>,
    /// Which estimators to run.
    #[arg(long, value_enum, default_value = "all")]
    pub method: MethodArg,
    /// Seed of the random draws: the same seed gives the same numbers.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Runs `homeward estimate`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let (text, name) = match (&args.table, &args.db) {
        (Some(path), _) => (
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            path.display().to_string(),
        ),
        (None, Some(url)) => {
            let store = super::db::DbArgs { db: url.clone() }.open().await?;
            let by = args
                .by
                .as_deref()
                .map(homeward_app::linkage::estimate::Stratify::parse)
                .transpose()?;
            let built = homeward_app::linkage::estimate::registry_table(&store, by).await;
            store.close().await;
            let table = built?;
            let s = table.summary();
            eprintln!(
                "overlap table from the registry: {} settled person(s) named by {} source(s); {} person(s) left out pending review",
                s.persons,
                s.lists.len(),
                s.pending_review
            );
            let csv = table.to_csv(args.by.as_deref());
            if let Some(path) = &args.write_table {
                std::fs::write(path, &csv)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            (csv, super::db::redact_url(url))
        }
        (None, None) => anyhow::bail!("give --table FILE or --db URL"),
    };
    let opts = EstimateOptions {
        methods: match args.method {
            MethodArg::Loglinear => MethodSelection::LogLinear,
            MethodArg::Lcmcr => MethodSelection::Lcmcr,
            MethodArg::All => MethodSelection::All,
        },
        seed: args.seed,
        ..EstimateOptions::default()
    };
    let pb = super::db::spinner("estimating");
    if let Some(by) = &args.by {
        let table = homeward_estimate::parse_stratified_table(&text, Some(by))
            .with_context(|| format!("reading the overlap table {name}"))?;
        let result = homeward_estimate::estimate_stratified(&table, &opts)?;
        pb.finish_and_clear();
        match args.format {
            Format::Json => {
                let strata: Vec<serde_json::Value> = result
                    .strata
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "stratum": s.stratum,
                            "observed": s.observed,
                            "estimates": s.estimates,
                            "refused": s.refused,
                        })
                    })
                    .collect();
                let v = serde_json::json!({"strata": strata, "total": result.total});
                println!("{}", serde_json::to_string_pretty(&v)?);
            }
            Format::Table => {
                for s in &result.strata {
                    println!("== stratum {} ({} observed)", s.stratum, s.observed);
                    match &s.refused {
                        Some(why) => println!("not estimated: {why}"),
                        None => print!("{}", homeward_estimate::render_table(&s.estimates)),
                    }
                }
                println!("== total");
                print!("{}", homeward_estimate::render_table(&result.total));
            }
        }
        return Ok(());
    }
    let table = homeward_estimate::parse_table(&text)
        .with_context(|| format!("reading the overlap table {name}"))?;
    let estimates = homeward_estimate::estimate(&table, &opts)?;
    pb.finish_and_clear();
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&estimates)?),
        Format::Table => print!("{}", homeward_estimate::render_table(&estimates)),
    }
    Ok(())
}
