//! What the VPC actions (API 2016-04-28) share: one view of a tenant's networks — the region's
//! built-in default VPC and vSwitches (catalog and fixtures) followed by the tenant's own — with
//! statuses computed from the emulator clock (their wire views are in `describe_vpcs` and
//! `describe_vswitches`), the parameter checks of names, descriptions and resource groups, and
//! `PageNumber`/`PageSize` paging.

use super::Ctx;
use crate::catalog::{self, RESOURCE_GROUPS};
use crate::domain::network::{self, NetworkStatus};
use crate::domain::{limits, network::VSwitch, network::Vpc};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// A VPC as the API shows it, built-in or the tenant's.
#[derive(Debug, Clone)]
pub struct VpcView {
    pub vpc: Vpc,
    pub is_default: bool,
    pub status: NetworkStatus,
    pub vswitch_ids: Vec<String>,
}

/// A vSwitch as the API shows it, built-in or the tenant's.
#[derive(Debug, Clone)]
pub struct VSwitchView {
    pub vswitch: VSwitch,
    pub is_default: bool,
    pub status: NetworkStatus,
    pub route_table_id: String,
}

/// The resource group networks belong to when the request names none (the account's default).
pub fn default_resource_group() -> String {
    RESOURCE_GROUPS.first().copied().unwrap_or("rg-acfmdefault000001").to_string()
}

/// How long new networks stay `Pending` under this run's `--phase-duration`.
pub fn pending_ms(ctx: &Ctx<'_>) -> i64 {
    network::pending_ms(ctx.state.config.phase_duration)
}

fn builtin_vpc(ctx: &Ctx<'_>, region: &str) -> Vpc {
    let builtin = catalog::default_vpc(region);
    Vpc {
        id: builtin.id,
        account: ctx.caller.account.clone(),
        region: region.to_string(),
        name: Some("default".to_string()),
        description: None,
        cidr_block: catalog::DEFAULT_VPC_CIDR.to_string(),
        resource_group_id: Some(default_resource_group()),
        vrouter_id: builtin.vrouter_id,
        route_table_id: builtin.route_table_id,
        created_ms: catalog::BUILTIN_NETWORK_CREATED_MS,
        ipv6_cidr_block: None,
    }
}

/// Every VPC and vSwitch the caller sees in `region`: built-in ones first, then its own newest first.
pub async fn world(ctx: &Ctx<'_>, region: &str) -> ApiResult<(Vec<VpcView>, Vec<VSwitchView>)> {
    let now = ctx.state.clock.now_ms();
    let pending = pending_ms(ctx);
    let account = &ctx.caller.account;
    let stored_vpcs = ctx.state.store.vpcs(account, region).await?;
    let stored_vswitches = ctx.state.store.vswitches(account, region).await?;

    // A network made without `ResourceGroupId` is in the account's default group.
    let mut vpcs: Vec<Vpc> = vec![builtin_vpc(ctx, region)];
    vpcs.extend(
        stored_vpcs
            .into_iter()
            .map(|v| Vpc { resource_group_id: v.resource_group_id.or_else(|| Some(default_resource_group())), ..v }),
    );
    let builtin_vswitches = ctx.state.catalog.builtin_vswitches(region);
    let mut vswitches: Vec<(VSwitch, bool)> = builtin_vswitches
        .into_iter()
        .map(|b| {
            (
                VSwitch {
                    id: b.id,
                    account: account.clone(),
                    region: region.to_string(),
                    vpc_id: b.vpc_id,
                    zone_id: b.zone_id,
                    name: None,
                    description: None,
                    cidr_block: b.cidr_block,
                    resource_group_id: Some(default_resource_group()),
                    created_ms: catalog::BUILTIN_NETWORK_CREATED_MS,
                },
                true,
            )
        })
        .collect();
    vswitches.extend(stored_vswitches.into_iter().map(|v| {
        let resource_group_id = v.resource_group_id.clone().or_else(|| Some(default_resource_group()));
        (VSwitch { resource_group_id, ..v }, false)
    }));

    let vswitch_views = vswitches
        .into_iter()
        .map(|(vswitch, is_default)| {
            let route_table_id =
                vpcs.iter().find(|v| v.id == vswitch.vpc_id).map(|v| v.route_table_id.clone()).unwrap_or_default();
            let status =
                if is_default { NetworkStatus::Available } else { network::status(vswitch.created_ms, now, pending) };
            VSwitchView { vswitch, is_default, status, route_table_id }
        })
        .collect::<Vec<_>>();
    let vpc_views = vpcs
        .into_iter()
        .enumerate()
        .map(|(i, vpc)| {
            let is_default = i == 0;
            let status =
                if is_default { NetworkStatus::Available } else { network::status(vpc.created_ms, now, pending) };
            let vswitch_ids =
                vswitch_views.iter().filter(|v| v.vswitch.vpc_id == vpc.id).map(|v| v.vswitch.id.clone()).collect();
            VpcView { vpc, is_default, status, vswitch_ids }
        })
        .collect();
    Ok((vpc_views, vswitch_views))
}

