#!/usr/bin/env bash
# OpenTofu with the real aliyun/alicloud provider against the built binary (issue 13).
#
# Builds OpenTofu and terraform-provider-alicloud from the Go module proxy at pinned versions
# (cached outside the repository by scripts/lib/tools.sh, so a second run skips the builds),
# installs the provider from a filesystem mirror through a generated CLI config (nothing comes from
# a provider registry), and drives tests/terraform/ against freshly started emulators
# (--phase-duration 0):
#
#   1. lifecycle (accept-any): apply (component, template, build waited to SUCCESS, the built image
#      found by alicloud_images, the pipelines/components data sources, alicloud_image_copy and
#      alicloud_image_share_permission on the built image); a second plan is empty; a tag change and
#      a resource-group move on the component apply in place; destroy leaves no template, component,
#      copy or extra share behind (checked through the API);
#   2. failing: a template tagged emulator:outcome=FAILED@BUILDING makes apply fail, the scripted
#      message is on the build (checked through the API); one tagged PARTITION_SUCCESS makes the
#      execution waiter time out; destroy succeeds;
#   3. lifecycle again under --auth strict with a fixture key (from ALICLOUD_ACCESS_KEY /
#      ALICLOUD_SECRET_KEY), in the background while 1 and 2 run: every signature the provider sends
#      (both of its clients) is verified; apply, empty plan, in-place change, destroy.
#
# Called by scripts/test.sh; run it alone after `cargo build`. Needs Go, curl and jq.
# `scripts/tofu.sh --tools-only` only builds (or finds) the two tools: scripts/test.sh starts it in
# the background first, so that the cold builds overlap with the other tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

TOFU_VERSION=v1.12.6
ACCOUNT=1234567812345678
SHARE_ACCOUNT=1111222233334444       # add_account of the template (tests/terraform/lifecycle)
EXTRA_SHARE_ACCOUNT=5555666677778888 # alicloud_image_share_permission
REGION=cn-hangzhou

binary="${IBE_BIN:-$repo/target/debug/ecs-imagebuilder-emulator}"
[ -x "$binary" ] || [ "${1:-}" = --tools-only ] || { echo "tofu.sh: $binary not found: run 'cargo build' first" >&2; exit 1; }
for tool in go curl jq; do
    command -v "$tool" >/dev/null || { echo "tofu.sh: $tool is needed" >&2; exit 1; }
done

# Everything talks to 127.0.0.1: keep any configured proxy out of the way (the provider honours them).
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

script_started="$(date +%s)"
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
echo "==> OpenTofu $TOFU_VERSION (cache: $ibe_cache)"
tofu="$(go_tool opentofu github.com/opentofu/opentofu "$TOFU_VERSION" ./cmd/tofu tofu)"
# The version and the two swapped dependencies are set in lib/tools.sh (ALICLOUD_PROVIDER_*).
PROVIDER_VERSION="$ALICLOUD_PROVIDER_VERSION"
echo "==> terraform-provider-alicloud $PROVIDER_VERSION"
provider="$(go_tool terraform-provider-alicloud "$ALICLOUD_PROVIDER_MODULE" \
    "$PROVIDER_VERSION" . "terraform-provider-alicloud_$PROVIDER_VERSION" "${ALICLOUD_PROVIDER_REPLACES[@]}")"
tools_ready="$(date +%s)"
if [ "${1:-}" = --tools-only ]; then
    echo "==> tofu.sh: tools ready in $((tools_ready - script_started)) s ($tofu, $provider)"
    exit 0
fi

# shellcheck source=lib/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulator.sh"

# ---- The provider comes from a filesystem mirror named in a generated CLI config: no `direct`
# installation method, so nothing can be fetched from a registry. ----
mirror="$workdir/providers"
platform="$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$mirror/registry.opentofu.org/aliyun/alicloud/${PROVIDER_VERSION#v}/$platform"
ln -s "$provider" "$mirror/registry.opentofu.org/aliyun/alicloud/${PROVIDER_VERSION#v}/$platform/terraform-provider-alicloud_$PROVIDER_VERSION"
cat >"$workdir/tofurc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.opentofu.org/aliyun/alicloud"]
  }
}
EOF
export TF_CLI_CONFIG_FILE="$workdir/tofurc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
# A caller's plugin cache or data directory must not leak in.
unset TF_DATA_DIR TF_PLUGIN_CACHE_DIR

