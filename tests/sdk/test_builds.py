"""Build executions through the official Python SDK: start a build, poll it to SUCCESS, and
find the image it made in a target region, as the owner and as the account it was shared with.
The emulator runs with --phase-duration 0, so builds finish as soon as the scheduler sees them."""

import time

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from test_image_pipelines import BASE_IMAGE, REGION, assert_api_error, unique

OWNER = "1111222233334444"
SHARED_WITH = "5555666677778888"
TARGET_REGION = "cn-beijing"
TERMINAL = {"SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED"}


def account_client(emulator: str, access_key_id: str, **extra) -> Client:
    return Client(
        Config(
            access_key_id=access_key_id,
            access_key_secret="secret",
            endpoint=emulator,
            protocol="http",
            region_id=REGION,
            **extra,
        )
    )


@pytest.fixture(params=[{}, {"signature_algorithm": "v2"}], ids=["acs3", "hmac-sha1"])
def owner(request, emulator) -> Client:
    return account_client(emulator, OWNER, **request.param)


def execution(client: Client, execution_id: str):
    request = ecs.DescribeImagePipelineExecutionsRequest(region_id=REGION, execution_id=execution_id)
    body = client.describe_image_pipeline_executions_with_options(request, RuntimeOptions()).body
    return body.image_pipeline_execution.image_pipeline_execution_set[0]


def wait_until_terminal(client: Client, execution_id: str, limit_s: float = 15.0):
    """Polls the real-time scheduler (bounded; the only waiting these tests do)."""
    deadline = time.monotonic() + limit_s
    while True:
        item = execution(client, execution_id)
        if item.status in TERMINAL or time.monotonic() > deadline:
            return item
        time.sleep(0.05)


def images(client: Client, region: str, owner_alias: str) -> list:
    request = ecs.DescribeImagesRequest(region_id=region, image_owner_alias=owner_alias, page_size=100)
    return client.describe_images_with_options(request, RuntimeOptions()).body.images.image


def test_a_build_runs_to_success_and_its_image_reaches_the_target_region_and_account(owner, emulator):
    prefix = unique("web").replace("-", "")
    created = owner.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(
            region_id=REGION,
            base_image_type="IMAGE",
            base_image=BASE_IMAGE,
            name=unique(),
            internet_max_bandwidth_out=10,
            build_content="RUN yum install -y nginx\nRESTART",
            test_content="RUN nginx -t",
            to_region_id=[TARGET_REGION],
            add_account=[int(SHARED_WITH)],
            image_options=ecs.CreateImagePipelineRequestImageOptions(image_name=prefix),
        ),
        RuntimeOptions(),
    )
    pipeline_id = created.body.image_pipeline_id

    started = owner.start_image_pipeline_execution_with_options(
        ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=pipeline_id), RuntimeOptions()
    )
    execution_id = started.body.execution_id
    assert execution_id.startswith("exec-")

    done = wait_until_terminal(owner, execution_id)
    assert done.status == "SUCCESS", done.to_map()
    assert done.image_id.startswith("m-")
    assert done.image_pipeline_id == pipeline_id

    name = f"{prefix}_{execution_id}"
    mine = [i for i in images(owner, TARGET_REGION, "self") if i.image_name == name]
    assert len(mine) == 1 and mine[0].is_copied is True and mine[0].status == "Available"

    shared = account_client(emulator, SHARED_WITH)
    theirs = [i.image_id for i in images(shared, TARGET_REGION, "others") if i.image_name == name]
    assert theirs == [mine[0].image_id]

    stranger = account_client(emulator, "9999888877776666")
    assert all(i.image_name != name for i in images(stranger, TARGET_REGION, "others"))

    with pytest.raises(ClientException) as raised:
        owner.cancel_image_pipeline_execution_with_options(
            ecs.CancelImagePipelineExecutionRequest(region_id=REGION, execution_id=execution_id), RuntimeOptions()
        )
    assert_api_error(raised.value, "InvalidStatus.CancelFailed", 400)


def test_a_build_that_downloads_without_bandwidth_fails_with_an_explanation(owner):
    pipeline_id = owner.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(
            region_id=REGION,
            base_image_type="IMAGE",
            base_image=BASE_IMAGE,
            build_content="RUN curl -fsSL https://example.com/install.sh -o /tmp/i.sh",
        ),
        RuntimeOptions(),
    ).body.image_pipeline_id
    execution_id = owner.start_image_pipeline_execution_with_options(
        ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=pipeline_id), RuntimeOptions()
    ).body.execution_id
    done = wait_until_terminal(owner, execution_id)
    assert done.status == "FAILED"
    assert done.error_code == "CommandExecutionFailed"
    assert "InternetMaxBandwidthOut=0" in done.error_info


def test_share_permissions_list_the_target_account_and_a_shared_image_needs_force_to_delete(owner):
    pipeline_id = owner.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(
            region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE, add_account=[int(SHARED_WITH)]
        ),
        RuntimeOptions(),
    ).body.image_pipeline_id
    execution_id = owner.start_image_pipeline_execution_with_options(
        ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=pipeline_id), RuntimeOptions()
    ).body.execution_id
    image_id = wait_until_terminal(owner, execution_id).image_id

    shares = owner.describe_image_share_permission_with_options(
        ecs.DescribeImageSharePermissionRequest(region_id=REGION, image_id=image_id), RuntimeOptions()
    ).body
    assert [a.aliyun_id for a in shares.accounts.account] == [SHARED_WITH]
    assert shares.image_id == image_id and shares.total_count == 1

    with pytest.raises(ClientException) as raised:
        owner.delete_image_with_options(ecs.DeleteImageRequest(region_id=REGION, image_id=image_id), RuntimeOptions())
    assert_api_error(raised.value, "ImageUseShared", 403)
    owner.delete_image_with_options(ecs.DeleteImageRequest(region_id=REGION, image_id=image_id, force=True), RuntimeOptions())
    assert all(i.image_id != image_id for i in images(owner, REGION, "self"))


def test_tags_added_and_removed_through_the_tag_apis_show_in_describe(owner):
    pipeline_id = owner.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE),
        RuntimeOptions(),
    ).body.image_pipeline_id
    owner.tag_resources_with_options(
        ecs.TagResourcesRequest(
            region_id=REGION,
            resource_type="imagepipeline",
            resource_id=[pipeline_id],
            tag=[ecs.TagResourcesRequestTag(key="team", value="web"), ecs.TagResourcesRequestTag(key="tmp", value="")],
        ),
        RuntimeOptions(),
    )
    owner.untag_resources_with_options(
        ecs.UntagResourcesRequest(region_id=REGION, resource_type="imagepipeline", resource_id=[pipeline_id], tag_key=["tmp"]),
        RuntimeOptions(),
    )
    listed = owner.list_tag_resources_with_options(
        ecs.ListTagResourcesRequest(region_id=REGION, resource_type="imagepipeline", resource_id=[pipeline_id]),
        RuntimeOptions(),
    ).body
    assert [(t.tag_key, t.tag_value) for t in listed.tag_resources.tag_resource] == [("team", "web")]
    found = owner.describe_image_pipelines_with_options(
        ecs.DescribeImagePipelinesRequest(region_id=REGION, tag=[ecs.DescribeImagePipelinesRequestTag(key="team", value="web")]),
        RuntimeOptions(),
    ).body.image_pipeline.image_pipeline_set
    assert pipeline_id in [p.image_pipeline_id for p in found]
