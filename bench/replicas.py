#!/usr/bin/env python3
"""Team deployment figures (issue 15): SQLite (one process) against PostgreSQL with one and with three
replicas on one database, measured in the same run, as ratios against SQLite.

  creates/s    CreateImagePipeline (a unique name each), total concurrency 48 spread round-robin:
               one wrk per replica at 48/N connections, run at the same time, summed
  describes/s  DescribeImagePipelines of one template by ID, the same way
  steps/s      engine steps applied per second: --builds templates are created, then started all at
               once (spread over the replicas) with --phase-duration 0; steps = timeline events
               (Start's and one per step applied: SUM(cursor + 1) over executions, since a
               timeline row may hold several, migration 0018), time = first Start sent to the
               last build terminal

Starts its own throw-away cluster (scripts/postgres.sh) and stops it at the end; every PostgreSQL
configuration gets a fresh schema. Uses bench/ratios.py's helpers (wrk, bench/rpc.lua).

Usage, from anywhere in the repository:
  bench/replicas.py [--secs 5] [--builds 300] [--no-build | --binary PATH]
"""
import argparse
import concurrent.futures
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ratios  # noqa: E402
from ratios import CREATE, EMU, ROOT, Server, get, load_average, step, wrk  # noqa: E402

BINARY = EMU

TOTAL_CONCURRENCY = 48
TERMINAL = ("SUCCESS", "FAILED", "TEST_FAILED", "PARTITION_SUCCESS", "CANCELLED")


def psql(url, sql):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"psql {sql!r}: {r.stderr}")
    return r.stdout.strip()


class Setup:
    """N emulator processes on one database; `count(sql)` reads a number from that database."""

    def __init__(self, name, db, replicas, count):
        self.name, self.db, self.count = name, db, count
        self.servers = [
            Server(lambda p: [BINARY, "--listen", f"127.0.0.1:{p}", "--db", db, "--phase-duration", "0"],
                   env={"RUST_LOG": "error"})
            for _ in range(replicas)
        ]

    def ports(self):
        return [s.port for s in self.servers]

    def stop(self):
        for s in self.servers:
            s.stop()


def spread(setup, query, secs):
    """One wrk per replica at the same time (48 connections in all); summed requests/s."""
    ports = setup.ports()
    conc = max(1, TOTAL_CONCURRENCY // len(ports))
    with concurrent.futures.ThreadPoolExecutor(len(ports)) as pool:
        results = list(pool.map(lambda p: wrk(p, query, secs, conc), ports))
    for s in setup.servers:
        s.settle()
    return sum(r["rps"] for r in results), sum(r["err_status"] + r["err_other"] for r in results)


def steps_per_second(setup, builds):
    ports = setup.ports()
    templates = []
    for i in range(builds):
        reply = get(ports[i % len(ports)], f"{CREATE}&Name=steps-{uuid.uuid4().hex[:12]}")
        templates.append(reply["ImagePipelineId"])
    events = "SELECT COALESCE(SUM(cursor + 1), 0) FROM executions"
    before = int(setup.count(events))
    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        started = list(pool.map(
            lambda it: get(ports[it[0] % len(ports)], f"Action=StartImagePipelineExecution&ImagePipelineId={it[1]}"),
            enumerate(templates)))
    if any("ExecutionId" not in s for s in started):
        sys.exit(f"a start failed: {[s for s in started if 'ExecutionId' not in s][:1]}")
    deadline = time.monotonic() + 600
    while int(setup.count("SELECT count(*) FROM executions WHERE next_due_ms IS NOT NULL")) > 0:
        if time.monotonic() > deadline:
            sys.exit(f"{setup.name}: builds did not finish")
        time.sleep(0.02)
    elapsed = time.monotonic() - began
    steps = int(setup.count(events)) - before
    return steps / elapsed, steps


def measure(setup, a):
    pid = get(setup.ports()[0], f"{CREATE}&Name=bench-{uuid.uuid4().hex[:12]}")["ImagePipelineId"]
    creates, e1 = spread(setup, f"{CREATE}&Name=p{{n}}", a.secs)
    describes, e2 = spread(setup, f"Action=DescribeImagePipelines&ImagePipelineId.1={pid}", a.secs)
    steps, n = steps_per_second(setup, a.builds)
    row = (setup.name, creates, describes, steps, e1 + e2)
    print(f"    {setup.name:24s} creates {creates:8.0f}/s  describes {describes:8.0f}/s  steps {steps:8.0f}/s "
          f"({n} steps)  errors {e1 + e2}", flush=True)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--secs", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--builds", type=int, default=300, help="builds in the steps/s figure")
    ap.add_argument("--no-build", action="store_true", help="use the release binary already built")
    ap.add_argument("--binary", help="this emulator binary instead of the release build (implies --no-build)")
    a = ap.parse_args()
    global BINARY
    if a.binary:
        BINARY, a.no_build = os.path.abspath(a.binary), True
    ratios.ensure_wrk()
    if not a.no_build:
        step("building the release binary")
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    step("starting a throw-away PostgreSQL cluster (scripts/postgres.sh start)")
    out = subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "start"], stdout=subprocess.PIPE,
                         text=True, check=True).stdout.splitlines()
    pg_url, pg_dir = out[0], out[1]
    work = tempfile.mkdtemp(prefix="ibe-replicas-")
    started_load = load_average()
    rows = []
    try:
        sqlite_db = os.path.join(work, "emu.db")

        def sqlite_count(sql):
            conn = sqlite3.connect(sqlite_db, timeout=60)
            try:
                return conn.execute(sql).fetchone()[0]
            finally:
                conn.close()

        configs = [("SQLite, 1 process", None, 1), ("PostgreSQL, 1 replica", "pg1", 1),
                   ("PostgreSQL, 3 replicas", "pg3", 3)]
        for name, schema, replicas in configs:
            step(f"{name} (load average {load_average()})")
            if schema is None:
                setup = Setup(name, sqlite_db, 1, sqlite_count)
            else:
                schema = f"b_{schema}_{uuid.uuid4().hex[:8]}"
                psql(pg_url, f"CREATE SCHEMA {schema}")
                url = f"{pg_url}?options=-c%20search_path%3D{schema}"
                setup = Setup(name, url, replicas, lambda sql, url=url: psql(url, sql))
            try:
                rows.append(measure(setup, a))
            finally:
                setup.stop()
    finally:
        subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", pg_dir], check=False)
    base = rows[0]
    print()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load average "
          f"{started_load} at the start and {load_average()} at the end; {a.secs} s per wrk run, "
          f"{TOTAL_CONCURRENCY} connections in all, {a.builds} builds")
    print("| setup | creates/s | describes/s | engine steps/s | errors |")
    print("|---|---|---|---|---|")
    for name, creates, describes, steps, errors in rows:
        print(f"| {name} | {creates:.0f} ({creates / max(base[1], 1):.2f}x) | {describes:.0f} "
              f"({describes / max(base[2], 1):.2f}x) | {steps:.0f} ({steps / max(base[3], 1):.2f}x) | {errors} |")


if __name__ == "__main__":
    main()
