//! Record linkage engine: blocking on script-independent name keys, field comparisons with
//! levels, a Fellegi-Sunter model fitted by EM without labels (with term-frequency adjustment
//! for names), and clustering robust to chaining. Pure, parallel and deterministic: the
//! output depends neither on input order nor on thread count.
//!
//! Typical use: build [`LinkRecord`]s (source index 0, 1, ... per list), then
//! [`link`] or, step by step, [`Linker::new`], [`Linker::fit`], [`Linker::run`] and
//! [`Linker::explain`]. To link a batch of new records against existing ones, give the
//! existing records source 0 and the new ones source 1 with [`LinkMode::LinkOnly`], reusing a
//! saved [`FittedModel`].

mod blocking;
mod cluster;
mod compare;
mod engine;
mod error;
mod features;
mod model;
mod record;

pub use blocking::{BlockingLimits, BlockingRule, LinkMode, RuleReport};
pub use compare::{Field, Pattern, FIELDS, MISSING};
pub use engine::{link, Explanation, LinkConfig, LinkOutput, LinkReport, Linker, ScoredPair};
pub use error::LinkError;
pub use model::{probability, FieldEvidence, FieldParams, FittedModel};
pub use record::{LinkRecord, PartialDate, Sex};

/// EM on simulated comparison patterns, exposed for testing and diagnostics: returns
/// (m, u, lambda) fitted from `hist` (pattern, count) starting from `u0`.
pub fn fit_patterns(
    hist: &[(Pattern, u64)],
    u0: &[Vec<f64>],
    estimate_u: bool,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, f64) {
    let mut sorted = hist.to_vec();
    sorted.sort_unstable();
    let r = model::em(
        &sorted,
        u0,
        model::EmSettings {
            max_iterations: 1000,
            tolerance: 1e-9,
            estimate_u,
        },
    );
    (r.m, r.u, r.lambda)
}
