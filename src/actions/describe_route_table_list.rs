//! `DescribeRouteTableList` (VPC 2016-04-28): the system route table of each VPC the caller sees
//! (the one `CreateVpc` returns as `RouteTableId`), filtered by `VpcId`, `RouteTableId`,
//! `RouterId`, `RouterType`, `RouteTableType` and `ResourceGroupId`, paged by
//! `PageNumber`/`PageSize`. Custom route tables are not modelled. The Terraform provider's
//! `alicloud_vpcs` reads each VPC's `route_table_id` from it.
//! <https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describeroutetablelist>

use serde_json::{json, Value};

use super::networks::{page, slice, world, VpcView};
use super::{region, Ctx};
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let params = ctx.params;
    let region = region(params)?;
    let paging = page(params)?;
    let router_type = params.opt_str("RouterType");
    if router_type.is_some_and(|t| !matches!(t, "VRouter" | "VBR")) {
        return Err(ApiError::invalid_param("RouterType"));
    }
    let table_type = params.opt_str("RouteTableType");
    if table_type.is_some_and(|t| !matches!(t, "System" | "Custom")) {
        return Err(ApiError::invalid_param("RouteTableType"));
    }
    let vpc_id = params.opt_str("VpcId");
    let table_id = params.opt_str("RouteTableId");
    let router_id = params.opt_str("RouterId");
    let resource_group = params.opt_str("ResourceGroupId");
    let (vpcs, _) = world(ctx, &region).await?;
    let matching: Vec<VpcView> = vpcs
        .into_iter()
        .filter(|_| router_type.is_none_or(|t| t == "VRouter") && table_type.is_none_or(|t| t == "System"))
        .filter(|v| vpc_id.is_none_or(|id| v.vpc.id == id))
        .filter(|v| table_id.is_none_or(|id| v.vpc.route_table_id == id))
        .filter(|v| router_id.is_none_or(|id| v.vpc.vrouter_id == id))
        .filter(|v| resource_group.is_none_or(|rg| v.vpc.resource_group_id.as_deref() == Some(rg)))
        .collect();
    let items: Vec<Value> = slice(&matching, paging).iter().map(table_json).collect();
    Ok(json!({
        "TotalCount": matching.len(),
        "PageNumber": paging.0,
        "PageSize": paging.1,
        "RouterTableList": { "RouterTableListType": items },
    }))
}

/// The system route table of a VPC, in the SDK model's
/// `DescribeRouteTableListResponseBodyRouterTableListRouterTableListType` shape.
fn table_json(v: &VpcView) -> Value {
    json!({
        "RouteTableId": v.vpc.route_table_id,
        "RouteTableName": "",
        "RouteTableType": "System",
        "RouterId": v.vpc.vrouter_id,
        "RouterType": "VRouter",
        "VpcId": v.vpc.id,
        "Description": "",
        "Status": "Available",
        "CreationTime": format_ms(v.vpc.created_ms),
        "ResourceGroupId": v.vpc.resource_group_id.clone().unwrap_or_default(),
        "OwnerId": v.vpc.account.parse::<i64>().map_or(Value::Null, Value::from),
        "AssociateType": "VSwitch",
        "RoutePropagationEnable": true,
        "VSwitchIds": { "VSwitchId": v.vswitch_ids },
        "GatewayIds": { "GatewayIds": [] },
        "Tags": { "Tag": [] },
    })
}
