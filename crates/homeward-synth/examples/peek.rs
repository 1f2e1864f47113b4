//! Prints the first rows of each list of a small scenario, then each list's coverage and error
//! rates at 100,000 persons: `cargo run --release --example peek`.

use homeward_synth::{generate, ErrorKind, ScenarioConfig};

fn main() {
    let s = generate(&ScenarioConfig::new(3_000, 7));
    for l in &s.lists {
        println!(
            "== {} [{}] {} rows: {}",
            l.code,
            l.script,
            l.rows.len(),
            l.columns.join(" | ")
        );
        for (row, id) in l.rows.iter().zip(&l.truth).take(6) {
            let p = &s.persons[*id as usize];
            println!("  {} <- #{} {}", row.join(" | "), id, p.full_name_latin());
        }
    }
    for e in s.enquiries.iter().take(4) {
        println!("enquiry {e:?}");
    }
    let s = generate(&ScenarioConfig::new(100_000, 7));
    println!(
        "\n| list | script | rows | persons covered | {} |",
        ErrorKind::ALL.map(|k| k.as_str()).join(" | ")
    );
    println!("|---|---|---|---|{}", "---|".repeat(ErrorKind::ALL.len()));
    for l in &s.lists {
        let mut ids = l.truth.clone();
        ids.sort_unstable();
        ids.dedup();
        let rates: Vec<String> = ErrorKind::ALL
            .iter()
            .map(|&k| match l.stats.rate(k) {
                Some(r) => format!("{:.3} ({:.3})", l.rates.get(k), r),
                None => "-".to_string(),
            })
            .collect();
        println!(
            "| {} | {} | {} | {:.1}% | {} |",
            l.code,
            l.script,
            l.rows.len(),
            100.0 * ids.len() as f64 / s.persons.len() as f64,
            rates.join(" | ")
        );
    }
    println!("true pairs: {}", s.true_pair_count());
}
