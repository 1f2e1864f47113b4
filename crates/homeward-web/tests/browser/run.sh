#!/usr/bin/env bash
# Homeward's browser tests: loads a small synthetic demo into a temporary SQLite database,
# serves it on a free loopback port and runs the flows in headless Debian Chromium
# (playwright-core, no browser download) with axe-core checks. Screenshots go to
# target/browser/ (or $HOMEWARD_BROWSER_OUT).
#
# The binary: $HOMEWARD_BIN when set (CI passes the debug build `cargo test` already made),
# else `cargo build --bin homeward`. When the server asks for a login, the flows use the
# demo's accounts, read from the demo's output.
# Needs: Debian's chromium (apt-get install -y chromium), Node.js with npm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
out=${HOMEWARD_BROWSER_OUT:-$root/target/browser}
mkdir -p "$out"
cd "$root"
if [ -n "${HOMEWARD_BIN:-}" ]; then
  bin=$HOMEWARD_BIN
else
  cargo build --quiet --bin homeward
  bin=$root/target/debug/homeward
fi
[ -x "$bin" ] || { echo "no homeward binary at $bin"; exit 1; }
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "no Chromium at $chromium (apt-get install -y chromium)"; exit 1; }
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
"$bin" demo --persons 400 --seed 3 --db "sqlite:$tmp/browser.db" > "$tmp/demo.txt"
# The accounts the demo printed ("  name  role  password"), as JSON by role.
accounts=$(awk '
  /^demo accounts/ { on = 1; next }
  on && NF == 3 && $1 !~ /:$/ { printf "%s\"%s\":{\"user\":\"%s\",\"password\":\"%s\"}", sep, $2, $1, $3; sep = "," }
  on && NF != 3 { on = 0 }
' "$tmp/demo.txt")
export HOMEWARD_ACCOUNTS="{${accounts}}"
HOMEWARD_LOG=info "$bin" serve --db "sqlite:$tmp/browser.db" --bind 127.0.0.1:0 > "$tmp/serve.txt" 2> "$out/server.log" &
pid=$!
for _ in $(seq 100); do
  grep -q "serving on" "$tmp/serve.txt" 2>/dev/null && break
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.txt" | head -n1)
url=${url%/}
[ -n "$url" ] || { echo "the server did not start"; cat "$out/server.log"; exit 1; }
cd "$here"
[ -d node_modules ] || npm ci --no-audit --no-fund --silent
HOMEWARD_URL=$url HOMEWARD_SHOTS=$out CHROMIUM=$chromium node --test --test-concurrency=1
