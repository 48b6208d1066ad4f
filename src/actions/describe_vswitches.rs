//! `DescribeVSwitches` (VPC 2016-04-28): the region's built-in vSwitches and the caller's, filtered
//! by `VpcId`, `VSwitchId`, `ZoneId`, `VSwitchName`, `IsDefault`, `ResourceGroupId` and
//! `RouteTableId`, paged by `PageNumber`/`PageSize`.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevswitches

use serde_json::{json, Value};

use super::networks::{page, slice, vswitch_json, world};
use super::{region, Ctx};
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let paging = page(ctx.params)?;
    let p = ctx.params;
    let (vpc_id, id, zone, name) =
        (p.opt_str("VpcId"), p.opt_str("VSwitchId"), p.opt_str("ZoneId"), p.opt_str("VSwitchName"));
    let (resource_group, route_table) = (p.opt_str("ResourceGroupId"), p.opt_str("RouteTableId"));
    let is_default = p.opt_bool("IsDefault")?;
    let (_, vswitches) = world(ctx, &region).await?;
    let matching: Vec<_> = vswitches
        .into_iter()
        .filter(|v| vpc_id.is_none_or(|x| v.vswitch.vpc_id == x))
        .filter(|v| id.is_none_or(|x| v.vswitch.id == x))
        .filter(|v| zone.is_none_or(|x| v.vswitch.zone_id == x))
        .filter(|v| name.is_none_or(|x| v.vswitch.name.as_deref() == Some(x)))
        .filter(|v| is_default.is_none_or(|x| v.is_default == x))
        .filter(|v| resource_group.is_none_or(|x| v.vswitch.resource_group_id.as_deref() == Some(x)))
        .filter(|v| route_table.is_none_or(|x| v.route_table_id == x))
        .collect();
    let items: Vec<Value> = slice(&matching, paging).iter().map(vswitch_json).collect();
    Ok(json!({
        "TotalCount": matching.len(),
        "PageNumber": paging.0,
        "PageSize": paging.1,
        "VSwitches": { "VSwitch": items },
    }))
}
