//! Seeded, reproducible synthetic scenarios for Homeward: a population of persons with realistic
//! Armenian (and a few Russian and Azerbaijani) names, five or more overlapping source lists with
//! documented error rates and ground truth, detention places, visits, events and enquiries.
//!
//! The generator is pure: [`generate`] returns data and does no I/O. Every random choice comes
//! from a stream derived from the seed and the item's index, so a scenario is identical across
//! runs and thread counts, and person `i` does not depend on how many persons follow it.

mod date;
mod error;
mod lists;
mod monitoring;
pub mod names;
mod population;
mod rng;
mod vocab;

pub use date::{DateStyle, SimpleDate};
pub use error::SynthError;
pub use lists::{list_to_csv, ErrorFlags, ErrorKind, ErrorRates, ErrorStats, SourceList};
pub use monitoring::{
    EnquirySpec, EventKind, EventSpec, PlaceKind, PlaceSpec, VisitConditions, VisitFinding,
    VisitSpec, ACCESS_CUT, CONTESTED_RATE, ENQUIRY_RATE, HUMANITARIAN_ORG, MAX_SEEN_PER_VISIT,
    UNKNOWN_ENQUIRY_SHARE,
};
pub use names::{NameEntry, Origin, Script};
pub use population::TruePerson;
pub use vocab::{Category, LegalStatus, Locality, Sex, Status};

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioConfig {
    /// Number of true persons.
    pub persons: usize,
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Number of source lists; values below 5 are raised to 5, above 64 lowered to 64.
    pub lists: usize,
    /// The scenario's "today": nothing happens after it.
    pub as_of: SimpleDate,
    /// Multiplies every list's error rates (1.0 = the documented rates, 0.0 = clean lists).
    pub error_scale: f64,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        Self {
            persons: 3_000,
            seed: 1,
            lists: 6,
            as_of: SimpleDate::new(2026, 11, 1),
            error_scale: 1.0,
        }
    }
}

impl ScenarioConfig {
    /// The default configuration with `persons` and `seed` set.
    pub fn new(persons: usize, seed: u64) -> Self {
        Self {
            persons,
            seed,
            ..Self::default()
        }
    }
}

/// A generated scenario: ground truth plus everything the sources said.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The configuration it was generated from.
    pub config: ScenarioConfig,
    /// Ground truth; `persons[i].id == i`.
    pub persons: Vec<TruePerson>,
    /// Source lists (at least 5), each with its truth vector.
    pub lists: Vec<SourceList>,
    /// Places of detention.
    pub places: Vec<PlaceSpec>,
    /// Visits to places of detention, in date order.
    pub visits: Vec<VisitSpec>,
    /// Events per person (some contested by a second source), sorted by person then date.
    pub events: Vec<EventSpec>,
    /// Enquiries from families.
    pub enquiries: Vec<EnquirySpec>,
}

impl Scenario {
    /// Total rows across all lists.
    pub fn total_rows(&self) -> usize {
        self.lists.iter().map(|l| l.rows.len()).sum()
    }

    /// Number of true matching row pairs across all lists (rows naming the same person), the
    /// denominator of pairwise recall.
    pub fn true_pair_count(&self) -> u64 {
        let mut per_person = vec![0u64; self.persons.len()];
        for list in &self.lists {
            for &id in &list.truth {
                if let Some(c) = per_person.get_mut(id as usize) {
                    *c += 1;
                }
            }
        }
        per_person
            .iter()
            .map(|&c| c * c.saturating_sub(1) / 2)
            .sum()
    }
}

/// Generates the scenario described by `cfg`; the same configuration always yields the same
/// scenario.
pub fn generate(cfg: &ScenarioConfig) -> Scenario {
    let mut cfg = cfg.clone();
    cfg.lists = cfg.lists.clamp(5, 64);
    if !cfg.error_scale.is_finite() || cfg.error_scale < 0.0 {
        cfg.error_scale = 0.0;
    }
    let places = monitoring::places();
    let persons = population::generate_persons(&cfg, &places);
    let (lists, membership) = lists::generate_lists(&cfg, &persons, &places);
    let visits = monitoring::generate_visits(&cfg, &persons, &places);
    let events = monitoring::generate_events(&cfg, &persons, &membership, &visits);
    let enquiries = monitoring::generate_enquiries(&cfg, &persons, &membership);
    Scenario {
        config: cfg,
        persons,
        lists,
        places,
        visits,
        events,
        enquiries,
    }
}
