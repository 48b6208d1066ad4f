"""--auth strict through the official Python SDK: the right secret passes, a wrong one gets
SignatureDoesNotMatch with the server's string to sign, in V3 (ACS3-HMAC-SHA256) and V1 (HMAC-SHA1)."""

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from conftest import STRICT_ACCOUNT, STRICT_KEY_ID, STRICT_SECRET
from test_image_pipelines import BASE_IMAGE, REGION, assert_api_error, unique

MODES = [{}, {"signature_algorithm": "v2"}]
MODE_IDS = ["acs3", "hmac-sha1"]


def strict_client(address: str, key_id: str, secret: str, **extra) -> Client:
    return Client(Config(access_key_id=key_id, access_key_secret=secret, endpoint=address, protocol="http", region_id=REGION, **extra))


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_the_right_secret_passes_and_the_key_decides_the_account(strict_emulator, mode):
    client = strict_client(strict_emulator, STRICT_KEY_ID, STRICT_SECRET, **mode)
    name = unique()
    pipeline_id = client.create_image_pipeline_with_options(
        ecs.CreateImagePipelineRequest(region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE, name=name),
        RuntimeOptions(),
    ).body.image_pipeline_id
    listed = client.describe_image_pipelines_with_options(
        ecs.DescribeImagePipelinesRequest(region_id=REGION, image_pipeline_id=[pipeline_id]), RuntimeOptions()
    ).body
    assert [p.name for p in listed.image_pipeline.image_pipeline_set] == [name]
    assert STRICT_ACCOUNT.isdigit()


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_wrong_secret_is_signature_does_not_match(strict_emulator, mode):
    client = strict_client(strict_emulator, STRICT_KEY_ID, "not-the-secret", **mode)
    with pytest.raises(ClientException) as raised:
        client.describe_image_pipelines_with_options(ecs.DescribeImagePipelinesRequest(region_id=REGION), RuntimeOptions())
    assert_api_error(raised.value, "SignatureDoesNotMatch", 400)
    assert "server string to sign is:" in raised.value.data["Message"]


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_an_unknown_access_key_is_not_found(strict_emulator, mode):
    client = strict_client(strict_emulator, "LTAI5tNobody", STRICT_SECRET, **mode)
    with pytest.raises(ClientException) as raised:
        client.describe_image_pipelines_with_options(ecs.DescribeImagePipelinesRequest(region_id=REGION), RuntimeOptions())
    assert_api_error(raised.value, "InvalidAccessKeyId.NotFound", 404)
