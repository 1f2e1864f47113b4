#!/usr/bin/env bash
# Load benchmark of `homeward serve` (issue 7): the person page and the search API, each
# beside a static route of the same server in the same run, on a demo database of PERSONS
# persons (default 100,000). wrk on loopback, bounded by -d. Prints requests/s with p50 and
# p99 latency and the ratio of each route to the static one (target: person page >= 0.3).
#
#   bench/web.sh [PERSONS=100000] [SECONDS=15] [CONNECTIONS=16]
#
# Needs wrk (apt-get install -y wrk); HOMEWARD_BIN=PATH skips the build. The database is kept in bench/out/ between runs.
set -euo pipefail
persons=${1:-100000}
secs=${2:-15}
conns=${3:-16}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/bench/out/web
mkdir -p "$out"
cd "$root"
# HOMEWARD_BIN: a release binary built elsewhere (e.g. while another cargo holds target/).
if [ -z "${HOMEWARD_BIN:-}" ]; then
  cargo build --release --quiet --bin homeward
fi
bin=${HOMEWARD_BIN:-$root/target/release/homeward}
db="$out/demo-$persons.db"
if [ ! -s "$db" ]; then
  echo "loading the demo scenario with $persons persons into $db"
  /usr/bin/time -f "demo load: %e s, peak RSS %M KiB" "$bin" demo --persons "$persons" --seed 7 --db "sqlite:$db" > /dev/null
fi
# Pages and the persons API need a session: a fresh password for the demo's administrator.
password=$(python3 -c "import secrets; print(secrets.token_urlsafe(18))")
printf '%s\n' "$password" | "$bin" user --db "sqlite:$db" passwd demo-administrator > /dev/null
"$bin" serve --db "sqlite:$db" --bind 127.0.0.1:0 > "$out/serve.txt" 2> "$out/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "serving on" "$out/serve.txt" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$out/serve.txt" | head -n1); url=${url%/}

# Paths to request: 2,000 persons spread over the registry, and their names as queries.
# Signs in through the login form; the session cookie goes to $out/cookie for wrk.
PASSWORD="$password" python3 - "$url" "$out" <<'PY'
import json, os, re, sys, urllib.parse, urllib.request
url, out = sys.argv[1], sys.argv[2]
class Keep(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
opener = urllib.request.build_opener(Keep)
with urllib.request.urlopen(url + "/login") as r:
    pre = r.headers["set-cookie"].split(";")[0]
    token = re.search(r'name="_csrf" value="([^"]+)"', r.read().decode()).group(1)
form = urllib.parse.urlencode({"username": "demo-administrator", "password": os.environ["PASSWORD"], "_csrf": token}).encode()
req = urllib.request.Request(url + "/login", data=form, headers={"cookie": pre})
try:
    opener.open(req)
except urllib.error.HTTPError as e:
    if e.code != 303:
        raise
    session = next(v for k, v in e.headers.items() if k.lower() == "set-cookie" and v.startswith(("homeward_session=", "__Host-homeward_session="))).split(";")[0]
open(f"{out}/cookie", "w").write(session)
def get(p):
    with urllib.request.urlopen(urllib.request.Request(url + p, headers={"cookie": session})) as r:
        return json.load(r)
total = get("/api/v1/persons?per_page=1")["total"]
step = max(1, total // 10)
people = []
for k in range(10):
    page = get(f"/api/v1/persons?per_page=200&page={k * step // 200 + 1}")["persons"]
    people += page
people = people[:2000]
with open(f"{out}/person.paths", "w") as f:
    for p in people:
        f.write(f"/persons/{p['id']}\n")
with open(f"{out}/search.paths", "w") as f:
    for p in people:
        f.write("/api/v1/persons?per_page=10&q=" + urllib.parse.quote(p["name"]) + "\n")
css = next(l for l in urllib.request.urlopen(url + "/reports").read().decode().split('"') if l.endswith("/app.css"))
with open(f"{out}/static.paths", "w") as f:
    f.write(css + "\n")
PY

cat > "$out/paths.lua" <<'LUA'
-- Requests a random path from the file named by the PATHS environment variable, with the
-- session cookie from the file named by COOKIE.
local paths = {}
local headers = {}
init = function(args)
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  for line in io.lines(os.getenv("COOKIE")) do headers["Cookie"] = line end
  math.randomseed(7)
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
LUA

run() { # name paths-file -> "rps p50_ms p99_ms"
  PATHS="$2" COOKIE="$out/cookie" wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$out/paths.lua" "$url" > "$out/$1.wrk"
  python3 - "$out/$1.wrk" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f} {non2xx.group(1) if non2xx else 0}")
PY
}
echo "wrk -t2 -c$conns -d${secs}s on $url, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf "%-14s %10s %9s %9s %7s %7s\n" route "req/s" "p50 ms" "p99 ms" errors ratio
read -r s_rps s_p50 s_p99 s_err < <(run static "$out/static.paths")
printf "%-14s %10s %9s %9s %7s %7s\n" static "$s_rps" "$s_p50" "$s_p99" "$s_err" "1.00"
for r in person search; do
  read -r rps p50 p99 err < <(run "$r" "$out/$r.paths")
  ratio=$(python3 -c "print(f'{$rps / $s_rps:.2f}')")
  printf "%-14s %10s %9s %9s %7s %7s\n" "$r" "$rps" "$p50" "$p99" "$err" "$ratio"
done
# The static route once more, after, to see whether the machine's load moved.
read -r s_rps s_p50 s_p99 s_err < <(run static2 "$out/static.paths")
printf "%-14s %10s %9s %9s %7s %7s\n" "static again" "$s_rps" "$s_p50" "$s_p99" "$s_err" "-"
