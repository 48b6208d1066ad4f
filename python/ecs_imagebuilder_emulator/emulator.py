"""Start, drive and stop one ``ecs-imagebuilder-emulator`` process.

:class:`Emulator` runs the binary on a free loopback port with a fresh database in its own
directory, waits for ``/_emulator/ready``, and wraps the control plane (``/_emulator/…``): reset,
the manual clock, scripted build outcomes, fault injection, the request journal and snapshots.
It needs only the standard library; :meth:`Emulator.config` imports the official SDK's ``Config``
when it is called.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Dict, List, Literal, Mapping, NoReturn, Optional, Sequence, Type

if TYPE_CHECKING:  # pragma: no cover - typing only
    from alibabacloud_tea_openapi.models import Config  # type: ignore[import-untyped]

BINARY_NAME = "ecs-imagebuilder-emulator"
#: Environment variable naming the binary to run (overrides the one on ``PATH``).
BINARY_ENV = "IBE_BIN"
#: The account the emulator's default access key belongs to: a 16-digit AccessKeyId *is* the
#: account, so :meth:`Emulator.config` uses it as the key.
DEFAULT_ACCOUNT = "1000000000000001"
DEFAULT_REGION = "cn-hangzhou"

_LISTEN_LINE = re.compile(r"^ecs-imagebuilder-emulator listening on http://127\.0\.0\.1:(\d+)(?!\d)")
_JSON = "application/json"


class EmulatorError(RuntimeError):
    """The emulator did not start, or a control-plane call failed.

    ``status`` is the HTTP status of a failed call (0 when there was no answer) and ``body`` its
    decoded JSON body (or text).
    """

    def __init__(self, message: str, status: int = 0, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def find_binary(explicit: Optional[str] = None) -> str:
    """Return the path of the emulator binary.

    In order: ``explicit`` (a path), the ``IBE_BIN`` environment variable, the scripts directory
    of the running Python (where ``pip install`` put it, even when the virtualenv is not
    activated), then ``PATH``. Raises :class:`EmulatorError` when none is an executable file.
    """
    for candidate, origin in ((explicit, "the given path"), (os.environ.get(BINARY_ENV), BINARY_ENV)):
        if candidate:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
            raise EmulatorError(f"{origin} {candidate!r} is not an executable file")
    beside_python = Path(sysconfig.get_path("scripts")) / BINARY_NAME
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    on_path = shutil.which(BINARY_NAME)
    if on_path:
        return on_path
    raise EmulatorError(
        f"{BINARY_NAME} was not found: `pip install ecs-imagebuilder-emulator` puts it on PATH, "
        f"or set {BINARY_ENV} to the binary's path"
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _rule(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """A control-plane rule from Python keyword arguments: ``None`` dropped, names camelCased."""
    return {_camel(key): value for key, value in fields.items() if value is not None}


class Emulator:
    """One emulator process on ``127.0.0.1`` with its own database directory.

    Use it as a context manager (``with Emulator() as emu: …``) or call :meth:`start` and
    :meth:`stop`. ``clock="manual"`` (the default) freezes simulated time: builds move only when
    :meth:`advance` is called, so tests are deterministic and never sleep. ``phase_duration`` is the
    emulator's ``--phase-duration`` (``"0"`` ends a build at its first tick; ``None`` keeps the
    realistic durations). ``args`` are further command-line flags, e.g. ``["--id-seed", "7"]``.
    """

    def __init__(
        self,
        *,
        binary: Optional[str] = None,
        clock: Literal["manual", "real"] = "manual",
        phase_duration: Optional[str] = None,
        args: Sequence[str] = (),
        workdir: Optional[Path] = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.binary = find_binary(binary)
        self.clock_mode = clock
        self.phase_duration = phase_duration
        self.args = list(args)
        self.startup_timeout = startup_timeout
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="ibe-"))
        self.log_path = self.workdir / "emulator.log"
        self.account = DEFAULT_ACCOUNT
        self.port = 0
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``: what the SDK's ``Config.endpoint`` takes."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL for raw HTTP calls."""
        return f"http://{self.endpoint}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def command(self) -> List[str]:
        """The command line :meth:`start` runs."""
        cmd = [self.binary, "--listen", "127.0.0.1:0", "--db", str(self.workdir / "emulator.db")]
        cmd += ["--clock", self.clock_mode]
        if self.phase_duration is not None:
            cmd += ["--phase-duration", self.phase_duration]
        return cmd + self.args

    def start(self) -> "Emulator":
        """Start the process and wait until ``/_emulator/ready`` answers 200."""
        if self.running:
            return self
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log
            )
        first_line: "queue.Queue[bytes]" = queue.Queue(maxsize=1)
        stdout = self._process.stdout
        assert stdout is not None
        threading.Thread(target=_pump, args=(stdout, first_line), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        try:
            line = first_line.get(timeout=self.startup_timeout).decode("utf-8", "replace").rstrip()
        except queue.Empty:
            self._fail(f"printed nothing within {self.startup_timeout:g}s")
        match = _LISTEN_LINE.match(line)
        if match is None:
            self._fail(f"printed {line!r} instead of its listening line")
        self.port = int(match.group(1))
        self._wait_ready(deadline)
        return self

    def _wait_ready(self, deadline: float) -> None:
        # A bounded poll: readiness is an event outside the emulator's clock.
        while True:
            try:
                if self._call("GET", "/_emulator/ready").get("ready") is True:
                    return
            except EmulatorError:
                pass
            if not self.running:
                self._fail("exited before it was ready")
            if time.monotonic() > deadline:
                self._fail(f"was not ready within {self.startup_timeout:g}s")
            time.sleep(0.02)

    def _fail(self, why: str) -> NoReturn:
        self.stop()
        raise EmulatorError(f"the emulator ({' '.join(self.command())}) {why}\n--- its log ---\n{self.log()}")

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s). The log stays readable."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def close(self) -> None:
        """Stop the process and delete the working directory if this object created it."""
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def log(self, since: int = 0) -> str:
        """The process's log (stderr: one line per request), from byte offset ``since``."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(since)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_size(self) -> int:
        """The log's current size in bytes (an offset for :meth:`log`)."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    # ---- SDK configuration ---------------------------------------------------------------

    def config(
        self,
        signature: Literal["v3", "v1"] = "v3",
        *,
        access_key_id: Optional[str] = None,
        access_key_secret: str = "emulator-secret",
        region_id: str = DEFAULT_REGION,
    ) -> "Config":
        """A ready ``Config`` for ``alibabacloud_ecs20140526.client.Client``.

        ``signature="v3"`` is the SDK's default ACS3-HMAC-SHA256 signing; ``"v1"`` sets
        ``signature_algorithm="v2"``, the RPC HMAC-SHA1 style. ``access_key_id`` defaults to
        :attr:`account` (a 16-digit key *is* the account). ``no_proxy`` names the loopback
        address, but ``alibabacloud-tea-openapi`` 0.4.x still sends requests through
        ``HTTP(S)_PROXY`` when set: outside the pytest fixture (which removes those variables
        while it runs), unset them. Remember to set ``region_id`` on each request model too: the
        SDK does not copy it from ``Config``.
        """
        from alibabacloud_tea_openapi.models import Config

        if signature not in ("v3", "v1"):
            raise ValueError(f"signature must be 'v3' or 'v1', not {signature!r}")
        extra: Dict[str, Any] = {"signature_algorithm": "v2"} if signature == "v1" else {}
        return Config(
            access_key_id=access_key_id or self.account,
            access_key_secret=access_key_secret,
            endpoint=self.endpoint,
            protocol="http",
            region_id=region_id,
            no_proxy="127.0.0.1,localhost",
            **extra,
        )

    # ---- control plane -------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
    ) -> Any:
        url = self.url + path
        if query:
            pairs = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in query.items() if v is not None}
            url += "?" + urllib.parse.urlencode(pairs)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None or method in ("POST", "PUT"):
            # The control plane requires a JSON content type on writes; an empty write sends {}.
            request.add_header("Content-Type", _JSON)
            if data is None:
                request.data = b"{}"
        try:
            with self._opener.open(request, timeout=30) as response:
                return _decode(response.read())
        except urllib.error.HTTPError as error:
            answer = _decode(error.read())
            raise EmulatorError(f"{method} {path} answered {error.code}: {answer}", error.code, answer) from None
        except (urllib.error.URLError, OSError) as error:
            raise EmulatorError(f"{method} {path} failed: {error}") from None

    def health(self) -> Dict[str, Any]:
        """``GET /_emulator/health``: version and the modes in force."""
        return dict(self._call("GET", "/_emulator/health"))

    def reset(self, account: Optional[str] = None) -> Dict[str, Any]:
        """Delete every resource (or only ``account``'s), clearing journal, faults and outcomes."""
        return dict(self._call("POST", "/_emulator/reset", _rule({"account": account})))

    def clock(self) -> Dict[str, Any]:
        """``GET /_emulator/clock``: ``{"mode", "nowMs", "now"}``."""
        return dict(self._call("GET", "/_emulator/clock"))

    def advance(self, seconds: float) -> Dict[str, Any]:
        """Move the manual clock ``seconds`` forward.

        Returns once every build step due in that window has been applied, each at its own
        simulated time; the answer includes ``transitionsApplied``. Needs ``clock="manual"``.
        """
        return dict(self._call("POST", "/_emulator/clock/advance", {"seconds": seconds}))

    def outcome(
        self,
        outcome: str,
        *,
        pipeline: Optional[str] = None,
        account: Optional[str] = None,
        count: Optional[int] = None,
        message: Optional[str] = None,
        error_code: Optional[str] = None,
        regions: Optional[Sequence[str]] = None,
        accounts: Optional[Sequence[str]] = None,
    ) -> Dict[str, Any]:
        """Script how matching builds end.

        ``outcome`` is ``"FAILED@<PHASE>"``, ``"TEST_FAILED"``, ``"PARTITION_SUCCESS"`` or
        ``"HOLD@<PHASE>"``; ``pipeline`` (ID or name), ``account`` and ``count`` choose the builds.
        Returns ``{"id", "rule"}``.
        """
        fields = {
            "outcome": outcome,
            "pipeline": pipeline,
            "account": account,
            "count": count,
            "message": message,
            "error_code": error_code,
            "regions": list(regions) if regions is not None else None,
            "accounts": list(accounts) if accounts is not None else None,
        }
        return dict(self._call("POST", "/_emulator/outcomes", _rule(fields)))

    def fault(
        self,
        *,
        action: Optional[str] = None,
        error: Optional[str] = None,
        message: Optional[str] = None,
        account: Optional[str] = None,
        region: Optional[str] = None,
        latency_ms: Optional[int] = None,
        probability: Optional[float] = None,
        nth: Optional[int] = None,
        count: Optional[int] = None,
        after_seconds: Optional[float] = None,
        for_seconds: Optional[float] = None,
    ) -> Dict[str, Any]:
        """Inject an API fault: matching calls get ``error`` (a documented code, with its status)
        and/or ``latency_ms``. Returns the rule, with its ``id``."""
        fields = {
            "action": action,
            "error": error,
            "message": message,
            "account": account,
            "region": region,
            "latency_ms": latency_ms,
            "probability": probability,
            "nth": nth,
            "count": count,
            "after_seconds": after_seconds,
            "for_seconds": for_seconds,
        }
        return dict(self._call("POST", "/_emulator/faults", _rule(fields)))

    def journal(
        self,
        *,
        action: Optional[str] = None,
        account: Optional[str] = None,
        region: Optional[str] = None,
        code: Optional[str] = None,
        status: Optional[int] = None,
        errors: Optional[bool] = None,
        limit: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """The request journal, oldest first (the newest ``limit``, default 100): one dict per
        API call (action, account, region, params, code, status, latencyMs, requestId)."""
        query = {
            "action": action,
            "account": account,
            "region": region,
            "code": code,
            "status": status,
            "errors": errors,
            "limit": limit,
        }
        return list(self._call("GET", "/_emulator/requests", query=query)["requests"])

    def execution(self, execution_id: str) -> Dict[str, Any]:
        """A build's timeline: transitions, transit resources, images and copies."""
        return dict(self._call("GET", f"/_emulator/executions/{urllib.parse.quote(execution_id)}"))

    def release(self, execution_id: str) -> Dict[str, Any]:
        """Let a build held by a ``HOLD@PHASE`` outcome go on."""
        return dict(self._call("POST", f"/_emulator/executions/{urllib.parse.quote(execution_id)}/release"))

    def snapshot(self, name: str) -> Dict[str, Any]:
        """Save the whole state as snapshot ``name``."""
        return dict(self._call("POST", "/_emulator/snapshots", {"name": name}))

    def restore(self, name: str) -> Dict[str, Any]:
        """Replace the state with snapshot ``name``'s."""
        return dict(self._call("POST", f"/_emulator/snapshots/{urllib.parse.quote(name)}/restore"))


def _pump(stream: IO[bytes], first_line: "queue.Queue[bytes]") -> None:
    """Hand the first stdout line over, then drain the pipe until it closes."""
    first_line.put(stream.readline())
    try:
        for _ in iter(stream.readline, b""):
            pass
    except (OSError, ValueError):
        pass


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text
