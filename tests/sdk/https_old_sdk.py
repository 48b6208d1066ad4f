"""The old-generation Python SDK (aliyun-python-sdk-core + aliyun-python-sdk-ecs) over HTTPS against an
emulator started with --tls: run by scripts/clients.sh with IBE_URL=https://HOST:PORT. The SDK keeps
its defaults (certificate and host-name checks on); the emulator's CA reaches it only through
ALIBABA_CLOUD_CA_BUNDLE, the variable this SDK reads (it passes `verify` to requests itself, so
REQUESTS_CA_BUNDLE and SSL_CERT_FILE are not read). Creates, finds and deletes a template, and reads
a documented error. Not collected by pytest (no test_ prefix): it needs the HTTPS emulator."""

import json
import os
import sys
import uuid
from urllib.parse import urlsplit

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.CreateImagePipelineRequest import CreateImagePipelineRequest
from aliyunsdkecs.request.v20140526.DeleteImagePipelineRequest import DeleteImagePipelineRequest
from aliyunsdkecs.request.v20140526.DescribeImagePipelinesRequest import DescribeImagePipelinesRequest

REGION = "cn-hangzhou"
BASE_IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
OWNER = "2222333344445555"


def main() -> int:
    url = urlsplit(os.environ["IBE_URL"])
    assert url.scheme == "https", "IBE_URL must be an https:// URL"
    client = AcsClient(OWNER, "any-secret", REGION)

    def call(request) -> dict:
        request.set_endpoint(url.netloc)
        request.set_protocol_type("https")
        return json.loads(client.do_action_with_exception(request))

    name = "oldhttps" + uuid.uuid4().hex[:8]
    create = CreateImagePipelineRequest()
    create.set_BaseImageType("IMAGE")
    create.set_BaseImage(BASE_IMAGE)
    create.set_Name(name)
    pipeline_id = call(create)["ImagePipelineId"]

    describe = DescribeImagePipelinesRequest()
    describe.set_Name(name)
    found = call(describe)["ImagePipeline"]["ImagePipelineSet"]
    assert [p["ImagePipelineId"] for p in found] == [pipeline_id], found

    delete = DeleteImagePipelineRequest()
    delete.set_ImagePipelineId(pipeline_id)
    call(delete)
    try:
        call(delete)
    except ServerException as err:
        assert (err.get_http_status(), err.get_error_code()) == (404, "InvalidImagePipeline.NotFound"), err
    else:
        raise AssertionError("deleting a deleted template must fail")
    print("old Python SDK over HTTPS OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