fail() {
    echo "tofu.sh: FAILED: $*" >&2
    if [ -n "${server_pid:-}" ] && [ -f "$workdir/stderr" ]; then
        echo "tofu.sh: emulator log (last 40 lines):" >&2
        tail -n 40 "$workdir/stderr" >&2
    fi
    exit 1
}

# tf DIR SUBCOMMAND [ARGS…] runs tofu in DIR, -no-color, its output kept in DIR/SUBCOMMAND.log
# and shown; returns tofu's exit code.
tf() {
    local dir="$1" sub="$2"
    shift 2
    local rc=0
    (cd "$dir" && "$tofu" "$sub" -no-color "$@") >"$dir/$sub.log" 2>&1 || rc=$?
    sed 's/^/    /' "$dir/$sub.log"
    return "$rc"
}

# stop_emulator stops the emulator started last (start_emulator sets server_pid).
stop_emulator() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}

# api ACTION [k=v…] calls the emulator's RPC API (V1 style, unsigned, Format=JSON) as $ACCOUNT in
# $REGION (or the RegionId=… given) and prints the JSON body. Only for accept-any emulators.
api() {
    local action="$1"
    shift
    local args=(-sS -G "http://127.0.0.1:$port/" --data-urlencode "Action=$action" --data-urlencode "Version=2014-05-26"
        --data-urlencode "Format=JSON" --data-urlencode "AccessKeyId=$ACCOUNT")
    local kv region="RegionId=$REGION"
    for kv in "$@"; do
        case "$kv" in
            RegionId=*) region="$kv" ;;
            *) args+=(--data-urlencode "$kv") ;;
        esac
    done
    args+=(--data-urlencode "$region")
    curl "${args[@]}"
}

# expect DESCRIPTION JSON JQ-FILTER: the filter (run with -e) must be true on JSON.
expect() {
    local what="$1" json="$2" filter="$3"
    if ! jq -e "$filter" >/dev/null <<<"$json"; then
        echo "$json" | jq . >&2 || echo "$json" >&2
        fail "$what (jq: $filter)"
    fi
    echo "    ok: $what"
}

# new_dir NAME KEY SECRET copies tests/terraform/NAME into the work directory with the emulator's
# address and the credentials as an auto-loaded variables file (none with an empty KEY: the provider
# then reads ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY), and runs `tofu init`.
new_dir() {
    local name="$1" key="$2" secret="$3"
    local dir="$workdir/$name-$port"
    cp -R "tests/terraform/$name" "$dir"
    if [ -n "$key" ]; then
        jq -n --arg e "127.0.0.1:$port" --arg k "$key" --arg s "$secret" \
            '{endpoint: $e, access_key: $k, secret_key: $s}' >"$dir/emulator.auto.tfvars.json"
    else
        jq -n --arg e "127.0.0.1:$port" '{endpoint: $e}' >"$dir/emulator.auto.tfvars.json"
    fi
    tf "$dir" init -input=false >&2 || fail "tofu init ($name)"
    echo "$dir"
}

