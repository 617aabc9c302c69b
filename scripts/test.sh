#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds the `credbroker` binary (the end-to-end
# tests run it), starts a throwaway PostgreSQL (unless CREDBROKER_TEST_POSTGRES_URL names one),
# then runs every test target with Swift Testing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build
scripts/with-postgres.sh swift test --disable-xctest "$@"
