"""The world around a build through each product's official Python SDK, once per signing style
(ACS3 header and V1 HMAC-SHA1 query): ECS DescribeRegions / DescribeZones / DescribeInstanceTypes /
DescribeAvailableResource, ResourceManager ListResourceGroups / GetResourceGroup, STS
GetCallerIdentity and BssOpenApi QueryAvailableInstances — the calls the Terraform provider makes
before it creates anything. One emulator serves them all; the API version picks the product."""

import pytest
from alibabacloud_bssopenapi20171214 import models as bss
from alibabacloud_bssopenapi20171214.client import Client as BssClient
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_resourcemanager20200331 import models as rm
from alibabacloud_resourcemanager20200331.client import Client as RmClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config

from conftest import STRICT_ACCOUNT, STRICT_KEY_ID, STRICT_SECRET
from test_image_pipelines import REGION, assert_api_error

ACCOUNT = "4444555566667777"
STYLES = {"acs3": {}, "hmac-sha1": {"signature_algorithm": "v2"}}


def _config(emulator, style, access_key_id="testAccessKeyId"):
    return Config(
        access_key_id=access_key_id,
        access_key_secret="testAccessKeySecret",
        endpoint=emulator,
        protocol="http",
        region_id=REGION,
        **STYLES[style],
    )


@pytest.fixture(params=list(STYLES))
def style(request):
    return request.param


# ---- ECS ---------------------------------------------------------------------------------------


def test_describe_regions_and_zones(client):
    regions = client.describe_regions(ecs.DescribeRegionsRequest()).body.regions.region
    hangzhou = next(r for r in regions if r.region_id == REGION)
    assert hangzhou.region_endpoint == "ecs.cn-hangzhou.aliyuncs.com"

    zones = client.describe_zones(ecs.DescribeZonesRequest(region_id=REGION)).body.zones.zone
    assert [z.zone_id for z in zones] == ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"]
    info = zones[0].available_resources.resources_info[0]
    assert "ecs.g6.large" in info.instance_types.supported_instance_type
    assert info.network_types.supported_network_category == ["vpc"]

    terse = client.describe_zones(ecs.DescribeZonesRequest(region_id=REGION, verbose=False)).body.zones.zone
    assert terse[0].available_resources is None


def test_describe_zones_unknown_region_is_404(client):
    with pytest.raises(ClientException) as caught:
        client.describe_zones(ecs.DescribeZonesRequest(region_id="mars-north-1"))
    assert_api_error(caught.value, "InvalidRegionId.NotFound", 404)


def test_describe_instance_types_filters_and_pages(client):
    picked = client.describe_instance_types(
        ecs.DescribeInstanceTypesRequest(instance_types=["ecs.c7.large", "ecs.r6.large"])
    ).body
    assert [t.instance_type_id for t in picked.instance_types.instance_type] == ["ecs.c7.large", "ecs.r6.large"]
    assert picked.instance_types.instance_type[1].memory_size == 16.0

    family = client.describe_instance_types(ecs.DescribeInstanceTypesRequest(instance_type_family="ecs.g6")).body
    assert [t.instance_type_id for t in family.instance_types.instance_type] == [
        "ecs.g6.large", "ecs.g6.xlarge", "ecs.g6.2xlarge",
    ]

    seen, token = [], None
    while True:
        page = client.describe_instance_types(ecs.DescribeInstanceTypesRequest(max_results=5, next_token=token)).body
        seen += [t.instance_type_id for t in page.instance_types.instance_type]
        token = page.next_token
        if not token:
            break
    everything = client.describe_instance_types(ecs.DescribeInstanceTypesRequest()).body.instance_types.instance_type
    assert seen == [t.instance_type_id for t in everything]

    with pytest.raises(ClientException) as caught:
        client.describe_instance_types(ecs.DescribeInstanceTypesRequest(next_token="garbage"))
    assert_api_error(caught.value, "Invalid.NextToken", 403)


def test_describe_available_resource_reports_stock(client):
    body = client.describe_available_resource(
        ecs.DescribeAvailableResourceRequest(
            region_id=REGION, destination_resource="InstanceType", io_optimized="optimized", zone_id="cn-hangzhou-j"
        )
    ).body
    zone = body.available_zones.available_zone[0]
    assert (zone.zone_id, zone.status, zone.status_category) == ("cn-hangzhou-j", "Available", "WithStock")
    resource = zone.available_resources.available_resource[0]
    assert resource.type == "InstanceType"
    values = {s.value: (s.status, s.status_category) for s in resource.supported_resources.supported_resource}
    assert values["ecs.g7.large"] == ("Available", "WithStock")

    disks = client.describe_available_resource(
        ecs.DescribeAvailableResourceRequest(region_id=REGION, destination_resource="SystemDisk", instance_type="ecs.g7.large")
    ).body.available_zones.available_zone[0]
    essd = next(
        s for s in disks.available_resources.available_resource[0].supported_resources.supported_resource
        if s.value == "cloud_essd"
    )
    assert (essd.min, essd.max, essd.unit) == (20, 2048, "GiB")


