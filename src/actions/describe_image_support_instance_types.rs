//! `DescribeImageSupportInstanceTypes` (ECS): the catalog's instance types an image can run on,
//! those of the image's CPU architecture (`x86_64` → X86 types, `arm64` → ARM types). The image
//! is a public image or a custom one the caller sees in the region (`404 InvalidImageId.NotFound`
//! otherwise); without `ImageId` every type is listed. The Terraform provider's
//! `alicloud_instance_types` calls it when given `image_id`.
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeimagesupportinstancetypes>

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::catalog::Catalog;
use crate::error::{ApiError, ApiResult};
use crate::domain::refusal::Refusal;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    if let Some(action) = ctx.params.opt_str("ActionType") {
        if !matches!(action, "CreateEcs" | "ChangeOS") {
            return Err(ApiError::invalid_param("ActionType"));
        }
    }
    let image_id = ctx.params.opt_str("ImageId");
    let architecture = match image_id {
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
    let types: Vec<Value> = ctx
        .state
        .catalog
        .instance_types()
        .iter()
        .filter(|t| architecture.as_deref().is_none_or(|a| a == Catalog::instance_architecture(t.id)))
        .map(|t| {
            json!({
                "InstanceTypeId": t.id,
                "InstanceTypeFamily": t.family(),
                "CpuCoreCount": t.cpu,
                "MemorySize": f64::from(t.memory_gib),
            })
        })
        .collect();
    Ok(json!({
        "RegionId": region,
        "ImageId": image_id.unwrap_or_default(),
        "InstanceTypes": { "InstanceType": types },
    }))
}
