#!/usr/bin/env python3
"""The five-minute tour with the official Python SDK (alibabacloud-ecs20140526): create an image
template, start a build, watch it until it ends, then find the built image in another region, as
its owner and as the account it was shared with. Exits non-zero as soon as anything is off.

    pip install alibabacloud-ecs20140526==7.11.8
    ecs-imagebuilder-emulator --phase-duration 0 &     # builds finish at once
    python examples/python_tour.py                     # IBE_URL defaults to http://127.0.0.1:8080
    python examples/python_tour.py --v1                # the same with V1 (HMAC-SHA1) signatures

With realistic phase durations a build takes several minutes: raise IBE_TOUR_TIMEOUT (seconds).
"""

import os
import sys
import time
from urllib.parse import urlsplit

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config

IBE_URL = os.environ.get("IBE_URL", "http://127.0.0.1:8080")
TIMEOUT_S = float(os.environ.get("IBE_TOUR_TIMEOUT", "120"))
REGION = "cn-hangzhou"
TARGET_REGION = "cn-beijing"
BASE_IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"
# A 16-digit numeric AccessKeyId is the account ID, so these are two separate tenants.
OWNER = "1234567890123456"
SHARED_WITH = "6543210987654321"


def client(access_key_id: str, v1: bool) -> Client:
    url = urlsplit(IBE_URL)
    config = Config(
        access_key_id=access_key_id,
        access_key_secret="any-secret",  # signatures are not checked by default
        endpoint=url.netloc,  # the new SDKs want a bare host:port ...
        protocol=url.scheme,  # ... and the scheme apart
        region_id=REGION,
    )
    if v1:
        config.signature_algorithm = "v2"  # V1 RPC requests signed with HMAC-SHA1
    return Client(config)


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"python_tour: {what}")


def main() -> None:
    v1 = "--v1" in sys.argv[1:]
    owner = client(OWNER, v1)
    prefix = f"pytour{int(time.time() * 1000)}"

    print("==> CreateImagePipeline")
    created = owner.create_image_pipeline(
        ecs.CreateImagePipelineRequest(
            region_id=REGION,  # the new SDKs send RegionId only when the request sets it
            name=f"tour-template-{prefix}",
            base_image_type="IMAGE",
            base_image=BASE_IMAGE,
            build_content="RUN echo 'built by the Python tour' > /etc/motd\nRESTART",
            image_options=ecs.CreateImagePipelineRequestImageOptions(image_name=prefix),
            to_region_id=[TARGET_REGION],
            add_account=[int(SHARED_WITH)],
            tag=[ecs.CreateImagePipelineRequestTag(key="team", value="tour")],
        )
    )
    pipeline_id = created.body.image_pipeline_id
    print(pipeline_id)

    print("==> DescribeImagePipelines")
    listed = owner.describe_image_pipelines(
        ecs.DescribeImagePipelinesRequest(region_id=REGION, image_pipeline_id=[pipeline_id])
    ).body.image_pipeline.image_pipeline_set
    check([p.image_pipeline_id for p in listed] == [pipeline_id], f"template {pipeline_id} not listed")
    check(listed[0].to_region_ids.to_region_id == [TARGET_REGION], "ToRegionIds not echoed")

    print("==> StartImagePipelineExecution")
    execution_id = owner.start_image_pipeline_execution(
        ecs.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id=pipeline_id)
    ).body.execution_id
    print(execution_id)

    print(f"==> DescribeImagePipelineExecutions until the build ends (at most {TIMEOUT_S:.0f}s)")
    deadline = time.monotonic() + TIMEOUT_S
    last = None
    while True:
        execution = owner.describe_image_pipeline_executions(
            ecs.DescribeImagePipelineExecutionsRequest(region_id=REGION, execution_id=execution_id)
        ).body.image_pipeline_execution.image_pipeline_execution_set[0]
        line = f"{execution.status}: {execution.message}"
        if line != last:
            print(f"  {line}")
            last = line
        if execution.status == "SUCCESS":
            break
        check(
            execution.status not in {"PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED"},
            f"build ended {execution.status}: {execution.error_code} {execution.error_info}",
        )
        check(time.monotonic() < deadline, f"build still {execution.status} (start the emulator with --phase-duration 0)")
        time.sleep(0.5)
    print(f"built {execution.image_id}")

    image_name = f"{prefix}_{execution_id}"
    print(f"==> DescribeImages in {TARGET_REGION} as the owner")
    mine = owner.describe_images(
        ecs.DescribeImagesRequest(region_id=TARGET_REGION, image_owner_alias="self", image_name=image_name)
    ).body.images.image
    check(len(mine) == 1 and mine[0].is_copied, f"no copy of {image_name} in {TARGET_REGION}")
    print(f"copy {mine[0].image_id} in {TARGET_REGION}")

    print(f"==> DescribeImages in {TARGET_REGION} as account {SHARED_WITH}")
    theirs = client(SHARED_WITH, v1).describe_images(
        ecs.DescribeImagesRequest(region_id=TARGET_REGION, image_owner_alias="others", image_name=image_name)
    ).body.images.image
    check([i.image_id for i in theirs] == [mine[0].image_id], f"{SHARED_WITH} does not see the copy")
    print(f"account {SHARED_WITH} sees {theirs[0].image_id}")

    print("==> an error, the way Alibaba Cloud answers it (SystemDiskSize below 20 GiB)")
    try:
        owner.create_image_pipeline(
            ecs.CreateImagePipelineRequest(
                region_id=REGION, base_image_type="IMAGE", base_image=BASE_IMAGE, system_disk_size=10
            )
        )
        check(False, "SystemDiskSize=10 was accepted")
    except ClientException as error:
        print(f"HTTP {error.status_code} {error.code}")
        check((error.status_code, error.code) == (400, "InvalidSystemDiskSize.NotSupportedValue"), str(error))

    print("==> DeleteImagePipeline")
    owner.delete_image_pipeline(ecs.DeleteImagePipelineRequest(region_id=REGION, image_pipeline_id=pipeline_id))
    print("python tour OK")


if __name__ == "__main__":
    main()
