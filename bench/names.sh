#!/usr/bin/env bash
# Benchmarks of homeward-names in one run: normalise + keys throughput, and search over
# 1,000,000 synthetic persons through the index beside a full scan with the same scorer.
# Prints criterion figures plus the medians and the ratio (look for "search top 10").
# NAMES_BENCH_PERSONS and NAMES_BENCH_QUERIES change the sizes (defaults 1000000 and 20).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/homeward-names}"
cargo bench -p homeward-names --bench names "$@" 2>&1 | grep -vE '^\s*(Compiling|Running|Finished)'
