#!/usr/bin/env bash
# Contract fuzzing of the JSON API (issue 7, IV-6): serves a small synthetic demo on a free
# loopback port, signs in as its administrator and runs schemathesis (from PyPI, in a venv under target/) against the
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
# The API answers signed-in staff only: a fresh password for the demo's administrator, a
# session through the login form, and the session's CSRF token for the writes.
password=$(python3 -c "import secrets; print(secrets.token_urlsafe(18))")
printf '%s\n' "$password" | "$bin" user --db "sqlite:$tmp/st.db" passwd demo-administrator > /dev/null
"$bin" serve --db "sqlite:$tmp/st.db" --bind 127.0.0.1:0 > "$tmp/serve.txt" 2> "$tmp/serve.log" &
pid=$!
for _ in $(seq 100); do grep -q "serving on" "$tmp/serve.txt" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.txt" | head -n1); url=${url%/}
read -r cookie csrf < <(PASSWORD="$password" python3 - "$url" <<'PY'
import os, re, sys, urllib.error, urllib.parse, urllib.request
url = sys.argv[1]
class Keep(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
with urllib.request.urlopen(url + "/login") as r:
    pre = r.headers["set-cookie"].split(";")[0]
    token = re.search(r'name="_csrf" value="([^"]+)"', r.read().decode()).group(1)
form = urllib.parse.urlencode({"username": "demo-administrator", "password": os.environ["PASSWORD"], "_csrf": token}).encode()
try:
    urllib.request.build_opener(Keep).open(urllib.request.Request(url + "/login", data=form, headers={"cookie": pre}))
    sys.exit("login did not redirect")
except urllib.error.HTTPError as e:
    if e.code != 303:
        raise
    session = next(v for k, v in e.headers.items() if k.lower() == "set-cookie" and "homeward_session=" in v).split(";")[0]
with urllib.request.urlopen(urllib.request.Request(url + "/", headers={"cookie": session})) as r:
    csrf = re.search(r'name="_csrf" value="([^"]+)"', r.read().decode()).group(1)
print(session, csrf)
PY
)
# Its caches (.schemathesis, .hypothesis) go under target/, not into the repository.
cd "$root/target"
"$venv/bin/schemathesis" run "$url/api/v1/openapi.json" \
  --url "$url" \
  --header "Cookie: $cookie" \
  --header "x-csrf-token: $csrf" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --max-examples "$max" \
  --seed 1 \
  --request-timeout 30 \
  --no-color
