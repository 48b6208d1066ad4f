//! `DescribeImageSupportInstanceTypes` (ECS): the catalog's instance types an image can run on,
//! those of the image's CPU architecture (`x86_64` → X86 types, `arm64` → ARM types). The image
//! is a public image or a custom one the caller sees in the region (`404 InvalidImageId.NotFound`
//! otherwise); without `ImageId` every type is listed. The Terraform provider's
//! `alicloud_instance_types` calls it when given `image_id`.
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeimagesupportinstancetypes>

use serde::Serialize;

use super::{region, Ctx};
use crate::catalog::{Catalog, InstanceType};
use crate::domain::refusal::Refusal;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;

pub struct Request {
    region: String,
    image_id: Option<String>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    if let Some(action) = params.opt_str("ActionType") {
        if !matches!(action, "CreateEcs" | "ChangeOS") {
            return Err(ApiError::invalid_param("ActionType"));
        }
    }
    Ok(Request { region, image_id: params.opt_str("ImageId").map(str::to_string) })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    region_id: String,
    image_id: String,
    instance_types: InstanceTypes,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceTypes {
    instance_type: Vec<InstanceTypeView>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceTypeView {
    instance_type_id: &'static str,
    instance_type_family: String,
    cpu_core_count: u32,
    memory_size: f64,
}

impl InstanceTypeView {
    fn of(t: &InstanceType) -> InstanceTypeView {
        InstanceTypeView {
            instance_type_id: t.id,
            instance_type_family: t.family().to_string(),
            cpu_core_count: t.cpu,
            memory_size: f64::from(t.memory_gib),
        }
    }
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, image_id }: Request) -> ApiResult<Response> {
    let architecture = match image_id.as_deref() {
        None => None,
        Some(id) => Some(match ctx.state.catalog.public_image(id) {
            Some(public) => public.architecture.to_string(),
            None => {
                let account = &ctx.caller.account;
                let row = ctx.state.store.find_visible_image(account, &region, id).await?;
                row.ok_or_else(|| Refusal::ImageNotFound { id: id.to_string() })?.architecture
            }
        }),
    };
    let instance_type = ctx
        .state
        .catalog
        .instance_types()
        .iter()
        .filter(|t| architecture.as_deref().is_none_or(|a| a == Catalog::instance_architecture(t.id)))
        .map(InstanceTypeView::of)
        .collect();
    Ok(Response {
        region_id: region,
        image_id: image_id.unwrap_or_default(),
        instance_types: InstanceTypes { instance_type },
    })
}
