#!/usr/bin/env bash
# A five-minute tour of the emulator with nothing but curl: create an image template, start a build,
# watch it until it ends, then find the built image in another region, as its owner and as the
# account it was shared with. Exits non-zero as soon as anything is not as expected.
#
#   ecs-imagebuilder-emulator --phase-duration 0 &     # builds finish at once (or: cargo run -- --phase-duration 0)
#   examples/curl-tour.sh                              # IBE_URL defaults to http://127.0.0.1:8080
#
# With realistic phase durations a build takes several minutes: raise IBE_TOUR_TIMEOUT (seconds).
set -euo pipefail

IBE_URL="${IBE_URL:-http://127.0.0.1:8080}"
TIMEOUT_S="${IBE_TOUR_TIMEOUT:-120}"
REGION=cn-hangzhou
TARGET_REGION=cn-beijing
# A 16-digit numeric AccessKeyId is the account ID, so these are two separate tenants.
OWNER=1234567890123456
SHARED_WITH=6543210987654321

fail() { echo "curl-tour: $*" >&2; exit 1; }

# rpc METHOD ACCOUNT ACTION [Name=Value ...]: one V1 RPC call, parameters URL-encoded by curl
# (GET: in the query string; POST: as an application/x-www-form-urlencoded body, like Terraform).
# Prints the JSON body; fails on a non-2xx status.
rpc() {
    local method="$1" account="$2" action="$3"
    shift 3
    local args=(--silent --show-error --write-out '\n%{http_code}')
    [ "$method" = GET ] && args+=(--get)
    for param in "Action=$action" Version=2014-05-26 Format=JSON "AccessKeyId=$account" "$@"; do
        args+=(--data-urlencode "$param")
    done
    local reply status body
    reply="$(curl "${args[@]}" "$IBE_URL/")" || fail "$action: cannot reach $IBE_URL"
    status="${reply##*$'\n'}"
    body="${reply%$'\n'*}"
    case "$status" in
        2??) printf '%s\n' "$body" ;;
        *) fail "$action answered HTTP $status: $body" ;;
    esac
}

# field NAME < json: the first string value of "NAME", unescaped (empty when there is none).
field() {
    { grep -o "\"$1\":\"\\([^\"\\\\]\\|\\\\.\\)*\"" || true; } | head -n 1 |
        sed -e "s/^\"$1\":\"//" -e 's/"$//' -e 's/\\"/"/g'
}

echo "==> CreateImagePipeline (POST, form body)"
prefix="tour$(date +%s)"
created="$(rpc POST "$OWNER" CreateImagePipeline RegionId=$REGION \
    Name="tour-template-$prefix" BaseImageType=IMAGE BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd \
    "BuildContent=RUN echo 'built by the curl tour' > /etc/motd
RESTART" \
    ImageOptions.ImageName="$prefix" ToRegionId.1=$TARGET_REGION AddAccount.1=$SHARED_WITH \
    Tag.1.Key=team Tag.1.Value=tour)"
echo "$created"
pipeline_id="$(field ImagePipelineId <<<"$created")"
[ -n "$pipeline_id" ] || fail "no ImagePipelineId in $created"

echo "==> DescribeImagePipelines (GET, filtered by tag)"
listed="$(rpc GET "$OWNER" DescribeImagePipelines RegionId=$REGION ImagePipelineId.1="$pipeline_id" Tag.1.Key=team)"
grep -q "\"ImagePipelineId\":\"$pipeline_id\"" <<<"$listed" || fail "template not listed: $listed"
grep -q "\"ToRegionId\":\[\"$TARGET_REGION\"\]" <<<"$listed" || fail "ToRegionIds not echoed: $listed"
echo "found $pipeline_id"

echo "==> StartImagePipelineExecution"
started="$(rpc POST "$OWNER" StartImagePipelineExecution RegionId=$REGION ImagePipelineId="$pipeline_id")"
echo "$started"
execution_id="$(field ExecutionId <<<"$started")"
[ -n "$execution_id" ] || fail "no ExecutionId in $started"

echo "==> DescribeImagePipelineExecutions until the build ends (at most ${TIMEOUT_S}s)"
deadline=$((SECONDS + TIMEOUT_S))
last=""
while :; do
    execution="$(rpc GET "$OWNER" DescribeImagePipelineExecutions RegionId=$REGION ExecutionId="$execution_id")"
    status="$(field Status <<<"$execution")"
    line="$status: $(field Message <<<"$execution")"
    [ "$line" = "$last" ] || echo "  $line"
    last="$line"
    case "$status" in
        SUCCESS) break ;;
        PARTITION_SUCCESS | FAILED | TEST_FAILED | CANCELLED) fail "build ended $status: $execution" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || fail "build still $status after ${TIMEOUT_S}s (start the emulator with --phase-duration 0)"
    sleep 0.5
done
image_id="$(field ImageId <<<"$execution")"
echo "built $image_id"

image_name="${prefix}_${execution_id}"
echo "==> DescribeImages in $TARGET_REGION as the owner (ImageOwnerAlias=self)"
mine="$(rpc GET "$OWNER" DescribeImages RegionId=$TARGET_REGION ImageOwnerAlias=self ImageName="$image_name")"
copy_id="$(field ImageId <<<"$mine")"
[ -n "$copy_id" ] || fail "no copy of $image_name in $TARGET_REGION: $mine"
grep -q '"IsCopied":true' <<<"$mine" || fail "the image in $TARGET_REGION is not a copy: $mine"
echo "copy $copy_id in $TARGET_REGION"

echo "==> DescribeImages in $TARGET_REGION as account $SHARED_WITH (ImageOwnerAlias=others)"
theirs="$(rpc GET "$SHARED_WITH" DescribeImages RegionId=$TARGET_REGION ImageOwnerAlias=others ImageName="$image_name")"
[ "$(field ImageId <<<"$theirs")" = "$copy_id" ] || fail "$SHARED_WITH does not see $copy_id: $theirs"
echo "account $SHARED_WITH sees $copy_id"

echo "==> an error, the way Alibaba Cloud answers it (SystemDiskSize below 20 GiB)"
reply="$(curl --silent --show-error --get --write-out '\n%{http_code}' "$IBE_URL/" \
    --data-urlencode Action=CreateImagePipeline --data-urlencode Version=2014-05-26 \
    --data-urlencode Format=JSON --data-urlencode AccessKeyId=$OWNER --data-urlencode RegionId=$REGION \
    --data-urlencode BaseImageType=IMAGE --data-urlencode BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd \
    --data-urlencode SystemDiskSize=10)"
echo "${reply%$'\n'*}"
[ "${reply##*$'\n'}" = 400 ] || fail "expected HTTP 400 for SystemDiskSize=10: $reply"
[ "$(field Code <<<"${reply%$'\n'*}")" = InvalidSystemDiskSize.NotSupportedValue ] || fail "unexpected Code: $reply"

echo "==> DeleteImagePipeline"
rpc POST "$OWNER" DeleteImagePipeline RegionId=$REGION ImagePipelineId="$pipeline_id" >/dev/null
echo "curl tour OK"
