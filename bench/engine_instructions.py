#!/usr/bin/env python3
"""Counts the instructions of an engine tick under callgrind: a figure that does not move with the
machine, for changes too small to see in `ratios.py`'s wall-clock figures (on a shared 2-core
machine, one engine run varies by ±15%; the instruction count of the same binary by ~2%).

Usage: bench/engine_instructions.py [--builds N] [--runs R] [--baseline BIN] [BIN]

BIN is an engine benchmark executable (`cargo bench --bench engine --no-run` prints its path;
without BIN this script builds it). Each run starts BIN under `valgrind --tool=callgrind` with
`IBE_BENCH_PHASE_MS=0 IBE_BENCH_TICK_ONLY=1` and N builds (default 1 000: a run takes ~25 s),
zeroes the counts when the benchmark says it starts ticking, and prints the instructions of the
tick per thread: the engine's (the benchmark's main thread, which runs the tick, and since round 15
its SQL too: on a SQLite file the tick has a connection of its own, `store/tick_conn.rs`), the writer
connection's (the busiest other thread that ran SQLite's statements: before round 15 the tick's SQL
ran there; since then it is the WAL checkpointer's, a few million), and the rest (the runtime).
With --baseline, runs of BIN and of the baseline alternate and both are printed.

Needs valgrind (Debian: `apt-get install valgrind`). Counts instructions only: a change that
saves none but moves work between threads, or touches fewer pages, shows in `ratios.py` only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_bench():
    out = subprocess.run(
        ["cargo", "bench", "--bench", "engine", "--no-run"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    match = re.search(r"Executable .*\((.+)\)", out.stderr)
    if not match:
        sys.exit("cargo did not say where the engine benchmark is:\n" + out.stderr)
    return str(ROOT / match.group(1))


def thread_counts(prefix):
    """Instructions per thread file (`PREFIX-01`, `-02`, …) of one callgrind run, and whether the
    thread ran SQLite's statements (`sqlite3VdbeExec`)."""
    counts = {}
    for path in sorted(Path(prefix).parent.glob(Path(prefix).name + "-*")):
        text = path.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith(("summary:", "totals:")):
                counts[path.name.rsplit("-", 1)[1]] = (int(line.split()[1]), "sqlite3VdbeExec" in text)
                break
    return counts


def one_run(binary, builds):
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "callgrind.out")
        log = open(os.path.join(tmp, "log"), "w+")
        env = dict(os.environ, IBE_BENCH_BUILDS=str(builds), IBE_BENCH_PHASE_MS="0", IBE_BENCH_TICK_ONLY="1")
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={prefix}", binary],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        while True:
            log.seek(0)
            if "ticking" in log.read():
                break
            if proc.poll() is not None:
                log.seek(0)
                sys.exit(f"{binary} ended before ticking:\n{log.read()}")
            time.sleep(0.1)
        # From here on only the tick counts.
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, check=False)
        proc.wait()
        counts = thread_counts(prefix)
    main = counts.pop("01", (0, False))[0]
    # The writer connection's thread: the busiest other thread that ran SQLite's statements (since
    # round 15 the tick runs its own, and this is the WAL checkpointer's).
    writer = max((n for n, ran_sql in counts.values() if ran_sql), default=0)
    rest = sum(n for n, _ in counts.values()) - writer
    return main, writer, rest


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--baseline")
    parser.add_argument("--builds", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    binaries = [("this tree", args.binary or build_bench())]
    if args.baseline:
        binaries.append(("baseline", args.baseline))
    steps = args.builds * 15
    print(f"instructions of one tick of {args.builds} builds x 15 steps, in millions (per step in thousands)")
    print(f"{'binary':<10} {'engine thread':>14} {'writer thread':>14} {'both':>8} {'per step':>9} {'others':>7}")
    for _ in range(args.runs):
        for name, binary in binaries:
            main_ir, writer, rest = one_run(binary, args.builds)
            both = main_ir + writer
            print(
                f"{name:<10} {main_ir / 1e6:>14.1f} {writer / 1e6:>14.1f} {both / 1e6:>8.1f} "
                f"{both / steps / 1e3:>8.1f}k {rest / 1e6:>7.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
