//! `UntagResources` (docs/reference.md §7.4): removes the tags `TagKey.N` (≤ 20) from up to 50 resources,
//! or every tag with `All=true` (ignored when `TagKey.N` is given). Keys a resource lacks are
//! ignored; with neither, nothing is removed (the resources must still exist).


use super::tag_resources::{check_targets_exist, parse_target, refuse_system_components, Target};
use super::Ctx;
use crate::domain::limits;
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
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { target, keys }: Request) -> ApiResult<Response> {
    let (account, _region) = (ctx.caller.account.as_str(), target.region.as_str());
    let mut tx = ctx.state.store.write().await?;
    check_targets_exist(&mut tx, account, &target).await?;
    for id in &target.ids {
        tx.remove_tags(target.resource_type, id, keys.as_deref()).await?;
    }
    tx.commit().await?;
    Ok(Response {})
}
