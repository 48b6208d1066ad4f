//! `DeleteVpc` (VPC 2016-04-28): deletes one of the caller's VPCs once it is `Available` and has no
//! vSwitches (`400 IncorrectVpcStatus`, `400 DependencyViolation.VSwitch`). The region's default
//! VPC always has its built-in vSwitches, so it is refused the same way.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-deletevpc


use super::networks::{pending_ms, refuse_dry_run};
use super::{region, Ctx};
use crate::catalog;
use crate::domain::network::{self, NetworkKind};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

pub struct Request {
    region: String,
    id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let id = params.required_str("VpcId")?.to_string();
    refuse_dry_run(params)?;
    if catalog::default_vpc(&region).id == id {
        return Err(ApiError::with_message(
            Code::DependencyViolationVSwitch,
            format!("Specified object has dependent resources: the default VPC \"{id}\" has the region's built-in vSwitches."),
        ));
    }
    Ok(Request { region, id })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, id }: Request) -> ApiResult<Response> {
    let now = ctx.state.clock.now_ms();
    let account = ctx.caller.account.as_str();
    let mut tx = ctx.state.store.write().await?;
    let created = tx.network_created_ms(NetworkKind::Vpc, (account, &region, &id)).await?;
    network::check_deletable(NetworkKind::Vpc, &id, created, now, pending_ms(ctx))?;
    network::check_vpc_empty(&id, tx.vswitch_count(account, &id).await?)?;
    tx.delete_vpc(&id).await?;
    tx.commit().await?;
    Ok(Response {})
}