# lifecycle DIR STRICT: apply, no drift, in-place changes, no drift, destroy; sets remember_ids
# (component, template, built image, copy). With STRICT=yes the unsigned API checks are skipped.
lifecycle() {
    local dir="$1" strict="$2"
    echo "==> tofu apply (tests/terraform/lifecycle)"
    local started
    started="$(date +%s)"
    tf "$dir" apply -input=false -auto-approve || fail "tofu apply"
    echo "    (apply took $(($(date +%s) - started)) s)"
    local out
    out="$(cd "$dir" && "$tofu" output -no-color -json)"
    expect "the build ended SUCCESS" "$out" '.execution_status.value == "SUCCESS"'
    expect "alicloud_images found exactly the built image" "$out" \
        '.image_count.value == 1 and (.image.value.name | startswith("tf-web_" )) and .image.value.image_owner_alias == "self" and .image.value.status == "Available"'
    expect "the built image is named after the build" "$out" '.image.value.name == "tf-web_" + .execution_id.value'
    expect "alicloud_ecs_image_pipelines returned the template with every attribute" "$out" '
        .pipelines.value | length == 1 and (.[0] | .id != null and .name == "tf-web" and .base_image_type == "IMAGE"
        and .to_region_id == ["cn-beijing"] and .add_account == ["'"$SHARE_ACCOUNT"'"] and .system_disk_size == 60
        and .internet_max_bandwidth_out == 5 and .instance_type == "ecs.g6.large" and .vswitch_id == "vsw-cnhangzhoua0001"
        and .resource_group_id == "rg-acfmprod000000001" and .delete_instance_on_failure == true and .image_name == "tf-web")'
    expect "alicloud_ecs_image_components returned the component" "$out" '
        .components.value | length == 1 and (.[0] | .id != null and .image_component_name == "tf-hello"
        and .component_type == "Build" and .system_type == "Linux" and .content == "RUN echo hello > /etc/motd"
        and .tags == {"env": "ci", "team": "images"} and .resource_group_id == "rg-acfmdev0000000001")'

    echo "==> tofu plan after apply: no changes (exit code 0 with -detailed-exitcode)"
    tf "$dir" plan -input=false -detailed-exitcode || fail "the second plan is not empty (exit code $?)"

    local component pipeline execution image copy
    component="$(jq -r .component_id.value <<<"$out")"
    pipeline="$(jq -r .pipeline_id.value <<<"$out")"
    execution="$(jq -r .execution_id.value <<<"$out")"
    image="$(jq -r .image.value.id <<<"$out")"
    copy="$(jq -r .copy_id.value <<<"$out")"
    remember_ids=("$component" "$pipeline" "$image" "$copy")
    if [ "$strict" = no ]; then
        echo "==> the API agrees with the state"
        expect "DescribeImagePipelineExecutions: SUCCESS with the image alicloud_images found" \
            "$(api DescribeImagePipelineExecutions "ExecutionId=$execution")" \
            '.ImagePipelineExecution.ImagePipelineExecutionSet | length == 1 and .[0].Status == "SUCCESS" and .[0].ImageId == "'"$image"'"'
        expect "DescribeImages: the copy in cn-beijing exists (to_region_id)" \
            "$(api DescribeImages "ImageOwnerAlias=self" "ImageName=tf-web_$execution" "RegionId=cn-beijing")" \
            '.Images.Image | length == 1'
        expect "DescribeImageSharePermission: shared with add_account and alicloud_image_share_permission's account" \
            "$(api DescribeImageSharePermission "ImageId=$image")" \
            '[.Accounts.Account[].AliyunId] | sort == ["'"$SHARE_ACCOUNT"'", "'"$EXTRA_SHARE_ACCOUNT"'"]'
        expect "DescribeImages: alicloud_image_copy's copy, with its name, description and tags" \
            "$(api DescribeImages "ImageId=$copy")" '
            .Images.Image | length == 1 and .[0].ImageName == "tf-web-copy" and .[0].Status == "Available"
            and .[0].Description == "The built image, copied by OpenTofu"
            and ([.[0].Tags.Tag[] | {(.TagKey): .TagValue}] | add) == {"copied": "yes"}'
    fi

    echo "==> tag change + resource-group move on the component: planned and applied in place"
    local changed=(-var 'component_tags={"env":"prod","owner":"tofu"}' -var component_resource_group=rg-acfmprod000000001)
    tf "$dir" plan -input=false -out=change.tfplan "${changed[@]}" || fail "tofu plan (change)"
    local plan
    plan="$(cd "$dir" && "$tofu" show -no-color -json change.tfplan)"
    expect "the component is updated in place, nothing else changes" "$plan" '
        [.resource_changes[] | select(.mode == "managed") | {(.address): .change.actions}] | add ==
        {"alicloud_ecs_image_component.hello": ["update"], "alicloud_ecs_image_pipeline.web": ["no-op"],
         "alicloud_ecs_image_pipeline_execution.build": ["no-op"], "alicloud_image_share_permission.extra": ["no-op"],
         "alicloud_image_copy.copy": ["no-op"]}'
    tf "$dir" apply -input=false change.tfplan || fail "tofu apply (change)"
    out="$(cd "$dir" && "$tofu" output -no-color -json)"
    expect "the component kept its ID; alicloud_ecs_image_components sees the new tags and group" "$out" '
        .component_id.value == "'"$component"'" and (.components.value[0] | .tags == {"env": "prod", "owner": "tofu"}
        and .resource_group_id == "rg-acfmprod000000001")'
    if [ "$strict" = no ]; then
        expect "DescribeImageComponents: new tags and resource group, same ID" \
            "$(api DescribeImageComponents "ImageComponentId.1=$component")" '
            .ImageComponent.ImageComponentSet | length == 1 and .[0].ResourceGroupId == "rg-acfmprod000000001"
            and ([.[0].Tags.Tag[] | {(.TagKey): .TagValue}] | add) == {"env": "prod", "owner": "tofu"}'
    fi
    echo "==> tofu plan after the change: no changes"
    tf "$dir" plan -input=false -detailed-exitcode "${changed[@]}" || fail "the plan after the change is not empty"

    echo "==> tofu destroy"
    tf "$dir" destroy -input=false -auto-approve "${changed[@]}" || fail "tofu destroy"
}

