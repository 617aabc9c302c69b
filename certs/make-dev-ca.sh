#!/usr/bin/env bash
# Makes a development PKI with the openssl CLI, for trying credbroker's TLS and mTLS by hand:
#   make-dev-ca.sh DIR                      a CA (ca.pem, ca-key.pem) and a server certificate for
#                                           localhost, 127.0.0.1 and ::1 (server.pem, server-key.pem)
#   make-dev-ca.sh DIR client NAME [URI]    a client certificate signed by that CA with subject CN=NAME
#                                           and, when given, a URI SAN such as spiffe://corp/calendar-sync
#                                           (client-NAME.pem, client-NAME-key.pem)
# `credbroker init` makes its own CA and server certificate without this script; use this one for
# client certificates (register them with `credbroker clients add --mtls-identity URI-or-CN`).
# Keys are P-256, written with mode 0600. Not for production: see certs/README.md.
set -euo pipefail

dir=${1:?usage: make-dev-ca.sh DIR [client NAME [URI]]}
mkdir -p "$dir"
umask 077
days=${CREDBROKER_CERT_DAYS:-365}

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [[ ${2:-} == client ]]; then
    name=${3:?usage: make-dev-ca.sh DIR client NAME [URI]}
    uri=${4:-}
    [[ -f "$dir/ca.pem" && -f "$dir/ca-key.pem" ]] || { echo "make-dev-ca.sh: no CA in $dir; run make-dev-ca.sh $dir first" >&2; exit 1; }
    key "$dir/client-$name-key.pem"
    extensions="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
    [[ -n $uri ]] && extensions+=$'\n'"subjectAltName=URI:$uri"
    openssl req -new -key "$dir/client-$name-key.pem" -subj "/CN=$name" -out "$dir/client-$name.csr"
    openssl x509 -req -in "$dir/client-$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
        -days "$days" -sha256 -extfile <(printf '%s\n' "$extensions") -out "$dir/client-$name.pem" 2>/dev/null
    rm -f "$dir/client-$name.csr"
    chmod 644 "$dir/client-$name.pem"
    echo "client certificate: $dir/client-$name.pem (identity: ${uri:-$name})"
    exit 0
fi

[[ -e "$dir/ca.pem" ]] && { echo "make-dev-ca.sh: $dir/ca.pem exists; refusing to overwrite" >&2; exit 1; }
key "$dir/ca-key.pem"
openssl req -x509 -new -key "$dir/ca-key.pem" -subj "/CN=credbroker development CA" -days "$days" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.pem"
key "$dir/server-key.pem"
openssl req -new -key "$dir/server-key.pem" -subj "/CN=localhost" -out "$dir/server.csr"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial -days "$days" -sha256 \
    -extfile <(printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1") -out "$dir/server.pem" 2>/dev/null
rm -f "$dir/server.csr"
chmod 644 "$dir/ca.pem" "$dir/server.pem"
echo "CA: $dir/ca.pem; server certificate: $dir/server.pem (localhost, 127.0.0.1, ::1)"
