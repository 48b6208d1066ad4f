//! `DeleteVpc` (VPC 2016-04-28): deletes one of the caller's VPCs once it is `Available` and has no
//! vSwitches (`400 IncorrectVpcStatus`, `400 DependencyViolation.VSwitch`). The region's default
//! VPC always has its built-in vSwitches, so it is refused the same way.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-deletevpc

use serde_json::{json, Value};

use super::networks::{pending_ms, refuse_dry_run};
use super::{region, Ctx};
use crate::catalog;
use crate::error::{ApiError, ApiResult, Code};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("VpcId")?;
    refuse_dry_run(ctx.params)?;
    if catalog::default_vpc(&region).id == id {
        return Err(ApiError::with_message(
            Code::DependencyViolationVSwitch,
            format!("Specified object has dependent resources: the default VPC \"{id}\" has the region's built-in vSwitches."),
        ));
    }
    let now = ctx.state.clock.now_ms();
    ctx.state.store.delete_vpc(&ctx.caller.account, &region, id, now, pending_ms(ctx)).await?;
    Ok(json!({}))
}
