#!/usr/bin/env bash
# Memory and start-up of the release `credbroker serve` on SQLite: time from exec to the first 200
# from /readyz, resident memory (VmRSS) when idle, and again after 10,000 integrations were created
# through the API and listed (every page) and the process has settled.
# Usage: scripts/bench-memory.sh [integrations=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
swift build -c release --product credbroker >/dev/null
binary="$(swift build -c release --show-bin-path)/credbroker"

work=$(mktemp -d)
pid=""
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" init --dir "$work/data" >"$work/init.out" 2>&1
admin=$(tail -1 "$work/init.out")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
set -a; . "$work/data/credbroker.env"; set +a
export CREDBROKER_LISTEN="127.0.0.1:$port" CREDBROKER_AUDIT_LOG="$work/audit.log" CREDBROKER_LOG_LEVEL=warning

rss() { awk '/^VmRSS/ {printf "%.1f MB", $2 / 1024}' "/proc/$pid/status"; }

started=$(date +%s.%N)
"$binary" serve >"$work/serve.log" 2>&1 &
pid=$!
until curl -sf --cacert "$work/data/tls/ca.pem" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
ready=$(date +%s.%N)
printf 'start to ready:              %.0f ms\n' "$(echo "($ready - $started) * 1000" | bc)"
sleep 2
echo "RSS idle:                    $(rss)"

python3 - "$port" "$work/data/tls/ca.pem" "$admin" "$count" <<'PY'
import http.client, json, ssl, sys
port, ca, key, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
context = ssl.create_default_context(cafile=ca)
connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
for index in range(count):
    body = {"name": f"site-{index:05d}", "kind": "oauth2",
            "settings": {"token_url": "https://fmis.example/oauth/token", "client_id": f"client-{index}", "scopes": ["rooms.read"]},
            "secrets": {"client_secret": f"secret-{index}"}}
    connection.request("POST", "/v1/integrations", json.dumps(body), headers)
    response = connection.getresponse()
    response.read()
    assert response.status == 201, response.status
cursor, listed = None, 0
while True:
    connection.request("GET", "/v1/integrations?limit=1000" + (f"&cursor={cursor}" if cursor else ""), headers=headers)
    page = json.loads(connection.getresponse().read())
    listed += len(page["integrations"])
    cursor = page.get("next_cursor")
    if not cursor:
        break
print(f"created and listed:          {listed} integrations")
PY
sleep 2
echo "RSS with $count integrations: $(rss)"
