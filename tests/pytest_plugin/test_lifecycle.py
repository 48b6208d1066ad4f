"""A test suite as a user writes it: `pip install ecs-imagebuilder-emulator` and the official SDK,
then only the plugin's `emulator` fixture (no conftest, no paths). scripts/pytest-plugin.sh runs it
in a fresh virtualenv with the freshly built wheel; the clock is manual, so nothing sleeps.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from Tea.exceptions import TeaException

from ecs_imagebuilder_emulator import Emulator, EmulatorError

REGION = "cn-hangzhou"
BASE_IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
SHARE_ACCOUNT = "2000000000000002"


@pytest.fixture(params=["v3", "v1"])
def client(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[Client]:
    """The official SDK against the emulator, once per signature style; a clean state each time."""
    emulator.reset()
    yield Client(emulator.config(request.param))


def create_template(client: Client, **extra: Any) -> str:
    request = ecs.CreateImagePipelineRequest(
        region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE, name="web", **extra
    )
    return str(client.create_image_pipeline(request).body.image_pipeline_id)


def start(client: Client, template_id: str) -> str:
    request = ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=template_id)
    return str(client.start_image_pipeline_execution(request).body.execution_id)


def execution(client: Client, execution_id: str) -> Any:
    request = ecs.DescribeImagePipelineExecutionsRequest(region_id=REGION, execution_id=execution_id)
    found = client.describe_image_pipeline_executions(request).body
    (item,) = found.image_pipeline_execution.image_pipeline_execution_set
    return item


def images(client: Client, region: str, owner: str) -> Any:
    request = ecs.DescribeImagesRequest(region_id=region, image_owner_alias=owner)
    return client.describe_images(request).body.images.image


def test_a_whole_build_lifecycle(client: Client, emulator: Emulator) -> None:
    template_id = create_template(
        client,
        build_content="RUN echo hello\nRESTART",
        test_content="RUN test -f /etc/os-release",
        to_region_id=["cn-beijing"],
        add_account=[SHARE_ACCOUNT],
        image_options=ecs.CreateImagePipelineRequestImageOptions(image_name="web"),
    )
    execution_id = start(client, template_id)
    # Manual clock: nothing has happened yet.
    assert execution(client, execution_id).status in ("PREPARING", "BUILDING")

    answer = emulator.advance(3600)
    assert answer["transitionsApplied"] > 0
    done = execution(client, execution_id)
    assert done.status == "SUCCESS", done.to_map()
    image_id = done.image_id
    assert image_id.startswith("m-")

    (built,) = images(client, REGION, "self")
    assert (built.image_id, built.image_name) == (image_id, f"web_{execution_id}")
    (copy,) = images(client, "cn-beijing", "self")
    assert copy.image_id != image_id
    shared = Client(emulator.config(access_key_id=SHARE_ACCOUNT))
    assert {i.image_id for i in images(shared, REGION, "others")} == {image_id}

    timeline = emulator.execution(execution_id)
    statuses = [event["status"] for event in timeline["timeline"]]
    for phase in ("BUILDING", "TESTING", "DISTRIBUTING", "RELEASING", "SUCCESS"):
        assert phase in statuses, statuses

    client.delete_image(ecs.DeleteImageRequest(region_id=REGION, image_id=image_id, force=True))
    assert images(client, REGION, "self") == []


def test_a_scripted_outcome_fails_the_build(client: Client, emulator: Emulator) -> None:
    template_id = create_template(client, build_content="RUN echo hello")
    emulator.outcome("FAILED@BUILDING", pipeline="web", message="disk full", count=1)
    failed = start(client, template_id)
    emulator.advance(3600)
    item = execution(client, failed)
    assert (item.status, item.error_info) == ("FAILED", "disk full")
    # count=1: the next build is not scripted.
    ok = start(client, template_id)
    emulator.advance(3600)
    assert execution(client, ok).status == "SUCCESS"


def test_an_injected_fault_reaches_the_sdk_and_the_journal(client: Client, emulator: Emulator) -> None:
    template_id = create_template(client)
    emulator.fault(action="StartImagePipelineExecution", error="Throttling.User", nth=1)
    with pytest.raises(TeaException) as raised:
        start(client, template_id)
    assert raised.value.code == "Throttling.User"
    assert start(client, template_id).startswith("exec-")

    calls = emulator.journal(action="StartImagePipelineExecution")
    assert [c["status"] for c in calls] == [400, 200]  # in call order
    (refused,) = emulator.journal(errors=True)
    assert (refused["action"], refused["code"]) == ("StartImagePipelineExecution", "Throttling.User")


def test_snapshot_and_restore_bring_a_state_back(client: Client, emulator: Emulator) -> None:
    template_id = create_template(client)
    emulator.snapshot("one-template")
    client.delete_image_pipeline(ecs.DeleteImagePipelineRequest(region_id=REGION, image_pipeline_id=template_id))
    assert list_templates(client) == []
    emulator.restore("one-template")
    assert list_templates(client) == [template_id]


def test_reset_forgets_everything(client: Client, emulator: Emulator) -> None:
    create_template(client)
    assert len(list_templates(client)) == 1
    emulator.reset()
    assert list_templates(client) == []


def test_the_clock_moves_only_when_advanced(emulator: Emulator) -> None:
    before = emulator.clock()
    assert before["mode"] == "manual"
    after = emulator.advance(90)
    assert after["nowMs"] - before["nowMs"] == 90_000
    with pytest.raises(EmulatorError) as raised:
        emulator.advance(-1)
    assert raised.value.status == 400


def list_templates(client: Client) -> list:
    request = ecs.DescribeImagePipelinesRequest(region_id=REGION)
    return [p.image_pipeline_id for p in client.describe_image_pipelines(request).body.image_pipeline.image_pipeline_set]


@pytest.mark.parametrize(("signature", "method"), [("v3", None), ("v1", "HMAC-SHA1")])
def test_config_chooses_the_signature_style(emulator: Emulator, signature: str, method: Any) -> None:
    emulator.reset()
    Client(emulator.config(signature)).describe_image_pipelines(ecs.DescribeImagePipelinesRequest(region_id=REGION))
    (call,) = emulator.journal(action="DescribeImagePipelines")
    assert call["params"].get("SignatureMethod") == method
    assert call["account"] == emulator.account
