//! Seeded synthetic scenarios (being written, issue 2).
