#!/usr/bin/env bash
# Linking a 100k-record list against a 100k-person registry (issue 4, registry side).
#
# Generates two synthetic lists (target/bench-registry/, no real person): A with N persons,
# B with N rows of which half name persons of A (with typos and missing fields) and half
# are new. Imports A into a fresh SQLite registry, then imports B twice into copies of that
# registry: once with linkage (the default) and once with --no-link, so that the ratio
# shows what linkage adds to an import. Prints wall times, the linkage phases, and the ratio.
#
#   bench/registry-link.sh [N]        (default N = 100000)
#   BIN=target/debug/homeward bench/registry-link.sh    (skip the release build; the engines
#                                                        are optimised even in debug builds)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
OUT=target/bench-registry
mkdir -p "$OUT"
if [ -z "${BIN:-}" ]; then
  cargo build --release -p homeward-cli >/dev/null
  BIN=target/release/homeward
fi

python3 - "$N" "$OUT" <<'PY'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
syl = ["ar", "men", "go", "ha", "kob", "pet", "ros", "var", "dan", "mkr", "tch", "gri", "gor",
       "sar", "gis", "kar", "en", "ti", "ran", "na", "rek", "lu", "si", "ne", "da", "vit"]
def family():
    return "".join(rng.choice(syl) for _ in range(rng.choice([2, 3]))).capitalize() + "yan"
def given():
    return "".join(rng.choice(syl) for _ in range(2)).capitalize()
def date():
    return f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
def typo(s):
    if len(s) > 3 and rng.random() < 0.3:
        i = rng.randrange(1, len(s) - 1)
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s
people = [(given(), family(), date(), rng.choice(["male", "female"])) for _ in range(n)]
with open(f"{out}/a.csv", "w") as f:
    f.write("given,family,born,sex\n")
    for g, fa, d, s in people:
        f.write(f"{g},{fa},{d},{s}\n")
with open(f"{out}/b.csv", "w") as f:
    f.write("given,family,born,sex\n")
    for i in range(n):
        if i % 2 == 0:
            g, fa, d, s = people[rng.randrange(n)]
            g, fa = typo(g), typo(fa)
            if rng.random() < 0.1:
                d = d[:4]
        else:
            g, fa, d, s = given(), family(), date(), rng.choice(["male", "female"])
        f.write(f"{g},{fa},{d},{s}\n")
with open(f"{out}/m.toml", "w") as f:
    for col, field, dates in [("given", "given_name", False), ("family", "family_name", False),
                              ("born", "birth_date", True), ("sex", "sex", False)]:
        f.write(f'[[columns]]\ncolumn = "{col}"\nfield = "{field}"\n')
        if dates:
            f.write('date_formats = ["%Y-%m-%d", "%Y"]\n')
        f.write("\n")
PY

rm -f "$OUT"/reg.db*
"$BIN" import "$OUT/a.csv" --source A --mapping "$OUT/m.toml" --no-link --db "sqlite:$OUT/reg.db" >/dev/null
# Copy the registry (checkpointed by the closing import) for the two runs.
for v in linked plain; do rm -f "$OUT/$v.db"*; cp "$OUT/reg.db" "$OUT/$v.db"; done

t0=$(date +%s.%N)
HOMEWARD_LOG=homeward_app=info "$BIN" import "$OUT/b.csv" --source B --mapping "$OUT/m.toml" \
  --db "sqlite:$OUT/linked.db" 2>"$OUT/linked.log"
t1=$(date +%s.%N)
"$BIN" import "$OUT/b.csv" --source B --mapping "$OUT/m.toml" --no-link --db "sqlite:$OUT/plain.db" >/dev/null
t2=$(date +%s.%N)
grep -E "linkage planned|import" "$OUT/linked.log" | sed 's/^/  /' || true
python3 - "$t0" "$t1" "$t2" "$N" <<'PY'
import sys
t0, t1, t2, n = map(float, sys.argv[1:5])
linked, plain = t1 - t0, t2 - t1
print(f"list of {int(n)} rows against a registry of {int(n)} persons:")
print(f"  import with linkage: {linked:.1f} s; without: {plain:.1f} s; ratio {linked / plain:.2f}")
PY
