"""Image components through the official Python SDK: create a YAML component, reference it from a
template by an ARN with a version wildcard, run a build that runs it, publish a newer version that
the next build picks up, describe, tag, and the in-use refusal. Once per signing style; each run
uses its own account so the two runs do not see each other's components."""

import time

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from test_image_pipelines import BASE_IMAGE, REGION, assert_api_error, unique

TERMINAL = {"SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED"}

GREETER = """Parameters:
  greeting:
    Type: String
    DefaultValue: hello
  times:
    Type: Number
Tasks:
  - Name: Greet
    Action: RunShellCommand
    Properties:
      commandContent: for i in $(seq {{ times }}); do echo {{ greeting }}; done
"""

# The same component, now downloading: without public bandwidth its build fails.
GREETER_DOWNLOADING = GREETER + """  - Name: Fetch
    Action: WebDownload
    Properties:
      sourcePath: https://example.com/greetings.tgz
      destinationDir: /opt
"""


@pytest.fixture(
    params=[("1212343456567878", {}), ("8787656543432121", {"signature_algorithm": "v2"})],
    ids=["acs3", "hmac-sha1"],
)
def account(request, emulator):
    """(account ID, client of that account)."""
    account_id, extra = request.param
    client = Client(
        Config(
            access_key_id=account_id,
            access_key_secret="secret",
            endpoint=emulator,
            protocol="http",
            region_id=REGION,
            **extra,
        )
    )
    return account_id, client


def create_component(client: Client, **fields) -> str:
    request = ecs.CreateImageComponentRequest(region_id=REGION, **fields)
    return client.create_image_component_with_options(request, RuntimeOptions()).body.image_component_id


def describe_components(client: Client, **fields):
    request = ecs.DescribeImageComponentsRequest(region_id=REGION, **fields)
    return client.describe_image_components_with_options(request, RuntimeOptions()).body


def build(client: Client, pipeline_id: str, limit_s: float = 15.0):
    """Starts a build and polls it to its end (bounded; the emulator runs with --phase-duration 0)."""
    started = client.start_image_pipeline_execution_with_options(
        ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=pipeline_id), RuntimeOptions()
    )
    request = ecs.DescribeImagePipelineExecutionsRequest(region_id=REGION, execution_id=started.body.execution_id)
    deadline = time.monotonic() + limit_s
    while True:
        body = client.describe_image_pipeline_executions_with_options(request, RuntimeOptions()).body
        item = body.image_pipeline_execution.image_pipeline_execution_set[0]
        if item.status in TERMINAL or time.monotonic() > deadline:
            return item
        time.sleep(0.05)


def test_a_component_referenced_by_a_wildcard_arn_runs_in_builds_and_is_described(account):
    account_id, client = account
    name = unique("greeter")
    first = create_component(
        client,
        name=name,
        description="greets a few times",
        content=GREETER,
        tag=[ecs.CreateImageComponentRequestTag(key="team", value="sdk")],
    )
    assert first.startswith("ic-")

    described = describe_components(client, image_component_id=[first])
    assert described.total_count == 1
    item = described.image_component.image_component_set[0]
    assert (item.name, item.component_version, item.owner) == (name, "1.0.0", "SELF")
    assert (item.system_type, item.component_type, item.content) == ("Linux", "Build", GREETER)
    assert [(p.name, p.type, p.default_value) for p in item.parameters.parameter] == [
        ("greeting", "String", "hello"),
        ("times", "Number", None),
    ]
    assert [(t.tag_key, t.tag_value) for t in item.tags.tag] == [("team", "sdk")]

    arn = f"acs:ecs:{REGION}:{account_id}:imagecomponent/{name}/1.*.*"
    pipeline_id = client.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(
            region_id=REGION,
            base_image_type="IMAGE",
            base_image=BASE_IMAGE,
            name=unique(),
            build_content=f"RUN echo start\nCOMPONENT {arn} --times 3",
        ),
        RuntimeOptions(),
    ).body.image_pipeline_id
    done = build(client, pipeline_id)
    assert done.status == "SUCCESS", done.to_map()

    # 1.1.0 matches 1.*.* and downloads: the next build runs it, and fails naming it.
    second = create_component(client, name=name, content=GREETER_DOWNLOADING, component_version="1.1.0")
    versions = describe_components(client, name=name, component_version="1.*.0").image_component.image_component_set
    assert sorted(c.component_version for c in versions) == ["1.0.0", "1.1.0"]
    done = build(client, pipeline_id)
    assert (done.status, done.error_code) == ("FAILED", "CommandExecutionFailed"), done.to_map()
    assert f'"{name}" 1.1.0 ({second})' in done.error_info
    assert "InternetMaxBandwidthOut=0" in done.error_info

    # Tags through the generic tag APIs.
    client.tag_resources_with_options(
        ecs.TagResourcesRequest(
            region_id=REGION,
            resource_type="imagecomponent",
            resource_id=[first, second],
            tag=[ecs.TagResourcesRequestTag(key="stage", value="beta")],
        ),
        RuntimeOptions(),
    )
    listed = client.list_tag_resources_with_options(
        ecs.ListTagResourcesRequest(
            region_id=REGION, resource_type="imagecomponent", tag=[ecs.ListTagResourcesRequestTag(key="stage")]
        ),
        RuntimeOptions(),
    ).body
    assert {(r.resource_id, r.tag_key) for r in listed.tag_resources.tag_resource} == {
        (first, "team"),
        (first, "stage"),
        (second, "stage"),
    }
    assert listed.next_token == ""

    # In use by the template: no deletion until the template is gone.
    with pytest.raises(ClientException) as raised:
        client.delete_image_component_with_options(
            ecs.DeleteImageComponentRequest(region_id=REGION, image_component_id=second), RuntimeOptions()
        )
    assert_api_error(raised.value, "InvalidImageComponent.InUse", 403)
    client.delete_image_pipeline_with_options(
        ecs.DeleteImagePipelineRequest(region_id=REGION, image_pipeline_id=pipeline_id), RuntimeOptions()
    )
    for component_id in (first, second):
        client.delete_image_component_with_options(
            ecs.DeleteImageComponentRequest(region_id=REGION, image_component_id=component_id), RuntimeOptions()
        )
    assert describe_components(client, name=name).total_count == 0


def test_system_components_are_listed_and_a_wrong_reference_is_refused(account):
    _, client = account
    system = describe_components(client, owner="ALIYUN", max_results=100).image_component.image_component_set
    assert system and all(c.owner == "ALIYUN" for c in system)
    with pytest.raises(ClientException) as raised:
        client.create_image_pipeline_with_options(
            ecs.CreateImagePipelineRequest(
                region_id=REGION,
                base_image_type="IMAGE",
                base_image=BASE_IMAGE,
                build_content="COMPONENT ic-doesnotexist",
            ),
            RuntimeOptions(),
        )
    assert_api_error(raised.value, "ImageComponent.NotFound", 404)
    with pytest.raises(ClientException) as raised:
        create_component(client, content="RUN echo hi", component_version="1.0")
    assert_api_error(raised.value, "InvalidParameter.ComponentVersion", 400)
