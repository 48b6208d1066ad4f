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