# ---- 3. the lifecycle under --auth strict, run in the background (its own emulator, work
# directory and log) while 1 and 2 run: most of a lifecycle is the provider's own waits. ----
strict_run() {
    workdir="$workdir/strict"
    server_pid=""
    mkdir -p "$workdir"
    trap stop_emulator EXIT
    STRICT_KEY=LTAI5tTofuStrictKey
    STRICT_SECRET=tofu-strict-secret
    # Under --auth strict the control plane needs the admin token too (README "Strict mode").
    ADMIN_TOKEN=tofu-admin-token
    admin=(-H "X-Emulator-Token: $ADMIN_TOKEN")
    printf 'access_keys:\n  - { id: %s, secret: %s, account: "%s" }\n' "$STRICT_KEY" "$STRICT_SECRET" "$ACCOUNT" \
        >"$workdir/fixtures.yaml"
    start_emulator tofu.sh "$binary" "$workdir" --phase-duration 0 --auth strict --fixtures "$workdir/fixtures.yaml" \
        --admin-token "$ADMIN_TOKEN"
    echo "==> emulator on 127.0.0.1:$port (--auth strict, fixture key $STRICT_KEY)"
    # This time the credentials come from the environment, not from the configuration.
    sdir="$(new_dir lifecycle "" "")"
    ALICLOUD_ACCESS_KEY="$STRICT_KEY" ALICLOUD_SECRET_KEY="$STRICT_SECRET" lifecycle "$sdir" yes
    echo "==> every call was signed, verified and answered (the request journal)"
    journal="$(curl -sS "${admin[@]}" "http://127.0.0.1:$port/_emulator/requests?limit=1000")"
    expect "no call failed (no signature error, no other error)" "$journal" '[.requests[] | select(.status >= 400)] == []'
    expect "every call ran as the fixture key's account" "$journal" '[.requests[].account] | unique == ["'"$ACCOUNT"'"]'
    expect "both of the provider's clients were verified: the RPC client (Format=json, form body) and the old SDK (Format=JSON)" "$journal" '
        ([.requests[] | select(.action == "CreateImagePipeline" and .params.Format == "json")] | length == 1)
        and ([.requests[] | select(.action == "DescribeImages" and .params.Format == "JSON")] | length >= 1)'
    expect "the lifecycle's actions all ran" "$journal" '[.requests[].action] | unique | contains(["CreateImageComponent",
        "CreateImagePipeline", "StartImagePipelineExecution", "DescribeImagePipelineExecutions", "DescribeImages",
        "DescribeTags", "DescribeImagePipelines", "DescribeImageComponents", "ModifyImageSharePermission",
        "DescribeImageSharePermission", "CopyImage", "DeleteImage", "DeleteImagePipeline", "DeleteImageComponent",
        "TagResources", "UntagResources", "JoinResourceGroup"])'
    echo "    the provider called: $(jq -r '[.requests[].action] | unique | join(", ")' <<<"$journal")"
    console="http://127.0.0.1:$port/_emulator/console/api"
    expect "nothing left behind: the console lists no template" \
        "$(curl -sS "${admin[@]}" "$console/templates?account=$ACCOUNT&region=$REGION")" '.templates == []'
    expect "nothing left behind: the console lists only the system components" \
        "$(curl -sS "${admin[@]}" "$console/components?account=$ACCOUNT&region=$REGION")" '[.components[] | select(.Owner != "ALIYUN")] == []'
}
strict_log="$workdir/strict.log"
strict_run >"$strict_log" 2>&1 &
strict_pid=$!
# If this script stops early, the strict run stops too (its EXIT trap stops its emulator).
trap 'kill "$strict_pid" 2>/dev/null || true; emulator_cleanup' EXIT

