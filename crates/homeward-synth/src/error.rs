//! The crate's error type; generation itself is total, only helpers that encode output can fail.

/// Failures of this crate's output helpers.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The CSV writer failed while encoding a list.
    #[error("could not write CSV: {0}")]
    Csv(String),
}
