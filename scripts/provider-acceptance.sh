#!/usr/bin/env bash
# The aliyun/alicloud Terraform provider's OWN acceptance tests, unmodified, against the emulator
# over HTTPS (issue 18).
#
# 1. Compiles the provider's test binary once (`go test -c ./alicloud`) from the module at the
#    version and with the dependency swap of scripts/lib/tools.sh, and caches it outside the
#    repository, keyed by version:
#        ${IBE_CACHE:-~/.cache/ecs-imagebuilder-emulator}/provider-acctest-<version>/alicloud.test
#        …/provider-acctest-<version>/tests          (the test functions of the five files below)
#        …/provider-acctest-<version>/build-seconds  (how long the cold compile took)
#    A second run finds it and skips the compile.
# 2. Starts the emulator with --tls on a free port and prepares the test account as the provider's
#    maintainers prepare theirs (see `prepare_account`).
# 3. Runs every test function of
#        alicloud/resource_alicloud_ecs_image_component_test.go
#        alicloud/resource_alicloud_ecs_image_pipeline_test.go
#        alicloud/resource_alicloud_ecs_image_pipeline_execution_test.go
#        alicloud/data_source_alicloud_ecs_image_components_test.go
#        alicloud/data_source_alicloud_ecs_image_pipelines_test.go
#    each in its own process (`TF_ACC=1 alicloud.test -test.run '^Name$' -test.v`), with the
#    provider configured only from the environment, as the tests expect: credentials, region and
#    `ALIBABA_CLOUD_ENDPOINT_<PRODUCT>` for every product their configurations reach. The provider
#    keeps its default protocol, HTTPS, and trusts the emulator's CA through SSL_CERT_FILE.
#    A test listed in SKIP (name and reason) is not run; every other one must pass.
#
# Called by scripts/test.sh; run it alone after `cargo build`. Needs Go (for the cold compile),
# curl and jq. `--build-only` only compiles (or finds) the test binary: scripts/test.sh starts it in
# the background early.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
VERSION="$ALICLOUD_PROVIDER_VERSION"
TEST_FILES=(
    resource_alicloud_ecs_image_component_test.go
    resource_alicloud_ecs_image_pipeline_test.go
    resource_alicloud_ecs_image_pipeline_execution_test.go
    data_source_alicloud_ecs_image_components_test.go
    data_source_alicloud_ecs_image_pipelines_test.go
)
ACCOUNT=1357924680135792 # the access key is the account (README "Accounts")
REGION=cn-hangzhou
# Tests that cannot pass for a reason outside the emulator's scope: NAME=reason. None fails
# because of us; the README lists each one.
unit_skip="an upstream unit test that no endpoint can make pass at $VERSION: it monkey-patches connectivity.AliyunClient.NewEcsClient (gomonkey), a method this provider version no longer has, and panics with \"retrieve method by name failed\"; it never calls an API"
SKIP=(
    "TestUnitAlicloudECSImageComponent=$unit_skip"
    "TestUnitAlicloudEcsImagePipeline=$unit_skip"
)
JOBS="${IBE_ACCTEST_JOBS:-3}" # tests run side by side (each its own process)
ONLY="${IBE_ACCTEST_ONLY:-}"   # an extended regex: run only the matching tests (default: all)

script_started="$(date +%s)"
cache="$ibe_cache/provider-acctest-$VERSION"
test_binary="$cache/alicloud.test"

# ---- 1. the test binary ----
build_test_binary() {
    [ -x "$test_binary" ] && [ -s "$cache/tests" ] && return 0
    command -v go >/dev/null || { echo "provider-acceptance.sh: Go is needed to compile the tests" >&2; return 1; }
    mkdir -p "$ibe_cache"
    local tmp started
    tmp="$(mktemp -d "$ibe_cache/.build-provider-acctest-XXXXXX")"
    started="$(date +%s)"
    echo "==> compiling the acceptance tests of $ALICLOUD_PROVIDER_MODULE@$VERSION (cold cache; cached in $cache)"
    if ! go_module_copy "$ALICLOUD_PROVIDER_MODULE" "$VERSION" "$tmp/src" "${ALICLOUD_PROVIDER_REPLACES[@]}"; then
        rm -rf "$tmp"
        return 1
    fi
    # The test functions, read from the source: `func TestXxx(t *testing.T)`.
    local file
    for file in "${TEST_FILES[@]}"; do
        sed -n 's/^func \(Test[A-Za-z0-9_]*\)(t \*testing\.T) {$/\1/p' "$tmp/src/alicloud/$file"
    done >"$tmp/tests"
    [ -s "$tmp/tests" ] || { echo "provider-acceptance.sh: no test function found" >&2; rm -rf "$tmp"; return 1; }
    # The same flags as the provider's own build in lib/tools.sh, so Go's build cache (GOCACHE)
    # shares every dependency compiled there.
    if ! (cd "$tmp/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go test -c -trimpath -ldflags="-s -w" \
        -o "$tmp/alicloud.test" ./alicloud); then
        echo "provider-acceptance.sh: compiling the tests failed" >&2
        rm -rf "$tmp"
        return 1
    fi
    echo $(($(date +%s) - started)) >"$tmp/build-seconds"
    rm -rf "$tmp/src"
    rm -rf "$cache"
    mv "$tmp" "$cache"
    echo "==> compiled the acceptance tests in $(cat "$cache/build-seconds") s"
}
build_test_binary
if [ "${1:-}" = --build-only ]; then
    echo "==> provider-acceptance.sh: test binary ready in $(($(date +%s) - script_started)) s ($test_binary)"
    exit 0
fi

binary="${IBE_BIN:-$repo/target/debug/ecs-imagebuilder-emulator}"
[ -x "$binary" ] || { echo "provider-acceptance.sh: $binary not found: run 'cargo build' first" >&2; exit 1; }
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "provider-acceptance.sh: $tool is needed" >&2; exit 1; }
done
# Everything talks to 127.0.0.1: keep any configured proxy out of the way (the provider honours them).
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

