//! `homeward report`: monitoring reports over the registry; `access` is the first of them.

use anyhow::Context;
use homeward_app::monitoring::{self, AccessReport, DEFAULT_THRESHOLD_DAYS};
use homeward_domain::PartialDate;

use super::db::DbArgs;

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// One JSON object with totals, places, persons and the longest gaps.
    Json,
    /// One row per person seen in a visit.
    Csv,
}

/// Arguments of `homeward report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub report: Report,
}

/// The reports; a subcommand each so that more can be added without new flags clashing.
#[derive(Debug, clap::Subcommand)]
pub enum Report {
    /// Days since independent visitors and family last reached each detainee, per place.
    Access(AccessArgs),
    /// Public figures (persons by status and sex, by status and category) with counts of
    /// 1 to 10 suppressed, and whatever would reveal them.
    Public(PublicArgs),
    /// Persons by status, counting a death only once a caseworker confirmed it.
    Figures(FiguresArgs),
}

/// Formats of the public report.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PublicFormat {
    /// CSV.
    Csv,
    /// CSV with a second row of HXL hashtags.
    Hxl,
    /// JSON.
    Json,
}

/// Arguments of `homeward report public`.
#[derive(Debug, clap::Args)]
pub struct PublicArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: PublicFormat,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Arguments of `homeward report figures`.
#[derive(Debug, clap::Args)]
pub struct FiguresArgs {
    /// Report date (YYYY, YYYY-MM or YYYY-MM-DD); today by default.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Arguments of `homeward report access`.
#[derive(Debug, clap::Args)]
pub struct AccessArgs {
    /// Report date (YYYY, YYYY-MM or YYYY-MM-DD); today by default.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Days without a visit after which a detainee is overdue (exactly this many is not).
    #[arg(long, default_value_t = DEFAULT_THRESHOLD_DAYS)]
    pub threshold: i64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Show display names next to person ids (personal data: off by default).
    #[arg(long)]
    pub names: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `homeward report`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.report {
        Report::Access(a) => access(a).await,
        Report::Public(a) => public(a).await,
        Report::Figures(a) => figures(a).await,
    }
}

async fn public(args: PublicArgs) -> anyhow::Result<()> {
    use homeward_app::public_report;
    let store = args.db.open().await?;
    let r = public_report::public_report(&store, &homeward_app::policy::Principal::LocalOperator)
        .await?;
    store.close().await;
    match args.format {
        PublicFormat::Csv => print!("{}", public_report::to_csv(&r, false)),
        PublicFormat::Hxl => print!("{}", public_report::to_csv(&r, true)),
        PublicFormat::Json => println!("{}", serde_json::to_string_pretty(&r)?),
    }
    Ok(())
}

fn as_of_or_today(s: &Option<String>) -> anyhow::Result<PartialDate> {
    Ok(match s {
        Some(s) => s.parse().with_context(|| format!("--as-of {s}"))?,
        None => {
            let now = super::db::now_iso();
            now.get(..10).unwrap_or(&now).parse()?
        }
    })
}

async fn figures(args: FiguresArgs) -> anyhow::Result<()> {
    let as_of = as_of_or_today(&args.as_of)?;
    let store = args.db.open().await?;
    let r = homeward_app::casework::status_figures(&store, as_of).await;
    store.close().await;
    let f = r?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&f)?);
    } else {
        println!(
            "persons by status as of {} (deaths only when confirmed)",
            f.as_of
        );
        for (s, n) in &f.by_status {
            println!("  {s:<12} {n:>8}");
        }
        println!("  {:<12} {:>8}", "total", f.total);
    }
    Ok(())
}

async fn access(args: AccessArgs) -> anyhow::Result<()> {
    let as_of = as_of_or_today(&args.as_of)?;
    let store = args.db.open().await?;
    let r = monitoring::access_gap(&store, as_of, args.threshold, args.names).await;
    store.close().await;
    let r = r?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&monitoring::to_json(&r))?
        ),
        Format::Csv => csv_out(&r)?,
        Format::Table => table(&r),
    }
    Ok(())
}

/// A person's id, with the name when the report carries names.
fn who(r: &AccessReport, id: &homeward_domain::Id) -> String {
    match r.persons.get(id).and_then(|p| p.name.as_deref()) {
        Some(n) => format!("{id}  {n}"),
        None => id.to_string(),
    }
}

fn table(r: &AccessReport) {
    let t = &r.totals;
    println!(
        "access as of {}, overdue after {} days without a visit",
        r.as_of, r.threshold_days
    );
    println!(
        "persons seen {:>6}   overdue {:>6}   never in family contact {:>6}   out of custody {:>6}",
        t.persons, t.overdue, t.no_family_contact, t.out_of_custody
    );
    println!(
        "places       {:>6}   overdue {:>6} (never visited or last visit over the threshold)",
        t.places, t.places_overdue
    );
    println!();
    println!(
        "{:<48} {:>11} {:>6} {:>8} {:>8}",
        "place", "last visit", "days", "persons", "overdue"
    );
    for p in r.places.values() {
        println!(
            "{:<48} {:>11} {:>6} {:>8} {:>8}",
            p.name,
            p.last_visit.map_or("never".into(), |d| d.to_string()),
            p.days_since.map_or("-".into(), |d| d.to_string()),
            p.persons.len(),
            p.overdue
        );
    }
    for p in r.places.values().filter(|p| p.overdue > 0) {
        println!();
        println!("overdue, last seen at {}:", p.name);
        // Longest gap first, so the most urgent cases lead.
        let mut gaps: Vec<_> = p
            .persons
            .iter()
            .filter_map(|id| r.persons.get(id))
            .filter(|g| g.overdue)
            .collect();
        gaps.sort_by_key(|g| std::cmp::Reverse(g.days_since_visit));
        for g in gaps {
            println!("  {:>5} days  {}", g.days_since_visit, who(r, &g.person_id));
        }
    }
    println!();
    println!("longest gaps:");
    for id in &r.longest {
        if let Some(g) = r.persons.get(id) {
            let fam = g
                .days_since_family_contact
                .map_or("never".into(), |d| format!("{d} days"));
            println!(
                "  {:>5} days since visit, family contact {:<10} {}",
                g.days_since_visit,
                fam,
                who(r, id)
            );
        }
    }
}

fn csv_out(r: &AccessReport) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    w.write_record([
        "person_id",
        "name",
        "last_visit",
        "last_place",
        "days_since_visit",
        "last_family_contact",
        "days_since_family_contact",
        "out_of_custody",
        "overdue",
    ])?;
    for p in r.persons.values() {
        let place = r
            .places
            .get(&p.last_place)
            .map_or(p.last_place.to_string(), |pl| pl.name.clone());
        w.write_record([
            p.person_id.to_string(),
            p.name.clone().unwrap_or_default(),
            p.last_visit.to_string(),
            place,
            p.days_since_visit.to_string(),
            p.last_family_contact
                .map(|d| d.to_string())
                .unwrap_or_default(),
            p.days_since_family_contact
                .map(|d| d.to_string())
                .unwrap_or_default(),
            p.out_of_custody.to_string(),
            p.overdue.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
