//! `DescribeRegions` (ECS): the regions of the catalog with their endpoints.
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeregions>

use serde::Serialize;

use super::{check_region, Ctx};
use crate::catalog;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;

/// Nothing to carry: every parameter is only checked.
pub struct Request;

pub fn parse(params: &Params) -> ApiResult<Request> {
    if let Some(region) = params.opt_str("RegionId") {
        check_region(region)?;
    }
    super::check_charge_type(params)?;
    match params.opt_str("ResourceType") {
        None | Some("instance" | "disk" | "reservedinstance" | "scu") => Ok(Request),
        Some(_) => Err(ApiError::invalid_param("ResourceType")),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    regions: Regions,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Regions {
    region: Vec<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Region {
    region_id: &'static str,
    local_name: &'static str,
    region_endpoint: String,
    status: &'static str,
}

pub async fn execute(_ctx: &Ctx<'_>, _request: Request) -> ApiResult<Response> {
    let region = catalog::REGIONS
        .iter()
        .map(|id| Region { region_id: id, local_name: id, region_endpoint: format!("ecs.{id}.aliyuncs.com"), status: "available" })
        .collect();
    Ok(Response { regions: Regions { region } })
}
