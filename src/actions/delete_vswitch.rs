//! `DeleteVSwitch` (VPC 2016-04-28): deletes one of the caller's vSwitches once it is `Available`
//! and nothing uses it (`400 IncorrectVSwitchStatus`; `400 DependencyViolation` while an image
//! template names it or a build's transit instance runs in it). Built-in vSwitches are shared by
//! every account and cannot be deleted (`400 DependencyViolation`).
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-deletevswitch


use super::networks::{pending_ms, refuse_dry_run};
use super::{region, Ctx};
use crate::domain::network::{self, NetworkKind};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

pub struct Request {
    region: String,
    id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let id = params.required_str("VSwitchId")?.to_string();
    refuse_dry_run(params)?;
    Ok(Request { region, id })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, id }: Request) -> ApiResult<Response> {
    if ctx.state.catalog.builtin_vswitches(&region).iter().any(|v| v.id == id) {
        return Err(ApiError::with_message(
            Code::DependencyViolation,
            format!(
                "Specified object has dependent resources: \"{id}\" is a built-in vSwitch shared by every account."
            ),
        ));
    }
    let now = ctx.state.clock.now_ms();
    let account = ctx.caller.account.as_str();
    let mut tx = ctx.state.store.write().await?;
    let created = tx.network_created_ms(NetworkKind::VSwitch, (account, &region, &id)).await?;
    network::check_deletable(NetworkKind::VSwitch, &id, created, now, pending_ms(ctx))?;
    let build = tx.build_in_vswitch(account, &region, &id).await?;
    let template = tx.template_in_vswitch(account, &region, &id).await?;
    network::check_vswitch_unused(&id, build, template)?;
    tx.delete_vswitch(&id).await?;
    tx.commit().await?;
    Ok(Response {})
}
