# Builds the provider's execution waiter does not accept. A template tagged
# `emulator:outcome = FAILED@BUILDING`: the waiter meets FAILED, so `apply` fails. Another tagged
# `PARTITION_SUCCESS`: the waiter times out. scripts/tofu.sh checks both errors and the scripted
# message (through the API), then destroys what was made.

terraform {
  required_providers {
    alicloud = {
      source  = "aliyun/alicloud"
      version = "1.285.0"
    }
  }
}

variable "endpoint" {
  type = string
}

variable "access_key" {
  type = string
}

variable "secret_key" {
  type      = string
  sensitive = true
}

provider "alicloud" {
  access_key             = var.access_key
  secret_key             = var.secret_key
  region                 = "cn-hangzhou"
  protocol               = "HTTP"
  account_type           = "Domestic"
  skip_region_validation = true
  endpoints {
    ecs = var.endpoint
  }
}

resource "alicloud_ecs_image_pipeline" "doomed" {
  name            = "tf-doomed"
  base_image_type = "IMAGE"
  base_image      = "aliyun_3_x64_20G_alibase_20240819.vhd"
  build_content   = "RUN echo doomed"
  tags = {
    "emulator:outcome" = "FAILED@BUILDING"
    "emulator:message" = "disk full (scripted by tofu.sh)"
  }
}

resource "alicloud_ecs_image_pipeline_execution" "build" {
  image_pipeline_id = alicloud_ecs_image_pipeline.doomed.id
}

# A build that ends PARTITION_SUCCESS: a status the waiter neither waits for nor fails on, so it
# polls until its create timeout.
resource "alicloud_ecs_image_pipeline" "partial" {
  name            = "tf-partial"
  base_image_type = "IMAGE"
  base_image      = "aliyun_3_x64_20G_alibase_20240819.vhd"
  build_content   = "RUN echo partial"
  to_region_id    = ["cn-beijing"]
  tags = {
    "emulator:outcome" = "PARTITION_SUCCESS"
  }
}

resource "alicloud_ecs_image_pipeline_execution" "partial" {
  image_pipeline_id = alicloud_ecs_image_pipeline.partial.id
  timeouts {
    create = "30s"
  }
}
