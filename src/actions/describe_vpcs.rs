//! `DescribeVpcs` (VPC 2016-04-28): the region's default VPC and the caller's VPCs, filtered by
//! `VpcId` (comma-separated, up to 20), `VpcName`, `IsDefault` and `ResourceGroupId`, paged by
//! `PageNumber`/`PageSize`. Also the VPC view DescribeVpcAttribute shares (`VpcBase`).
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevpcs

use serde::Serialize;

use super::networks::{default_resource_group, owner_id, page, slice, world, VpcView};
use super::views::Tags;
use super::{region, Ctx};
use crate::domain::time::format_ms;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    paging: (i64, i64),
    ids: Option<Vec<String>>,
    name: Option<String>,
    is_default: Option<bool>,
    resource_group: Option<String>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let paging = page(params)?;
    let ids = params
        .opt_str("VpcId")
        .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect());
    let name = params.opt_str("VpcName").map(str::to_string);
    let is_default = params.opt_bool("IsDefault")?;
    let resource_group = params.opt_str("ResourceGroupId").map(str::to_string);
    Ok(Request { region, paging, ids, name, is_default, resource_group })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    total_count: usize,
    page_number: i64,
    page_size: i64,
    vpcs: Vpcs,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Vpcs {
    vpc: Vec<VpcItem>,
}

/// One `Vpcs.Vpc` item (the SDK model's `DescribeVpcsResponseBodyVpcsVpc`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VpcItem {
    #[serde(flatten)]
    base: VpcBase,
    router_table_ids: RouterTableIds,
    user_cidrs: UserCidrs,
    secondary_cidr_blocks: SecondaryCidrBlocks,
    nat_gateway_ids: NatGatewayIds,
    dhcp_options_set_status: &'static str,
    dns_hostname_status: &'static str,
    tags: Tags,
}

/// The fields DescribeVpcs and DescribeVpcAttribute both show, first in both.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct VpcBase {
    vpc_id: String,
    region_id: String,
    status: &'static str,
    vpc_name: String,
    creation_time: String,
    cidr_block: String,
    #[serde(rename = "VRouterId")]
    vrouter_id: String,
    description: String,
    is_default: bool,
    resource_group_id: String,
    owner_id: Option<i64>,
    #[serde(rename = "VSwitchIds")]
    vswitch_ids: VSwitchIds,
    /// IPv6 (`EnableIpv6=true` at creation): the provider reads `enable_ipv6` from `EnabledIpv6`.
    #[serde(rename = "EnabledIpv6")]
    enabled_ipv6: bool,
    #[serde(rename = "Ipv6CidrBlock")]
    ipv6_cidr_block: String,
    #[serde(rename = "Ipv6CidrBlocks")]
    ipv6_cidr_blocks: Ipv6CidrBlocks,
}

#[derive(Serialize)]
struct Ipv6CidrBlocks {
    #[serde(rename = "Ipv6CidrBlock")]
    ipv6_cidr_block: Vec<Ipv6CidrBlock>,
}

#[derive(Serialize)]
struct Ipv6CidrBlock {
    #[serde(rename = "Ipv6CidrBlock")]
    block: String,
    #[serde(rename = "Ipv6Isp")]
    isp: &'static str,
}

#[derive(Serialize)]
struct VSwitchIds {
    #[serde(rename = "VSwitchId")]
    vswitch_id: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RouterTableIds {
    router_table_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UserCidrs {
    user_cidr: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SecondaryCidrBlocks {
    secondary_cidr_block: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NatGatewayIds {
    nat_gateway_ids: [&'static str; 0],
}

impl UserCidrs {
    pub(super) fn none() -> UserCidrs {
        UserCidrs { user_cidr: [] }
    }
}

impl SecondaryCidrBlocks {
    pub(super) fn none() -> SecondaryCidrBlocks {
        SecondaryCidrBlocks { secondary_cidr_block: [] }
    }
}

impl VpcBase {
    pub(super) fn of(v: &VpcView) -> VpcBase {
        VpcBase {
            vpc_id: v.vpc.id.clone(),
            region_id: v.vpc.region.clone(),
            status: v.status.as_str(),
            vpc_name: v.vpc.name.clone().unwrap_or_default(),
            creation_time: format_ms(v.vpc.created_ms),
            cidr_block: v.vpc.cidr_block.clone(),
            vrouter_id: v.vpc.vrouter_id.clone(),
            description: v.vpc.description.clone().unwrap_or_default(),
            is_default: v.is_default,
            resource_group_id: v.vpc.resource_group_id.clone().unwrap_or_else(default_resource_group),
            owner_id: owner_id(&v.vpc.account),
            vswitch_ids: VSwitchIds { vswitch_id: v.vswitch_ids.clone() },
            enabled_ipv6: v.vpc.ipv6_cidr_block.is_some(),
            ipv6_cidr_block: v.vpc.ipv6_cidr_block.clone().unwrap_or_default(),
            ipv6_cidr_blocks: Ipv6CidrBlocks {
                ipv6_cidr_block: v
                    .vpc
                    .ipv6_cidr_block
                    .iter()
                    .map(|block| Ipv6CidrBlock { block: block.clone(), isp: "BGP" })
                    .collect(),
            },
        }
    }
}

impl VpcItem {
    fn of(v: &VpcView) -> VpcItem {
        VpcItem {
            base: VpcBase::of(v),
            router_table_ids: RouterTableIds { router_table_ids: vec![v.vpc.route_table_id.clone()] },
            user_cidrs: UserCidrs::none(),
            secondary_cidr_blocks: SecondaryCidrBlocks::none(),
            nat_gateway_ids: NatGatewayIds { nat_gateway_ids: [] },
            dhcp_options_set_status: "",
            dns_hostname_status: "DISABLED",
            tags: Tags::none(),
        }
    }
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, paging, ids, name, is_default, resource_group } = request;
    let (vpcs, _) = world(ctx, &region).await?;
    let matching: Vec<_> = vpcs
        .into_iter()
        .filter(|v| ids.as_ref().is_none_or(|ids| ids.contains(&v.vpc.id)))
        .filter(|v| name.as_deref().is_none_or(|n| v.vpc.name.as_deref() == Some(n)))
        .filter(|v| is_default.is_none_or(|d| v.is_default == d))
        .filter(|v| resource_group.as_deref().is_none_or(|rg| v.vpc.resource_group_id.as_deref() == Some(rg)))
        .collect();
    let vpc = slice(&matching, paging).iter().map(VpcItem::of).collect();
    Ok(Response { total_count: matching.len(), page_number: paging.0, page_size: paging.1, vpcs: Vpcs { vpc } })
}
