#!/usr/bin/env bash
# Contract fuzzing of the JSON API (issue 7, IV-6): serves a small synthetic demo on a free
# loopback port and runs schemathesis (from PyPI, in a venv under target/) against the
# served /api/v1/openapi.json. Fails on any 5xx or any response that breaks the schema.
#
#   crates/homeward-web/tests/schemathesis.sh [MAX_EXAMPLES=40]
#
# Every check runs but positive_data_acceptance: what JSON Schema cannot say (a date that
# exists, a name that is not blank, an id of something that exists, a pair that has a
# decision to undo) is answered 422, 404 or 409 naming the field, as it should be.
set -euo pipefail
max=${1:-40}
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
venv=$root/target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis>=4,<5"
fi
cargo build --quiet --bin homeward
bin=$root/target/debug/homeward
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
"$bin" demo --persons 200 --seed 5 --db "sqlite:$tmp/st.db" > /dev/null
"$bin" serve --db "sqlite:$tmp/st.db" --bind 127.0.0.1:0 > "$tmp/serve.txt" 2> "$tmp/serve.log" &
pid=$!
for _ in $(seq 100); do grep -q "serving on" "$tmp/serve.txt" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.txt" | head -n1); url=${url%/}
# Its caches (.schemathesis, .hypothesis) go under target/, not into the repository.
cd "$root/target"
"$venv/bin/schemathesis" run "$url/api/v1/openapi.json" \
  --url "$url" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --max-examples "$max" \
  --seed 1 \
  --request-timeout 30 \
  --no-color