/// `OwnerId` is a number in the SDK models; accounts that are not numeric show `null`.
pub fn owner_id(account: &str) -> Option<i64> {
    account.parse::<i64>().ok()
}

/// `PageNumber` (from 1, default 1) and `PageSize` (1–50, default 10); out of range is
/// `400 InvalidParameter`.
pub fn page(params: &Params) -> ApiResult<(i64, i64)> {
    let number = params.opt_i64("PageNumber")?.unwrap_or(1);
    if number < 1 {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            "The specified parameter \"PageNumber\" is not valid. It starts at 1.",
        ));
    }
    let size = params.opt_i64("PageSize")?.unwrap_or(limits::DEFAULT_VPC_PAGE_SIZE);
    let (min, max) = limits::VPC_PAGE_SIZE;
    if !(min..=max).contains(&size) {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            format!("The specified parameter \"PageSize\" is not valid. It should be between {min} and {max}."),
        ));
    }
    Ok((number, size))
}

/// One page of `items`.
pub fn slice<T: Clone>(items: &[T], (number, size): (i64, i64)) -> Vec<T> {
    let skip = usize::try_from((number - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(0);
    items.iter().skip(skip).take(take).cloned().collect()
}

/// An optional name (`VpcName` / `VSwitchName`), checked against the documented rules.
pub fn opt_name<'a>(params: &'a Params, key: &str, code: Code) -> ApiResult<Option<&'a str>> {
    match params.opt_str(key) {
        Some(name) if !network::is_valid_name(name) => Err(ApiError::new(code)),
        other => Ok(other),
    }
}

/// An optional `Description`, checked against the documented rules.
pub fn opt_description(params: &Params, code: Code) -> ApiResult<Option<&str>> {
    match params.opt_str("Description") {
        Some(text) if !network::is_valid_description(text) => Err(ApiError::new(code)),
        other => Ok(other),
    }
}

/// An optional `ResourceGroupId`: a resource group of the catalog (`404 InvalidResourceGroup.NotFound`).
pub fn opt_resource_group<'a>(ctx: &Ctx<'a>) -> ApiResult<Option<&'a str>> {
    match ctx.params.opt_str("ResourceGroupId") {
        Some(rg) if !ctx.state.catalog.is_resource_group(rg) => Err(Code::InvalidResourceGroupNotFound.into()),
        other => Ok(other),
    }
}

/// A `DryRun=true` request that passed its checks: `400 DryRunOperation` in Alibaba's APIs. Not
/// served yet: a dry run is refused rather than carried out.
pub fn refuse_dry_run(params: &Params) -> ApiResult<()> {
    if params.opt_bool("DryRun")? == Some(true) {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            "The specified parameter \"DryRun\" is not valid: the emulator does not serve dry runs of VPC actions.",
        ));
    }
    Ok(())
}
