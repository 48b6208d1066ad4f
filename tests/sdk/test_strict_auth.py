"""--auth strict through the official Python SDK: the right secret passes, a wrong one gets
SignatureDoesNotMatch with the server's string to sign, in V3 (ACS3-HMAC-SHA256) and V1 (HMAC-SHA1);
the old SDK and a Terraform-style V1 POST (form body) pass the stricter checks too."""

import json

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


def test_the_old_sdk_passes_strict_auth_and_a_wrong_secret_does_not(strict_emulator):
    """aliyun-python-sdk-core: HMAC-SHA1, everything in the query string, a SignatureNonce."""
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeImagePipelinesRequest import DescribeImagePipelinesRequest

    def describe(secret: str) -> dict:
        request = DescribeImagePipelinesRequest()
        request.set_endpoint(strict_emulator)
        request.set_protocol_type("http")
        return json.loads(AcsClient(STRICT_KEY_ID, secret, REGION).do_action_with_exception(request))

    assert "ImagePipeline" in describe(STRICT_SECRET)
    with pytest.raises(ServerException) as raised:
        describe("not-the-secret")
    # The old SDK compares the server's string to sign (in the message) with its own and, when they
    # are equal, reports the wrong secret as InvalidAccessKeySecret: the strings matched.
    assert raised.value.get_error_code() == "InvalidAccessKeySecret"
    assert raised.value.get_http_status() == 400


def test_a_terraform_style_v1_post_with_a_form_body_passes_strict_auth(strict_emulator):
    """What the Terraform provider sends: HMAC-SHA1, system parameters and Format=json in the query,
    business parameters in a form body; the signature covers both (V1 signs their union)."""
    import base64
    import hashlib
    import hmac
    import urllib.parse
    import urllib.request
    import uuid
    from datetime import datetime, timezone

    def enc(text: str) -> str:
        return urllib.parse.quote(text, safe="-_.~")

    query = {
        "Action": "CreateImagePipeline",
        "Version": "2014-05-26",
        "Format": "json",
        "AccessKeyId": STRICT_KEY_ID,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    form = {"RegionId": REGION, "BaseImageType": "IMAGE", "BaseImage": BASE_IMAGE, "Name": unique()}
    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted({**query, **form}.items()))
    string_to_sign = f"POST&{enc('/')}&{enc(canonical)}"
    digest = hmac.new(f"{STRICT_SECRET}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    query["Signature"] = base64.b64encode(digest).decode()
    request = urllib.request.Request(
        f"http://{strict_emulator}/?{urllib.parse.urlencode(query)}",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert body["ImagePipelineId"].startswith("ip-")
