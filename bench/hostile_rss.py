"""Memory under hostile input (issue 12): starts the emulator and reports its RSS (VmRSS, and the
peak VmHWM) after each scenario. A measurement, not a test: CI does not run it.

    python3 bench/hostile_rss.py [BINARY]      # default target/release/ecs-imagebuilder-emulator

Scenarios: 300 form POSTs carrying a 1 MB junk parameter (the journal), one journal read asking
for 100 000 entries, clearing the journal, 100 signed requests with a 900 KB nonce under
`--auth strict`, and a 200 MiB snapshot upload followed by three exports."""

import base64
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/ecs-imagebuilder-emulator"
for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(var, None)


def start(workdir: str, *extra: str):
    proc = subprocess.Popen(
        [BIN, "--listen", "127.0.0.1:0", "--db", os.path.join(workdir, "emu.db"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    line = proc.stdout.readline().decode()
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
    return proc, f"http://127.0.0.1:{port}"


def rss(proc) -> str:
    status = {l.split(":")[0]: int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith(("VmRSS", "VmHWM"))}
    return f"RSS {status['VmRSS'] / 1024:7.1f} MiB (peak {status['VmHWM'] / 1024:7.1f} MiB)"


def call(url: str, data: bytes = None, method: str = None, headers=None, timeout=120):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def journal(base: str, proc) -> None:
    print(f"  idle                                   {rss(proc)}")
    junk = "x" * 1_000_000
    for _ in range(300):
        form = urllib.parse.urlencode({"Action": "DescribeImagePipelines", "Version": "2014-05-26", "Format": "JSON",
                                       "RegionId": "cn-hangzhou", "Junk": junk}).encode()
        call(base + "/", form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    print(f"  after 300 calls with a 1 MB parameter  {rss(proc)}")
    status, body = call(base + "/_emulator/requests?limit=100000")
    print(f"  GET /_emulator/requests?limit=100000   {rss(proc)}  ({len(body) / 1048576:.1f} MiB answered, {status})")
    call(base + "/_emulator/requests", method="DELETE")
    print(f"  after DELETE /_emulator/requests       {rss(proc)}")


def nonces(base: str, proc, key: str, secret: str) -> None:
    print(f"  idle (strict)                          {rss(proc)}")
    codes = {}
    for i in range(100):
        params = {"Action": "DescribeImagePipelines", "Version": "2014-05-26", "Format": "JSON", "RegionId": "cn-hangzhou",
                  "AccessKeyId": key, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
                  "SignatureNonce": f"{i}-" + "n" * 900_000,
                  "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        enc = lambda t: urllib.parse.quote(t, safe="-_.~")
        canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
        sts = f"POST&{enc('/')}&{enc(canonical)}"
        params["Signature"] = base64.b64encode(hmac.new(f"{secret}&".encode(), sts.encode(), hashlib.sha1).digest()).decode()
        status, _ = call(base + "/", urllib.parse.urlencode(params).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
        codes[status] = codes.get(status, 0) + 1
    call(base + "/_emulator/requests", method="DELETE", headers={"Authorization": "Bearer bench-token"})
    print(f"  after 100 nonces of 900 KB (journal cleared) {rss(proc)}  statuses {codes}")


def snapshots(base: str, proc) -> None:
    print(f"  idle                                   {rss(proc)}")
    call(base + "/_emulator/snapshots", json.dumps({"name": "small"}).encode(), headers={"Content-Type": "application/json"})
    _, small = call(base + "/_emulator/snapshots/small/export")
    blob = small + b"\0" * (200 * 1024 * 1024 - len(small))
    status, _ = call(base + "/_emulator/snapshots/big", blob, method="PUT", headers={"Content-Type": "application/vnd.sqlite3"})
    del blob
    print(f"  after a 200 MiB upload ({status})            {rss(proc)}")
    for _ in range(3):
        with urllib.request.urlopen(base + "/_emulator/snapshots/big/export", timeout=120) as response:
            while response.read(1 << 20):
                pass
    print(f"  after 3 exports of it                  {rss(proc)}")


def main() -> None:
    print(f"binary: {BIN}")
    with tempfile.TemporaryDirectory() as workdir:
        proc, base = start(workdir)
        try:
            print("journal:")
            journal(base, proc)
            print("snapshots:")
            snapshots(base, proc)
        finally:
            proc.terminate()
            proc.wait()
    with tempfile.TemporaryDirectory() as workdir:
        fixtures = os.path.join(workdir, "keys.json")
        with open(fixtures, "w") as f:
            json.dump({"access_keys": [{"id": "LTAI5tBench", "secret": "bench", "account": "1234123412341234"}],
                       "admin_token": "bench-token"}, f)
        try:
            proc, base = start(workdir, "--auth", "strict", "--fixtures", fixtures)
        except Exception:  # an emulator that does not know admin_token refuses the file
            with open(fixtures, "w") as f:
                json.dump({"access_keys": [{"id": "LTAI5tBench", "secret": "bench", "account": "1234123412341234"}]}, f)
            proc, base = start(workdir, "--auth", "strict", "--fixtures", fixtures)
        try:
            print("nonces:")
            nonces(base, proc, "LTAI5tBench", "bench")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
