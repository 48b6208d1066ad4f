//! `DescribeRouteTableList` (VPC 2016-04-28): the system route table of each VPC the caller sees
//! (the one `CreateVpc` returns as `RouteTableId`), filtered by `VpcId`, `RouteTableId`,
//! `RouterId`, `RouterType`, `RouteTableType` and `ResourceGroupId`, paged by
//! `PageNumber`/`PageSize`. Custom route tables are not modelled. The Terraform provider's
//! `alicloud_vpcs` reads each VPC's `route_table_id` from it.
//! <https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describeroutetablelist>

use serde::Serialize;

use super::networks::{owner_id, page, slice, world, VpcView};
use super::views::Tags;
use super::{region, Ctx};
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;

pub struct Request {
    region: String,
    paging: (i64, i64),
    router_type: Option<String>,
    table_type: Option<String>,
    vpc_id: Option<String>,
    table_id: Option<String>,
    router_id: Option<String>,
    resource_group: Option<String>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
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
    let text = |key: &str| params.opt_str(key).map(str::to_string);
    Ok(Request {
        region,
        paging,
        router_type: router_type.map(str::to_string),
        table_type: table_type.map(str::to_string),
        vpc_id: text("VpcId"),
        table_id: text("RouteTableId"),
        router_id: text("RouterId"),
        resource_group: text("ResourceGroupId"),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    total_count: usize,
    page_number: i64,
    page_size: i64,
    router_table_list: RouterTableList,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RouterTableList {
    router_table_list_type: Vec<RouteTable>,
}

/// The system route table of a VPC, in the SDK model's
/// `DescribeRouteTableListResponseBodyRouterTableListRouterTableListType` shape.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RouteTable {
    route_table_id: String,
    route_table_name: &'static str,
    route_table_type: &'static str,
    router_id: String,
    router_type: &'static str,
    vpc_id: String,
    description: &'static str,
    status: &'static str,
    creation_time: String,
    resource_group_id: String,
    owner_id: Option<i64>,
    associate_type: &'static str,
    route_propagation_enable: bool,
    #[serde(rename = "VSwitchIds")]
    vswitch_ids: VSwitchIds,
    gateway_ids: GatewayIds,
    tags: Tags,
}

#[derive(Serialize)]
struct VSwitchIds {
    #[serde(rename = "VSwitchId")]
    vswitch_id: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GatewayIds {
    gateway_ids: [&'static str; 0],
}

impl RouteTable {
    fn of(v: &VpcView) -> RouteTable {
        RouteTable {
            route_table_id: v.vpc.route_table_id.clone(),
            route_table_name: "",
            route_table_type: "System",
            router_id: v.vpc.vrouter_id.clone(),
            router_type: "VRouter",
            vpc_id: v.vpc.id.clone(),
            description: "",
            status: "Available",
            creation_time: format_ms(v.vpc.created_ms),
            resource_group_id: v.vpc.resource_group_id.clone().unwrap_or_default(),
            owner_id: owner_id(&v.vpc.account),
            associate_type: "VSwitch",
            route_propagation_enable: true,
            vswitch_ids: VSwitchIds { vswitch_id: v.vswitch_ids.clone() },
            gateway_ids: GatewayIds { gateway_ids: [] },
            tags: Tags::none(),
        }
    }
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, paging, router_type, table_type, vpc_id, table_id, router_id, resource_group } = request;
    let (vpcs, _) = world(ctx, &region).await?;
    let matching: Vec<VpcView> = vpcs
        .into_iter()
        .filter(|_| {
            router_type.as_deref().is_none_or(|t| t == "VRouter") && table_type.as_deref().is_none_or(|t| t == "System")
        })
        .filter(|v| vpc_id.as_deref().is_none_or(|id| v.vpc.id == id))
        .filter(|v| table_id.as_deref().is_none_or(|id| v.vpc.route_table_id == id))
        .filter(|v| router_id.as_deref().is_none_or(|id| v.vpc.vrouter_id == id))
        .filter(|v| resource_group.as_deref().is_none_or(|rg| v.vpc.resource_group_id.as_deref() == Some(rg)))
        .collect();
    let items = slice(&matching, paging).iter().map(RouteTable::of).collect();
    Ok(Response {
        total_count: matching.len(),
        page_number: paging.0,
        page_size: paging.1,
        router_table_list: RouterTableList { router_table_list_type: items },
    })
}
