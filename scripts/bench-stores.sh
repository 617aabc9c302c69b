#!/usr/bin/env bash
# Token hand-out and a refresh storm on SQLite and on PostgreSQL, in one run on this machine:
#   1. SQLite, one broker;  2. PostgreSQL, one broker;  3. PostgreSQL, three brokers sharing it.
# Each reports the storm's upstream calls (must equal the integrations) and latency, and cached
# hand-out against GET /healthz on the same brokers (the in-run baseline).
# Usage: scripts/bench-stores.sh [integrations=1000] [connections=64] [seconds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
integrations=${1:-1000}
connections=${2:-64}
seconds=${3:-5}

scripts/install-deps.sh
swift build -c release --product TokenBenchmark >/dev/null
bench="$(swift build -c release --show-bin-path)/TokenBenchmark"

scripts/with-postgres.sh bash -c '
    set -euo pipefail
    fresh() {
        local name="bench_$1_$$"
        psql -q "$CREDBROKER_TEST_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
        echo "${CREDBROKER_TEST_POSTGRES_URL/\/postgres\?//$name?}"
    }
    echo "== 1. SQLite, one broker"
    "$0" "$1" "$2" "$3" 1
    echo "== 2. PostgreSQL, one broker"
    CREDBROKER_BENCH_DATABASE=$(fresh one) "$0" "$1" "$2" "$3" 1
    echo "== 3. PostgreSQL, three brokers"
    CREDBROKER_BENCH_DATABASE=$(fresh three) "$0" "$1" "$2" "$3" 3
' "$bench" "$integrations" "$connections" "$seconds"
