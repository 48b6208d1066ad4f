"""The old-generation Python SDK (aliyun-python-sdk-core + aliyun-python-sdk-ecs) against the binary:
one full lifecycle through its request classes (template -> build -> image in the target region and
for the share account), an image component with tags, plus documented errors. This SDK signs with HMAC-SHA1, sends everything in
the query string with Format=JSON and `SignatureType=`, and adds RegionId from the client when the
request does not set it (docs/reference.md §P1)."""

import json
import time
import uuid

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.CancelImagePipelineExecutionRequest import CancelImagePipelineExecutionRequest
from aliyunsdkecs.request.v20140526.CreateImageComponentRequest import CreateImageComponentRequest
from aliyunsdkecs.request.v20140526.CreateImagePipelineRequest import CreateImagePipelineRequest
from aliyunsdkecs.request.v20140526.DeleteImageComponentRequest import DeleteImageComponentRequest
from aliyunsdkecs.request.v20140526.DeleteImagePipelineRequest import DeleteImagePipelineRequest
from aliyunsdkecs.request.v20140526.DeleteImageRequest import DeleteImageRequest
from aliyunsdkecs.request.v20140526.DescribeImageComponentsRequest import DescribeImageComponentsRequest
from aliyunsdkecs.request.v20140526.DescribeImagePipelineExecutionsRequest import (
    DescribeImagePipelineExecutionsRequest,
)
from aliyunsdkecs.request.v20140526.DescribeImagePipelinesRequest import DescribeImagePipelinesRequest
from aliyunsdkecs.request.v20140526.DescribeImageSharePermissionRequest import DescribeImageSharePermissionRequest
from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest
from aliyunsdkecs.request.v20140526.ListTagResourcesRequest import ListTagResourcesRequest
from aliyunsdkecs.request.v20140526.StartImagePipelineExecutionRequest import StartImagePipelineExecutionRequest
from aliyunsdkecs.request.v20140526.TagResourcesRequest import TagResourcesRequest
from aliyunsdkecs.request.v20140526.UntagResourcesRequest import UntagResourcesRequest

REGION = "cn-hangzhou"
TARGET_REGION = "cn-beijing"
BASE_IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
OWNER = "2222333344445555"
SHARED_WITH = "6666777788889999"
TERMINAL = {"SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED"}


def old_client(access_key_id: str) -> AcsClient:
    # The region given here becomes the RegionId of every request that does not set one.
    return AcsClient(access_key_id, "any-secret", REGION)


def call(client: AcsClient, emulator: str, request) -> dict:
    """Points one request at the emulator over plain HTTP and decodes the JSON body."""
    request.set_endpoint(emulator)
    request.set_protocol_type("http")
    return json.loads(client.do_action_with_exception(request))


@pytest.fixture
def owner() -> AcsClient:
    return old_client(OWNER)


