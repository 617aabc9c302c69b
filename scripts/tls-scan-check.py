#!/usr/bin/env python3
"""Reads an sslyze JSON report and fails (exit 1) on anything below the broker's TLS policy:
no protocol below TLS 1.2, only forward-secret AEAD suites, no compression, secure renegotiation
and no client-initiated renegotiation, not vulnerable to Heartbleed/ROBOT/CCS injection, and
client certificates requested as expected.
Usage: tls-scan-check.py REPORT.json [--expect-client-auth optional|required|disabled]"""
import json
import sys

report = json.load(open(sys.argv[1]))
expected_client_auth = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--expect-client-auth" else None
server = report["server_scan_results"][0]
if server["scan_status"] != "COMPLETED":
    sys.exit(f"scan did not complete: {server.get('connectivity_error_trace') or server['scan_status']}")
result = server["scan_result"]
problems = []


def accepted(command):
    return [c["cipher_suite"]["name"] for c in result[command]["result"]["accepted_cipher_suites"]]


for old in ["ssl_2_0", "ssl_3_0", "tls_1_0", "tls_1_1"]:
    if accepted(f"{old}_cipher_suites"):
        problems.append(f"{old} is accepted: {accepted(f'{old}_cipher_suites')}")
tls12 = accepted("tls_1_2_cipher_suites")
if not tls12 and not accepted("tls_1_3_cipher_suites"):
    problems.append("neither TLS 1.2 nor 1.3 is accepted")
for suite in tls12:
    if "_ECDHE_" not in suite or not ("_GCM_" in suite or "CHACHA20_POLY1305" in suite):
        problems.append(f"TLS 1.2 suite without forward secrecy or AEAD: {suite}")
if result["tls_compression"]["result"]["supports_compression"]:
    problems.append("TLS compression is on (CRIME)")
renegotiation = result["session_renegotiation"]["result"]
if not renegotiation["supports_secure_renegotiation"]:
    problems.append("secure renegotiation (RFC 5746) is not supported")
if renegotiation["is_vulnerable_to_client_renegotiation_dos"]:
    problems.append("client-initiated renegotiation is accepted")
if result["heartbleed"]["result"]["is_vulnerable_to_heartbleed"]:
    problems.append("vulnerable to Heartbleed")
if result["openssl_ccs_injection"]["result"]["is_vulnerable_to_ccs_injection"]:
    problems.append("vulnerable to CCS injection")
if result["robot"]["result"]["robot_result"].startswith("VULNERABLE"):
    problems.append("vulnerable to ROBOT")
if expected_client_auth:
    client_auth = server["connectivity_result"]["client_auth_requirement"]
    if client_auth.lower() != expected_client_auth:
        problems.append(f"client certificates: {client_auth}, expected {expected_client_auth}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("TLS policy met: " + ", ".join(["TLS 1.2 suites " + ":".join(tls12), "TLS 1.3 " + ":".join(accepted("tls_1_3_cipher_suites"))]))
