#!/usr/bin/env bash
# Builds credbroker and runs `credbroker demo`: the broker on https://127.0.0.1:8443 with local
# stand-ins for Microsoft, an FMIS and Exchange, seeded integrations, and a printed tour of curl
# lines. Ctrl-C stops it and removes its temporary data.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release --product credbroker
exec "$(swift build -c release --show-bin-path)/credbroker" demo "$@"
