# The image-builder lifecycle through the real aliyun/alicloud provider, against the emulator.
# scripts/tofu.sh applies it, checks that a second plan is empty, changes the component's tags and
# resource group in place, and destroys it. Every value that the emulator must echo back is set
# explicitly, so a second plan shows drift on any attribute the emulator returns differently.

terraform {
  required_providers {
    alicloud = {
      source  = "aliyun/alicloud"
      version = "1.285.0"
    }
  }
}

variable "endpoint" {
  description = "host:port of the emulator"
  type        = string
}

# Unset (null), the provider reads ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY instead.
variable "access_key" {
  type    = string
  default = null
}

variable "secret_key" {
  type      = string
  sensitive = true
  default   = null
}

variable "component_tags" {
  type    = map(string)
  default = { env = "ci", team = "images" }
}

variable "component_resource_group" {
  type    = string
  default = "rg-acfmdev0000000001"
}

variable "share_account" {
  description = "the account the template's images are shared with (add_account)"
  type        = string
  default     = "1111222233334444"
}

variable "extra_share_account" {
  description = "an account the built image is shared with through alicloud_image_share_permission"
  type        = string
  default     = "5555666677778888"
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

resource "alicloud_ecs_image_component" "hello" {
  image_component_name = "tf-hello"
  component_version    = "1.0.0"
  component_type       = "Build"
  system_type          = "Linux"
  description          = "Says hello"
  content              = "RUN echo hello > /etc/motd"
  resource_group_id    = var.component_resource_group
  tags                 = var.component_tags
}

resource "alicloud_ecs_image_pipeline" "web" {
  name                       = "tf-web"
  description                = "Built by OpenTofu"
  base_image_type            = "IMAGE"
  base_image                 = "aliyun_3_x64_20G_alibase_20240819.vhd"
  build_content              = "COMPONENT ${alicloud_ecs_image_component.hello.id}\nRUN echo web"
  image_name                 = "tf-web"
  instance_type              = "ecs.g6.large"
  internet_max_bandwidth_out = 5
  system_disk_size           = 60
  vswitch_id                 = "vsw-cnhangzhoua0001"
  delete_instance_on_failure = true
  resource_group_id          = "rg-acfmprod000000001"
  to_region_id               = ["cn-beijing"]
  add_account                = [var.share_account]
  tags = {
    env  = "ci"
    role = "web"
  }
}

resource "alicloud_ecs_image_pipeline_execution" "build" {
  image_pipeline_id = alicloud_ecs_image_pipeline.web.id
}

data "alicloud_images" "built" {
  owners      = "self"
  name_regex  = "^tf-web_"
  most_recent = true
  depends_on  = [alicloud_ecs_image_pipeline_execution.build]
}

data "alicloud_ecs_image_pipelines" "mine" {
  ids = [alicloud_ecs_image_pipeline.web.id]
}

data "alicloud_ecs_image_components" "mine" {
  ids = [alicloud_ecs_image_component.hello.id]
}

resource "alicloud_image_share_permission" "extra" {
  image_id   = data.alicloud_images.built.images[0].id
  account_id = var.extra_share_account
}

# A copy within the region. alicloud_image_copy copies into its provider's region and sends CopyImage
# to the source region through the older Go SDK, which resolves that region's endpoint by itself:
# with one emulator endpoint for every region, only the provider's own region resolves to it.
resource "alicloud_image_copy" "copy" {
  source_image_id  = data.alicloud_images.built.images[0].id
  source_region_id = "cn-hangzhou"
  image_name       = "tf-web-copy"
  description      = "The built image, copied by OpenTofu"
  tags = {
    copied = "yes"
  }
}

output "component_id" {
  value = alicloud_ecs_image_component.hello.id
}

output "pipeline_id" {
  value = alicloud_ecs_image_pipeline.web.id
}

output "execution_id" {
  value = alicloud_ecs_image_pipeline_execution.build.id
}

output "execution_status" {
  value = alicloud_ecs_image_pipeline_execution.build.status
}

output "image" {
  value = data.alicloud_images.built.images[0]
}

output "copy_id" {
  value = alicloud_image_copy.copy.id
}

output "image_count" {
  value = length(data.alicloud_images.built.ids)
}

output "pipelines" {
  value = data.alicloud_ecs_image_pipelines.mine.pipelines
}

output "components" {
  value = data.alicloud_ecs_image_components.mine.components
}
