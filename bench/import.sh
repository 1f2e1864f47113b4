#!/usr/bin/env bash
# Import benchmark: a 1,000,000-row synthetic CSV into SQLite with `homeward import`, beside
# the sqlite3 shell's `.import` of the same file into a plain table (the raw limit), in the
# same run. Prints median rows/s of each, the ratio, the median peak RSS of the import, and
# the median time of `homeward search` over the imported database.
# The import is the streamed one, `--no-link` (the registry foundation of issue 2: every
# cell checked, ids, one person per record, sealed fields with a data key per record, the
# name index, an audit entry with its commitment per row, one transaction); linking needs
# the whole list in memory and is not part of this figure. IMPORT_FLAGS overrides the
# flags (`IMPORT_FLAGS= bench/import.sh` measures the linked import).
# Usage: bench/import.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-3}
flags=${IMPORT_FLAGS---no-link}
out=target/bench-import
mkdir -p "$out"
for tool in sqlite3 bc; do command -v $tool >/dev/null || { apt-get update -qq && apt-get install -y -qq $tool >/dev/null; }; done
# HOMEWARD_BIN: a release binary built elsewhere (e.g. while another cargo holds target/).
if [ -z "${HOMEWARD_BIN:-}" ]; then
  cargo build --release --bin homeward -q
fi
bin=${HOMEWARD_BIN:-target/release/homeward}

csv=$out/people-$rows.csv
if [ ! -f "$csv" ]; then
  python3 - "$rows" "$csv" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261123)
# Generic name parts (no real person's record), combined at random.
fam = ["Testyan","Sampleyan","Exampleyan","Թեստյան","Նմուշյան","Тестян","Примерян","Образцян","Demoyan","Mockian"]
giv = ["Armen","Anna","Gor","Lusine","Արմեն","Աննա","Армен","Анна","Karen","Mariam"]
suf = ["", "a", "ik", "o", "ur", "el", "ine", "ush"]
with open(path, "w", encoding="utf-8") as f:
    f.write("record_id,family_name,given_name,patronymic,sex,birth_date,birth_place,status\n")
    for i in range(n):
        f.write(f"B-{i:07d},{rng.choice(fam)}{rng.choice(suf)},{rng.choice(giv)},{rng.choice(giv)}i,"
                f"{rng.choice(['male','female'])},{rng.randint(1950,2005)}-{rng.randint(1,12):02d}-{rng.randint(1,28):02d},"
                f"Town {rng.randint(1,400)},{rng.choice(['detained','missing','released'])}\n")
PY
fi
map=$out/map.toml
: > "$map"
for f in record_id family_name given_name patronymic sex birth_date birth_place status; do
  printf '[[columns]]\ncolumn = "%s"\nfield = "%s"\n\n' "$f" "$f" >> "$map"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
sq=(); hw=(); rss=()
for r in $(seq 1 "$runs"); do
  rm -f "$out/raw.db"
  t0=$(now); sqlite3 "$out/raw.db" ".mode csv" ".import $csv people"; t1=$(now)
  sq+=("$(echo "$t1 - $t0" | bc -l)")
  rm -f "$out/hw.db" "$out/hw.db-wal" "$out/hw.db-shm" "$out/hw.db.key"
  t0=$(now)
  /usr/bin/time -v -o "$out/time.txt" "$bin" import "$csv" --source bench --mapping "$map" $flags --db "sqlite:$out/hw.db" >/dev/null
  t1=$(now)
  hw+=("$(echo "$t1 - $t0" | bc -l)")
  rss+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")")
  echo "run $r: sqlite3 .import ${sq[-1]} s, homeward import ${hw[-1]} s, peak RSS ${rss[-1]} KiB"
done
# Name search over the imported database (whole process: start, open, query, score).
st=()
for q in "Armen Testyan" "Тестян Анна" "Sampleyanik Gor Kareni" "Exampleyan Lusine" "Մարիամ Նմուշյան"; do
  t0=$(now); "$bin" search "$q" --limit 10 --db "sqlite:$out/hw.db" >/dev/null; t1=$(now)
  st+=("$(echo "$t1 - $t0" | bc -l)")
done
sqm=$(printf '%s\n' "${sq[@]}" | median)
hwm=$(printf '%s\n' "${hw[@]}" | median)
printf 'rows: %d\n' "$rows"
printf 'sqlite3 .import   median %.2f s  %.0f rows/s\n' "$sqm" "$(echo "$rows / $sqm" | bc -l)"
printf 'homeward import   median %.2f s  %.0f rows/s\n' "$hwm" "$(echo "$rows / $hwm" | bc -l)"
printf 'ratio (homeward rows/s / sqlite3 rows/s): %.3f  (target >= 0.25)\n' "$(echo "$sqm / $hwm" | bc -l)"
printf 'homeward import   median peak RSS %d MiB\n' "$(( $(printf '%s\n' "${rss[@]}" | median) / 1024 ))"
printf 'homeward search   median %.3f s per query over %d persons (5 queries, whole process)\n' "$(printf '%s\n' "${st[@]}" | median)" "$rows"
