#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (issue 15).
#
#   scripts/postgres.sh start      starts a cluster and prints two lines on stdout:
#                                  its URL (postgres://postgres@127.0.0.1:PORT/postgres) and its folder
#   scripts/postgres.sh stop DIR   stops the cluster in folder DIR (line 2 of `start`) and removes it
#
# The cluster listens on 127.0.0.1 only, on a free port, with trust authentication and fsync off
# (nothing in it outlives the tests). When initdb/pg_ctl are missing, Debian's `postgresql` package is
# installed with apt-get (non-interactive; sudo when not root). PostgreSQL refuses to run as root: as
# root the cluster runs as the unprivileged system user `ibe-pg` (created when missing; override with
# IBE_PG_USER), otherwise as the current user. Use from a script:
#
#   { read -r pg_url; read -r pg_dir; } < <(scripts/postgres.sh start) || exit 1
#   trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
set -euo pipefail

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

# The folder holding initdb, pg_ctl and postgres: PG_BIN, Debian's /usr/lib/postgresql/<newest>/bin,
# or the PATH (e.g. /usr/local/bin links).
find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && { echo "$PG_BIN"; return 0; }
        return 1
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -n -r); do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return 0
    fi
    return 1
}

install_postgres() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "postgres.sh: initdb/pg_ctl not found: installing Debian's postgresql package" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
}

# Runs a command as the cluster's user (`run_as USER CMD…`; as is when USER is the current user).
run_as() {
    local user="$1"
    shift
    if [ "$user" = "$(id -un)" ]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u "$user" -- "$@"
    else
        su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
    fi
}

# A TCP port nobody listens on now (the kernel's choice; `start` retries if it is taken meanwhile).
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $(( 20000 + RANDOM % 40000 ))
    fi
}

start() {
    local bin user dir port
    bin="$(find_bin)" || { install_postgres; bin="$(find_bin)" || die "initdb/pg_ctl still not found after installing postgresql"; }
    if [ "$(id -u)" -eq 0 ]; then
        user="${IBE_PG_USER:-ibe-pg}"
        if ! id -u "$user" >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" >&2 \
                || die "could not create the system user $user"
        fi
        # Not under $TMPDIR: root's may be a folder the cluster's user cannot enter.
        dir="$(mktemp -d /tmp/ibe-pg.XXXXXX)"
        chown "$user" "$dir"
    else
        user="$(id -un)"
        dir="$(mktemp -d "${TMPDIR:-/tmp}/ibe-pg.XXXXXX")"
    fi
    chmod 700 "$dir"
    if ! run_as "$user" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        die "initdb failed"
    fi
    local attempt
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        if run_as "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
            >&2; then
            echo "postgres://postgres@127.0.0.1:$port/postgres"
            echo "$dir"
            return 0
        fi
        echo "postgres.sh: start on port $port failed (attempt $attempt); log:" >&2
        tail -n 5 "$dir/server.log" >&2 || true
    done
    rm -rf "$dir"
    die "the cluster did not start"
}

stop() {
    local dir="${1:-}" bin user
    [ -n "$dir" ] && [ -d "$dir/data" ] || die "stop: $dir is not a folder made by 'postgres.sh start'"
    bin="$(find_bin)" || die "pg_ctl not found"
    user="$(stat -c %U "$dir/data")"
    run_as "$user" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) die "usage: $0 start | stop DIR" ;;
esac
