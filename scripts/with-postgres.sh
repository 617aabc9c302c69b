#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL: a fresh cluster in a temporary folder, listening on
# 127.0.0.1 on a free port with TLS (a certificate made here) and a random password, stopped and
# deleted afterwards. The command sees:
#   CREDBROKER_TEST_POSTGRES_URL  postgres://credbroker:…@127.0.0.1:PORT/postgres?sslmode=disable
#   CREDBROKER_TEST_POSTGRES_CA   the CA of the server's certificate (for sslmode=verify-full)
# When CREDBROKER_TEST_POSTGRES_URL is already set, the command runs against that server instead.
set -euo pipefail

if [[ -n "${CREDBROKER_TEST_POSTGRES_URL:-}" ]]; then
    exec "$@"
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bindir" ]]; then
    echo "with-postgres: no PostgreSQL server found (scripts/install-deps.sh installs Debian's postgresql)" >&2
    exit 1
fi

work=$(mktemp -d /tmp/credbroker-pg.XXXXXX)
chmod 755 "$work"
# initdb and postgres refuse to run as root; as root the cluster belongs to the postgres user.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
    as_owner=(runuser -u postgres --)
fi

stop() {
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap stop EXIT

password=$(openssl rand -hex 16)
printf '%s\n' "$password" >"$work/password"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=credbroker test PostgreSQL" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
chmod 600 "$work/server.key" "$work/password"
if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$work" "$work/server.key" "$work/server.crt" "$work/password"
fi

"${as_owner[@]}" "$bindir/initdb" -D "$work/data" -U credbroker --auth=scram-sha-256 --pwfile="$work/password" \
    --encoding=UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# fsync off: a test database need not survive a power cut, and the tests run much faster.
"${as_owner[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 start -o "\
 -c listen_addresses=127.0.0.1 -p $port -k $work -c max_connections=400 -c fsync=off -c synchronous_commit=off\
 -c ssl=on -c ssl_cert_file=$work/server.crt -c ssl_key_file=$work/server.key" >/dev/null \
    || { cat "$work/server.log" >&2; exit 1; }

export CREDBROKER_TEST_POSTGRES_URL="postgres://credbroker:$password@127.0.0.1:$port/postgres?sslmode=disable"
export CREDBROKER_TEST_POSTGRES_CA="$work/server.crt"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $work)"
"$@"
