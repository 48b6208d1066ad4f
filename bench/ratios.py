#!/usr/bin/env python3
"""The bench harness: the emulator against minimal "ceiling" servers in the same run, as ratios.

Absolute figures on a shared machine swing by 2x from one minute to the next; a ratio against a
server doing the least any emulator must do, measured interleaved with the emulator, does not.
The ceilings are the package in benches/ceiling/ (see its Cargo.toml):
  ceiling-server   Describe*/List*: a HashMap lookup; any other action: one sqlx INSERT committed
                   per request (WAL, synchronous=NORMAL)
  ceiling-engine   10 000 builds x 15 steps as one transaction of UPDATEs (--mode tx) and as a task
                   per build group-committed by one writer (--mode group)
The emulator's engine figures come from `cargo bench --bench engine` (in process, manual clock).

Usage, from anywhere in the repository:
  bench/ratios.py [--runs 3] [--secs 5] [--skip-engine] [--skip-requests] [--reads-only]
                  [--baseline BIN] [--baseline-engine BIN] [--scale] [--scale-only]
Builds both release binaries, installs wrk (Debian) when missing and it can, and prints a table of
medians of --runs runs, each ratio computed within one run. --scale also seeds 1 000 and 100 000
templates / finished builds / images into two databases, serves both side by side, measures every
Describe at c=16 on each and prints the slowdown 100k/1k (target <= 1.5x) and the SQLite query
plan of every statement those Describes run (captured from sqlx's statement log).
--reads-only measures only the four read cases (no writes, no engine). --baseline BIN also runs
another build of the emulator (e.g. a copy of the binary before a change) through the same request
cases, interleaved in the same runs, and adds its rows to the table with "(baseline)" after the label.
--baseline-engine BIN does the same for the engine figures: BIN is another build's engine benchmark
executable (`cargo bench --bench engine --no-run` prints its path; copy it aside before the change),
run beside this tree's in every run (which goes first alternates); the engine table then has a
column for it.
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(ROOT, "bench", "rpc.lua")
EMU = os.path.join(ROOT, "target", "release", "ecs-imagebuilder-emulator")
CEIL_DIR = os.path.join(ROOT, "target", "ceiling", "release")
COMMON = "Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou"
IMG = "aliyun_3_x64_20G_alibase_20240819.vhd"
CREATE = f"Action=CreateImagePipeline&BaseImageType=IMAGE&BaseImage={IMG}"
TAGGED = "&Tag.1.Key=team&Tag.1.Value=qa&Tag.2.Key=env&Tag.2.Value=ci"


def step(msg):
    print(f"==> {msg}", flush=True)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, query):
    url = f"http://127.0.0.1:{port}/?{COMMON}&{query}"
    try:
        return json.loads(urllib.request.urlopen(url, timeout=30).read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


class Server:
    """A server process on a free port, stopped on exit."""

    def __init__(self, argv_for_port, env=None, log=None):
        self.port = free_port()
        out = open(log, "w") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv_for_port(self.port), stdout=out, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit(f"server exited: {argv_for_port(self.port)}")
                time.sleep(0.05)
        sys.exit("a server did not start listening within 60 s")

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def cpu_secs(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, limit=60):
        """Waits until the server is idle: requests wrk gave up on may still be running and
        would slow down the next measurement of another server."""
        deadline, last = time.time() + limit, self.cpu_secs()
        while time.time() < deadline:
            time.sleep(0.3)
            now = self.cpu_secs()
            if now - last < 0.03:
                return
            last = now

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def emulator(db, log=None, rust_log="warn", binary=EMU):
    return Server(lambda p: [binary, "--listen", f"127.0.0.1:{p}", "--db", db, "--phase-duration", "0"],
                  env={"RUST_LOG": rust_log}, log=log)


def wrk(port, query, secs, conc, ids_file=None):
    env = dict(os.environ, PATH_TMPL=f"/?{COMMON}&{query}", RUN_TAG=str(time.time_ns()), THREADS="1")
    if ids_file:
        env["IDS_FILE"] = ids_file
    r = subprocess.run(["wrk", "-t1", f"-c{conc}", f"-d{secs}s", "--timeout", "10s", "-s", LUA,
                        f"http://127.0.0.1:{port}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = [line for line in r.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        sys.exit(f"wrk failed: {r.stdout}")
    return json.loads(lines[-1][7:])


def wait_execution(port, execution_id):
    for _ in range(600):
        r = get(port, f"Action=DescribeImagePipelineExecutions&ExecutionId={execution_id}")
        items = r.get("ImagePipelineExecution", {}).get("ImagePipelineExecutionSet", [])
        if items and items[0]["Status"] in ("SUCCESS", "FAILED", "TEST_FAILED", "PARTITION_SUCCESS", "CANCELLED"):
            return items[0]
        time.sleep(0.05)
    sys.exit(f"build {execution_id} did not finish")


def build_once(port, pipeline_id):
    started = get(port, f"Action=StartImagePipelineExecution&ImagePipelineId={pipeline_id}")
    if "ExecutionId" not in started:
        sys.exit(f"StartImagePipelineExecution failed: {started}")
    return wait_execution(port, started["ExecutionId"])


def new_id(prefix):
    return prefix + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(20))


def seed_templates(db, template_id, n, name_prefix, tag_of=None):
    """n copies of one real template row (new IDs, names, older creation times); returns the IDs."""
    conn = sqlite3.connect(db, timeout=60)
    account, region, rg, created, spec = conn.execute(
        "SELECT account, region, resource_group_id, created_ms, spec FROM image_pipelines WHERE id = ?",
        (template_id,)).fetchone()
    base = json.loads(spec)
    ids, rows, tags = [], [], []
    for i in range(n):
        pid = new_id("ip-")
        doc = dict(base)
        for key, value in (("id", pid), ("name", f"{name_prefix}{i}"), ("created_ms", created - i - 1)):
            if key in doc:
                doc[key] = value
        rows.append((pid, account, region, f"{name_prefix}{i}", rg, created - i - 1, json.dumps(doc)))
        if tag_of:
            key, value = tag_of(i)
            tags.append(("imagepipeline", pid, account, region, 0, key, value))
        ids.append(pid)
    conn.executemany("INSERT INTO image_pipelines (id, account, region, name, resource_group_id, created_ms, spec) "
                     "VALUES (?,?,?,?,?,?,?)", rows)
    if tags:
        rtype = conn.execute("SELECT resource_type FROM tags WHERE resource_id = ? LIMIT 1", (template_id,)).fetchone()
        tags = [(rtype[0] if rtype else t[0],) + t[1:] for t in tags]
        conn.executemany("INSERT INTO tags (resource_type, resource_id, account, region, position, key, value) "
                         "VALUES (?,?,?,?,?,?,?)", tags)
    conn.commit()
    conn.close()
    return ids


def seed_builds(db, execution_id, pipeline_ids, n):
    """n finished builds (copies of one real execution row and its image) on other templates."""
    conn = sqlite3.connect(db, timeout=60)
    conn.row_factory = sqlite3.Row
    e = dict(conn.execute("SELECT * FROM executions WHERE id = ?", (execution_id,)).fetchone())
    image = conn.execute("SELECT * FROM images WHERE id = ?", (e["image_id"],)).fetchone()
    image = dict(image) if image else None
    ex_rows, im_rows = [], []
    for i in range(n):
        x = dict(e)
        x["id"] = new_id("exec-")
        x["pipeline_id"] = pipeline_ids[i % len(pipeline_ids)]
        x["status"] = "FAILED" if i % 10 == 9 else "SUCCESS"
        x["created_ms"] = e["created_ms"] - 1000 - i
        x["modified_ms"] = x["created_ms"]
        if image:
            im = dict(image)
            im["id"] = new_id("m-")
            im["name"] = f"seed-image-{i}"
            im["execution_id"] = x["id"]
            im["created_ms"] = x["created_ms"]
            x["image_id"] = im["id"]
            im_rows.append(im)
        ex_rows.append(x)
    # A finished build's plan (its list of steps, a few KB, in execution_plans since migration 16)
    # is never read again by a Describe; an empty one keeps 100 000 seeded rows small and quick to write.
    plan_rows = [{"execution_id": x["id"], "plan": "[]"} for x in ex_rows]
    for table, rows in (("executions", ex_rows), ("execution_plans", plan_rows), ("images", im_rows)):
        if rows:
            cols = list(rows[0])
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             [tuple(r[c] for c in cols) for r in rows])
    conn.commit()
    conn.close()


def median(xs):
    return statistics.median(xs) if xs else 0.0


# ---------------------------------------------------------------- requests against the ceiling


def prepare_emulator(emu, db, work, a, name):
    """A tagged template with one finished build on `emu`, and (unless --reads-only) the templates
    the start/delete cases use, each once; returns the queries of the read cases and the ID files."""
    pid = get(emu.port, f"{CREATE}&Name=bench{TAGGED}")["ImagePipelineId"]
    finished = build_once(emu.port, pid)
    image_id = finished.get("ImageId", "")
    reads = [
        ("DescribeImagePipelines by ID", f"Action=DescribeImagePipelines&ImagePipelineId.1={pid}"),
        ("DescribeImagePipelineExecutions", f"Action=DescribeImagePipelineExecutions&ImagePipelineId={pid}"),
        ("DescribeImages by ID", f"Action=DescribeImages&ImageId={image_id}"),
        ("ListTagResources", f"Action=ListTagResources&ResourceType=imagepipeline&ResourceId.1={pid}"),
    ]
    files = {}
    if not a.reads_only:
        # Templates to start builds on and to delete, each used once (seeded like the API writes them).
        pool = seed_templates(db, pid, a.pool, "pool")
        chunks = {key: pool[i::4] for i, key in enumerate(("start16", "start64", "delete16", "delete64"))}
        for key, ids in chunks.items():
            files[key] = os.path.join(work, f"{name}-{key}.ids")
            with open(files[key], "w") as f:
                f.write("\n".join(ids) + "\n")
    return reads, files


def request_ratios(a):
    """One run per a.runs; each case measured on the emulator (and the --baseline build) then on
    the ceiling (interleaved)."""
    results = {}  # label -> list of (emu, ceil) per run
    order = []
    for run in range(a.runs):
        step(f"requests, run {run + 1}/{a.runs} (load average {load_average()})")
        work = tempfile.mkdtemp(prefix="ibe-ratios-")
        emus = [("", EMU)] + ([(" (baseline)", a.baseline)] if a.baseline else [])
        servers = {}
        ceil = Server(lambda p: [os.path.join(CEIL_DIR, "ceiling-server"), "--listen", f"127.0.0.1:{p}",
                                 "--db", os.path.join(work, "ceiling.db"), "--seed", "1000"])
        try:
            prepared = {}
            for n, (suffix, binary) in enumerate(emus):
                db = os.path.join(work, f"emu{n}.db")
                servers[suffix] = emulator(db, binary=binary)
                prepared[suffix] = prepare_emulator(servers[suffix], db, work, a, f"emu{n}")
            cid = "ip-ceiling000001"
            describe_ceiling = f"Action=DescribeImagePipelines&ImagePipelineId.1={cid}"
            # Reads first, then writes; starts last, since the builds they start keep the engine busy.
            # Deletes before creates: each emulator deletes from the same seeded database, not from one
            # grown by however many templates its own creates made (a faster create looked like a
            # slower delete).
            writes = [] if a.reads_only else [
                ("DeleteImagePipeline", "Action=DeleteImagePipeline&ImagePipelineId={i}", "delete"),
                ("CreateImagePipeline", f"{CREATE}&Name=p{{n}}", None),
                ("CreateImagePipeline +2 tags +ClientToken", f"{CREATE}&Name=q{{n}}&ClientToken=t{{n}}{TAGGED}", None),
                ("StartImagePipelineExecution", "Action=StartImagePipelineExecution&ImagePipelineId={i}", "start"),
            ]
            cases = [(i, c, describe_ceiling, None) for i in range(4) for c in (16, 64)]
            for label, q, pool_key in writes:
                for c in (16, 64):
                    cases.append(((label, q), c, q.replace("{i}", "x{n}"), pool_key and f"{pool_key}{c}"))
            for case, c, cpath, pool_key in cases:
                measured = []
                for suffix, _ in emus:
                    reads, files = prepared[suffix]
                    label, epath = reads[case] if isinstance(case, int) else case
                    e = wrk(servers[suffix].port, epath, a.secs, c, files[pool_key] if pool_key else None)
                    servers[suffix].settle()
                    measured.append((label + suffix, e))
                k = wrk(ceil.port, cpath, a.secs, c)
                for label, e in measured:
                    key = (label, c)
                    if key not in results:
                        order.append(key)
                    results.setdefault(key, []).append((e, k))
                    print(f"    {label:42s} c={c:<3d} emulator {e['rps']:8.0f} req/s p99 {e['p99_us'] / 1000:6.1f} ms "
                          f"({e['err_status']} errors)  ceiling {k['rps']:8.0f} req/s p99 {k['p99_us'] / 1000:6.1f} ms  "
                          f"ratio {e['rps'] / max(k['rps'], 1):.2f}x", flush=True)
        finally:
            for server in servers.values():
                server.stop()
            ceil.stop()
            shutil.rmtree(work, ignore_errors=True)
    rows = []
    for key in order:
        runs = results[key]
        rows.append((key[0], key[1], median([e["rps"] for e, _ in runs]), median([e["p99_us"] for e, _ in runs]) / 1000,
                     sum(e["err_status"] + e["err_other"] for e, _ in runs), median([k["rps"] for _, k in runs]),
                     median([e["rps"] / max(k["rps"], 1) for e, k in runs])))
    return rows


# ---------------------------------------------------------------- the engine


def engine_bench(a, command):
    """Runs an engine benchmark (`command`: this tree's through cargo, or another build's executable)
    at --phase-duration 0; returns its RESULT figures."""
    r = subprocess.run(command, cwd=ROOT, env=dict(os.environ, IBE_BENCH_PHASE_MS="0", IBE_BENCH_BUILDS=str(a.builds)),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = [json.loads(line[7:]) for line in r.stdout.splitlines() if line.startswith("RESULT ")]
    if not results:
        sys.exit(f"the engine benchmark {command[0]} failed:\n{r.stdout}")
    return results[-1]


def print_engine_run(who, e):
    print(f"    {who}: {e['steps']} steps in {e['tick_s']:.2f} s = {e['steps_per_s']:.0f} steps/s, RSS in flight "
          f"{e['rss_in_flight_mib']:.1f} MiB, start p50/p99 at c=16 while ticking {e['start_p50_ms']:.1f}/{e['start_p99_ms']:.1f} ms "
          f"({e['starts']} starts)", flush=True)


def engine_ratios(a):
    """One run per a.runs: this tree's engine benchmark and the --baseline-engine one if given, then
    the two engine ceilings; returns (emulator, ceilings, baseline or None) per run."""
    step("building the engine benchmark (cargo bench --no-run)")
    subprocess.run(["cargo", "bench", "--locked", "--quiet", "--bench", "engine", "--no-run"], cwd=ROOT, check=True)
    runs = []
    for run in range(a.runs):
        step(f"engine, run {run + 1}/{a.runs} (load average {load_average()})")
        this_tree = ("emulator", ["cargo", "bench", "--locked", "--quiet", "--bench", "engine"])
        other = [("baseline", [os.path.abspath(a.baseline_engine)])] if a.baseline_engine else []
        # Which goes first alternates from run to run, so neither always meets the machine as the
        # other left it.
        order = [this_tree] + other if run % 2 == 0 else other + [this_tree]
        figures = {}
        for who, command in order:
            figures[who] = engine_bench(a, command)
            print_engine_run(who, figures[who])
        e, base = figures["emulator"], figures.get("baseline")
        ceilings = {}
        for mode in ("tx", "group"):
            db = os.path.join(tempfile.gettempdir(), f"ibe-ceiling-engine-{os.getpid()}.db")
            c = subprocess.run([os.path.join(CEIL_DIR, "ceiling-engine"), "--db", db, "--builds", str(a.builds),
                                "--steps", "15", "--mode", mode], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
            lines = [line for line in c.stdout.splitlines() if line.startswith("RESULT ")]
            if not lines:
                sys.exit(f"ceiling-engine --mode {mode} failed:\n{c.stdout}")
            ceilings[mode] = json.loads(lines[-1][7:])
        print(f"    ceilings: one transaction {ceilings['tx']['steps_per_s']:.0f} steps/s, "
              f"group commit {ceilings['group']['steps_per_s']:.0f} steps/s", flush=True)
        runs.append((e, ceilings, base))
    return runs


# ---------------------------------------------------------------- scale: 1 000 vs 100 000


SCALE_CASES = [
    ("DescribeImagePipelines by ID", "Action=DescribeImagePipelines&ImagePipelineId.1={pid}"),
    ("DescribeImagePipelines by name", "Action=DescribeImagePipelines&Name=scale-target"),
    ("DescribeImagePipelines by tag", "Action=DescribeImagePipelines&Tag.1.Key=owner&Tag.1.Value=bench"),
    ("DescribeImagePipelines first page (50)", "Action=DescribeImagePipelines&MaxResults=50"),
    ("DescribeImagePipelines next page (50)", "Action=DescribeImagePipelines&MaxResults=50&NextToken={token}"),
    ("DescribeImagePipelineExecutions by template", "Action=DescribeImagePipelineExecutions&ImagePipelineId={pid}"),
    ("DescribeImagePipelineExecutions by status", "Action=DescribeImagePipelineExecutions&ImagePipelineId={pid}&Status=SUCCESS"),
    ("DescribeImagePipelineExecutions by ID", "Action=DescribeImagePipelineExecutions&ExecutionId={eid}"),
    ("DescribeImages by ID", "Action=DescribeImages&ImageId={image}"),
    ("DescribeImages self, first page", "Action=DescribeImages&ImageOwnerAlias=self&PageSize=10"),
    ("ListTagResources by ID", "Action=ListTagResources&ResourceType=imagepipeline&ResourceId.1={pid}"),
    ("ListTagResources by tag", "Action=ListTagResources&ResourceType=imagepipeline&Tag.1.Key=owner&Tag.1.Value=bench"),
]


def make_scale_db(work, n):
    """A database with n templates, n finished builds with their images, in one account."""
    db = os.path.join(work, f"scale{n}.db")
    emu = emulator(db)
    try:
        pid = get(emu.port, f"{CREATE}&Name=scale-target&Tag.1.Key=owner&Tag.1.Value=bench&Tag.2.Key=team&Tag.2.Value=qa")["ImagePipelineId"]
        builds = [build_once(emu.port, pid) for _ in range(3)]
    finally:
        emu.stop()
    others = seed_templates(db, pid, n - 1, "seed", tag_of=lambda i: ("team", f"t{i % 10}"))
    seed_builds(db, builds[0]["ExecutionId"], others, n - len(builds))
    return db, {"pid": pid, "eid": builds[-1]["ExecutionId"], "image": builds[-1].get("ImageId", "")}


def capture_plans(db, fixtures, work):
    """Runs each scale Describe once with sqlx's statement log on and EXPLAINs every SELECT it ran."""
    log = os.path.join(work, "statements.log")
    emu = emulator(db, log=log, rust_log="warn,sqlx::query=debug")
    per_case = []
    try:
        first = get(emu.port, "Action=DescribeImagePipelines&MaxResults=50")
        fixtures["token"] = urllib.request.quote(first.get("NextToken", ""), safe="")
        for label, query in SCALE_CASES:
            with open(log) as f:
                before = len(f.read())
            get(emu.port, query.format(**fixtures))
            time.sleep(0.2)
            with open(log) as f:
                text = f.read()[before:]
            statements = []
            for m in re.finditer(r'db\.statement="((?:[^"\\]|\\.)*)"', text):
                sql = json.loads('"' + re.sub(r"\\u\{([0-9a-f]+)\}", lambda x: "\\u%04x" % int(x.group(1), 16), m.group(1)) + '"').strip()
                if sql.upper().startswith(("SELECT", "WITH")) and sql not in statements:
                    statements.append(sql)
            per_case.append((label, statements))
    finally:
        emu.stop()
    conn = sqlite3.connect(db)
    out = []
    for label, statements in per_case:
        out.append(f"-- {label}")
        for sql in statements:
            try:
                # The store writes $N placeholders (sqlx Any); Python's sqlite3 binds them by name.
                numbered = [int(n) for n in re.findall(r"\$(\d+)", sql)]
                args = {str(n): None for n in numbered} if numbered else [None] * sql.count("?")
                plan = conn.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
                lines = [f"     {'  ' * (depth(plan, row[1]))}{row[3]}" for row in plan]
            except sqlite3.Error as e:
                lines = [f"     (could not explain: {e})"]
            out.append("   " + " ".join(sql.split())[:300])
            out.extend(lines)
    conn.close()
    return out


