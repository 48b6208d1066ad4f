#!/usr/bin/env bash
# Runs every check and test: formatting, lints, Rust unit + integration tests, and the official
# Python SDK against the real binary. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "==> cargo test (unit + integration)"
cargo test --locked
echo "==> official Python SDK (alibabacloud-ecs20140526) against the binary"
cargo build --locked
python="$(scripts/sdk-venv.sh)"
"$python" -m pytest tests/sdk -q

# ---- More real clients (issue 6): the README's examples (curl, Python SDK) and the official Node
# SDK, against the debug binary built above. Needs node + npm. ----
echo "==> clients: examples/ and the Node SDK (scripts/clients.sh)"
scripts/clients.sh
