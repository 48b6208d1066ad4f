#!/usr/bin/env bash
# Performance benchmark (not a test; CI does not run it). Measures on this machine:
#  - cold start to the first successful response (fresh database, migrations included), idle RSS
#  - throughput and p50/p99 at concurrency 1, 16 and 64 for DescribeImagePipelines by ID,
#    CreateImagePipeline (committed before the response) and DescribeImagePipelineExecutions
#  - Describe latency with 1 000 vs 100 000 templates in one account, and RSS with 100 000
#  - the engine: 10 000 builds started at once run to completion with --phase-duration 0
# Usage: bench/run.sh [seconds-per-load-run (default 5)]; RUNS=N runs each load N times (default 3)
# and reports the median run. Needs wrk (apt-get install wrk) and python3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION="${1:-5}"
PORT=18950
command -v wrk >/dev/null || { echo "bench/run.sh needs wrk: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked --quiet
BIN=target/release/ecs-imagebuilder-emulator
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PID=""
BASE="http://127.0.0.1:$PORT/?Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou"

start() { # start DB [flags…]
  local db="$1"; shift
  RUST_LOG=warn "$BIN" --listen "127.0.0.1:$PORT" --db "$db" "$@" >/dev/null 2>&1 &
  PID=$!
  for _ in $(seq 200); do curl -sf -o /dev/null "$BASE&Action=DescribeImagePipelines" && return; sleep 0.05; done
  echo "the emulator did not start" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$PID/status"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
load() { # label url connections: RUNS wrk runs (default 3), the median run by throughput
  local runs="${RUNS:-3}" results=""
  for _ in $(seq "$runs"); do
    local out; out="$(wrk -t "$([ "$3" = 1 ] && echo 1 || echo 2)" -c "$3" -d "${DURATION}s" --latency "$2")"
    results+="$(awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print r, p50, p99}' <<<"$out")"$'\n'
  done
  local median; median="$(sort -n <<<"${results%$'\n'}" | sed -n "$(( (runs + 1) / 2 ))p")"
  read -r rps p50 p99 <<<"$median"
  printf '%-38s c=%-3s %9s req/s   p50 %8s   p99 %8s   (median of %s runs)\n' "$1" "$3" "$rps" "$p50" "$p99" "$runs"
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load generator wrk shares the cores"
python3 bench/coldstart.py "$BIN" 7 "$PORT"

start "$WORK/load.db" --phase-duration 0
IP=$(curl -s "$BASE&Action=CreateImagePipeline&BaseImageType=IMAGE&BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd&Name=bench" | json '["ImagePipelineId"]')
curl -s -o /dev/null "$BASE&Action=StartImagePipelineExecution&ImagePipelineId=$IP"
for c in 1 16 64; do load "DescribeImagePipelines by ID" "$BASE&Action=DescribeImagePipelines&ImagePipelineId.1=$IP" "$c"; done
for c in 1 16 64; do load "DescribeImagePipelineExecutions" "$BASE&Action=DescribeImagePipelineExecutions&ImagePipelineId=$IP" "$c"; done
for c in 1 16 64; do load "CreateImagePipeline (durable)" "$BASE&Action=CreateImagePipeline&BaseImageType=IMAGE&BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd" "$c"; done
load "CreateImagePipeline with one tag" "$BASE&Action=CreateImagePipeline&BaseImageType=IMAGE&BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd&Tag.1.Key=team&Tag.1.Value=web" 16
echo "RSS after the load runs: $(rss) with $(curl -s "$BASE&Action=DescribeImagePipelines&MaxResults=1" | json '["TotalCount"]') templates"
stop

for n in 1000 100000; do
  db="$WORK/scale$n.db"
  start "$db"; IP=$(curl -s "$BASE&Action=CreateImagePipeline&BaseImageType=IMAGE&BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd" | json '["ImagePipelineId"]'); stop
  python3 bench/seed.py "$db" "$((n - 1))" >/dev/null
  start "$db"
  load "Describe by ID, $n templates" "$BASE&Action=DescribeImagePipelines&ImagePipelineId.1=$IP" 16
  load "Describe first page, $n templates" "$BASE&Action=DescribeImagePipelines&MaxResults=50" 16
  echo "RSS with $n templates stored: $(rss)"
  stop
done

echo "== engine (in-process, manual clock)"
IBE_BENCH_PHASE_MS=0 cargo bench --quiet --bench engine 2>/dev/null | grep -v '^$'
