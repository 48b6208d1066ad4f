"""Fixtures for the official-SDK compatibility tests.

The emulator binary is started once per session on an ephemeral port with a
throw-away database. Binary path: env IBE_BIN, default
<repo>/target/debug/ecs-imagebuilder-emulator (build it with `cargo build` first).

Run:  scripts/sdk-venv.sh && .venv/bin/python -m pytest tests/sdk -v
"""

import contextlib
import json
import os
import queue
import re
import subprocess
import threading
from pathlib import Path

import pytest
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / "target" / "debug" / "ecs-imagebuilder-emulator"
STARTUP_TIMEOUT_S = 20
SHUTDOWN_TIMEOUT_S = 10
LISTEN_LINE = re.compile(
    r"^ecs-imagebuilder-emulator listening on http://127\.0\.0\.1:(\d+)(?!\d)"
)

# The SDK honours HTTP(S)_PROXY from the environment; the emulator is local.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_var, None)


def _pump_stdout(stream, first_line: "queue.Queue[bytes]") -> None:
    """Hand the first stdout line over, then drain the pipe until EOF."""
    first_line.put(stream.readline())
    for _ in iter(stream.readline, b""):
        pass


def _stderr_tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return ""


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _database(workdir: Path) -> str:
    """The emulator's --db: a SQLite file in `workdir`, or, when IBE_STACK_DB is a PostgreSQL URL
    (scripts/test.sh's PostgreSQL pass), a fresh schema of its own on that cluster."""
    base = os.environ.get("IBE_STACK_DB", "")
    if not base.startswith(("postgres://", "postgresql://")):
        return str(workdir / "emu.db")
    schema = "s_" + os.urandom(8).hex()
    subprocess.run(["psql", base, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE SCHEMA {schema}"], check=True)
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-c%20search_path%3D{schema}"


@contextlib.contextmanager
def _emulator_process(tmp_path_factory, name: str, extra_args: list):
    """Start the emulator with `extra_args`; yield its address as "127.0.0.1:PORT"."""
    binary = Path(os.environ.get("IBE_BIN") or DEFAULT_BIN)
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(
            f"emulator binary not found or not executable: {binary}\n"
            "Build it with `cargo build` (or set IBE_BIN to the binary's path).",
            pytrace=False,
        )

    workdir = tmp_path_factory.mktemp(name)
    stderr_path = workdir / "stderr.log"
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--db", _database(workdir), *extra_args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    first_line: "queue.Queue[bytes]" = queue.Queue(maxsize=1)
    threading.Thread(
        target=_pump_stdout, args=(proc.stdout, first_line), daemon=True
    ).start()

    try:
        line = first_line.get(timeout=STARTUP_TIMEOUT_S)
    except queue.Empty:
        _stop(proc)
        pytest.fail(
            f"emulator printed no stdout line within {STARTUP_TIMEOUT_S}s\n"
            f"stderr:\n{_stderr_tail(stderr_path)}",
            pytrace=False,
        )
    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
    match = LISTEN_LINE.match(text)
    if not match:
        _stop(proc)
        pytest.fail(
            f"unexpected first stdout line from the emulator: {text!r} "
            f"(exit code {proc.poll()})\nstderr:\n{_stderr_tail(stderr_path)}",
            pytrace=False,
        )

    try:
        yield f"127.0.0.1:{match.group(1)}"
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """The emulator with builds that finish at once."""
    with _emulator_process(tmp_path_factory, "emulator", ["--phase-duration", "0"]) as address:
        yield address


STRICT_KEY_ID = "LTAI5tStrictKey"
STRICT_SECRET = "strict-secret"
STRICT_ACCOUNT = "7777888899990000"


@pytest.fixture(scope="session")
def strict_emulator(tmp_path_factory):
    """The emulator with --auth strict and one access key from a fixtures file."""
    fixtures = tmp_path_factory.mktemp("strict-fixtures") / "keys.json"
    fixtures.write_text(json.dumps({"access_keys": [{"id": STRICT_KEY_ID, "secret": STRICT_SECRET, "account": STRICT_ACCOUNT}]}))
    args = ["--phase-duration", "0", "--auth", "strict", "--fixtures", str(fixtures)]
    with _emulator_process(tmp_path_factory, "strict", args) as address:
        yield address


def _client(endpoint: str, **extra) -> Client:
    return Client(
        Config(
            access_key_id="testAccessKeyId",
            access_key_secret="testAccessKeySecret",
            endpoint=endpoint,
            protocol="http",
            region_id="cn-hangzhou",
            **extra,
        )
    )


@pytest.fixture(scope="session")
def client_v3(emulator) -> Client:
    """New SDK, default signing (ACS3-HMAC-SHA256 header, x-acs-action)."""
    return _client(emulator)


@pytest.fixture(scope="session")
def client_v1(emulator) -> Client:
    """New SDK with signature_algorithm="v2" (RPC HMAC-SHA1 in the query)."""
    return _client(emulator, signature_algorithm="v2")


@pytest.fixture(params=["client_v3", "client_v1"], ids=["acs3", "hmac-sha1"])
def client(request) -> Client:
    """Each test that takes `client` runs once per signing style."""
    return request.getfixturevalue(request.param)