def test_describe_available_resource_errors(client):
    with pytest.raises(ClientException) as caught:
        client.describe_available_resource(
            ecs.DescribeAvailableResourceRequest(region_id=REGION, destination_resource="Zone", zone_id="cn-beijing-h")
        )
    assert_api_error(caught.value, "InvalidZoneId.NotFound", 404)
    with pytest.raises(ClientException) as caught:
        client.describe_available_resource(ecs.DescribeAvailableResourceRequest(region_id=REGION, destination_resource="Planet"))
    assert_api_error(caught.value, "InvalidParameter", 400)


# ---- ResourceManager ---------------------------------------------------------------------------


def test_list_and_get_resource_groups(emulator, style):
    client = RmClient(_config(emulator, style, access_key_id=ACCOUNT))
    body = client.list_resource_groups(rm.ListResourceGroupsRequest(page_size=2, page_number=1)).body
    assert (body.total_count, body.page_number, body.page_size) == (3, 1, 2)
    groups = body.resource_groups.resource_group
    assert [g.id for g in groups] == ["rg-acfmdefault000001", "rg-acfmdev0000000001"]
    assert (groups[0].name, groups[0].status, groups[0].account_id) == ("default", "OK", ACCOUNT)

    second = client.list_resource_groups(rm.ListResourceGroupsRequest(page_size=2, page_number=2)).body
    assert [g.id for g in second.resource_groups.resource_group] == ["rg-acfmprod000000001"]

    by_ids = client.list_resource_groups(rm.ListResourceGroupsRequest(resource_group_ids=["rg-acfmprod000000001"])).body
    assert by_ids.total_count == 1

    group = client.get_resource_group(rm.GetResourceGroupRequest(resource_group_id="rg-acfmdev0000000001")).body
    assert (group.resource_group.name, group.resource_group.status) == ("dev", "OK")
    assert any(s.region_id == REGION for s in group.resource_group.region_statuses.region_status)

    with pytest.raises(ClientException) as caught:
        client.get_resource_group(rm.GetResourceGroupRequest(resource_group_id="rg-doesnotexist"))
    assert_api_error(caught.value, "EntityNotExists.ResourceGroup", 404)
    assert caught.value.data["HostId"] == "resourcemanager.aliyuncs.com"


# ---- STS and BssOpenApi ------------------------------------------------------------------------


def test_get_caller_identity_is_the_account_of_the_key(emulator, style):
    body = StsClient(_config(emulator, style, access_key_id=ACCOUNT)).get_caller_identity().body
    assert (body.account_id, body.user_id, body.principal_id) == (ACCOUNT, ACCOUNT, ACCOUNT)
    assert (body.arn, body.identity_type) == (f"acs:ram::{ACCOUNT}:root", "Account")
    assert body.request_id


def test_query_available_instances_is_an_empty_success(emulator, style):
    request = bss.QueryAvailableInstancesRequest(
        page_num=1, page_size=50, product_code="vipcloudfw", product_type="vipcloudfw", subscription_type="Subscription"
    )
    body = BssClient(_config(emulator, style)).query_available_instances(request).body
    assert (body.code, body.success) == ("Success", True)
    assert (body.data.total_count, body.data.page_size, body.data.instance_list) == (0, 50, [])


def test_get_caller_identity_under_strict_auth_is_the_keys_account(strict_emulator, style):
    config = _config(strict_emulator, style, access_key_id=STRICT_KEY_ID)
    config.access_key_secret = STRICT_SECRET
    body = StsClient(config).get_caller_identity().body
    assert (body.account_id, body.arn) == (STRICT_ACCOUNT, f"acs:ram::{STRICT_ACCOUNT}:root")

    config.access_key_secret = "wrong-secret"
    with pytest.raises(ClientException) as caught:
        StsClient(config).get_caller_identity()
    assert_api_error(caught.value, "SignatureDoesNotMatch", 400)
    assert caught.value.data["HostId"] == "sts.aliyuncs.com"
