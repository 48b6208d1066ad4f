//! `ModifyImageSharePermission` (ECS): shares an owned custom image with other accounts
//! (`AddAccount.N`), unshares it (`RemoveAccount.N`), or publishes / unpublishes it as a community
//! image (`IsPublic`). Reference:
//! https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission
//!
//! Documented: only the first 10 accounts of each list are processed, the rest ignored; an image is
//! shared with at most 50 accounts (`403 QuotaExceed.ShareImageUser`); not with yourself
//! (`404 InvalidAccount.Forbbiden`, sic); not while deprecated (`403 OperationDenied.InvalidImageStatus`);
//! unpublishing needs a community image (`403 Image.NotPublic`); community images cannot be shared
//! (`403 Image.Public`); service-key-encrypted images cannot be shared
//! (`403 InvalidOperation.ServiceKeyEncryptedImageUnsupported`). `DryRun` checks and changes nothing.
//!
//! Our choices where the page is silent: an account "exists" when it is a 16-digit numeric ID (the
//! emulator's account form), else `404 InvalidAccount.NotFound`; removing an account the image is
//! not shared with is a no-op; `IsPublic=true` together with `AddAccount.N`/`RemoveAccount.N` is
//! `403 InvalidParameter.IsPublic`; a copy still `Creating` can be shared (the real service allows
//! sharing only once Available — not documented, so not enforced).


use super::{check_dry_run, region, Ctx};
use crate::domain::image::ImageStatus;
use crate::domain::limits;
use crate::domain::refusal::Refusal;
use crate::domain;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// `prefix.N`: distinct, non-empty, the first 10; each an existing account.
fn accounts(params: &Params, prefix: &str) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for account in params.list(prefix)?.into_iter().filter(|a| !a.is_empty()) {
        if out.len() == limits::MAX_SHARE_ACCOUNTS_PER_CALL {
            break;
        }
        if !crate::ids::is_account_id(&account) {
            return Err(ApiError::with_message(
                Code::InvalidAccountNotFound,
                format!("The specified account {account} in parameter \"{prefix}.n\" does not exist."),
            ));
        }
        if !out.contains(&account) {
            out.push(account);
        }
    }
    Ok(out)
}

pub struct Request {
    region: String,
    image_id: String,
    add: Vec<String>,
    remove: Vec<String>,
    is_public: Option<bool>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let image_id = params.required_str("ImageId")?.to_string();
    let add = accounts(params, "AddAccount")?;
    let remove = accounts(params, "RemoveAccount")?;
    let is_public = params.opt_bool("IsPublic")?;
    if is_public == Some(true) && !(add.is_empty() && remove.is_empty()) {
        return Err(Code::InvalidParameterIsPublic.into());
    }
    Ok(Request { region, image_id, add, remove, is_public })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, image_id, add, remove, is_public } = request;
    let image = ctx
        .state
        .store
        .owned_image(&ctx.caller.account, &region, &image_id)
        .await?
        .ok_or_else(|| Refusal::ImageNotFound { id: image_id.clone() })?;
    if add.contains(&ctx.caller.account) {
        return Err(Code::InvalidAccountForbbiden.into());
    }
    let now = ctx.state.clock.now_ms();
    let status = image.lifecycle().status(now);
    if (!add.is_empty() || is_public == Some(true)) && status == ImageStatus::Deprecated {
        return Err(Code::OperationDeniedInvalidImageStatus.into());
    }
    if !add.is_empty() && image.is_public {
        return Err(Code::ImagePublic.into());
    }
    if !add.is_empty() && image.encrypted && image.kms_key_id.is_none() {
        return Err(Code::InvalidOperationServiceKeyEncryptedImageUnsupported.into());
    }
    // Unpublishing alone: only a community image can be unpublished.
    if is_public == Some(false) && add.is_empty() && remove.is_empty() && !image.is_public {
        return Err(Code::ImageNotPublic.into());
    }
    // DryRun is checked after the image's own checks (the documented order).
    check_dry_run(ctx.params)?;
    let mut tx = ctx.state.store.write().await?;
    tx.change_image_shares(&image.id, &add, &remove, now).await?;
    domain::image::check_share_quota(tx.image_share_count(&image.id).await?, limits::MAX_SHARE_ACCOUNTS_PER_IMAGE)?;
    if let Some(public) = is_public {
        tx.set_image_public(&image.id, public).await?;
    }
    tx.commit().await?;
    Ok(Response {})
}
