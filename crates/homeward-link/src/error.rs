//! The error type of the linkage engine.

/// What can go wrong in the linkage engine (messy data is never an error: it yields
/// missing values and diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The configuration is unusable (e.g. a threshold outside (0, 1)).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A saved model could not be read or written as JSON.
    #[error("model JSON: {0}")]
    Model(#[source] serde_json::Error),
    /// A saved model has the wrong shape or impossible probabilities.
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// A record index given to the API is out of range.
    #[error("record index {0} is out of range")]
    NoSuchRecord(usize),
}
