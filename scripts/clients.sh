#!/usr/bin/env bash
# More real clients against the built binary: starts target/debug/ecs-imagebuilder-emulator on a free
# port (--phase-duration 0, throw-away database), runs the README's examples (curl and the Python SDK
# in V3 and V1 mode) and the official Node SDK test (tests/node, `node --test`), then stops it and
# runs curl, the Python SDK and the Node SDK's lifecycle again over HTTPS against one started with --tls.
# Called at the end of scripts/test.sh; run it alone after `cargo build`. Needs curl, python3 (the
# venv comes from scripts/sdk-venv.sh) and node + npm (installs tests/node's locked dependencies).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

binary="${IBE_BIN:-$repo/target/debug/ecs-imagebuilder-emulator}"
[ -x "$binary" ] || { echo "clients.sh: $binary not found: run 'cargo build' first" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "clients.sh: node and npm are needed" >&2; exit 1; }

# Everything talks to 127.0.0.1: keep any configured proxy out of the way.
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

echo "==> Node SDK dependencies (npm ci, tests/node/package-lock.json)"
# --ignore-scripts: @alicloud/openapi-core's postinstall only matters on Node 10/12.
(cd tests/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
python="$(scripts/sdk-venv.sh)"

# shellcheck source=lib/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulator.sh"
start_emulator clients.sh "$binary" "$workdir" --phase-duration 0
echo "==> emulator on 127.0.0.1:$port"

run "examples/curl-tour.sh" env IBE_URL="http://127.0.0.1:$port" examples/curl-tour.sh
run "examples/python_tour.py (V3, ACS3-HMAC-SHA256)" env IBE_URL="http://127.0.0.1:$port" "$python" examples/python_tour.py
run "examples/python_tour.py --v1 (HMAC-SHA1)" env IBE_URL="http://127.0.0.1:$port" "$python" examples/python_tour.py --v1
run "Node SDK (tests/node, node --test)" env IBE_ENDPOINT="127.0.0.1:$port" sh -c 'cd tests/node && exec node --test'
show_log "$workdir"
stop_emulator

# The same clients over HTTPS (--tls), each with its defaults and only the emulator's CA trusted
# the way that stack reads it: CURL_CA_BUNDLE for curl (Debian 12's curl 7.88 does not read
# SSL_CERT_FILE), SSL_CERT_FILE for the Python SDK (its tea core hands requests an SSL context of
# its own, so REQUESTS_CA_BUNDLE is not read), ALIBABA_CLOUD_CA_BUNDLE for the old Python SDK
# (aliyun-python-sdk-core reads no other), NODE_EXTRA_CA_CERTS for Node.
mkdir "$workdir/tls"
start_emulator clients.sh "$binary" "$workdir/tls" --phase-duration 0 --tls
echo "==> emulator (--tls) on $scheme://127.0.0.1:$port, CA $tls_ca"
[ "$scheme" = https ] && [ -f "$tls_ca" ] || { echo "clients.sh: --tls did not print https:// and a CA file" >&2; exit 1; }
run "examples/curl-tour.sh over HTTPS (CURL_CA_BUNDLE)" env CURL_CA_BUNDLE="$tls_ca" IBE_URL="https://127.0.0.1:$port" examples/curl-tour.sh
run "examples/python_tour.py over HTTPS (SSL_CERT_FILE)" env SSL_CERT_FILE="$tls_ca" IBE_URL="https://localhost:$port" "$python" examples/python_tour.py
run "old Python SDK over HTTPS (ALIBABA_CLOUD_CA_BUNDLE; tests/sdk/https_old_sdk.py)" env ALIBABA_CLOUD_CA_BUNDLE="$tls_ca" IBE_URL="https://127.0.0.1:$port" "$python" tests/sdk/https_old_sdk.py
run "Node SDK over HTTPS (NODE_EXTRA_CA_CERTS; tests/node/lifecycle.test.mjs)" env NODE_EXTRA_CA_CERTS="$tls_ca" IBE_SCHEME=https IBE_ENDPOINT="127.0.0.1:$port" sh -c 'cd tests/node && exec node --test lifecycle.test.mjs'
show_log "$workdir/tls"
stop_emulator
exit "$status"
