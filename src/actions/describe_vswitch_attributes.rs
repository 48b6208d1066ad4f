//! `DescribeVSwitchAttributes` (VPC 2016-04-28): one vSwitch the caller sees
//! (`404 InvalidVSwitchId.NotFound` otherwise).
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevswitchattributes

use serde_json::Value;

use super::networks::{vswitch_json, world};
use super::{region, Ctx};
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("VSwitchId")?;
    let (_, vswitches) = world(ctx, &region).await?;
    let view = vswitches
        .into_iter()
        .find(|v| v.vswitch.id == id)
        .ok_or_else(|| Refusal::VSwitchNotFound { id: id.to_string() })?;
    Ok(vswitch_json(&view))
}
