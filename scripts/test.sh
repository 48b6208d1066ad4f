#!/usr/bin/env bash
# Runs every check and test: formatting, lints, Rust unit + integration tests, and the official
# Python SDK against the real binary. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# OpenTofu and the alicloud provider take long to build on a cold cache (see the README's Terraform
# section): build them in the background while the other checks run; scripts/tofu.sh waits for them.
mkdir -p target
echo "==> building OpenTofu and the alicloud provider in the background (scripts/tofu.sh --tools-only, log: target/tofu-tools.log)"
setsid scripts/tofu.sh --tools-only >target/tofu-tools.log 2>&1 &
tools_pid=$!
trap 'kill -- -"$tools_pid" 2>/dev/null || kill "$tools_pid" 2>/dev/null || true' EXIT

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

# ---- Contract check (issue 6): schemathesis over the /_emulator control plane against
# openapi.yaml (the RPC actions are fuzzed by tests/api/fuzz_rpc.rs in `cargo test`). ----
echo "==> schemathesis: /_emulator/* against openapi.yaml (scripts/schemathesis.sh)"
scripts/schemathesis.sh

# ---- More real clients (issue 6): the README's examples (curl, Python SDK) and the official Node
# SDK, against the debug binary built above. Needs node + npm. ----
echo "==> clients: examples/ and the Node SDK (scripts/clients.sh)"
scripts/clients.sh

# ---- Web console (issue 8): a real headless Chromium (Debian's, driven by playwright-core) follows
# a build live in /_emulator/console/ and saves target/console-e2e/timeline.png. ----
echo "==> web console end-to-end (scripts/console-e2e.sh)"
scripts/console-e2e.sh

# ---- Terraform (issue 13): OpenTofu with the real aliyun/alicloud provider, both built from the Go
# module proxy at pinned versions and cached outside the repository (scripts/lib/tools.sh), applied
# to tests/terraform/ against the debug binary, in accept-any and in --auth strict mode. ----
echo "==> OpenTofu + the aliyun/alicloud provider (scripts/tofu.sh)"
if ! wait "$tools_pid"; then
    cat target/tofu-tools.log >&2
    echo "test.sh: building OpenTofu or the alicloud provider failed" >&2
    exit 1
fi
cat target/tofu-tools.log
scripts/tofu.sh
