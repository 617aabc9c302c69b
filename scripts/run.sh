#!/usr/bin/env bash
# Sets up and runs the broker on the embedded defaults: SQLite, a dev keyring and dev TLS in ./data
# (created by `credbroker init` on the first run; its admin API key is printed once, then).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release
binary="$(swift build -c release --show-bin-path)/credbroker"
if [[ ! -f data/keyring.json ]]; then
    "$binary" init --dir ./data
fi
set -a
. ./data/credbroker.env
set +a
exec "$binary" serve
