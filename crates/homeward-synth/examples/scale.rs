//! Times scenario generation at a given size: `cargo run --release --example scale -- 1000000`.

use std::time::Instant;

use homeward_synth::{generate, ScenarioConfig};

fn main() {
    let persons = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000usize);
    let start = Instant::now();
    let s = generate(&ScenarioConfig::new(persons, 42));
    let secs = start.elapsed().as_secs_f64();
    println!(
        "persons={} rows={} true_pairs={} visits={} events={} enquiries={} seconds={secs:.2}",
        s.persons.len(),
        s.total_rows(),
        s.true_pair_count(),
        s.visits.len(),
        s.events.len(),
        s.enquiries.len()
    );
    for l in &s.lists {
        println!("  {:5} {:5} rows={:8}", l.code, l.script, l.rows.len());
    }
}
