//! `ModifyImageAttribute` (ECS): renames an owned custom image, or changes its description, image
//! family, status (`Deprecated` / `Available`), boot mode, licence type or features. Deprecating the
//! newest image of a family rolls the family back: `DescribeImageFromFamily` and new
//! `IMAGE_FAMILY` builds then use the newest image still `Available`. Reference:
//! https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimageattribute
//!
//! Documented: a shared image cannot be deprecated (`403 ImageUseShared`); only an `Available`
//! image can be deprecated (`403 ImageStatus.NotAvailable`) and only a `Deprecated` one made
//! `Available` (`403 ImageStatus.NotDeprecated`); a copy still `Creating` cannot be changed
//! (`403 InvalidStatus.ImageIsCreating`); `Features.ImdsSupport` cannot go from v2 to v1; arm64
//! images cannot boot in BIOS mode (`400 InvalidBootMode.NotSupport`).
//!
//! Our choices where the page is silent: an unknown `Status` or `Features.NvmeSupport` is
//! `400 InvalidParameter`; `LicenseType` takes the model's values (Auto, Aliyun, BYOL).


use super::{check_dry_run, region, Ctx};
use crate::domain::image::{
    Architecture, BootMode, ImageStatus, ImdsSupport, LicenseType, NvmeSupport, SETTABLE_STATUSES,
};
use crate::domain::names;
use crate::domain::wire_enum::{parse_in, WireEnum};
use crate::domain::refusal::Refusal;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::images::ImageChanges;

/// An optional value of `allowed`, failing with `error`.
fn one_of<E: WireEnum>(value: Option<&str>, allowed: &[E], error: ApiError) -> ApiResult<Option<E>> {
    match value {
        Some(v) => parse_in(v, allowed).map(Some).ok_or(error),
        None => Ok(None),
    }
}

pub struct Request {
    region: String,
    image_id: String,
    changes: ImageChanges,
}

pub fn parse(p: &Params) -> ApiResult<Request> {
    let region = region(p)?;
    let image_id = p.required_str("ImageId")?;
    let name = p.opt_str("ImageName");
    if name.is_some_and(|n| !names::is_valid_ecs_image_name(n)) {
        return Err(Code::InvalidImageNameMalformed.into());
    }
    let description = p.opt_str("Description");
    if description.is_some_and(|d| !names::is_valid_description(d)) {
        return Err(Code::InvalidDescriptionMalformed.into());
    }
    let family = p.opt_str("ImageFamily");
    if family.is_some_and(|f| !names::is_valid_ecs_image_name(f)) {
        return Err(Code::InvalidImageFamilyMalformed.into());
    }
    let status = one_of(p.opt_str("Status"), SETTABLE_STATUSES, ApiError::invalid_param("Status"))?;
    let boot_mode = one_of(p.opt_str("BootMode"), BootMode::ALL, Code::InvalidBootModeNotSupport.into())?;
    let license_type = one_of(p.opt_str("LicenseType"), LicenseType::ALL, Code::InvalidLicenseTypeNotSupported.into())?;
    let features = p.object("Features");
    let nvme_support = one_of(
        features.opt_str("NvmeSupport"),
        &[NvmeSupport::Supported, NvmeSupport::Unsupported],
        ApiError::invalid_param("Features.NvmeSupport"),
    )?;
    let imds_support =
        one_of(features.opt_str("ImdsSupport"), ImdsSupport::ALL, Code::InvalidParameterFeaturesImdsSupport.into())?;
    Ok(Request {
        region,
        image_id: image_id.to_string(),
        changes: ImageChanges {
            name: name.map(str::to_string),
            description: description.map(str::to_string),
            family: family.map(str::to_string),
            status,
            boot_mode,
            license_type,
            nvme_support,
            imds_support,
        },
    })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, image_id, changes }: Request) -> ApiResult<Response> {
    let image = ctx
        .state
        .store
        .owned_image(&ctx.caller.account, &region, &image_id)
        .await?
        .ok_or_else(|| Refusal::ImageNotFound { id: image_id.clone() })?;
    let current = image.lifecycle().status(ctx.state.clock.now_ms());
    if current == ImageStatus::Creating {
        return Err(Code::InvalidStatusImageIsCreating.into());
    }
    match changes.status {
        Some(ImageStatus::Deprecated) if current != ImageStatus::Available => {
            return Err(Code::ImageStatusNotAvailable.into())
        }
        Some(ImageStatus::Deprecated) if ctx.state.store.image_is_shared(&image.id).await? => {
            return Err(ApiError::with_message(
                Code::ImageUseShared,
                "The specified image has been shared to others, please remove shared accounts first.",
            ))
        }
        Some(ImageStatus::Available) if current != ImageStatus::Deprecated => {
            return Err(Code::ImageStatusNotDeprecated.into())
        }
        _ => {}
    }
    if changes.boot_mode == Some(BootMode::Bios) && Architecture::parse(&image.architecture) == Some(Architecture::Arm64) {
        return Err(ApiError::with_message(
            Code::InvalidBootModeNotSupport,
            "The specified parameter BootMode is not supported for current image architecture.",
        ));
    }
    if changes.imds_support == Some(ImdsSupport::V1) && image.imds_support == Some(ImdsSupport::V2) {
        return Err(Code::InvalidOperationFeaturesImdsSupportNotMatch.into());
    }
    check_dry_run(ctx.params)?;
    let mut tx = ctx.state.store.write().await?;
    if let Some(name) = &changes.name {
        if tx.image_named(&ctx.caller.account, &region, name, Some(&image.id)).await?.is_some() {
            return Err(Refusal::ImageNameTaken { name: name.clone() }.into());
        }
    }
    tx.modify_image(&ctx.caller.account, &region, &image.id, &changes).await?;
    tx.commit().await?;
    Ok(Response {})
}
