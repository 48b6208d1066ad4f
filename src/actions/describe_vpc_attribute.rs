//! `DescribeVpcAttribute` (VPC 2016-04-28): one VPC the caller sees (`404 InvalidVpcId.NotFound`
//! otherwise), with the count of its vSwitches under `CloudResources`.
//! https://www.alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-describevpcattribute

use serde_json::{json, Value};

use super::networks::{vpc_json, world};
use super::{region, Ctx};
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("VpcId")?;
    let (vpcs, _) = world(ctx, &region).await?;
    let view = vpcs.into_iter().find(|v| v.vpc.id == id).ok_or_else(|| Refusal::VpcNotFound { id: id.to_string() })?;
    let mut body = vpc_json(&view);
    if let Value::Object(map) = &mut body {
        map.insert("ClassicLinkEnabled".into(), json!(false));
        map.insert(
            "CloudResources".into(),
            json!({ "CloudResourceSetType": [{ "ResourceType": "VSwitch", "ResourceCount": view.vswitch_ids.len() }] }),
        );
        for unused in ["RouterTableIds", "NatGatewayIds"] {
            map.remove(unused);
        }
    }
    Ok(body)
}
