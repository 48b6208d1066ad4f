# A template tagged `emulator:outcome = FAILED@BUILDING`: the provider's execution waiter meets
# FAILED, so `apply` fails. scripts/tofu.sh checks the failure and the scripted message through
# the API, then destroys what was made.

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
