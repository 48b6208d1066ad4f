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


def test_describe_images_filters_and_dry_run(owner):
    found = owner.describe_images_with_options(
        ecs.DescribeImagesRequest(region_id=REGION, architecture="arm64", ostype="linux", page_size=100), RT
    ).body.images.image
    assert [i.image_id for i in found] == ["aliyun_3_arm64_20G_alibase_20240819.vhd"]
    item = found[0]
    assert item.osname_en == "Alibaba Cloud Linux 3.2104 LTS 64 bit ARM"
    assert isinstance(item.image_owner_id, int) and item.features.imds_support == "v2"
    assert item.disk_device_mappings.disk_device_mapping[0].snapshot_id.startswith("s-")
    with pytest.raises(ClientException) as raised:
        owner.describe_images_with_options(ecs.DescribeImagesRequest(region_id=REGION, dry_run=True), RT)
    assert_api_error(raised.value, "DryRunOperation", 400)


def timeline_base(emulator: str, execution_id: str) -> str:
    """The image a build's transit instance started from (the emulator's control plane)."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"http://{emulator}/_emulator/executions/{execution_id}") as answer:
        timeline = json.load(answer)
    instance = next(r for r in timeline["transitResources"] if r["kind"] == "instance")
    detail = instance["detail"] if isinstance(instance["detail"], dict) else json.loads(instance["detail"])
    return detail["SourceImage"]


def run_template(client, pipeline_id: str) -> str:
    execution_id = client.start_image_pipeline_execution_with_options(
        ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=pipeline_id), RT
    ).body.execution_id
    done = wait_until_terminal(client, execution_id)
    assert done.status == "SUCCESS", done.to_map()
    return execution_id


def family_image(client, family: str, region: str = REGION):
    return client.describe_image_from_family_with_options(
        ecs.DescribeImageFromFamilyRequest(region_id=region, image_family=family), RT
    ).body.image


def test_golden_image_lifecycle(owner, friend, emulator):
    """Build from a family → copy → share → tag → deprecate the old image → the next build starts
    from the new one → unshare → delete."""
    family = unique("golden").replace("-", "")
    options = ecs.CreateImagePipelineRequestImageOptions(image_family=family)
    # The first golden image, from a public family.
    old = build(owner, base_image_type="IMAGE_FAMILY", base_image="acs:alibaba_cloud_linux_3_2104_lts_x64",
                image_options=options)
    assert family_image(owner, family).image_id == old

    # A template that builds from our golden family.
    child = owner.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(region_id=REGION, name=unique(), base_image_type="IMAGE_FAMILY",
                                       base_image=family, build_content="RUN echo app"),
        RT,
    ).body.image_pipeline_id
    assert timeline_base(emulator, run_template(owner, child)) == old

    # The next golden image (same family): it becomes the family's newest.
    new = build(owner, base_image_type="IMAGE", base_image=old, image_options=options)
    assert family_image(owner, family).image_id == new

    # Copy it to another region.
    copy_id = owner.copy_image_with_options(
        ecs.CopyImageRequest(region_id=REGION, image_id=new, destination_region_id="cn-beijing",
                             destination_image_name=unique("golden-copy")),
        RT,
    ).body.image_id
    assert image(owner, copy_id, region="cn-beijing").status == "Available"
    assert family_image(owner, family, region="cn-beijing").image_id == copy_id

    # Share it with the application team's account, and tag it.
    owner.modify_image_share_permission_with_options(
        ecs.ModifyImageSharePermissionRequest(region_id=REGION, image_id=new, add_account=[FRIEND]), RT
    )
    assert image(friend, new).image_owner_alias == "others"
    owner.tag_resources_with_options(
        ecs.TagResourcesRequest(region_id=REGION, resource_type="image", resource_id=[new],
                                tag=[ecs.TagResourcesRequestTag(key="golden", value="current")]),
        RT,
    )
    tags = owner.describe_tags_with_options(
        ecs.DescribeTagsRequest(region_id=REGION, resource_type="image", resource_id=new), RT
    ).body.tags.tag
    assert [(t.tag_key, t.tag_value) for t in tags] == [("golden", "current")]

    # Deprecate the old image: the family stays on the new one, and the next build starts from it.
    owner.modify_image_attribute_with_options(
        ecs.ModifyImageAttributeRequest(region_id=REGION, image_id=old, status="Deprecated"), RT
    )
    assert image(owner, old).status == "Deprecated"
    assert family_image(owner, family).image_id == new
    assert timeline_base(emulator, run_template(owner, child)) == new

    # A shared image cannot be deprecated (documented rule).
    with pytest.raises(ClientException) as raised:
        owner.modify_image_attribute_with_options(
            ecs.ModifyImageAttributeRequest(region_id=REGION, image_id=new, status="Deprecated"), RT
        )
    assert_api_error(raised.value, "ImageUseShared", 403)

    # Unshare, then delete the new image, its copy and the old one.
    owner.modify_image_share_permission_with_options(
        ecs.ModifyImageSharePermissionRequest(region_id=REGION, image_id=new, remove_account=[FRIEND]), RT
    )
    assert image(friend, new) is None
    for region, image_id in [(REGION, new), ("cn-beijing", copy_id), (REGION, old)]:
        owner.delete_image_with_options(ecs.DeleteImageRequest(region_id=region, image_id=image_id), RT)
        assert image(owner, image_id, region=region) is None
    # With every image of the family gone, it is empty.
    assert family_image(owner, family).image_id is None


def test_xml_bodies_parse_with_a_real_xml_parser(emulator):
    """A stored string with characters XML 1.0 forbids still gives a well-formed Format=XML body."""
    import urllib.parse
    import urllib.request
    import xml.etree.ElementTree as ET

    client = account_client(emulator, OWNER)
    pipeline_id = client.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(
            region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE,
            tag=[ecs.CreateImagePipelineRequestTag(key="k", value="a\x01b\x0bc")],
        ),
        RT,
    ).body.image_pipeline_id
    query = urllib.parse.urlencode({
        "Action": "DescribeImagePipelines", "Version": "2014-05-26", "Format": "XML", "RegionId": REGION,
        "AccessKeyId": OWNER, "ImagePipelineId.1": pipeline_id,
    })
    with urllib.request.urlopen(f"http://{emulator}/?{query}") as answer:
        root = ET.fromstring(answer.read())
    assert root.find(".//TagValue").text == "a\ufffdb\ufffdc"
