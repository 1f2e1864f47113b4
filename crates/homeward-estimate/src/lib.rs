//! Multiple systems estimation (being written, issue 5).
