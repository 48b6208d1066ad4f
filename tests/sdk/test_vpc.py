"""VPC (API 2016-04-28) through the official Python SDK (alibabacloud-vpc20160428), once per signing
style: VPCs and vSwitches with their response models, the CIDR and dependency errors, and a
created vSwitch used by an image template (alibabacloud-ecs20140526).

The session emulator runs with --phase-duration 0, so new networks are Available at once."""

import re
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models as vpc
from alibabacloud_vpc20160428.client import Client as VpcClient

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-h"
BASE_IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _vpc_client(endpoint: str, **extra) -> VpcClient:
    return VpcClient(
        Config(
            access_key_id="testAccessKeyId",
            access_key_secret="testAccessKeySecret",
            endpoint=endpoint,
            protocol="http",
            region_id=REGION,
            **extra,
        )
    )


@pytest.fixture(params=["acs3", "hmac-sha1"])
def vpc_client(request, emulator) -> VpcClient:
    """The VPC SDK, default signing (ACS3) and signature_algorithm="v2" (RPC HMAC-SHA1)."""
    if request.param == "acs3":
        return _vpc_client(emulator)
    return _vpc_client(emulator, signature_algorithm="v2")


def error_of(call) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def new_vpc(client: VpcClient, cidr: str) -> str:
    response = client.create_vpc(vpc.CreateVpcRequest(region_id=REGION, cidr_block=cidr, vpc_name=f"sdk-{uuid.uuid4().hex[:8]}"))
    return response.body.vpc_id


def new_vswitch(client: VpcClient, vpc_id: str, cidr: str) -> str:
    request = vpc.CreateVSwitchRequest(region_id=REGION, vpc_id=vpc_id, zone_id=ZONE, cidr_block=cidr, v_switch_name="sdk-vsw")
    return client.create_vswitch(request).body.v_switch_id


def test_create_describe_and_delete_a_vpc_and_a_vswitch(vpc_client):
    created = vpc_client.create_vpc(vpc.CreateVpcRequest(region_id=REGION, cidr_block="10.10.0.0/16", description="sdk"))
    body = created.body
    assert body.vpc_id.startswith("vpc-") and body.vrouter_id.startswith("vrt-") and body.route_table_id.startswith("vtb-")
    assert body.request_id

    vsw_id = new_vswitch(vpc_client, body.vpc_id, "10.10.1.0/24")
    attr = vpc_client.describe_vpc_attribute(vpc.DescribeVpcAttributeRequest(region_id=REGION, vpc_id=body.vpc_id)).body
    assert attr.status == "Available"
    assert attr.cidr_block == "10.10.0.0/16"
    assert attr.description == "sdk"
    assert attr.is_default is False
    assert TIMESTAMP.match(attr.creation_time)
    assert attr.v_switch_ids.v_switch_id == [vsw_id]

    listed = vpc_client.describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION, vpc_id=body.vpc_id)).body
    assert listed.total_count == 1 and listed.page_number == 1 and listed.page_size == 10
    item = listed.vpcs.vpc[0]
    assert (item.vpc_id, item.vrouter_id, item.status) == (body.vpc_id, body.vrouter_id, "Available")

    switches = vpc_client.describe_vswitches(vpc.DescribeVSwitchesRequest(region_id=REGION, vpc_id=body.vpc_id)).body
    assert switches.total_count == 1
    sw = switches.v_switches.v_switch[0]
    assert (sw.v_switch_id, sw.vpc_id, sw.zone_id, sw.cidr_block) == (vsw_id, body.vpc_id, ZONE, "10.10.1.0/24")
    assert sw.available_ip_address_count == 252
    assert sw.v_switch_name == "sdk-vsw"
    assert sw.route_table.route_table_id == body.route_table_id

    one = vpc_client.describe_vswitch_attributes(vpc.DescribeVSwitchAttributesRequest(region_id=REGION, v_switch_id=vsw_id)).body
    assert (one.status, one.is_default) == ("Available", False)

    vpc_client.delete_vswitch(vpc.DeleteVSwitchRequest(region_id=REGION, v_switch_id=vsw_id))
    vpc_client.delete_vpc(vpc.DeleteVpcRequest(region_id=REGION, vpc_id=body.vpc_id))
    gone = error_of(lambda: vpc_client.describe_vpc_attribute(vpc.DescribeVpcAttributeRequest(region_id=REGION, vpc_id=body.vpc_id)))
    assert (gone.status_code, gone.code) == (404, "InvalidVpcId.NotFound")


def test_the_default_vpc_and_its_vswitches_are_listed(vpc_client):
    body = vpc_client.describe_vpcs(vpc.DescribeVpcsRequest(region_id=REGION, is_default=True)).body
    assert body.total_count == 1
    default = body.vpcs.vpc[0]
    assert default.is_default is True and default.cidr_block == "172.16.0.0/12"
    switches = vpc_client.describe_vswitches(vpc.DescribeVSwitchesRequest(region_id=REGION, vpc_id=default.vpc_id, page_size=1, page_number=2)).body
    assert switches.total_count >= 2
    assert len(switches.v_switches.v_switch) == 1
    assert switches.v_switches.v_switch[0].zone_id.startswith(REGION + "-")


def test_cidr_errors_carry_the_documented_codes(vpc_client):
    bad_vpc = error_of(lambda: vpc_client.create_vpc(vpc.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")))
    assert (bad_vpc.status_code, bad_vpc.code) == (400, "InvalidParameter")
    vpc_id = new_vpc(vpc_client, "192.168.0.0/16")
    new_vswitch(vpc_client, vpc_id, "192.168.0.0/24")
    overlap = error_of(lambda: new_vswitch(vpc_client, vpc_id, "192.168.0.0/25"))
    assert (overlap.status_code, overlap.code) == (400, "InvalidCidrBlock.Overlapped")
    outside = error_of(lambda: new_vswitch(vpc_client, vpc_id, "10.0.0.0/24"))
    assert (outside.status_code, outside.code) == (400, "InvalidParameter")
    in_use = error_of(lambda: vpc_client.delete_vpc(vpc.DeleteVpcRequest(region_id=REGION, vpc_id=vpc_id)))
    assert (in_use.status_code, in_use.code) == (400, "DependencyViolation.VSwitch")


def test_a_created_vswitch_is_a_templates_vswitch_and_is_then_in_use(vpc_client, client_v3):
    vpc_id = new_vpc(vpc_client, "172.30.0.0/16")
    vsw_id = new_vswitch(vpc_client, vpc_id, "172.30.0.0/24")
    request = ecs.CreateImagePipelineRequest(
        region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE, name=f"sdk-{uuid.uuid4().hex[:8]}", v_switch_id=vsw_id
    )
    pipeline_id = client_v3.create_image_pipeline(request).body.image_pipeline_id
    used = error_of(lambda: vpc_client.delete_vswitch(vpc.DeleteVSwitchRequest(region_id=REGION, v_switch_id=vsw_id)))
    assert (used.status_code, used.code) == (400, "DependencyViolation")
    client_v3.delete_image_pipeline(ecs.DeleteImagePipelineRequest(region_id=REGION, image_pipeline_id=pipeline_id))
    vpc_client.delete_vswitch(vpc.DeleteVSwitchRequest(region_id=REGION, v_switch_id=vsw_id))
