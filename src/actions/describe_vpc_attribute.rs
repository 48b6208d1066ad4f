//! `DescribeVpcAttribute` (VPC 2016-04-28): one VPC the caller sees (`404 InvalidVpcId.NotFound`
//! otherwise), with the count of its vSwitches under `CloudResources`.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevpcattribute

use serde::Serialize;

use super::describe_vpcs::{SecondaryCidrBlocks, UserCidrs, VpcBase};
use super::networks::world;
use super::views::Tags;
use super::{region, Ctx};
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let id = params.required_str("VpcId")?.to_string();
    Ok(Request { region, id })
}

/// A DescribeVpcs item without `RouterTableIds` and `NatGatewayIds`, with `ClassicLinkEnabled`
/// and `CloudResources`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    #[serde(flatten)]
    base: VpcBase,
    cloud_resources: CloudResources,
    user_cidrs: UserCidrs,
    secondary_cidr_blocks: SecondaryCidrBlocks,
    classic_link_enabled: bool,
    dhcp_options_set_status: &'static str,
    dns_hostname_status: &'static str,
    tags: Tags,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CloudResources {
    cloud_resource_set_type: Vec<CloudResource>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CloudResource {
    resource_type: &'static str,
    resource_count: usize,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, id }: Request) -> ApiResult<Response> {
    let (vpcs, _) = world(ctx, &region).await?;
    let view = vpcs.into_iter().find(|v| v.vpc.id == id).ok_or_else(|| Refusal::VpcNotFound { id: id.clone() })?;
    Ok(Response {
        base: VpcBase::of(&view),
        cloud_resources: CloudResources {
            cloud_resource_set_type: vec![CloudResource {
                resource_type: "VSwitch",
                resource_count: view.vswitch_ids.len(),
            }],
        },
        user_cidrs: UserCidrs::none(),
        secondary_cidr_blocks: SecondaryCidrBlocks::none(),
        classic_link_enabled: false,
        dhcp_options_set_status: "",
        dns_hostname_status: "DISABLED",
        tags: Tags::none(),
    })
}
