# Sourced by the test scripts. Sourcing it makes a temporary `workdir` that is removed, with the
# emulator stopped, when the script exits, and sets `status` (0) for `run`.
workdir="$(mktemp -d)"
server_pid=""
# stop_emulator: stops the emulator start_emulator started last (if it still runs).
stop_emulator() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
emulator_cleanup() {
    stop_emulator
    rm -rf "$workdir"
}
trap emulator_cleanup EXIT

# emulator_db WORKDIR: the --db of an emulator started for a test. A SQLite file in WORKDIR, or, when
# IBE_STACK_DB is a PostgreSQL URL (scripts/test.sh's PostgreSQL pass), a fresh schema of its own on
# that cluster (created with psql; the cluster is thrown away after the run).
emulator_db() {
    case "${IBE_STACK_DB:-}" in
        postgres://* | postgresql://*)
            local schema="s_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
            psql "$IBE_STACK_DB" -v ON_ERROR_STOP=1 -qc "CREATE SCHEMA $schema" >/dev/null
            case "$IBE_STACK_DB" in
                *\?*) echo "$IBE_STACK_DB&options=-c%20search_path%3D$schema" ;;
                *) echo "$IBE_STACK_DB?options=-c%20search_path%3D$schema" ;;
            esac
            ;;
        *) echo "$1/emulator.db" ;;
    esac
}

# start_emulator NAME BINARY WORKDIR [flags…] starts the emulator on a
# free port with its database in WORKDIR and sets `server_pid`, `port`, `scheme` (http or https)
# and `tls_ca` (the CA file to trust with --tls, else empty). It reads them from the first stdout
# line ("ecs-imagebuilder-emulator listening on http[s]://127.0.0.1:PORT (…[, tls-ca: PATH])"),
# waiting at most 20 s, and exits with the server's output if it does not start.
start_emulator() {
    local name="$1" binary="$2" workdir="$3"
    shift 3
    local db
    db="$(emulator_db "$workdir")"
    "$binary" --listen 127.0.0.1:0 --db "$db" "$@" >"$workdir/stdout" 2>"$workdir/stderr" &
    server_pid=$!
    port=""
    for _ in $(seq 1 200); do
        port="$(sed -n '1s#^ecs-imagebuilder-emulator listening on https\{0,1\}://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$workdir/stdout")"
        [ -n "$port" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "$name: the emulator did not start; stdout:" >&2
        cat "$workdir/stdout" >&2
        echo "stderr:" >&2
        tail -n 40 "$workdir/stderr" >&2
        exit 1
    fi
    scheme="$(sed -n '1s#^ecs-imagebuilder-emulator listening on \(https\{0,1\}\)://.*#\1#p' "$workdir/stdout")"
    tls_ca="$(sed -n '1s#^ecs-imagebuilder-emulator listening on https://.*, tls-ca: \(.*\))$#\1#p' "$workdir/stdout")"
}

# run NAME COMMAND…: prints "==> NAME" and runs COMMAND; when it fails, says so and sets `status`
# to 1 (the script's exit status at the end), so the steps after it still run.
status=0
run() {
    local name="$1"
    shift
    echo "==> $name"
    if ! "$@"; then
        echo "$(basename "$0"): FAILED: $name" >&2
        status=1
    fi
}

# show_log WORKDIR: after a failed step (`status` 1), the last 40 lines of that emulator's log.
show_log() {
    if [ "$status" -ne 0 ]; then
        echo "$(basename "$0"): emulator log ($1, last 40 lines):" >&2
        tail -n 40 "$1/stderr" >&2
    fi
}
