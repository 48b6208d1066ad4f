"""The plugin's own tests: its options, its scopes and its failure report, each in an inner pytest
run (``pytester``, enabled with ``-p pytester`` by scripts/pytest-plugin.sh) against the installed
wheel. The inner runs are subprocesses, so each loads the plugin through its entry point.
"""

from __future__ import annotations

import json

import pytest

INNER_TEMPLATE = """
import json, urllib.request

def describe(emulator):
    url = emulator.url + "/?Action=DescribeImagePipelines&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url) as answer:
        return json.load(answer)

def create(emulator):
    url = (emulator.url + "/?Action=CreateImagePipeline&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou"
           "&BaseImageType=IMAGE&BaseImage=aliyun_3_x64_20G_alibase_20240819.vhd")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url) as answer:
        return json.load(answer)["ImagePipelineId"]
"""


def test_a_failing_test_shows_the_emulator_log_of_that_test_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        INNER_TEMPLATE
        + """
def test_passes(emulator):
    create(emulator)

def test_fails(emulator):
    describe(emulator)
    assert False, "on purpose"
"""
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*- emulator log (http://127.0.0.1:*) -*", "*action=DescribeImagePipelines*"])
    # The log of the passing test (its CreateImagePipeline) is not in the failure's report.
    assert "action=CreateImagePipeline" not in result.stdout.str()


def test_session_scope_shares_one_emulator_and_function_scope_gives_each_test_a_fresh_one(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        INNER_TEMPLATE
        + """
import json, pathlib

def record(emulator, name):
    seen = describe(emulator)["ImagePipeline"]["ImagePipelineSet"]
    pathlib.Path(name).write_text(json.dumps({"port": emulator.port, "templates": len(seen)}))

def test_one(emulator):
    create(emulator)
    record(emulator, "one.json")

def test_two(emulator):
    record(emulator, "two.json")
"""
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=2)
    one, two = (json.loads((pytester.path / f"{n}.json").read_text()) for n in ("one", "two"))
    assert one["port"] == two["port"]
    assert (one["templates"], two["templates"]) == (1, 1)

    pytester.runpytest_subprocess("--ibe-scope=function").assert_outcomes(passed=2)
    one, two = (json.loads((pytester.path / f"{n}.json").read_text()) for n in ("one", "two"))
    assert one["port"] != two["port"]
    assert (one["templates"], two["templates"]) == (1, 0)

    pytester.makeini("[pytest]\nibe_scope = function\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=2)
    two = json.loads((pytester.path / "two.json").read_text())
    assert two["templates"] == 0


def test_options_reach_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
def test_modes(emulator):
    health = emulator.health()
    assert (health["clock"], health["phaseDuration"], health["idSeed"]) == ("real", "0ms", 7), health
"""
    )
    result = pytester.runpytest_subprocess(
        "--ibe-clock=real", "--ibe-phase-duration=0", "--ibe-arg=--id-seed", "--ibe-arg=7"
    )
    result.assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nibe_clock = real\nibe_phase_duration = 0\nibe_args = --id-seed 7\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_advance_needs_the_manual_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest
from ecs_imagebuilder_emulator import EmulatorError

def test_real_clock_refuses(emulator):
    with pytest.raises(EmulatorError) as raised:
        emulator.advance(10)
    assert raised.value.status == 409
"""
    )
    pytester.runpytest_subprocess("--ibe-clock=real").assert_outcomes(passed=1)


def test_a_missing_binary_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(emulator):\n    pass\n")
    result = pytester.runpytest_subprocess("--ibe-binary=/nonexistent/ecs-imagebuilder-emulator")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the given path '/nonexistent/ecs-imagebuilder-emulator' is not an executable file*"])


def test_a_binary_that_does_not_start_shows_its_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(emulator):\n    pass\n")
    result = pytester.runpytest_subprocess("--ibe-arg=--pipeline-quota=not-a-number")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the emulator (*) printed*", "*--- its log ---*", "*pipeline-quota*"])


def test_the_binary_is_the_one_pip_installed() -> None:
    """Without IBE_BIN the plugin runs the binary the wheel put beside this Python."""
    import os
    import sysconfig

    from ecs_imagebuilder_emulator import find_binary

    if os.environ.get("IBE_BIN"):
        pytest.skip("IBE_BIN chooses the binary")
    assert find_binary() == os.path.join(sysconfig.get_path("scripts"), "ecs-imagebuilder-emulator")


def test_proxies_from_the_environment_are_bypassed(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI machines often set HTTP(S)_PROXY; the SDK Config and the control plane must not use it."""
    pytester.makepyfile(
        """
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client

def test_through_a_dead_proxy(emulator):
    emulator.reset()
    for signature in ("v3", "v1"):
        sdk = Client(emulator.config(signature))
        sdk.describe_image_pipelines(ecs.DescribeImagePipelinesRequest(region_id="cn-hangzhou"))
    assert len(emulator.journal(action="DescribeImagePipelines")) == 2
"""
    )
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
