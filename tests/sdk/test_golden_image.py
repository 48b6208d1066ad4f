"""The ECS image lifecycle around builds through the official Python SDK (issue 17), each test once
with V3 (ACS3) and once with V1 (HMAC-SHA1): image tags and DescribeTags (what Terraform's
alicloud_images reads), JoinResourceGroup, share permissions, copies, attributes, image families,
DryRun, and the whole golden-image flow."""

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

from test_builds import account_client, wait_until_terminal
from test_image_pipelines import BASE_IMAGE, REGION, assert_api_error, unique

OWNER = "2222333344445555"
FRIEND = "6666777788889999"
RT = RuntimeOptions()


@pytest.fixture(params=[{}, {"signature_algorithm": "v2"}], ids=["acs3", "hmac-sha1"])
def style(request):
    return request.param


@pytest.fixture
def owner(style, emulator):
    return account_client(emulator, OWNER, **style)


@pytest.fixture
def friend(style, emulator):
    return account_client(emulator, FRIEND, **style)


def build(client, **template) -> str:
    """Creates a template (IMAGE base unless given), runs one build to SUCCESS, returns the image ID."""
    fields = {"base_image_type": "IMAGE", "base_image": BASE_IMAGE, "build_content": "RUN echo golden"}
    fields.update(template)
    pipeline_id = client.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(region_id=REGION, name=unique(), **fields), RT
    ).body.image_pipeline_id
    execution_id = client.start_image_pipeline_execution_with_options(
        ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=pipeline_id), RT
    ).body.execution_id
    done = wait_until_terminal(client, execution_id)
    assert done.status == "SUCCESS", done.to_map()
    return done.image_id


def image(client, image_id: str, region: str = REGION):
    found = client.describe_images_with_options(
        ecs.DescribeImagesRequest(region_id=region, image_id=image_id, status="ALL"), RT
    ).body.images.image
    return found[0] if found else None


def test_image_tags_describe_tags_and_resource_groups(owner):
    image_id = build(
        owner,
        image_options=ecs.CreateImagePipelineRequestImageOptions(
            image_tags=[ecs.CreateImagePipelineRequestImageOptionsImageTags(key="stage", value="built")]
        ),
    )
    owner.tag_resources_with_options(
        ecs.TagResourcesRequest(
            region_id=REGION, resource_type="image", resource_id=[image_id],
            tag=[ecs.TagResourcesRequestTag(key="env", value="prod")],
        ),
        RT,
    )
    listed = owner.list_tag_resources_with_options(
        ecs.ListTagResourcesRequest(region_id=REGION, resource_type="image", resource_id=[image_id]), RT
    ).body.tag_resources.tag_resource
    assert sorted((t.tag_key, t.tag_value) for t in listed) == [("env", "prod"), ("stage", "built")]

    # What Terraform's alicloud_images data source asks for each image.
    described = owner.describe_tags_with_options(
        ecs.DescribeTagsRequest(region_id=REGION, resource_type="image", resource_id=image_id), RT
    ).body
    assert described.total_count == 2 and described.page_size == 50
    assert [(t.tag_key, t.tag_value, t.resource_type_count.image) for t in described.tags.tag] == [
        ("env", "prod", 1),
        ("stage", "built", 1),
    ]

    owner.join_resource_group_with_options(
        ecs.JoinResourceGroupRequest(
            region_id=REGION, resource_type="image", resource_id=image_id, resource_group_id="rg-acfmprod000000001"
        ),
        RT,
    )
    in_group = owner.describe_images_with_options(
        ecs.DescribeImagesRequest(region_id=REGION, resource_group_id="rg-acfmprod000000001", image_id=image_id), RT
    ).body.images.image
    assert [(i.image_id, i.resource_group_id) for i in in_group] == [(image_id, "rg-acfmprod000000001")]

    with pytest.raises(ClientException) as raised:
        owner.join_resource_group_with_options(
            ecs.JoinResourceGroupRequest(
                region_id=REGION, resource_type="image", resource_id=image_id, resource_group_id="rg-nothere"
            ),
            RT,
        )
    assert_api_error(raised.value, "InvalidResourceGroup.NotFound", 404)


def test_share_permission_and_dry_run(owner, friend):
    image_id = build(owner)
    with pytest.raises(ClientException) as raised:
        owner.modify_image_share_permission_with_options(
            ecs.ModifyImageSharePermissionRequest(region_id=REGION, image_id=image_id, add_account=[FRIEND], dry_run=True),
            RT,
        )
    assert_api_error(raised.value, "DryRunOperation", 400)
    owner.modify_image_share_permission_with_options(
        ecs.ModifyImageSharePermissionRequest(region_id=REGION, image_id=image_id, add_account=[FRIEND]), RT
    )
    accounts = owner.describe_image_share_permission_with_options(
        ecs.DescribeImageSharePermissionRequest(region_id=REGION, image_id=image_id), RT
    ).body.accounts.account
    assert [a.aliyun_id for a in accounts] == [FRIEND]
    theirs = friend.describe_images_with_options(
        ecs.DescribeImagesRequest(region_id=REGION, image_owner_alias="others", image_id=image_id), RT
    ).body.images.image
    assert [i.image_id for i in theirs] == [image_id]
    with pytest.raises(ClientException) as raised:
        owner.modify_image_share_permission_with_options(
            ecs.ModifyImageSharePermissionRequest(region_id=REGION, image_id=image_id, add_account=[OWNER]), RT
        )
    assert_api_error(raised.value, "InvalidAccount.Forbbiden", 404)
    owner.modify_image_share_permission_with_options(
        ecs.ModifyImageSharePermissionRequest(region_id=REGION, image_id=image_id, remove_account=[FRIEND]), RT
    )
    assert image(friend, image_id) is None
    with pytest.raises(ClientException) as raised:
        owner.delete_image_with_options(ecs.DeleteImageRequest(region_id=REGION, image_id=image_id, dry_run=True), RT)
    assert_api_error(raised.value, "DryRunOperation", 400)
    assert image(owner, image_id) is not None


def test_copy_image_and_cancel(owner):
    image_id = build(owner)
    name = unique("copy")
    copy_id = owner.copy_image_with_options(
        ecs.CopyImageRequest(
            region_id=REGION, image_id=image_id, destination_region_id="cn-shanghai",
            destination_image_name=name, destination_description="disaster recovery",
            tag=[ecs.CopyImageRequestTag(key="copy", value="yes")], encrypted=False,
            client_token=unique("tok"),
        ),
        RT,
    ).body.image_id
    assert copy_id.startswith("m-") and copy_id != image_id
    copied = image(owner, copy_id, region="cn-shanghai")
    # --phase-duration 0: the copy is due at once.
    assert (copied.status, copied.progress, copied.image_name, copied.is_copied) == ("Available", "100%", name, True)
    assert [(t.tag_key, t.tag_value) for t in copied.tags.tag] == [("copy", "yes")]
    with pytest.raises(ClientException) as raised:
        owner.cancel_copy_image_with_options(
            ecs.CancelCopyImageRequest(region_id="cn-shanghai", image_id=copy_id), RT
        )
    assert_api_error(raised.value, "IncorrectImageStatus", 400)
    with pytest.raises(ClientException) as raised:
        owner.copy_image_with_options(
            ecs.CopyImageRequest(region_id=REGION, image_id=image_id, destination_region_id="cn-atlantis"), RT
        )
    assert_api_error(raised.value, "DestinationRegion.NotFound", 400)
