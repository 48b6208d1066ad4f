//! `UntagResources` (docs/reference.md §7.4): removes the tags `TagKey.N` (≤ 20) from up to 50 resources,
//! or every tag with `All=true` (ignored when `TagKey.N` is given). Keys a resource lacks are
//! ignored; with neither, nothing is removed (the resources must still exist).

use serde_json::{json, Value};

use super::tag_resources::{parse_target, refuse_system_components};
use super::Ctx;
use crate::domain::refusal::Refusal;
use crate::domain::{limits, resources};
use crate::error::{ApiResult, Code};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let target = parse_target(ctx.params, false)?;
    let keys: Vec<String> = ctx.params.list("TagKey")?.into_iter().filter(|k| !k.is_empty()).collect();
    if keys.len() > limits::MAX_TAGS {
        return Err(Code::NumberExceedTags.into());
    }
    let all = ctx.params.opt_bool("All")?.unwrap_or(false);
    refuse_system_components(&target)?;
    let keys = if keys.is_empty() && all { None } else { Some(keys.as_slice()) };
    let (account, region) = (ctx.caller.account.as_str(), target.region.as_str());
    let mut tx = ctx.state.store.write().await?;
    let found = tx
        .existing_resources(target.resource_type, account, region, &target.ids)
        .await?
        .ok_or(Refusal::ResourceTypeNotFound)?;
    resources::check_all_found(&target.ids, &found)?;
    for id in &target.ids {
        tx.remove_tags(target.resource_type, id, keys).await?;
    }
    tx.commit().await?;
    Ok(json!({}))
}
