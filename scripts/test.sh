#!/usr/bin/env bash
# Runs every check and test: formatting, lints, Rust unit + integration tests, the PostgreSQL
# migrations on a throw-away cluster, and the official Python SDK against the real binary. This is
# the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# OpenTofu and the alicloud provider take long to build on a cold cache (see the README's Terraform
# section): build them in the background while the other checks run; scripts/tofu.sh waits for them.
mkdir -p target
echo "==> building OpenTofu and the alicloud provider in the background (scripts/tofu.sh --tools-only, log: target/tofu-tools.log)"
rm -f target/tofu-tools.done
setsid sh -c 'scripts/tofu.sh --tools-only; rc=$?; touch target/tofu-tools.done; exit $rc' >target/tofu-tools.log 2>&1 &
tools_pid=$!
# The provider's acceptance tests (issue 18) compile after those tools, so that Go's build cache
# already holds every dependency they share with the provider (see the README).
echo "==> then compiling the provider's acceptance tests in the background (scripts/provider-acceptance.sh --build-only, log: target/provider-acctest-build.log)"
setsid sh -c 'while [ ! -e target/tofu-tools.done ]; do sleep 5; done; exec scripts/provider-acceptance.sh --build-only' \
    >target/provider-acctest-build.log 2>&1 &
acctest_pid=$!
# The throw-away PostgreSQL cluster's folder while it runs (scripts/postgres.sh; see below).
pg_dir=""
cleanup() {
    for pid in "$tools_pid" "$acctest_pid"; do kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
    if [ -n "$pg_dir" ]; then scripts/postgres.sh stop "$pg_dir" || true; fi
}
trap cleanup EXIT

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "==> cargo test (unit + integration)"
cargo test --locked

# ---- PostgreSQL (issue 15): a throw-away cluster on a free local port (scripts/postgres.sh installs
# Debian's postgresql when missing and runs it as an unprivileged user when we are root), the
# PostgreSQL migrations checked against the SQLite ones, and the API tests' harness on it.
# IBE_SKIP_POSTGRES=1 skips the step. ----
if [ "${IBE_SKIP_POSTGRES:-}" = "1" ]; then
    echo "==> PostgreSQL: SKIPPED (IBE_SKIP_POSTGRES=1): no cluster, migrations/postgres/ not checked"
else
    echo "==> PostgreSQL: starting a throw-away cluster (scripts/postgres.sh start)"
    pg_out="$(scripts/postgres.sh start)"
    pg_url="$(sed -n 1p <<<"$pg_out")"
    pg_dir="$(sed -n 2p <<<"$pg_out")"
    echo "==> PostgreSQL at $pg_url"
    echo "==> PostgreSQL: migrations/postgres/ make the schema migrations/ makes on SQLite (scripts/pg-schema-check.py)"
    python3 scripts/pg-schema-check.py "$pg_url"
    echo "==> PostgreSQL: portable snapshots restore there and back to SQLite (IBE_TEST_DB=$pg_url cargo test --lib portable)"
    IBE_TEST_DB="$pg_url" cargo test --locked --lib portable
    # The whole API suite on the cluster (issue 15), each test in a schema of its own. A test that
    # inherently needs the SQLite file ends early through `skip_on_postgres!` and lists itself in
    # $pg_skips: the count and the list are printed.
    echo "==> cargo test --test api on PostgreSQL (IBE_TEST_DB=$pg_url)"
    pg_skips="$(mktemp)"
    IBE_TEST_DB="$pg_url" IBE_TEST_SKIPS="$pg_skips" cargo test --locked --test api
    echo "==> PostgreSQL: $(sort -u "$pg_skips" | grep -c . || true) API tests skipped on PostgreSQL (skip_on_postgres!):"
    sort -u "$pg_skips" | sed 's/^/      /'
    rm -f "$pg_skips"
    echo "==> PostgreSQL: three emulator processes on one database behave as one (IBE_TEST_DB=$pg_url cargo test --test replicas)"
    IBE_TEST_DB="$pg_url" cargo test --locked --test replicas
    # The cluster stays up for the client stacks' PostgreSQL pass at the end.