def test_the_old_sdk_drives_a_template_through_a_build_to_a_shared_copied_image(owner, emulator):
    prefix = "old" + uuid.uuid4().hex[:10]

    create = CreateImagePipelineRequest()
    create.set_BaseImageType("IMAGE")
    create.set_BaseImage(BASE_IMAGE)
    create.set_Name("old-sdk-" + uuid.uuid4().hex[:8])
    create.set_BuildContent("RUN echo hello > /etc/motd\nRESTART")
    create.set_ToRegionIds([TARGET_REGION])
    create.set_AddAccounts([SHARED_WITH])
    create.set_Tags([{"Key": "client", "Value": "old-python-sdk"}])
    create.set_ImageOptions({"ImageName": prefix, "ImageTags": [{"Key": "built-by", "Value": "old-sdk"}]})
    create.set_DeleteInstanceOnFailure(True)
    pipeline_id = call(owner, emulator, create)["ImagePipelineId"]
    assert pipeline_id.startswith("ip-")

    describe = DescribeImagePipelinesRequest()
    describe.set_ImagePipelineIds([pipeline_id])
    listed = call(owner, emulator, describe)["ImagePipeline"]["ImagePipelineSet"]
    assert [p["ImagePipelineId"] for p in listed] == [pipeline_id]
    assert listed[0]["ToRegionIds"]["ToRegionId"] == [TARGET_REGION]
    assert listed[0]["AddAccounts"]["AddAccount"] == [SHARED_WITH]
    assert listed[0]["Tags"]["Tag"] == [{"TagKey": "client", "TagValue": "old-python-sdk"}]

    start = StartImagePipelineExecutionRequest()
    start.set_ImagePipelineId(pipeline_id)
    execution_id = call(owner, emulator, start)["ExecutionId"]
    assert execution_id.startswith("exec-")

    deadline = time.monotonic() + 15
    while True:
        poll = DescribeImagePipelineExecutionsRequest()
        poll.set_ExecutionId(execution_id)
        item = call(owner, emulator, poll)["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0]
        if item["Status"] in TERMINAL or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert item["Status"] == "SUCCESS", item
    assert item["ImageId"].startswith("m-")

    name = f"{prefix}_{execution_id}"
    copies = DescribeImagesRequest()
    copies.set_ImageOwnerAlias("self")
    copies.set_ImageName(name)
    copies.add_query_param("RegionId", TARGET_REGION)
    mine = call(owner, emulator, copies)["Images"]["Image"]
    assert [(i["ImageName"], i["IsCopied"]) for i in mine] == [(name, True)]

    shared = DescribeImagesRequest()
    shared.set_ImageOwnerAlias("others")
    shared.set_ImageName(name)
    shared.add_query_param("RegionId", TARGET_REGION)
    theirs = call(old_client(SHARED_WITH), emulator, shared)["Images"]["Image"]
    assert [i["ImageId"] for i in theirs] == [mine[0]["ImageId"]]

    permission = DescribeImageSharePermissionRequest()
    permission.set_ImageId(item["ImageId"])
    accounts = call(owner, emulator, permission)["Accounts"]["Account"]
    assert [a["AliyunId"] for a in accounts] == [SHARED_WITH]

    delete_copy = DeleteImageRequest()
    delete_copy.set_ImageId(mine[0]["ImageId"])
    delete_copy.add_query_param("RegionId", TARGET_REGION)
    with pytest.raises(ServerException) as raised:
        call(owner, emulator, delete_copy)
    assert (raised.value.get_http_status(), raised.value.get_error_code()) == (403, "ImageUseShared")
    delete_copy.set_Force(True)
    call(owner, emulator, delete_copy)
    assert call(owner, emulator, copies)["Images"]["Image"] == []

    cancel = CancelImagePipelineExecutionRequest()
    cancel.set_ExecutionId(execution_id)
    with pytest.raises(ServerException) as raised:
        call(owner, emulator, cancel)
    assert (raised.value.get_http_status(), raised.value.get_error_code()) == (400, "InvalidStatus.CancelFailed")

    delete = DeleteImagePipelineRequest()
    delete.set_ImagePipelineId(pipeline_id)
    call(owner, emulator, delete)


def test_the_old_sdk_creates_tags_lists_untags_and_deletes_an_image_component(owner, emulator):
    name = "oldcomp" + uuid.uuid4().hex[:8]
    create = CreateImageComponentRequest()
    create.set_Name(name)
    create.set_ComponentType("Build")
    create.set_SystemType("Linux")
    create.set_Content("RUN echo from a component\nRESTART")
    component_id = call(owner, emulator, create)["ImageComponentId"]
    assert component_id.startswith("ic-")

    describe = DescribeImageComponentsRequest()
    describe.set_ImageComponentIds([component_id])
    [component] = call(owner, emulator, describe)["ImageComponent"]["ImageComponentSet"]
    assert (component["Name"], component["ComponentVersion"], component["Owner"]) == (name, "1.0.0", "SELF")

    tag = TagResourcesRequest()
    tag.set_ResourceType("imagecomponent")
    tag.set_ResourceIds([component_id])
    tag.set_Tags([{"Key": "env", "Value": "ci"}])
    call(owner, emulator, tag)

    listed = ListTagResourcesRequest()
    listed.set_ResourceType("imagecomponent")
    listed.set_ResourceIds([component_id])
    pairs = call(owner, emulator, listed)["TagResources"]["TagResource"]
    assert [(p["ResourceId"], p["TagKey"], p["TagValue"]) for p in pairs] == [(component_id, "env", "ci")]

    untag = UntagResourcesRequest()
    untag.set_ResourceType("imagecomponent")
    untag.set_ResourceIds([component_id])
    untag.set_TagKeys(["env"])
    call(owner, emulator, untag)
    assert call(owner, emulator, listed)["TagResources"]["TagResource"] == []

    delete = DeleteImageComponentRequest()
    delete.set_ImageComponentId(component_id)
    call(owner, emulator, delete)
    with pytest.raises(ServerException) as raised:
        call(owner, emulator, delete)
    assert (raised.value.get_http_status(), raised.value.get_error_code()) == (404, "InvalidImageComponent.NotFound")


def test_the_old_sdk_sees_documented_error_codes_and_statuses(owner, emulator):
    bad_disk = CreateImagePipelineRequest()
    bad_disk.set_BaseImageType("IMAGE")
    bad_disk.set_BaseImage(BASE_IMAGE)
    bad_disk.set_SystemDiskSize(10)
    with pytest.raises(ServerException) as raised:
        call(owner, emulator, bad_disk)
    error = raised.value
    assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidSystemDiskSize.NotSupportedValue")
    assert error.get_request_id()

    unknown = DeleteImagePipelineRequest()
    unknown.set_ImagePipelineId("ip-doesnotexist0000000")
    with pytest.raises(ServerException) as raised:
        call(owner, emulator, unknown)
    assert (raised.value.get_http_status(), raised.value.get_error_code()) == (404, "InvalidImagePipeline.NotFound")
