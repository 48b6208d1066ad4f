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

use serde_json::{json, Value};

use super::wire;
use super::{check_dry_run, token_claim, Action, Ctx};
use crate::catalog;
use crate::domain::image::REALISTIC_COPY_MS;
use crate::domain::outcome::OutcomeRule;
use crate::domain::{names, tags};
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::Kind;
use crate::store::copies::NewCopy;
use crate::store::images::image_not_found;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let p = ctx.params;
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
    let resource_group_id = p.opt_str("ResourceGroupId");
    ctx.state.catalog.check_resource_group(resource_group_id)?;
    let claim = token_claim(ctx, Action::CopyImage, region)?;
    if let Some(claim) = &claim {
        if let Some(id) = ctx.state.store.replay(claim).await? {
            return Ok(json!({ "ImageId": id }));
        }
    }

    let account = &ctx.caller.account;
    let source = ctx
        .state
        .store
        .find_visible_image(account, region, image_id)
        .await?
        .ok_or_else(|| image_not_found(image_id))?;
    if source.is_public && source.account != *account {
        return Err(image_not_found(image_id));
    }
    if source.is_public {
        return Err(Code::OperationDeniedCommunityImage.into());
    }
    if source.account != *account && destination != region {
        return Err(Code::OperationDeniedSameRegionOnly.into());
    }
    let now = ctx.state.clock.now_ms();
    match source.lifecycle().status(now) {
        "Available" => {}
        "Creating" => return Err(Code::OperationDeniedImageCopying.into()),
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
    check_dry_run(p)?;

    let tagged_outcome = OutcomeRule::from_tags(&ctx.state.store.image_tags(&source.id).await?);
    let id = ctx.state.ids.id(account, Kind::Image);
    let duration = ctx.state.config.phase_duration.unwrap_or(REALISTIC_COPY_MS);
    let copy = NewCopy {
        id: &id,
        account,
        source: &source,
        destination,
        name: name.unwrap_or(&source.name),
        description,
        resource_group_id,
        encrypted: encrypted.unwrap_or(source.encrypted),
        kms_key_id: kms_key_id.or(source.kms_key_id.as_deref()),
        started_ms: now,
        ready_ms: now + duration.max(0),
        tagged_outcome,
    };
    let id = ctx.state.store.copy_image(&copy, &tags, claim.as_ref()).await?;
    Ok(json!({ "ImageId": id }))
}
