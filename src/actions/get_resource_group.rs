//! ResourceManager (2020-03-31) `GetResourceGroup`: one group of the catalog, with its regions.
//! <https://www.alibabacloud.com/help/en/resource-management/resource-group/developer-reference/api-resourcemanager-2020-03-31-getresourcegroup-rg>

use serde::Serialize;

use super::list_resource_groups::ResourceGroup;
use super::Ctx;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

pub struct Request {
    id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let id = params.required_str("ResourceGroupId")?;
    if !id.starts_with("rg-") || id.len() > 64 {
        return Err(ApiError::with_message(
            Code::InvalidParameterResourceGroupId,
            format!("The ResourceGroupId \"{id}\" is invalid."),
        ));
    }
    Ok(Request { id: id.to_string() })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    resource_group: ResourceGroup,
}

pub async fn execute(ctx: &Ctx<'_>, Request { id }: Request) -> ApiResult<Response> {
    if !ctx.state.catalog.is_resource_group(&id) {
        return Err(ApiError::with_message(
            Code::EntityNotExistsResourceGroup,
            format!("The specified resource group \"{id}\" does not exist. You must first create a resource group."),
        ));
    }
    Ok(Response { resource_group: ResourceGroup::of(&id, &ctx.caller.account, true) })
}
