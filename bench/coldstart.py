"""Cold start: spawn the emulator on a fresh database and time until its first successful RPC
response (migrations included). Prints the median of N runs in ms and the idle RSS in MiB."""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BIN, RUNS, PORT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
REQUEST = (
    "GET /?Action=DescribeImagePipelines&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
).encode()


def first_response_ms(db: str) -> tuple:
    start = time.perf_counter()
    proc = subprocess.Popen([BIN, "--listen", f"127.0.0.1:{PORT}", "--db", db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 10:
            try:
                with socket.create_connection(("127.0.0.1", PORT), timeout=1) as s:
                    s.sendall(REQUEST)
                    if s.recv(16).startswith(b"HTTP/1.1 200"):
                        elapsed = (time.perf_counter() - start) * 1000
                        rss = next(int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmRSS:"))
                        return elapsed, rss / 1024
            except OSError:
                time.sleep(0.0005)
        raise SystemExit("the emulator did not answer within 10 s")
    finally:
        proc.terminate()
        proc.wait()


results = []
for _ in range(RUNS):
    with tempfile.TemporaryDirectory() as d:
        results.append(first_response_ms(os.path.join(d, "cold.db")))
print(f"cold start to first response: median {statistics.median(r[0] for r in results):.1f} ms over {RUNS} runs "
      f"(min {min(r[0] for r in results):.1f}, max {max(r[0] for r in results):.1f}); idle RSS {statistics.median(r[1] for r in results):.1f} MiB")
