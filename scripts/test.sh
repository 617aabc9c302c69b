#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds the `credbroker` binary (the end-to-end
# tests run it), then runs every test target with Swift Testing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build
swift test --disable-xctest "$@"
