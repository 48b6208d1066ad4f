//! `CreateVSwitch` (VPC 2016-04-28): a vSwitch in one of the caller's VPCs (or the region's default
//! VPC) and one of the region's zones, with `CidrBlock` inside the VPC's block, a mask of 16–29
//! bits and no overlap with its siblings — or `CidrMask` alone, which takes the first free block.
//! `Pending` for a few emulator seconds, then `Available`; usable at once as an image template's
//! `VSwitchId`.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvswitch

use serde_json::{json, Value};

use super::networks::{opt_description, opt_name, opt_resource_group, refuse_dry_run, world};
use super::{client_token, region, token_claim, Action, Ctx};
use crate::catalog;
use crate::domain::network::{self, Cidr, CidrRequest, VSwitch};
use crate::domain::refusal::Refusal;
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::Kind;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let vpc_id = ctx.params.required_str("VpcId")?;
    let zone_id = ctx.params.required_str("ZoneId")?;
    let request = match (ctx.params.opt_str("CidrBlock"), ctx.params.opt_i64("CidrMask")?) {
        (Some(block), _) => CidrRequest::Block(block.to_string()),
        (None, Some(mask)) => CidrRequest::Mask(u8::try_from(mask).map_err(|_| ApiError::invalid_param("CidrMask"))?),
        (None, None) => return Err(ApiError::missing("CidrBlock")),
    };
    let name = opt_name(ctx.params, "VSwitchName", Code::InvalidVSwitchNameMalformed)?;
    let description = opt_description(ctx.params, Code::InvalidVSwitchDescriptionMalformed)?;
    let resource_group_id = opt_resource_group(ctx)?;
    refuse_dry_run(ctx.params)?;
    if !catalog::zones(&region).iter().any(|z| z == zone_id) {
        return Err(ApiError::with_message(
            Code::ResourceNotAvailable,
            format!("Resource you requested is not available in this region or zone: zone \"{zone_id}\" is not in {region}."),
        ));
    }
    let (vpcs, vswitches) = world(ctx, &region).await?;
    let vpc =
        vpcs.iter().find(|v| v.vpc.id == vpc_id).ok_or_else(|| Refusal::VpcNotFound { id: vpc_id.to_string() })?;
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
        vpc_id: vpc_id.to_string(),
        zone_id: zone_id.to_string(),
        name: name.map(str::to_string),
        description: description.map(str::to_string),
        cidr_block: String::new(),
        resource_group_id: resource_group_id.map(str::to_string),
        created_ms: ctx.state.clock.now_ms(),
    };
    let mut tx = ctx.state.store.write().await?;
    if let Some(id) = client_token::replayed_in(&mut tx, claim.as_ref()).await? {
        return Ok(json!({ "VSwitchId": id }));
    }
    let mut siblings = tx.vswitch_blocks(account, vpc_id).await?;
    siblings.extend_from_slice(&fixed);
    let cidr = network::place_vswitch(&request, vpc_cidr, &siblings)?;
    tx.insert_vswitch(&vswitch, cidr).await?;
    client_token::record(&mut tx, claim.as_ref(), &vswitch.id, vswitch.created_ms).await?;
    tx.commit().await?;
    Ok(json!({ "VSwitchId": vswitch.id }))
}
