//! `DescribeVSwitches` (VPC 2016-04-28): the region's built-in vSwitches and the caller's, filtered
//! by `VpcId`, `VSwitchId`, `ZoneId`, `VSwitchName`, `IsDefault`, `ResourceGroupId` and
//! `RouteTableId`, paged by `PageNumber`/`PageSize`. Also the vSwitch view
//! DescribeVSwitchAttributes shares (`VSwitchItem`).
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevswitches

use serde::Serialize;

use super::networks::{default_resource_group, owner_id, page, slice, world, VSwitchView};
use super::views::Tags;
use super::{region, Ctx};
use crate::domain::network::{self, Cidr};
use crate::domain::time::format_ms;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    paging: (i64, i64),
    vpc_id: Option<String>,
    id: Option<String>,
    zone: Option<String>,
    name: Option<String>,
    resource_group: Option<String>,
    route_table: Option<String>,
    is_default: Option<bool>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let paging = page(params)?;
    let text = |key: &str| params.opt_str(key).map(str::to_string);
    let is_default = params.opt_bool("IsDefault")?;
    Ok(Request {
        region,
        paging,
        vpc_id: text("VpcId"),
        id: text("VSwitchId"),
        zone: text("ZoneId"),
        name: text("VSwitchName"),
        resource_group: text("ResourceGroupId"),
        route_table: text("RouteTableId"),
        is_default,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    total_count: usize,
    page_number: i64,
    page_size: i64,
    #[serde(rename = "VSwitches")]
    vswitches: VSwitches,
}

#[derive(Serialize)]
struct VSwitches {
    #[serde(rename = "VSwitch")]
    vswitch: Vec<VSwitchItem>,
}

/// One vSwitch (the SDK model's `DescribeVSwitchesResponseBodyVSwitchesVSwitch`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct VSwitchItem {
    #[serde(rename = "VSwitchId")]
    vswitch_id: String,
    vpc_id: String,
    status: &'static str,
    cidr_block: String,
    zone_id: String,
    available_ip_address_count: i64,
    description: String,
    #[serde(rename = "VSwitchName")]
    vswitch_name: String,
    creation_time: String,
    is_default: bool,
    resource_group_id: String,
    owner_id: Option<i64>,
    share_type: &'static str,
    network_acl_id: &'static str,
    route_table: RouteTable,
    tags: Tags,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RouteTable {
    route_table_id: String,
    route_table_type: &'static str,
}

impl VSwitchItem {
    pub(super) fn of(v: &VSwitchView) -> VSwitchItem {
        VSwitchItem {
            vswitch_id: v.vswitch.id.clone(),
            vpc_id: v.vswitch.vpc_id.clone(),
            status: v.status.as_str(),
            cidr_block: v.vswitch.cidr_block.clone(),
            zone_id: v.vswitch.zone_id.clone(),
            available_ip_address_count: Cidr::parse(&v.vswitch.cidr_block).map_or(0, network::available_ips),
            description: v.vswitch.description.clone().unwrap_or_default(),
            vswitch_name: v.vswitch.name.clone().unwrap_or_default(),
            creation_time: format_ms(v.vswitch.created_ms),
            is_default: v.is_default,
            resource_group_id: v.vswitch.resource_group_id.clone().unwrap_or_else(default_resource_group),
            owner_id: owner_id(&v.vswitch.account),
            share_type: "Sourced",
            network_acl_id: "",
            route_table: RouteTable { route_table_id: v.route_table_id.clone(), route_table_type: "System" },
            tags: Tags::none(),
        }
    }
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, paging, vpc_id, id, zone, name, resource_group, route_table, is_default } = request;
    let (_, vswitches) = world(ctx, &region).await?;
    let matching: Vec<_> = vswitches
        .into_iter()
        .filter(|v| vpc_id.as_deref().is_none_or(|x| v.vswitch.vpc_id == x))
        .filter(|v| id.as_deref().is_none_or(|x| v.vswitch.id == x))
        .filter(|v| zone.as_deref().is_none_or(|x| v.vswitch.zone_id == x))
        .filter(|v| name.as_deref().is_none_or(|x| v.vswitch.name.as_deref() == Some(x)))
        .filter(|v| is_default.is_none_or(|x| v.is_default == x))
        .filter(|v| resource_group.as_deref().is_none_or(|x| v.vswitch.resource_group_id.as_deref() == Some(x)))
        .filter(|v| route_table.as_deref().is_none_or(|x| v.route_table_id == x))
        .collect();
    let vswitch = slice(&matching, paging).iter().map(VSwitchItem::of).collect();
    Ok(Response {
        total_count: matching.len(),
        page_number: paging.0,
        page_size: paging.1,
        vswitches: VSwitches { vswitch },
    })
}