def depth(plan, parent):
    ids = {row[0]: row[1] for row in plan}
    d = 0
    while parent in ids:
        parent = ids[parent]
        d += 1
    return d


def scale(a):
    work = tempfile.mkdtemp(prefix="ibe-scale-")
    try:
        dbs = {}
        for n in (1000, 100000):
            step(f"scale: seeding {n} templates, {n} finished builds and their images")
            t = time.time()
            dbs[n] = make_scale_db(work, n)
            print(f"    seeded in {time.time() - t:.1f} s ({os.path.getsize(dbs[n][0]) / 1048576:.0f} MiB)", flush=True)
        step("scale: query plans of every statement the Describes run (100 000 rows)")
        plans = capture_plans(dbs[100000][0], dbs[100000][1], work)
        for line in plans:
            print(line)
        servers = {n: emulator(db) for n, (db, _) in dbs.items()}
        try:
            for n, server in servers.items():
                fx = dbs[n][1]
                first = get(server.port, "Action=DescribeImagePipelines&MaxResults=50")
                fx["token"] = urllib.request.quote(first.get("NextToken", ""), safe="")
            results = {}
            for run in range(a.runs):
                step(f"scale, run {run + 1}/{a.runs} (load average {load_average()})")
                for label, query in SCALE_CASES:
                    pair = {}
                    for n in (1000, 100000):
                        pair[n] = wrk(servers[n].port, query.format(**dbs[n][1]), a.secs, 16)
                        servers[n].settle()
                    results.setdefault(label, []).append(pair)
                    print(f"    {label:46s} 1k {pair[1000]['rps']:7.0f} req/s  100k {pair[100000]['rps']:7.0f} req/s  "
                          f"slowdown {pair[1000]['rps'] / max(pair[100000]['rps'], 1):.2f}x"
                          f"{'  (errors!)' if pair[1000]['err_status'] or pair[100000]['err_status'] else ''}", flush=True)
            rss = {n: servers[n].rss_mib() for n in servers}
        finally:
            for server in servers.values():
                server.stop()
        rows = []
        for label, _ in SCALE_CASES:
            runs = results[label]
            rows.append((label, median([r[1000]["rps"] for r in runs]), median([r[100000]["rps"] for r in runs]),
                         median([r[100000]["p99_us"] for r in runs]) / 1000,
                         median([r[1000]["rps"] / max(r[100000]["rps"], 1) for r in runs]),
                         sum(r[n]["err_status"] for r in runs for n in r)))
        return rows, rss, plans
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- main


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        step("installing wrk (Debian package)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        sys.exit("bench/ratios.py needs wrk: apt-get install -y wrk")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--secs", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--pool", type=int, default=0, help="templates seeded for the start/delete cases "
                    "(default 64 000 per second of --secs: a quarter each, so a case never runs out)")
    ap.add_argument("--builds", type=int, default=10000, help="builds in the engine figures")
    ap.add_argument("--scale", action="store_true", help="also the 1 000 vs 100 000 scale figures")
    ap.add_argument("--scale-only", action="store_true")
    ap.add_argument("--skip-engine", action="store_true")
    ap.add_argument("--skip-requests", action="store_true")
    ap.add_argument("--reads-only", action="store_true", help="only the read cases (no writes, no engine)")
    ap.add_argument("--baseline", help="another emulator binary measured in the same runs (rows marked (baseline))")
    ap.add_argument("--baseline-engine", help="another build's engine benchmark executable, run in the same runs")
    ap.add_argument("--no-build", action="store_true", help="use the release binaries already built")
    a = ap.parse_args()
    a.pool = a.pool or 64000 * a.secs
    ensure_wrk()
    if not a.no_build:
        step("building release binaries (emulator, ceilings)")
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--manifest-path",
                        os.path.join(ROOT, "benches", "ceiling", "Cargo.toml"), "--target-dir",
                        os.path.join(ROOT, "target", "ceiling")], check=True)
    started_load = load_average()
    requests = [] if a.skip_requests or a.scale_only else request_ratios(a)
    engine = [] if a.skip_engine or a.scale_only or a.reads_only else engine_ratios(a)
    scaled = scale(a) if a.scale or a.scale_only else None

    print()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average {started_load} at the start and {load_average()} at the end; medians of {a.runs} runs")
    if requests:
        print()
        print("| request | c | emulator req/s | emulator p99 | ceiling req/s | ratio |")
        print("|---|---|---|---|---|---|")
        for label, c, rps, p99, errors, crps, ratio in requests:
            err = f" ({errors} errors)" if errors else ""
            print(f"| {label}{err} | {c} | {rps:.0f} | {p99:.1f} ms | {crps:.0f} | {ratio:.2f}x |")
    if engine:
        print_engine_table(a, engine)
    if scaled:
        rows, rss, _ = scaled
        print()
        print("| Describe at c=16 | 1 000: req/s | 100 000: req/s | 100 000: p99 | slowdown 100k/1k (target <= 1.5x) |")
        print("|---|---|---|---|---|")
        for label, r1, r2, p99, slow, errors in rows:
            err = f" ({errors} errors)" if errors else ""
            print(f"| {label}{err} | {r1:.0f} | {r2:.0f} | {p99:.1f} ms | {slow:.2f}x |")
        print(f"RSS after the scale runs: {rss[1000]:.1f} MiB (1 000) / {rss[100000]:.1f} MiB (100 000)")