# shellcheck source=lib/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulator.sh"

fail() {
    echo "provider-acceptance.sh: FAILED: $*" >&2
    exit 1
}

# ---- 2. the emulator, over HTTPS ----
# The public image the execution tests build from is a real public image (Alibaba Cloud Linux 3,
# the classified-protection "dengbao" edition) that the built-in catalog does not carry. Their
# templates build `COMPONENT ic-bp122acttbs2sxdyq2ky`, a Build component of the maintainers' account
# that the tests neither create nor look up: the test account gets one under that ID (its content
# is ours; theirs is not public).
cat >"$workdir/fixtures.yaml" <<EOF
components:
  - name: maintainers-build-component
    id: ic-bp122acttbs2sxdyq2ky
    account: "$ACCOUNT"
    region: $REGION
    params: { Name: tf-acc-build, ComponentType: Build, SystemType: Linux, Content: "RUN echo built by the acceptance tests" }
images:
  - id: aliyun_3_x64_20G_dengbao_alibase_20240819.vhd
    family: acs:alibaba_cloud_linux_3_2104_lts_x64
    platform: Aliyun
    os_name: "Alibaba Cloud Linux  3.2104 LTS 64位 等保2.0三级版"
    created: "2024-08-19T00:00:00Z"
EOF
# Phases of 60 s: the execution tests cancel their build in their second step, so it must still
# be running then (the provider's waiter returns at PREPARING or BUILDING, first polled after 20 s).
start_emulator provider-acceptance.sh "$binary" "$workdir" --tls --phase-duration 60s --fixtures "$workdir/fixtures.yaml"
[ "$scheme" = https ] && [ -f "$tls_ca" ] || fail "the emulator did not start with --tls"
endpoint="127.0.0.1:$port"
echo "==> emulator on https://$endpoint (CA: $tls_ca)"

# api VERSION ACTION [k=v…]: an unsigned RPC call (accept-any) as $ACCOUNT in $REGION over HTTPS,
# trusting the emulator's CA; prints the JSON body, fails on an error answer.
api() {
    local version="$1" action="$2"
    shift 2
    local args=(-sS --fail-with-body --cacert "$tls_ca" -G "https://$endpoint/" --data-urlencode "Action=$action"
        --data-urlencode "Version=$version" --data-urlencode "Format=JSON" --data-urlencode "AccessKeyId=$ACCOUNT"
        --data-urlencode "RegionId=$REGION")
    local kv
    for kv in "$@"; do
        args+=(--data-urlencode "$kv")
    done
    curl "${args[@]}"
}

# prepare_account: what the provider's maintainers keep in their test account, made through the
# public API. The pipeline tests and the pipelines data source build in
# `data.alicloud_vswitches` of the VPC named `default-NODELETING` (a VPC their sweepers never
# delete) in the region's first zone, so that VPC exists here with a vSwitch in every zone.
prepare_account() {
    local vpc zones zone i=0
    vpc="$(api 2016-04-28 CreateVpc VpcName=default-NODELETING CidrBlock=192.168.0.0/16 | jq -r .VpcId)"
    # A new VPC is Pending for a few seconds (README "VPC"); its vSwitches wait until it is Available.
    local tries=0
    until api 2016-04-28 DescribeVpcAttribute "VpcId=$vpc" | jq -e '.Status == "Available"' >/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || fail "the VPC $vpc did not become Available"
        sleep 0.2
    done
    zones="$(api 2014-05-26 DescribeZones | jq -r '.Zones.Zone[].ZoneId')"
    for zone in $zones; do
        api 2016-04-28 CreateVSwitch "VpcId=$vpc" "ZoneId=$zone" "CidrBlock=192.168.$i.0/24" \
            "VSwitchName=default-NODELETING-$zone" >/dev/null
        i=$((i + 1))
    done
    echo "    VPC default-NODELETING ($vpc) with a vSwitch in each zone: $(echo "$zones" | tr '\n' ' ')"
}
echo "==> the test account ($ACCOUNT, $REGION): what the maintainers' account holds"
prepare_account