fi
echo "==> official Python SDKs (alibabacloud-ecs20140526, alibabacloud-vpc20160428) against the binary"
cargo build --locked
python="$(scripts/sdk-venv.sh)"
"$python" -m pytest tests/sdk -q

# ---- Contract check (issue 6): schemathesis over the /_emulator control plane against
# openapi.yaml (the RPC actions are fuzzed by tests/api/fuzz_rpc.rs in `cargo test`). ----
echo "==> schemathesis: /_emulator/* against openapi.yaml (scripts/schemathesis.sh)"
scripts/schemathesis.sh

# ---- More real clients (issue 6): the README's examples (curl, Python SDK) and the official Node
# SDK, against the debug binary built above, over HTTP and then HTTPS (--tls). Needs node + npm. ----
echo "==> clients: examples/ and the Node SDK, HTTP and HTTPS (scripts/clients.sh)"
scripts/clients.sh

# ---- The Go and Java clients (issue 13): the Go SDKs, the aliyun CLI's request and the Java SDK,
# each against an accept-any emulator, one with --auth strict and one with --tls (HTTPS). Needs go,
# mvn and a JDK 17 (keytool). ----
echo "==> Go and Java clients, accept-any, --auth strict and HTTPS (scripts/go-java.sh)"
scripts/go-java.sh

# ---- Web console (issue 8): a real headless Chromium (Debian's, driven by playwright-core) follows
# a build live in /_emulator/console/ and saves target/console-e2e/timeline.png. ----
echo "==> web console end-to-end (scripts/console-e2e.sh)"
scripts/console-e2e.sh

# ---- The Python package (issue 16): the wheel (maturin, bindings = "bin") with its pytest plugin,
# installed into a fresh virtualenv outside the repository; the plugin's tests, a sample suite using
# only the fixture, the README's pytest example as written, and lint from the wheel. ----
echo "==> Python wheel + pytest plugin in a fresh virtualenv (scripts/pytest-plugin.sh)"
scripts/pytest-plugin.sh

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

# ---- The provider's own acceptance tests (issue 18): the test functions of its five Image Builder
# test files, compiled from the provider's module (cached outside the repository) and run
# unmodified against the debug binary over HTTPS (--tls). ----
echo "==> the alicloud provider's own acceptance tests, over HTTPS (scripts/provider-acceptance.sh)"
if ! wait "$acctest_pid"; then
    cat target/provider-acctest-build.log >&2
    echo "test.sh: compiling the provider's acceptance tests failed" >&2
    exit 1
fi
cat target/provider-acctest-build.log
scripts/provider-acceptance.sh

# ---- The client stacks on PostgreSQL (issue 15): the same official clients, schemathesis, the
# console and OpenTofu with the provider (its own acceptance tests included) once more, each emulator
# they start on a fresh schema of the throw-away cluster (IBE_STACK_DB: scripts/lib/emulator.sh
# `emulator_db`, tests/sdk/conftest.py `_database`). The pytest plugin's own tests stay on SQLite:
# the plugin starts a private throw-away emulator on a file by design. ----
if [ -n "$pg_dir" ]; then
    export IBE_STACK_DB="$pg_url"
    echo "==> [PostgreSQL] official Python SDKs against the binary (IBE_STACK_DB=$pg_url)"
    "$python" -m pytest tests/sdk -q
    echo "==> [PostgreSQL] schemathesis: /_emulator/* against openapi.yaml"
    scripts/schemathesis.sh
    echo "==> [PostgreSQL] clients: examples/ and the Node SDK, HTTP and HTTPS"
    scripts/clients.sh
    echo "==> [PostgreSQL] Go and Java clients, accept-any, --auth strict and HTTPS"
    scripts/go-java.sh
    echo "==> [PostgreSQL] web console end-to-end"
    scripts/console-e2e.sh
    echo "==> [PostgreSQL] OpenTofu + the aliyun/alicloud provider"
    scripts/tofu.sh
    echo "==> [PostgreSQL] the alicloud provider's own acceptance tests, over HTTPS"
    scripts/provider-acceptance.sh
    unset IBE_STACK_DB
    scripts/postgres.sh stop "$pg_dir"
    pg_dir=""
fi
