#!/usr/bin/env bash
# Linkage benchmark: `homeward link` beside splink 4 (DuckDB) on the same data in the same run.
#   accuracy: synthetic multi-script lists (homeward-synth, the generator of
#             `homeward demo --write-lists`), FEBRL 3 (dedupe) and FEBRL 4 (link);
#   speed:    de-duplication of ~1,000,000 synthetic records, wall time and peak RSS.
# Usage: bench/link.sh            (everything)
#        SKIP_1M=1 bench/link.sh  (accuracy only)
#        SKIP_ACCURACY=1 bench/link.sh  (the 1M dedupe only)
#        PERSONS_1M=331000 bench/link.sh
#        RUNS_1M=5 bench/link.sh   (runs of each side at 1M, alternating; medians compared)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/target/bench-link
VENV=$ROOT/target/bench-venv
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target/homeward-link}
mkdir -p "$OUT"
THRESHOLD=${THRESHOLD:-0.5}

if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q 'splink>=4,<5' recordlinkage unidecode
PY=$VENV/bin/python

cargo build --release -q -p homeward-cli
cargo build --release -q -p homeward-link --example gen_lists
HW=$CARGO_TARGET_DIR/release/homeward
GEN=$CARGO_TARGET_DIR/release/examples/gen_lists

"$PY" bench/link_prep.py "$OUT"
[ -f "$OUT/synth.csv" ] || "$GEN" 3000 7 "$OUT/synth.csv"

SYNTH_MAP=(--map record_id=record_id --map given_name=given_name --map family_name=family_name
  --map patronymic=patronymic --map full_name=full_name --map sex=sex --map birth_date=birth_date
  --map birth_place=birth_place --map capture_date=capture_date --map capture_place=capture_place)
FEBRL_MAP=(--map record_id=record_id --map given_name=given_name --map family_name=family_name
  --map birth_date=birth_date --map id_number=id_number --map residence=residence --map birth_place=birth_place)

# run NAME CMD...: runs under /usr/bin/time -v, records wall seconds and peak RSS (MiB).
run() {
  local name=$1; shift
  /usr/bin/time -v "$@" 2> "$OUT/$name.time" >/dev/null || { cat "$OUT/$name.time"; exit 1; }
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$OUT/$name.time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep "Maximum resident set size" "$OUT/$name.time" | awk '{printf "%.0f", $NF/1024}')
  echo "$wall $rss" > "$OUT/$name.perf"
}

report() { # name mode truth...
  local name=$1 mode=$2; shift 2
  read -r p r f tp fp tot < <("$PY" bench/link_eval.py "$OUT/$name.pairs.csv" "$mode" "$@")
  read -r wall rss < "$OUT/$name.perf"
  printf "| %-22s | %9s | %7s | %7s | %7s | %8s | %8s |\n" "$name" "$tot" "$p" "$r" "$f" "$wall" "$rss" | tee -a "$OUT/results.md"
}

echo "| run                    | true pairs | precision | recall | F1 | wall s | peak MiB |" | tee "$OUT/results.md"
echo "|---|---|---|---|---|---|---|" | tee -a "$OUT/results.md"

if [ -z "${SKIP_ACCURACY:-}" ]; then
run homeward-synth "$HW" link --input "$OUT/synth.csv" "${SYNTH_MAP[@]}" --threshold "$THRESHOLD" --pairs "$OUT/homeward-synth.pairs.csv" --clusters "$OUT/homeward-synth.clusters.csv"
run splink-synth "$PY" bench/link_splink.py synth dedupe "$THRESHOLD" "$OUT/splink-synth.pairs.csv" "$OUT/synth.csv"
report homeward-synth dedupe "$OUT/synth.csv"
report splink-synth dedupe "$OUT/synth.csv"

