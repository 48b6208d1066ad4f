//! `DescribeRegions` (ECS): the regions of the catalog with their endpoints.
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeregions>

use serde_json::{json, Value};

use super::{check_region, Ctx};
use crate::catalog;
use crate::error::{ApiError, ApiResult};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    if let Some(region) = ctx.params.opt_str("RegionId") {
        check_region(region)?;
    }
    super::check_charge_type(ctx.params)?;
    match ctx.params.opt_str("ResourceType") {
        None | Some("instance" | "disk" | "reservedinstance" | "scu") => {}
        Some(_) => return Err(ApiError::invalid_param("ResourceType")),
    }
    let regions: Vec<Value> = catalog::REGIONS
        .iter()
        .map(|id| {
            json!({
                "RegionId": id,
                "LocalName": id,
                "RegionEndpoint": format!("ecs.{id}.aliyuncs.com"),
                "Status": "available",
            })
        })
        .collect();
    Ok(json!({ "Regions": { "Region": regions } }))
}
