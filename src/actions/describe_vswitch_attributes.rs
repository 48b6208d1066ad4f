//! `DescribeVSwitchAttributes` (VPC 2016-04-28): one vSwitch the caller sees
//! (`404 InvalidVSwitchId.NotFound` otherwise).
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevswitchattributes

use super::describe_vswitches::VSwitchItem;
use super::networks::world;
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
    let id = params.required_str("VSwitchId")?.to_string();
    Ok(Request { region, id })
}

/// The vSwitch, as a DescribeVSwitches item.
pub type Response = VSwitchItem;

pub async fn execute(ctx: &Ctx<'_>, Request { region, id }: Request) -> ApiResult<Response> {
    let (_, vswitches) = world(ctx, &region).await?;
    let view = vswitches.into_iter().find(|v| v.vswitch.id == id).ok_or_else(|| Refusal::VSwitchNotFound { id: id.clone() })?;
    Ok(VSwitchItem::of(&view))
}