run homeward-febrl3 "$HW" link --input "$OUT/febrl3.csv" "${FEBRL_MAP[@]}" --threshold "$THRESHOLD" --pairs "$OUT/homeward-febrl3.pairs.csv"
run splink-febrl3 "$PY" bench/link_splink.py febrl dedupe "$THRESHOLD" "$OUT/splink-febrl3.pairs.csv" "$OUT/febrl3.csv"
report homeward-febrl3 dedupe "$OUT/febrl3.csv"
report splink-febrl3 dedupe "$OUT/febrl3.csv"

run homeward-febrl4 "$HW" link --input "$OUT/febrl4a.csv" --input "$OUT/febrl4b.csv" "${FEBRL_MAP[@]}" --threshold "$THRESHOLD" --pairs "$OUT/homeward-febrl4.pairs.csv"
run splink-febrl4 "$PY" bench/link_splink.py febrl link "$THRESHOLD" "$OUT/splink-febrl4.pairs.csv" "$OUT/febrl4a.csv" "$OUT/febrl4b.csv"
report homeward-febrl4 link "$OUT/febrl4a.csv" "$OUT/febrl4b.csv"
report splink-febrl4 link "$OUT/febrl4a.csv" "$OUT/febrl4b.csv"
fi

if [ -z "${SKIP_1M:-}" ]; then
  PERSONS_1M=${PERSONS_1M:-331000}
  RUNS_1M=${RUNS_1M:-3}
  [ -f "$OUT/synth1m.csv" ] || "$GEN" "$PERSONS_1M" 11 "$OUT/synth1m.csv"
  echo "1M records: $(($(wc -l < "$OUT/synth1m.csv") - 1)) rows; $RUNS_1M runs of each, alternating"
  # The machines are shared virtual machines whose memory the host takes back when idle: the
  # first process to touch a lot of memory after a pause pays for it. Runs alternate, and the
  # medians are compared.
  : > "$OUT/homeward-1m.runs"
  : > "$OUT/splink-1m.runs"
  for k in $(seq "$RUNS_1M"); do
    run homeward-1m "$HW" link --input "$OUT/synth1m.csv" "${SYNTH_MAP[@]}" --threshold "$THRESHOLD" --pairs "$OUT/homeward-1m.pairs.csv" --clusters "$OUT/homeward-1m.clusters.csv"
    cat "$OUT/homeward-1m.perf" >> "$OUT/homeward-1m.runs"
    run splink-1m "$PY" bench/link_splink.py synth-large dedupe "$THRESHOLD" "$OUT/splink-1m.pairs.csv" "$OUT/synth1m.csv"
    cat "$OUT/splink-1m.perf" >> "$OUT/splink-1m.runs"
    echo "run $k: homeward $(cat "$OUT/homeward-1m.perf") splink $(cat "$OUT/splink-1m.perf") (wall s, peak MiB)"
  done
  # Medians of wall time and of peak memory over the runs.
  median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  for name in homeward-1m splink-1m; do
    echo "$(cut -d' ' -f1 < "$OUT/$name.runs" | median) $(cut -d' ' -f2 < "$OUT/$name.runs" | median)" > "$OUT/$name.perf"
  done
  report homeward-1m dedupe "$OUT/synth1m.csv"
  report splink-1m dedupe "$OUT/synth1m.csv"
  read -r hw_wall hw_rss < "$OUT/homeward-1m.perf"
  read -r sp_wall sp_rss < "$OUT/splink-1m.perf"
  "$PY" -c "print(f'1M dedupe (medians of $RUNS_1M runs): splink/homeward wall ratio {$sp_wall/$hw_wall:.1f}x, memory ratio {$sp_rss/$hw_rss:.1f}x')" | tee -a "$OUT/results.md"
  paste -d' ' "$OUT/homeward-1m.runs" "$OUT/splink-1m.runs" | awk '{ printf "  run %d: homeward %s s %s MiB, splink %s s %s MiB, ratio %.1fx\n", NR, $1, $2, $3, $4, $3 / $1 }' | tee -a "$OUT/results.md"
fi
echo "results in $OUT/results.md"
