//! Benchmarks of the trust primitives (written next).
fn main() {}
