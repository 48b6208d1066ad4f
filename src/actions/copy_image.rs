//! `CopyImage` (ECS): copies a custom image to a region (another one, or the same one to change
//! its encryption). The copy is `Creating` with a growing `Progress` until it is due on the emulator
//! clock (a build's copy-step duration, or `--phase-duration`), then `Available`. Scripted outcomes
//! apply as to a build's copies (see `domain::outcome`): a scripted copy ends `CreateFailed`.
//! Fault rules apply as to every action. Reference:
//! https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-copyimage
//!
//! Our choices where the page is silent: `DestinationRegionId` is required
//! (`400 MissingDestinationRegionId`); the copy keeps the source's name (unless
//! `DestinationImageName`), description, image family, boot mode and licence type; `Encrypted`
//! defaults to the source's; a `KMSKeyId` is accepted as given (no KMS is modelled); only custom
//! images are copied (a public image ID is `404 InvalidImageId.NotFound`).

use serde::Serialize;

use super::wire;
use super::{check_dry_run, token_claim, Action, Ctx};
use crate::catalog;
use crate::domain::image::{ImageStatus, REALISTIC_COPY_MS};
use crate::domain::outcome::OutcomeRule;
use crate::domain::names;
use super::client_token;
use crate::domain::image;
use crate::domain::refusal::Refusal;
use crate::error::{ApiError, ApiResult, Code};
use crate::domain::tags::Tag;
use crate::params::Params;
use crate::ids::Kind;
use crate::store::copies::NewCopy;

pub struct Request {
    region: String,
    image_id: String,
    destination: String,
    name: Option<String>,
    description: Option<String>,
    tags: Vec<Tag>,
    encrypted: Option<bool>,
    kms_key_id: Option<String>,
}

pub fn parse(p: &Params) -> ApiResult<Request> {
    let region = p.required_str("RegionId")?;
    if !catalog::is_region(region) {
        return Err(ApiError::with_message(
            Code::SourceRegionNotFound,
            format!("The source region \"{region}\" not found."),
        ));
    }
    let image_id = p.required_str("ImageId")?;
    let destination = p.required_str("DestinationRegionId")?;
    if !catalog::is_region(destination) {
        return Err(ApiError::with_message(
            Code::DestinationRegionNotFound,
            format!("The destination region \"{destination}\" not found."),
        ));
    }
    let name = p.opt_str("DestinationImageName");
    if name.is_some_and(|n| !names::is_valid_ecs_image_name(n)) {
        return Err(ApiError::with_message(
            Code::InvalidImageNameMalformed,
            "The specified destination image name is wrongly formed.",
        ));
    }
    let description = p.opt_str("DestinationDescription");
    if description.is_some_and(|d| !names::is_valid_description(d)) {
        return Err(ApiError::with_message(
            Code::InvalidDescriptionMalformed,
            "The specified destination description is wrongly formed.",
        ));
    }
    let tags = wire::tags(p, "Tag")?;
    let encrypted = p.opt_bool("Encrypted")?;
    let kms_key_id = p.opt_str("KMSKeyId");
    if kms_key_id.is_some() && encrypted != Some(true) {
        return Err(Code::InvalidEncryptedNotMatchKmsKeyId.into());
    }
    Ok(Request {
        region: region.to_string(),
        image_id: image_id.to_string(),
        destination: destination.to_string(),
        name: name.map(str::to_string),
        description: description.map(str::to_string),
        tags,
        encrypted,
        kms_key_id: kms_key_id.map(str::to_string),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    image_id: String,
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, image_id, destination, name, description, tags, encrypted, kms_key_id } = request;
    // The resource group is checked against the catalog (fixtures included), after the parameters.
    let resource_group_id = ctx.params.opt_str("ResourceGroupId");
    ctx.state.catalog.check_resource_group(resource_group_id)?;
    let claim = token_claim(ctx, Action::CopyImage, &region)?;
    if let Some(id) = client_token::replayed(&ctx.state.store, claim.as_ref()).await? {
        return Ok(Response { image_id: id });
    }

    let account = &ctx.caller.account;
    let source = ctx
        .state
        .store
        .find_visible_image(account, &region, &image_id)
        .await?
        .ok_or_else(|| Refusal::ImageNotFound { id: image_id.clone() })?;
    if source.is_public && source.account != *account {
        return Err(Refusal::ImageNotFound { id: image_id.clone() }.into());
    }
    if source.is_public {
        return Err(Code::OperationDeniedCommunityImage.into());
    }
    if source.account != *account && destination != region {
        return Err(Code::OperationDeniedSameRegionOnly.into());
    }
    let now = ctx.state.clock.now_ms();
    match source.lifecycle().status(now) {
        ImageStatus::Available => {}
        ImageStatus::Creating => return Err(Code::OperationDeniedImageCopying.into()),
        other => {
            return Err(ApiError::with_message(
                Code::IncorrectImageStatus,
                format!("The image not available: \"{image_id}\" is {other}."),
            ))
        }
    }
    if source.encrypted && encrypted == Some(false) {
        return Err(Code::OperationDeinedEncryptedSnapshot.into());
    }
    check_dry_run(ctx.params)?;

    let tagged_outcome = OutcomeRule::from_tags(&ctx.state.store.image_tags(&source.id).await?);
    let id = ctx.state.ids.id(account, Kind::Image);
    let duration = ctx.state.config.phase_duration.unwrap_or(REALISTIC_COPY_MS);
    let name = name.as_deref().unwrap_or(&source.name);

    let mut tx = ctx.state.store.write().await?;
    if let Some(id) = client_token::replayed_in(&mut tx, claim.as_ref()).await? {
        return Ok(Response { image_id: id });
    }
    let name_taken = tx.image_named(account, &destination, name, None).await?.is_some();
    let in_flight = tx.copy_in_flight(&source.id, &destination, now).await?;
    image::check_copy(name, &destination, name_taken, &source.id, in_flight)?;
    // A control-plane rule (used up here), else the source image's `emulator:outcome` tag.
    let rules = tx.outcome_rules().await?;
    let scripted = match rules.into_iter().find(|s| s.rule.matches_copy(account, &source.id, &destination)) {
        Some(stored) => {
            tx.use_outcome(&stored).await?;
            Some(stored.rule)
        }
        None => tagged_outcome.filter(|rule| rule.matches_copy(account, &source.id, &destination)),
    };
    let copy = NewCopy {
        id: &id,
        account,
        source: &source,
        destination: &destination,
        name,
        description: description.as_deref(),
        resource_group_id,
        encrypted: encrypted.unwrap_or(source.encrypted),
        kms_key_id: kms_key_id.as_deref().or(source.kms_key_id.as_deref()),
        started_ms: now,
        ready_ms: now + duration.max(0),
        failure: scripted.map(image::copy_failure),
    };
    tx.insert_copy(&copy, &tags).await?;
    client_token::record(&mut tx, claim.as_ref(), &id, now).await?;
    tx.commit().await?;
    Ok(Response { image_id: id })
}
