//! `TagResources` (docs/reference.md §7.4): adds tags to up to 50 image templates (`imagepipeline`) or
//! custom image components (`imagecomponent`); an existing key gets the new value, and a resource
//! carries at most 20 tags. Also the target parsing the three tag actions share (RegionId,
//! ResourceType, ResourceId.N, with the error codes of the tag API docs).


use super::wire;
use super::{check_region, Ctx};
use crate::catalog::components as system;
use crate::domain::limits;
use crate::domain::refusal::Refusal;
use crate::domain::resources;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::components::RESOURCE_TYPE_COMPONENT;
use crate::domain::tags::Tag;
use crate::store::tag_resources::TAGGABLE;
use crate::store::WriteTx;

/// The resources a tag action addresses.
pub struct Target {
    pub region: String,
    pub resource_type: &'static str,
    /// Distinct IDs in the order given.
    pub ids: Vec<String>,
}

/// Parses `RegionId`, `ResourceType` and `ResourceId.N` (1–50; required unless `ids_optional`).
/// The tag API docs give their own codes for a missing RegionId/ResourceType/ResourceId.N.
pub fn parse_target(params: &Params, ids_optional: bool) -> ApiResult<Target> {
    let region = params.opt_str("RegionId").ok_or(Code::MissingParameterRegionId)?;
    check_region(region)?;
    let text = params.opt_str("ResourceType").ok_or(Code::MissingParameterResourceType)?;
    let resource_type = TAGGABLE.iter().copied().find(|t| *t == text).ok_or_else(|| {
        ApiError::with_message(
            Code::InvalidResourceTypeNotFound,
            format!(
                "The ResourceType \"{text}\" provided does not exist in our records. Valid values: {}.",
                TAGGABLE.join(", ")
            ),
        )
    })?;
    let mut ids: Vec<String> = Vec::new();
    for id in params.list("ResourceId")? {
        if !id.is_empty() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > limits::MAX_TAG_RESOURCE_IDS {
        return Err(Code::NumberExceedResourceIds.into());
    }
    if ids.is_empty() && !ids_optional {
        return Err(Code::MissingParameterResourceIds.into());
    }
    Ok(Target { region: region.to_string(), resource_type, ids })
}

/// `403 InvalidResourceId.NotSupported` for system components: they are read-only.
/// Inside the write: every resource of `target` is the caller's (`InvalidResourceId.NotFound`
/// otherwise) and its type is one we tag (`InvalidResourceType.NotFound`).
pub async fn check_targets_exist(tx: &mut WriteTx, account: &str, target: &Target) -> ApiResult<()> {
    let found = tx
        .existing_resources(target.resource_type, account, &target.region, &target.ids)
        .await?
        .ok_or(Refusal::ResourceTypeNotFound)?;
    Ok(resources::check_all_found(&target.ids, &found)?)
}

pub fn refuse_system_components(target: &Target) -> ApiResult<()> {
    if target.resource_type != RESOURCE_TYPE_COMPONENT {
        return Ok(());
    }
    match target.ids.iter().find(|id| system::is_system(id)) {
        Some(id) => Err(ApiError::with_message(
            Code::InvalidResourceIdNotSupported,
            format!("The specified ResourceId \"{id}\" does not support tagging: it is a system component."),
        )),
        None => Ok(()),
    }
}

pub struct Request {
    target: Target,
    tags: Vec<Tag>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let target = parse_target(params, false)?;
    let tags = wire::tags(params, "Tag")?;
    if tags.is_empty() {
        return Err(Code::MissingParameterTags.into());
    }
    refuse_system_components(&target)?;
    Ok(Request { target, tags })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { target, tags }: Request) -> ApiResult<Response> {
    let (account, region) = (ctx.caller.account.as_str(), target.region.as_str());
    let mut tx = ctx.state.store.write().await?;
    check_targets_exist(&mut tx, account, &target).await?;
    for id in &target.ids {
        resources::check_tagging(id, &tx.tag_keys(target.resource_type, id).await?, &tags)?;
        tx.put_tags((account, region), target.resource_type, id, &tags).await?;
    }
    tx.commit().await?;
    Ok(Response {})
}
