#!/usr/bin/env bash
# Contract check of the control plane: runs schemathesis (tests/sdk/requirements.txt pins it) against
# the built binary over the `/_emulator/*` paths of openapi.yaml. Every response must be a non-5xx,
# with a status code, content type and body schema documented for its operation. The RPC actions on
# `/` are fuzzed by tests/api/fuzz_rpc.rs instead (they are one OpenAPI path told apart by `Action`).
#
# Starts target/debug/ecs-imagebuilder-emulator on a free port (manual clock, --phase-duration 0,
# throw-away database), seeds one finished build and one held build so that the
# `/_emulator/executions/{id}` operations reach real data, runs a small, seeded schemathesis pass
# (bounded examples, so it takes seconds), then stops the server. Exits non-zero on any failure.
# Called by scripts/test.sh; run it alone after `cargo build`. Knobs: IBE_BIN, ST_MAX_EXAMPLES
# (default 25 per operation), ST_SEED (default 20261123).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

binary="${IBE_BIN:-$repo/target/debug/ecs-imagebuilder-emulator}"
[ -x "$binary" ] || { echo "schemathesis.sh: $binary not found: run 'cargo build' first" >&2; exit 1; }
command -v curl >/dev/null || { echo "schemathesis.sh: curl is needed" >&2; exit 1; }

# Everything talks to 127.0.0.1: keep any configured proxy out of the way.
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

python="$(scripts/sdk-venv.sh)"
st="$(dirname "$python")/st"
[ -x "$st" ] || { echo "schemathesis.sh: $st missing: is schemathesis in tests/sdk/requirements.txt?" >&2; exit 1; }

# shellcheck source=lib/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulator.sh"
start_emulator schemathesis.sh "$binary" "$workdir" --clock manual --phase-duration 0
base="http://127.0.0.1:$port"
echo "==> emulator on 127.0.0.1:$port"

# ---- Seed data: one finished build and one build held by a HOLD@BUILDING outcome. ----
rpc() { # rpc Action [Name=Value …]: prints the JSON body (fails on a non-2xx)
    local action="$1"
    shift
    local args=(--get --data-urlencode "Action=$action" --data-urlencode "Version=2014-05-26"
        --data-urlencode "Format=JSON" --data-urlencode "RegionId=cn-hangzhou")
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -sS --fail-with-body --max-time 10 "${args[@]}" "$base/"
}
field() { # field NAME < JSON: the first "NAME":"value" of a flat JSON body
    sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}
seed_build() { # seed_build TEMPLATE-NAME: prints the ExecutionId of a new build of a new template
    local pipeline
    pipeline="$(rpc CreateImagePipeline "Name=$1" BaseImageType=IMAGE \
        BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd "BuildContent=RUN echo hello" | field ImagePipelineId)"
    rpc StartImagePipelineExecution "ImagePipelineId=$pipeline" | field ExecutionId
}
curl -sS --fail-with-body --max-time 10 -o /dev/null -X POST "$base/_emulator/outcomes" \
    -H 'content-type: application/json' -d '{"pipeline":"st-held","outcome":"HOLD@BUILDING"}'
finished="$(seed_build st-finished)"
held="$(seed_build st-held)"
curl -sS --fail-with-body --max-time 10 -o /dev/null -X POST "$base/_emulator/clock/advance" \
    -H 'content-type: application/json' -d '{"seconds":0}'
[ -n "$finished" ] && [ -n "$held" ] || { echo "schemathesis.sh: seeding builds failed" >&2; exit 1; }
echo "==> seeded builds: $finished (finished), $held (held at BUILDING)"

# ---- The schemathesis configuration (per-operation overrides). ----
config="$workdir/schemathesis.toml"
cat >"$config" <<EOF
# Checks: no 5xx; the status code, Content-Type and body schema are the documented ones.
# Not run: negative_data_rejection / positive_data_acceptance (the control plane is lenient where the
# file describes the usual shape: unknown outcome fields, for example), and the auth checks (none).
[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true

# Reach real builds: the path IDs are the seeded builds (other IDs only give the documented 404/409).
[[operations]]
include-path = "/_emulator/executions/{id}"
include-method = "GET"
parameters = { "path.id" = "$finished" }

[[operations]]
include-path = "/_emulator/executions/{id}/release"
parameters = { "path.id" = "$held" }

EOF
echo "==> schemathesis $("$st" --version | sed 's/.*version //') over /_emulator/* (openapi.yaml)"
status=0
# Phases: examples (the file's examples), coverage (boundary and invalid values), fuzzing and
# stateful (chains via inferred links), each bounded by --max-examples per operation. The checks
# are chosen in the config above (not with --checks, which would override per-operation settings).
# One worker: reproducible, and schemathesis 4.32.5 sometimes fails internally (KeyError in its
# coverage phase) with two. Destructive-but-valid calls (reset, snapshot restore, clearing the
# journal or the rules) are kept: they only touch this throw-away database, and every later answer
# is still checked.
"$st" --config-file "$config" run openapi.yaml \
    --url "$base" \
    --include-path-regex '^/_emulator/' \
    --max-examples "${ST_MAX_EXAMPLES:-25}" \
    --seed "${ST_SEED:-20261123}" \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    --output-truncate false || status=$?

# The emulator must still answer after the run.
if ! curl -sS --fail --max-time 10 -o /dev/null "$base/_emulator/health"; then
    echo "schemathesis.sh: the emulator stopped answering after the run" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "schemathesis.sh: FAILED (exit $status); emulator log (panics and last 40 lines):" >&2
    grep -n 'panicked at' "$workdir/stderr" >&2 || true
    tail -n 40 "$workdir/stderr" >&2
fi
exit "$status"
