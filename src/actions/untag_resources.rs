//! `UntagResources` (docs/reference.md §7.4): removes the tags `TagKey.N` (≤ 20) from up to 50 resources,
//! or every tag with `All=true` (ignored when `TagKey.N` is given). Keys a resource lacks are
//! ignored; with neither, nothing is removed (the resources must still exist).

use serde::Serialize;

use super::tag_resources::{parse_target, refuse_system_components, Target};
use super::Ctx;
use crate::domain::refusal::Refusal;
use crate::domain::{limits, resources};
use crate::error::{ApiResult, Code};
use crate::params::Params;

pub struct Request {
    target: Target,
    /// The keys to remove; `None` removes every tag (`All=true` without `TagKey.N`).
    keys: Option<Vec<String>>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let target = parse_target(params, false)?;
    let keys: Vec<String> = params.list("TagKey")?.into_iter().filter(|k| !k.is_empty()).collect();
    if keys.len() > limits::MAX_TAGS {
        return Err(Code::NumberExceedTags.into());
    }
    let all = params.opt_bool("All")?.unwrap_or(false);
    refuse_system_components(&target)?;
    let keys = if keys.is_empty() && all { None } else { Some(keys) };
    Ok(Request { target, keys })
}

/// An empty answer (`RequestId` only).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {}

pub async fn execute(ctx: &Ctx<'_>, Request { target, keys }: Request) -> ApiResult<Response> {
    let (account, region) = (ctx.caller.account.as_str(), target.region.as_str());
    let mut tx = ctx.state.store.write().await?;
    let found = tx
        .existing_resources(target.resource_type, account, region, &target.ids)
        .await?
        .ok_or(Refusal::ResourceTypeNotFound)?;
    resources::check_all_found(&target.ids, &found)?;
    for id in &target.ids {
        tx.remove_tags(target.resource_type, id, keys.as_deref()).await?;
    }
    tx.commit().await?;
    Ok(Response {})
}
