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
    #[arg(long)]
    pub table: PathBuf,
    /// Estimate per stratum by this column of the table, and a combined total.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
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
    let text = std::fs::read_to_string(&args.table)
        .with_context(|| format!("reading {}", args.table.display()))?;
    let opts = EstimateOptions {
        methods: match args.method {
            MethodArg::Loglinear => MethodSelection::LogLinear,
            MethodArg::Lcmcr => MethodSelection::Lcmcr,
            MethodArg::All => MethodSelection::All,
        },
        seed: args.seed,
        ..EstimateOptions::default()
    };
    let name = args.table.display().to_string();
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
