//! Benchmarks (placeholder until written below).
fn main() {}
