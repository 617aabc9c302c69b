#!/usr/bin/env python3
"""Open a credbroker sealed secret with the keyring file and nothing else.

An independent reading of docs/sealed-format.md, using Python's `cryptography` package:
the tests run it against values the broker sealed, so the document and the code cannot drift.

    scripts/open-sealed.py --keyring data/keyring.json --integration hq-rooms --field password HEX
"""
import argparse
import base64
import json
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = 1


def open_sealed(keyring: dict, integration: str, field: str, blob: bytes) -> bytes:
    if len(blob) < 1 + 4 + 12 + 32 + 16 + 12 + 16 or blob[0] != FORMAT:
        raise ValueError("not a sealed secret of format 1")
    version = int.from_bytes(blob[1:5], "big")
    wrap_nonce, wrapped_key, wrap_tag = blob[5:17], blob[17:49], blob[49:65]
    nonce, ciphertext, tag = blob[65:77], blob[77:-16], blob[-16:]
    keys = {entry["version"]: base64.b64decode(entry["key"]) for entry in keyring["keys"]}
    if version not in keys:
        raise KeyError(f"key version {version} is not in the keyring")
    place = integration.encode() + b"\x00" + field.encode()
    wrap_aad = b"credbroker/wrap/v1\x00" + bytes([FORMAT]) + version.to_bytes(4, "big") + place
    data_key = AESGCM(keys[version]).decrypt(wrap_nonce, wrapped_key + wrap_tag, wrap_aad)
    data_aad = b"credbroker/data/v1\x00" + bytes([FORMAT]) + place
    return AESGCM(data_key).decrypt(nonce, ciphertext + tag, data_aad)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keyring", required=True)
    parser.add_argument("--integration", required=True)
    parser.add_argument("--field", required=True)
    parser.add_argument("sealed_hex")
    args = parser.parse_args()
    with open(args.keyring) as handle:
        keyring = json.load(handle)
    sys.stdout.buffer.write(open_sealed(keyring, args.integration, args.field, bytes.fromhex(args.sealed_hex)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
