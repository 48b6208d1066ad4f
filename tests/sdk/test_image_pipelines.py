"""Image templates (CreateImagePipeline / DescribeImagePipelines / DeleteImagePipeline)
driven through the official Python SDK (alibabacloud-ecs20140526), once per signing style."""

import re
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

REGION = "cn-hangzhou"
BASE_IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
BUILD_CONTENT = "RUN echo hello\nRUN yum install -y nginx"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def unique(prefix: str = "sdk") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def minimal_request(**fields) -> ecs.CreateImagePipelineRequest:
    params = dict(region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE, name=unique())
    params.update(fields)
    return ecs.CreateImagePipelineRequest(**params)


def full_request(name: str) -> ecs.CreateImagePipelineRequest:
    return ecs.CreateImagePipelineRequest(
        region_id=REGION,
        base_image_type="IMAGE",
        base_image=BASE_IMAGE,
        name=name,
        description="SDK round-trip template",
        instance_type="ecs.g6.large",
        system_disk_size=60,
        internet_max_bandwidth_out=10,
        delete_instance_on_failure=False,
        build_content=BUILD_CONTENT,
        to_region_id=["cn-beijing", "cn-shanghai"],
        add_account=[1234567890123456],
        tag=[ecs.CreateImagePipelineRequestTag(key="team", value="sdk-tests")],
        image_options=ecs.CreateImagePipelineRequestImageOptions(
            image_name="sdkImage",
            image_family="sdk-family",
            description="image built by the SDK test",
            image_features=ecs.CreateImagePipelineRequestImageOptionsImageFeatures(nvme_support="auto"),
            image_tags=[ecs.CreateImagePipelineRequestImageOptionsImageTags(key="imgKey", value="imgValue")],
        ),
        advanced_options=ecs.CreateImagePipelineRequestAdvancedOptions(
            retain_cloud_assistant=True, image_name_suffix="disable"
        ),
        repair_mode="Standard",
    )


def create(client, request: ecs.CreateImagePipelineRequest) -> str:
    return client.create_image_pipeline_with_options(request, RuntimeOptions()).body.image_pipeline_id


def describe(client, **fields) -> ecs.DescribeImagePipelinesResponseBody:
    request = ecs.DescribeImagePipelinesRequest(region_id=REGION, **fields)
    return client.describe_image_pipelines_with_options(request, RuntimeOptions()).body


def pipelines(body: ecs.DescribeImagePipelinesResponseBody) -> list:
    assert body.image_pipeline is not None, "response lacks the ImagePipeline wrapper"
    return body.image_pipeline.image_pipeline_set


def delete(client, pipeline_id: str) -> ecs.DeleteImagePipelineResponseBody:
    request = ecs.DeleteImagePipelineRequest(region_id=REGION, image_pipeline_id=pipeline_id)
    return client.delete_image_pipeline_with_options(request, RuntimeOptions()).body


def assert_api_error(error: ClientException, code: str, status: int) -> None:
    assert error.code == code, error.data
    assert error.status_code == status, error.data
    assert error.statusCode == status  # the TeaException-style attribute, copied from data
    assert error.data["Code"] == code
    assert error.data.get("Message")
    assert error.request_id not in (None, "", "None")


def test_create_with_every_supported_parameter_returns_a_template_id(client):
    response = client.create_image_pipeline_with_options(full_request(unique()), RuntimeOptions())

    assert response.status_code == 200
    assert response.body.image_pipeline_id.startswith("ip-")
    assert response.body.request_id


