//! `JoinResourceGroup` (ECS): moves a custom image (`image`), an image template (`imagepipeline`)
//! or a custom component (`imagecomponent`) to another resource group of the catalog. Reference:
//! https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-joinresourcegroup
//!
//! The page documents a missing RegionId / ResourceId / ResourceGroupId as `403 MissingParameter`.
//! Its ResourceType list names `image`; the Terraform provider moves components with
//! `imagecomponent`, and the resource-group docs list `imagepipeline` too. Other ECS types are not
//! modelled: `404 InvalidResourceType.NotFound`. Our choice where the page is silent: moving a
//! resource to the group it is already in is `403 InvalidResourceGroup.Duplicate`.


use super::{check_region, Ctx};
use crate::catalog::DEFAULT_RESOURCE_GROUP;
use crate::domain::resources;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::resource_groups::JOINABLE;

fn required<'a>(params: &'a Params, name: &str) -> ApiResult<&'a str> {
    params.opt_str(name).ok_or_else(|| {
        ApiError::with_message(
            Code::MissingParameterForbidden,
            format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
        )
    })
}

pub struct Request {
    region: String,
    resource_id: String,
    group: String,
    resource_type: &'static str,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = required(params, "RegionId")?;
    check_region(region)?;
    let resource_id = required(params, "ResourceId")?;
    let group = required(params, "ResourceGroupId")?;
    let text = params.opt_str("ResourceType").unwrap_or_default();
    let resource_type = JOINABLE.iter().copied().find(|t| *t == text).ok_or_else(|| {
        ApiError::with_message(
            Code::InvalidResourceTypeNotFound,
            format!(
                "The ResourceType \"{text}\" provided does not exist in our records. Valid values: {}.",
                JOINABLE.join(", ")
            ),
        )
    })?;
    Ok(Request {
        region: region.to_string(),
        resource_id: resource_id.to_string(),
        group: group.to_string(),
        resource_type,
    })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, resource_id, group, resource_type } = request;
    if !ctx.state.catalog.is_resource_group(&group) {
        return Err(ApiError::with_message(
            Code::InvalidResourceGroupNotFound,
            format!("The ResourceGroup \"{group}\" provided does not exist in our records."),
        ));
    }
    let mut tx = ctx.state.store.write().await?;
    let current = tx.resource_group_of(&ctx.caller.account, &region, resource_type, &resource_id).await?;
    resources::check_join(&resource_id, current, &group, DEFAULT_RESOURCE_GROUP)?;
    tx.join_resource_group(resource_type, &resource_id, &group).await?;
    tx.commit().await?;
    Ok(Response {})
}
