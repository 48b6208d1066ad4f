//! `DescribeVpcs` (VPC 2016-04-28): the region's default VPC and the caller's VPCs, filtered by
//! `VpcId` (comma-separated, up to 20), `VpcName`, `IsDefault` and `ResourceGroupId`, paged by
//! `PageNumber`/`PageSize`.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevpcs

use serde_json::{json, Value};

use super::networks::{page, slice, vpc_json, world};
use super::{region, Ctx};
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let paging = page(ctx.params)?;
    let ids: Option<Vec<&str>> =
        ctx.params.opt_str("VpcId").map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect());
    let name = ctx.params.opt_str("VpcName");
    let is_default = ctx.params.opt_bool("IsDefault")?;
    let resource_group = ctx.params.opt_str("ResourceGroupId");
    let (vpcs, _) = world(ctx, &region).await?;
    let matching: Vec<_> = vpcs
        .into_iter()
        .filter(|v| ids.as_ref().is_none_or(|ids| ids.contains(&v.vpc.id.as_str())))
        .filter(|v| name.is_none_or(|n| v.vpc.name.as_deref() == Some(n)))
        .filter(|v| is_default.is_none_or(|d| v.is_default == d))
        .filter(|v| resource_group.is_none_or(|rg| v.vpc.resource_group_id.as_deref() == Some(rg)))
        .collect();
    let items: Vec<Value> = slice(&matching, paging).iter().map(vpc_json).collect();
    Ok(json!({
        "TotalCount": matching.len(),
        "PageNumber": paging.0,
        "PageSize": paging.1,
        "Vpcs": { "Vpc": items },
    }))
}