def test_describe_by_id_round_trips_every_field_through_the_sdk_model(client):
    name = unique()
    pipeline_id = create(client, full_request(name))

    body = describe(client, image_pipeline_id=[pipeline_id])

    assert body.request_id
    assert body.total_count == 1
    [p] = pipelines(body)
    assert p.image_pipeline_id == pipeline_id
    assert p.name == name
    assert p.description == "SDK round-trip template"
    assert p.base_image_type == "IMAGE"
    assert p.base_image == BASE_IMAGE
    assert p.instance_type == "ecs.g6.large"
    assert p.system_disk_size == 60
    assert p.internet_max_bandwidth_out == 10
    assert p.delete_instance_on_failure is False
    assert p.build_content == BUILD_CONTENT
    assert p.to_region_ids.to_region_id == ["cn-beijing", "cn-shanghai"]
    assert p.add_accounts.add_account == ["1234567890123456"]
    assert [(t.tag_key, t.tag_value) for t in p.tags.tag] == [("team", "sdk-tests")]
    assert p.image_options.image_name == "sdkImage"
    assert p.image_options.image_family == "sdk-family"
    assert p.image_options.description == "image built by the SDK test"
    assert p.image_options.image_features.nvme_support == "auto"
    image_tags = p.image_options.image_tags.image_tag
    assert [(t.tag_key, t.tag_value) for t in image_tags] == [("imgKey", "imgValue")]
    assert p.advanced_options.retain_cloud_assistant is True
    assert p.advanced_options.image_name_suffix == "disable"
    assert p.repair_mode == "Standard"
    assert TIMESTAMP.match(p.creation_time), p.creation_time


def test_paging_with_a_tag_filter_visits_every_template_exactly_once(client):
    tag_value = uuid.uuid4().hex
    tag = dict(key="sdk-paging", value=tag_value)
    created = {
        create(client, minimal_request(tag=[ecs.CreateImagePipelineRequestTag(**tag)]))
        for _ in range(3)
    }
    assert len(created) == 3

    seen, token, pages = [], None, 0
    while True:
        body = describe(
            client, tag=[ecs.DescribeImagePipelinesRequestTag(**tag)], max_results=2, next_token=token
        )
        pages += 1
        assert body.total_count == 3
        assert body.max_results == 2
        seen += [p.image_pipeline_id for p in pipelines(body)]
        token = body.next_token
        if not token:
            break
        assert pages < 5, "NextToken never runs out"

    assert pages == 2
    assert sorted(seen) == sorted(created)


def test_same_client_token_and_parameters_return_the_same_template(client):
    request = minimal_request(client_token=str(uuid.uuid4()))

    first = create(client, request)
    second = create(client, request)

    assert first.startswith("ip-")
    assert second == first


def test_same_client_token_with_a_different_name_is_an_idempotency_mismatch(client):
    token = str(uuid.uuid4())
    create(client, minimal_request(client_token=token))

    with pytest.raises(ClientException) as raised:
        create(client, minimal_request(client_token=token))

    assert_api_error(raised.value, "IdempotentParameterMismatch", 400)


def test_a_deleted_template_is_gone_and_cannot_be_deleted_twice(client):
    pipeline_id = create(client, minimal_request())

    assert delete(client, pipeline_id).request_id
    body = describe(client, image_pipeline_id=[pipeline_id])
    assert body.total_count == 0
    assert pipelines(body) == []

    with pytest.raises(ClientException) as raised:
        delete(client, pipeline_id)
    assert_api_error(raised.value, "InvalidImagePipeline.NotFound", 404)


def test_a_system_disk_below_20_gib_is_rejected(client):
    with pytest.raises(ClientException) as raised:
        create(client, minimal_request(system_disk_size=10))
    assert_api_error(raised.value, "InvalidSystemDiskSize.NotSupportedValue", 400)


def test_an_unknown_base_image_is_not_found(client):
    with pytest.raises(ClientException) as raised:
        create(client, minimal_request(base_image="m-doesnotexist000000000"))
    assert_api_error(raised.value, "InvalidImage.NotFound", 404)


def test_an_unknown_region_is_not_found(client):
    with pytest.raises(ClientException) as raised:
        create(client, minimal_request(region_id="xx-nowhere-1"))
    assert_api_error(raised.value, "InvalidRegionId.NotFound", 404)


def test_a_garbage_next_token_is_rejected(client):
    with pytest.raises(ClientException) as raised:
        describe(client, next_token="garbage")
    assert_api_error(raised.value, "Invalid.NextToken", 403)
