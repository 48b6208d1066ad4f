//! `DeleteVSwitch` (VPC 2016-04-28): deletes one of the caller's vSwitches once it is `Available`
//! and nothing uses it (`400 IncorrectVSwitchStatus`; `400 DependencyViolation` while an image
//! template names it or a build's transit instance runs in it). Built-in vSwitches are shared by
//! every account and cannot be deleted (`400 DependencyViolation`).
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-deletevswitch

use serde_json::{json, Value};

use super::networks::{pending_ms, refuse_dry_run};
use super::{region, Ctx};
use crate::error::{ApiError, ApiResult, Code};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("VSwitchId")?;
    refuse_dry_run(ctx.params)?;
    if ctx.state.catalog.builtin_vswitches(&region).iter().any(|v| v.id == id) {
        return Err(ApiError::with_message(
            Code::DependencyViolation,
            format!(
                "Specified object has dependent resources: \"{id}\" is a built-in vSwitch shared by every account."
            ),
        ));
    }
    let now = ctx.state.clock.now_ms();
    ctx.state.store.delete_vswitch(&ctx.caller.account, &region, id, now, pending_ms(ctx)).await?;
    Ok(json!({}))
}
