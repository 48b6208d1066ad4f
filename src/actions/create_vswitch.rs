//! `CreateVSwitch` (VPC 2016-04-28): a vSwitch in one of the caller's VPCs (or the region's default
//! VPC) and one of the region's zones, with `CidrBlock` inside the VPC's block, a mask of 16–29
//! bits and no overlap with its siblings — or `CidrMask` alone, which takes the first free block.
//! `Pending` for a few emulator seconds, then `Available`; usable at once as an image template's
//! `VSwitchId`.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvswitch

use serde::Serialize;

use super::networks::{opt_description, opt_name, opt_resource_group, refuse_dry_run, world};
use super::{client_token, region, token_claim, Action, Ctx};
use crate::catalog;
use crate::domain::network::{self, Cidr, CidrRequest, VSwitch};
use crate::domain::refusal::Refusal;
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::Kind;
use crate::params::Params;

pub struct Request {
    region: String,
    vpc_id: String,
    zone_id: String,
    cidr: CidrRequest,
    name: Option<String>,
    description: Option<String>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let vpc_id = params.required_str("VpcId")?.to_string();
    let zone_id = params.required_str("ZoneId")?.to_string();
    let cidr = match (params.opt_str("CidrBlock"), params.opt_i64("CidrMask")?) {
        (Some(block), _) => CidrRequest::Block(block.to_string()),
        (None, Some(mask)) => CidrRequest::Mask(u8::try_from(mask).map_err(|_| ApiError::invalid_param("CidrMask"))?),
        (None, None) => return Err(ApiError::missing("CidrBlock")),
    };
    let name = opt_name(params, "VSwitchName", Code::InvalidVSwitchNameMalformed)?.map(str::to_string);
    let description = opt_description(params, Code::InvalidVSwitchDescriptionMalformed)?.map(str::to_string);
    Ok(Request { region, vpc_id, zone_id, cidr, name, description })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    #[serde(rename = "VSwitchId")]
    vswitch_id: String,
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, vpc_id, zone_id, cidr: request, name, description } = request;
    // The resource group is checked against the catalog's groups (fixtures included), then the
    // parameters checked after it in the documented order.
    let resource_group_id = opt_resource_group(ctx)?;
    refuse_dry_run(ctx.params)?;
    if !catalog::zones(&region).contains(&zone_id) {
        return Err(ApiError::with_message(
            Code::ResourceNotAvailable,
            format!("Resource you requested is not available in this region or zone: zone \"{zone_id}\" is not in {region}."),
        ));
    }
    let (vpcs, vswitches) = world(ctx, &region).await?;
    let vpc =
        vpcs.iter().find(|v| v.vpc.id == vpc_id).ok_or_else(|| Refusal::VpcNotFound { id: vpc_id.clone() })?;
    let vpc_cidr = Cidr::parse(&vpc.vpc.cidr_block).ok_or_else(|| ApiError::internal("stored VPC block"))?;
    // The built-in vSwitches of the default VPC are not in the tenant's table: pass their blocks.
    let fixed: Vec<Cidr> = vswitches
        .iter()
        .filter(|v| v.is_default && v.vswitch.vpc_id == vpc_id)
        .filter_map(|v| Cidr::parse(&v.vswitch.cidr_block))
        .collect();
    let claim = token_claim(ctx, Action::CreateVSwitch, &region)?;
    let account = &ctx.caller.account;
    let vswitch = VSwitch {
        id: ctx.state.ids.id(account, Kind::VSwitch),
        account: account.clone(),
        region: region.clone(),
        vpc_id: vpc_id.clone(),
        zone_id,
        name,
        description,
        cidr_block: String::new(),
        resource_group_id: resource_group_id.map(str::to_string),
        created_ms: ctx.state.clock.now_ms(),
    };
    let mut tx = ctx.state.store.write().await?;
    if let Some(id) = client_token::replayed_in(&mut tx, claim.as_ref()).await? {
        return Ok(Response { vswitch_id: id });
    }
    let mut siblings = tx.vswitch_blocks(account, &vpc_id).await?;
    siblings.extend_from_slice(&fixed);
    let cidr = network::place_vswitch(&request, vpc_cidr, &siblings)?;
    tx.insert_vswitch(&vswitch, cidr).await?;
    client_token::record(&mut tx, claim.as_ref(), &vswitch.id, vswitch.created_ms).await?;
    tx.commit().await?;
    Ok(Response { vswitch_id: vswitch.id })
}