# ---- 1. the lifecycle, accept-any ----
start_emulator tofu.sh "$binary" "$workdir" --phase-duration 0
echo "==> emulator on 127.0.0.1:$port (accept-any)"
dir="$(new_dir lifecycle "$ACCOUNT" any-secret)"
remember_ids=()
lifecycle "$dir" no
echo "==> nothing left behind (through the API)"
expect "DescribeImagePipelines: no template" "$(api DescribeImagePipelines)" '.ImagePipeline.ImagePipelineSet == []'
expect "DescribeImageComponents Owner=SELF: no component" "$(api DescribeImageComponents Owner=SELF)" \
    '.ImageComponent.ImageComponentSet == []'
expect "DescribeImages Status=ALL: alicloud_image_copy's copy is deleted" \
    "$(api DescribeImages "ImageId=${remember_ids[3]}" Status=ALL)" '.Images.Image == []'
expect "ListTagResources: no tags left on the component" \
    "$(api ListTagResources ResourceType=imagecomponent "ResourceId.1=${remember_ids[0]}")" '.TagResources.TagResource == []'
expect "DescribeImageSharePermission: the share alicloud_image_share_permission made is withdrawn (the template's stays)" \
    "$(api DescribeImageSharePermission "ImageId=${remember_ids[2]}")" '[.Accounts.Account[].AliyunId] == ["'"$SHARE_ACCOUNT"'"]'
expect "no call of the provider failed (the request journal)" \
    "$(curl -sS "http://127.0.0.1:$port/_emulator/requests?errors=true&limit=1000")" '.requests == []'

# ---- 2. a scripted failure ----
echo "==> tofu apply (tests/terraform/failing): must fail"
fdir="$(new_dir failing "$ACCOUNT" any-secret)"
if tf "$fdir" apply -input=false -auto-approve; then
    fail "apply of a template tagged emulator:outcome=FAILED@BUILDING succeeded"
fi
grep -q "Failed to reach target status. Last status: FAILED." "$fdir/apply.log" || fail "apply did not fail on the build's FAILED status"
echo "    ok: apply failed on the FAILED build"
grep -q "timeout while waiting for state to become 'SUCCESS, BUILDING, PREPARING' (last state: 'PARTITION_SUCCESS'" \
    "$fdir/apply.log" || fail "apply did not time out on the PARTITION_SUCCESS build"
echo "    ok: the PARTITION_SUCCESS build made the waiter time out"
doomed="$(api DescribeImagePipelines Name=tf-doomed | jq -r '.ImagePipeline.ImagePipelineSet[0].ImagePipelineId')"
expect "the build carries the scripted message" "$(api DescribeImagePipelineExecutions "ImagePipelineId=$doomed")" '
    .ImagePipelineExecution.ImagePipelineExecutionSet | length == 1 and .[0].Status == "FAILED"
    and .[0].ErrorInfo == "disk full (scripted by tofu.sh)"'
tf "$fdir" destroy -input=false -auto-approve || fail "tofu destroy (failing)"
expect "DescribeImagePipelines: the failed template is gone" "$(api DescribeImagePipelines)" '.ImagePipeline.ImagePipelineSet == []'
stop_emulator

echo "==> the --auth strict run (in the background until now):"
strict_status=0
wait "$strict_pid" || strict_status=$?
cat "$strict_log"
[ "$strict_status" -eq 0 ] || fail "the --auth strict run (its log is above)"


echo "==> tofu.sh: tools ready in $((tools_ready - script_started)) s; total $(($(date +%s) - script_started)) s"
