#!/usr/bin/env bash
# Benchmarks of homeward-estimate beside a Python reference, in one run:
#   - the full two-way log-linear search on 5 lists (1,024 models) vs statsmodels' Poisson GLM;
#   - 100,000 LCMCR Gibbs sweeps vs a numpy implementation of the same sweep.
# Prints both medians and the ratios. Usage: bench/estimate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/homeward-estimate}"
VENV="$ROOT/target/bench-venv"
TABLE="$ROOT/crates/homeward-estimate/tests/data/madigan_york_5lists.csv"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check numpy statsmodels

cargo bench -p homeward-estimate --bench estimate -- --noplot >&2

PY_OUT=$("$VENV/bin/python" "$ROOT/bench/estimate_ref.py" "$TABLE" 3)

"$VENV/bin/python" - "$CARGO_TARGET_DIR/criterion/estimate" "$PY_OUT" <<'PY'
import json, sys
crit, py = sys.argv[1], dict(l.split() for l in sys.argv[2].splitlines())
def median(name):
    with open(f"{crit}/{name}/new/estimates.json") as f:
        return json.load(f)["median"]["point_estimate"] / 1e9
rows = [
    ("log-linear search, 5 lists, 1,024 models (rayon)", median("loglinear_search_5lists_1024_models"), float(py["loglinear_search"]), "statsmodels GLM"),
    ("log-linear search, 5 lists, 1,024 models (1 thread)", median("loglinear_search_5lists_1024_models_1thread"), float(py["loglinear_search"]), "statsmodels GLM"),
    ("LCMCR, 100,000 Gibbs sweeps, 5 lists, K=10", median("lcmcr_100k_gibbs_sweeps_5lists"), float(py["lcmcr_100k_sweeps"]), "numpy (scaled from 2,000 sweeps)"),
]
print(f"{'benchmark':<54} {'rust median':>12} {'python median':>14} {'ratio':>8}  python reference")
for name, rust, python, ref in rows:
    print(f"{name:<54} {rust:>11.4f}s {python:>13.4f}s {python / rust:>7.1f}x  {ref}")
PY
