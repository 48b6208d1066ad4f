#!/usr/bin/env bash
# End-to-end test of the web console (/_emulator/console/) in a real headless browser: starts
# target/debug/ecs-imagebuilder-emulator on a free port (--phase-duration 2s, throw-away database),
# runs tests/console with node's test runner (playwright-core driving Debian's /usr/bin/chromium;
# no browser is ever downloaded), saves target/console-e2e/timeline.png, then stops the emulator.
# Called at the end of scripts/test.sh; run it alone after `cargo build`. Needs node + npm and
# chromium (.ci/run installs it with apt-get when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

binary="${IBE_BIN:-$repo/target/debug/ecs-imagebuilder-emulator}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
out="$repo/target/console-e2e"
[ -x "$binary" ] || { echo "console-e2e.sh: $binary not found: run 'cargo build' first" >&2; exit 1; }
[ -x "$chromium" ] || { echo "console-e2e.sh: $chromium not found: apt-get install chromium" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "console-e2e.sh: node and npm are needed" >&2; exit 1; }

# Everything talks to 127.0.0.1: keep any configured proxy out of the way.
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

echo "==> console e2e dependencies (npm ci, tests/console/package-lock.json)"
(cd tests/console && timeout 120 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

# shellcheck source=lib/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulator.sh"
start_emulator console-e2e.sh "$binary" "$workdir" --phase-duration 2s
echo "==> emulator on 127.0.0.1:$port, console at http://127.0.0.1:$port/_emulator/console/"

rm -rf "$out"
mkdir -p "$out"
started=$(date +%s)
status=0
IBE_URL="http://127.0.0.1:$port" CONSOLE_E2E_OUT="$out" CHROMIUM="$chromium" \
    timeout 90 node --test --test-reporter=spec tests/console/console.test.mjs || status=$?
echo "==> console e2e took $(( $(date +%s) - started )) s"
if [ -f "$out/timeline.png" ]; then
    echo "==> CI artifact: screenshot of the build timeline at $out/timeline.png"
fi
if [ "$status" -ne 0 ]; then
    echo "console-e2e.sh: FAILED (exit $status); emulator stderr:" >&2
    tail -n 40 "$workdir/stderr" >&2
fi
exit "$status"