def print_engine_table(a, engine):
    """The engine's medians against its ceilings (and the --baseline-engine build's, when measured)."""
    def medians(i):
        runs = [r for r in engine if r[i]]
        if not runs:
            return None
        figure = lambda k: median([r[i][k] for r in runs])
        ratio = lambda mode: median([r[i]["steps_per_s"] / max(r[1][mode]["steps_per_s"], 1) for r in runs])
        return {"tick_s": f"{figure('tick_s'):.2f} s", "steps": f"{figure('steps_per_s'):.0f}",
                "tx": f"{ratio('tx'):.3f}x", "group": f"{ratio('group'):.2f}x",
                "rss": f"{figure('rss_in_flight_mib'):.1f} MiB", "p99": f"{figure('start_p99_ms'):.1f} ms"}
    emu, base = medians(0), medians(2)
    tx = median([r[1]["tx"]["steps_per_s"] for r in engine])
    group = median([r[1]["group"]["steps_per_s"] for r in engine])
    extra = (lambda k: f" {base[k]} |") if base else (lambda k: "")
    print()
    print(f"| engine, {a.builds} builds x 15 steps, --phase-duration 0 | emulator | ceiling | ratio |"
          + (" baseline, same runs |" if base else ""))
    print("|---|---|---|---|" + ("---|" if base else ""))
    print(f"| ticking time | {emu['tick_s']} | | |" + extra("tick_s"))
    print(f"| steps/s vs one transaction of UPDATEs | {emu['steps']} | {tx:.0f} | {emu['tx']} |" + extra("tx"))
    print(f"| steps/s vs task-per-build group commit | {emu['steps']} | {group:.0f} | {emu['group']} |" + extra("group"))
    print(f"| RSS with {a.builds} builds in flight | {emu['rss']} | | target <= 64 MiB |" + extra("rss"))
    print(f"| start p99 at c=16 while {a.builds} builds tick | {emu['p99']} | | target <= 20 ms |" + extra("p99"))


if __name__ == "__main__":
    main()
