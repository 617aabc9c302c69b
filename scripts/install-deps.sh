#!/usr/bin/env bash
# Installs what building and testing credbroker needs on a Debian machine with Swift 6.3:
# the OpenSSL, SQLite and libcurl development files, pkg-config, Chromium and chromedriver (the
# Link G Suite browser tests), PostgreSQL's server (the tests start a throwaway one), and Python's
# `cryptography`, `sslyze` and `schemathesis`.
set -euo pipefail

packages=()
for package in libssl-dev libsqlite3-dev libcurl4-openssl-dev pkg-config python3 openssl chromium chromium-driver fonts-dejavu-core; do
    dpkg -s "$package" >/dev/null 2>&1 || packages+=("$package")
done
# Any PostgreSQL server version will do; Debian's default is 15.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    packages+=(postgresql)
fi
if ((${#packages[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-deps: missing Debian packages: ${packages[*]} (run as root, or: sudo apt-get install ${packages[*]})" >&2
        exit 1
    fi
    echo "install-deps: installing ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# cryptography: the tests open sealed secrets with it to prove the documented format.
# sslyze: the TLS scan of the served broker. schemathesis: fuzzing the API from its OpenAPI document.
for module in cryptography sslyze schemathesis; do
    if ! python3 -c "import $module" 2>/dev/null; then
        echo "install-deps: installing Python's $module package"
        python3 -m pip install --quiet "$module" 2>/dev/null \
            || python3 -m pip install --quiet --break-system-packages "$module"
    fi
done