# ---- 3. the tests ----
# The provider reads only the environment: the tests cannot set `protocol`, which stays HTTPS.
export TF_ACC=1
export ALICLOUD_ACCESS_KEY="$ACCOUNT" ALICLOUD_SECRET_KEY=any-secret ALICLOUD_REGION="$REGION"
# `data "alicloud_account"` asks STS GetCallerIdentity only when the account is not configured, and
# at 1.285.0 that call goes to `endpoints { sts }` or else sts.<region>.aliyuncs.com: it does not
# read ALIBABA_CLOUD_ENDPOINT_STS. The provider's ALICLOUD_ACCOUNT_ID gives it the account instead.
export ALICLOUD_ACCOUNT_ID="$ACCOUNT"
# Every product the five files' configurations reach, on the one endpoint (the provider's
# connectivity.loadEndpoint reads ALIBABA_CLOUD_ENDPOINT_<PRODUCT CODE>): ECS (the resources,
# alicloud_zones/instance_types/images), VPC (alicloud_vpcs/vswitches, alicloud_vpc/vswitch),
# ResourceManager (alicloud_resource_manager_resource_groups), STS (alicloud_account) and
# BssOpenApi (the account-type probe when the provider is configured).
for product in ECS VPC RESOURCEMANAGER STS BSSOPENAPI; do
    export "ALIBABA_CLOUD_ENDPOINT_$product=$endpoint"
done
export SSL_CERT_FILE="$tls_ca"
# The provider's tests run on terraform-plugin-sdk v1.17.2's built-in Terraform core (the provider
# does not call acctest.UseBinaryDriver), so no Terraform binary is executed. The variable is set
# for a future provider version that does, with the OpenTofu of scripts/tofu.sh when it is built.
tofu_bin="$ibe_cache/opentofu-v1.12.6/bin/tofu"
if [ -x "$tofu_bin" ]; then
    export TF_ACC_TERRAFORM_PATH="$tofu_bin"
fi
unset TF_LOG TF_LOG_PATH TF_ACC_PROVIDER_NAMESPACE TF_ACC_PROVIDER_HOST

mapfile -t tests <"$cache/tests"
declare -A skip_reason=()
for entry in "${SKIP[@]}"; do
    skip_reason["${entry%%=*}"]="${entry#*=}"
    # A skip names a test of the five files, or it hides nothing and must go.
    printf '%s\n' "${tests[@]}" | grep -qx "${entry%%=*}" || fail "SKIP names ${entry%%=*}, which the five files do not have"
done
mkdir -p "$workdir/runs"
echo "==> ${#tests[@]} test functions of the five files, $JOBS at a time"

# run_one NAME: the test in its own process and folder; its output in runs/NAME.log.
run_one() {
    local name="$1" rc=0 started
    started="$(date +%s)"
    mkdir -p "$workdir/runs/$name.d"
    (cd "$workdir/runs/$name.d" && "$test_binary" -test.run "^$name\$" -test.v -test.count=1 -test.timeout 20m) \
        >"$workdir/runs/$name.log" 2>&1 || rc=$?
    echo "$rc $(($(date +%s) - started))" >"$workdir/runs/$name.rc"
}

# At most $JOBS at once; the waits name the test processes only (the emulator is a child too).
pids=()
for name in "${tests[@]}"; do
    [ -n "${skip_reason[$name]:-}" ] && continue
    [ -z "$ONLY" ] || grep -Eq "$ONLY" <<<"$name" || continue
    while [ "$(jobs -pr | grep -cvx "$server_pid")" -ge "$JOBS" ]; do
        wait -n "${pids[@]}" 2>/dev/null || true # finished ones are "no such job"
    done
    run_one "$name" &
    pids+=("$!")
done
for pid in "${pids[@]}"; do
    wait "$pid" || true
done

passed=0
failed=()
for name in "${tests[@]}"; do
    if [ -n "${skip_reason[$name]:-}" ]; then
        echo "    SKIP  $name: ${skip_reason[$name]}"
        continue
    fi
    if [ -n "$ONLY" ] && ! grep -Eq "$ONLY" <<<"$name"; then
        echo "    ----  $name (not selected by IBE_ACCTEST_ONLY)"
        continue
    fi
    read -r rc seconds <"$workdir/runs/$name.rc"
    if [ "$rc" -eq 0 ] && grep -q "^--- PASS: $name " "$workdir/runs/$name.log"; then
        echo "    PASS  $name (${seconds} s)"
        passed=$((passed + 1))
    else
        echo "    FAIL  $name (exit code $rc, ${seconds} s)"
        failed+=("$name")
    fi
done
for name in "${failed[@]}"; do
    echo "---- $name (output) ----" >&2
    tail -n 80 "$workdir/runs/$name.log" >&2
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "provider-acceptance.sh: emulator log (last 40 lines):" >&2
    tail -n 40 "$workdir/stderr" >&2
    fail "${#failed[@]} of the provider's tests failed: ${failed[*]}"
fi
echo "==> provider-acceptance.sh: $passed passed, ${#SKIP[@]} skipped; total $(($(date +%s) - script_started)) s"
