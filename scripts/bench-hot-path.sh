#!/usr/bin/env bash
# The hot path against the machine's ceiling: cached token hand-outs from `credbroker demo`
# (authentication, policy, cache lookup, audit line, JSON) measured with wrk over TLS keep-alive, and
# in the same run nginx serving a static body of the same size over TLS with the same certificate,
# the same connections and duration; and a bare Hummingbird TLS server (Benchmarks/BareTLSServer,
# the same body and certificate, no middleware): the framework's own ceiling. Prints req/s, p50,
# p99 and the ratios.
# Usage: scripts/bench-hot-path.sh   (CONNECTIONS=64 DURATION=10s THREADS=2 to change)
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-64}
duration=${DURATION:-10s}
threads=${THREADS:-2}

missing=()
for tool in nginx wrk curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
    [[ $(id -u) -eq 0 ]] || { echo "bench-hot-path: install ${missing[*]} (as root: apt-get install nginx wrk curl)" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk curl >/dev/null
fi
swift build -c release --product credbroker >/dev/null
swift build -c release --product BareTLSServer >/dev/null
binary="$(swift build -c release --show-bin-path)/credbroker"
bare="$(swift build -c release --show-bin-path)/BareTLSServer"

work=$(mktemp -d)
demo_pid="" nginx_pid="" nginx1_pid="" bare_pid=""
cleanup() {
    [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null || true
    [[ -n $nginx1_pid ]] && kill "$nginx1_pid" 2>/dev/null || true
    [[ -n $bare_pid ]] && kill "$bare_pid" 2>/dev/null || true
    [[ -n $demo_pid ]] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" demo --port 0 >"$work/demo.out" 2>&1 &
demo_pid=$!
for _ in $(seq 1 300); do grep -q '^export CB=' "$work/demo.out" && break; sleep 0.1; done
eval "$(grep '^export CB=' "$work/demo.out")"
data=$(dirname "$CA")
token_url="$CB/v1/integrations/fmis/token"
body=$(curl -sf --cacert "$CA" -H "Authorization: Bearer $CONSUMER" -X POST "$token_url")
size=${#body}

printf '%*s' "$size" '' | tr ' ' 'x' >"$work/static.txt"
# nginx twice: with a worker per core (its default) and with one worker, which shows how much of
# nginx's lead is its second process rather than less work per request.
start_nginx() { # name workers port
    mkdir -p "$work/$1"
    cat >"$work/$1/nginx.conf" <<CONF
user root;
worker_processes $2;
daemon off;
pid $work/$1/nginx.pid;
error_log $work/$1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {
        listen 127.0.0.1:$3 ssl;
        ssl_certificate $data/server.pem;
        ssl_certificate_key $data/server-key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { default_type application/json; return 200 '$(cat "$work/static.txt")'; }
    }
}
CONF
    nginx -c "$work/$1/nginx.conf" -p "$work/$1" &
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
start_nginx nginx auto "$port"
nginx_pid=$!
port1=$(free_port)
start_nginx nginx1 1 "$port1"
nginx1_pid=$!
bare_port=$(free_port)
"$bare" "$bare_port" "$data/server.pem" "$data/server-key.pem" "$work/static.txt" >"$work/bare.log" 2>&1 &
bare_pid=$!
sleep 1

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $CONSUMER"
LUA

run() { wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$1"; }
summary() {
    local rate p50 p99
    rate=$(awk '/^Requests\/sec:/ {print $2}' "$1")
    p50=$(awk '$1 == "50%" {print $2}' "$1")
    p99=$(awk '$1 == "99%" {print $2}' "$1")
    printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$2" "$rate" "$p50" "$p99"
}
run "$token_url" >"$work/broker.txt"
run "https://127.0.0.1:$port/token" >"$work/nginx.txt"
run "https://127.0.0.1:$port1/token" >"$work/nginx1.txt"
run "https://127.0.0.1:$bare_port/token" >"$work/bare.txt"

echo "wrk -t$threads -c$connections -d$duration over TLS keep-alive, ${size}-byte bodies, $(nproc) cores:"
summary "$work/nginx.txt" "nginx (static body, same cert)"
summary "$work/nginx1.txt" "nginx, one worker process"
summary "$work/bare.txt" "bare Hummingbird TLS (same body)"
summary "$work/broker.txt" "credbroker POST …/token (cached)"
rate() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
awk -v b="$(rate "$work/broker.txt")" -v n="$(rate "$work/nginx.txt")" -v o="$(rate "$work/nginx1.txt")" -v h="$(rate "$work/bare.txt")" \
    'BEGIN { printf "credbroker / nginx throughput: %.2fx (one-worker nginx: %.2fx); bare Hummingbird / nginx: %.2fx (%.2fx); credbroker / bare Hummingbird: %.2fx\n", b / n, b / o, h / n, h / o, b / h }'
grep -h "Non-2xx\|Socket errors" "$work/broker.txt" "$work/nginx.txt" "$work/nginx1.txt" "$work/bare.txt" || true
