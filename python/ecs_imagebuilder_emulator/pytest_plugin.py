"""The pytest plugin (registered through the ``pytest11`` entry point): an ``emulator`` fixture.

``emulator`` starts ``ecs-imagebuilder-emulator`` on a free port with a fresh database, waits for
``/_emulator/ready``, yields an :class:`~ecs_imagebuilder_emulator.Emulator` and stops it
afterwards. When a test that uses it fails, the emulator's log of that test is added to the
report. While it runs, the ``HTTP(S)_PROXY`` variables are out of the environment (the SDK would
send the emulator's calls to the proxy). Options (command line, or the ini keys in brackets):

``--ibe-scope`` [``ibe_scope``]
    ``session`` (default: one emulator for the whole run) or ``function`` (one per test).
``--ibe-clock`` [``ibe_clock``]
    ``manual`` (default: time moves only with ``emulator.advance(seconds)``) or ``real``.
``--ibe-phase-duration`` [``ibe_phase_duration``]
    the emulator's ``--phase-duration`` (default: realistic durations).
``--ibe-arg`` [``ibe_args``]
    more emulator arguments (one per option, repeatable; the ini key takes a shell-quoted line).
``--ibe-binary`` [``ibe_binary``]
    the binary to run; default ``$IBE_BIN``, else the one ``pip install`` put beside Python/on PATH.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Generator, Iterator, List, Optional

import pytest

from ecs_imagebuilder_emulator.emulator import Emulator, EmulatorError

_SCOPES = ("session", "function")
_RUNNING = pytest.StashKey[List[Emulator]]()
_LOG_START = pytest.StashKey[Dict[int, int]]()
#: The most of a log a failure report shows (its end).
LOG_LIMIT = 20_000


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--ibe-*`` options and their ini keys."""
    group = parser.getgroup("ecs-imagebuilder-emulator", "ECS Image Builder emulator fixture")
    group.addoption("--ibe-scope", choices=_SCOPES, default=None, help="one emulator per run (session) or per test (function)")
    group.addoption("--ibe-clock", choices=("manual", "real"), default=None, help="the emulator clock (default manual)")
    group.addoption("--ibe-phase-duration", default=None, metavar="DUR", help="the emulator's --phase-duration")
    group.addoption("--ibe-arg", action="append", default=[], metavar="FLAG", help="an extra emulator flag (repeatable)")
    group.addoption("--ibe-binary", default=None, metavar="PATH", help="the emulator binary (default: $IBE_BIN, then PATH)")
    parser.addini("ibe_scope", "emulator fixture scope: session or function", default="session")
    parser.addini("ibe_clock", "emulator clock: manual or real", default="manual")
    parser.addini("ibe_phase_duration", "the emulator's --phase-duration", default="")
    parser.addini("ibe_args", "extra emulator flags", type="args", default=[])
    parser.addini("ibe_binary", "path of the emulator binary", default="")


def _option(config: pytest.Config, name: str) -> Optional[str]:
    value = config.getoption(f"--ibe-{name.replace('_', '-')}")
    if value is None:
        value = config.getini(f"ibe_{name}")
    return str(value) if value else None


def _scope(fixture_name: str, config: pytest.Config) -> str:
    """The ``emulator`` fixture's scope, as chosen by ``--ibe-scope`` / ``ibe_scope``."""
    scope = _option(config, "scope") or "session"
    if scope not in _SCOPES:
        raise pytest.UsageError(f"ibe_scope must be one of {', '.join(_SCOPES)}, not {scope!r}")
    return scope


@pytest.fixture(scope=_scope)  # type: ignore[arg-type]  # pytest accepts a callable scope
def emulator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A running emulator with a fresh database; see the module docs for its options."""
    config = request.config
    clock = _option(config, "clock") or "manual"
    if clock not in ("manual", "real"):
        raise pytest.UsageError(f"ibe_clock must be manual or real, not {clock!r}")
    # Each --ibe-arg is one argument as given; the ini key is split like a shell line.
    args = [*config.getini("ibe_args"), *config.getoption("--ibe-arg")]
    try:
        instance = Emulator(
            binary=_option(config, "binary"),
            clock="manual" if clock == "manual" else "real",
            phase_duration=_option(config, "phase_duration"),
            args=args,
            workdir=tmp_path_factory.mktemp("emulator"),
        )
        instance.start()
    except EmulatorError as error:
        pytest.fail(str(error), pytrace=False)
    running = config.stash.setdefault(_RUNNING, [])
    running.append(instance)
    proxies = _without_proxies()
    try:
        yield instance
    finally:
        os.environ.update(proxies)
        running.remove(instance)
        instance.stop()


#: Proxy variables the official SDK reads from the environment on every request.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


def _without_proxies() -> Dict[str, str]:
    """Remove the proxy variables from the environment; return them for restoring.

    ``alibabacloud-tea-openapi`` 0.4.x sends every request through ``HTTP(S)_PROXY`` and drops
    ``Config.no_proxy`` on the way (it passes it to ``requests``' ``Session.send``, which ignores
    it), so a CI machine's proxy would receive the calls meant for the emulator on 127.0.0.1.
    """
    return {name: os.environ.pop(name) for name in PROXY_VARIABLES if name in os.environ}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note where each running emulator's log stands when the test starts."""
    item.stash[_LOG_START] = {id(e): e.log_size() for e in item.config.stash.get(_RUNNING, [])}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Add the emulator's log of the test to the report of a failed test that uses it."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    instance = funcargs.get("emulator")
    if not isinstance(instance, Emulator):
        return
    since = item.stash.get(_LOG_START, {}).get(id(instance), 0)
    log = instance.log(since)
    if len(log) > LOG_LIMIT:
        log = "…\n" + log[-LOG_LIMIT:]
    report.sections.append((f"emulator log ({instance.url})", log or "(empty)"))
