//! `DeleteImage` (ECS API): deletes one of the caller's custom images. An image shared with other
//! accounts needs `Force=true` (`403 ImageUseShared`). An unknown ID is `404 InvalidImageId.NotFound`
//! (the ECS error table; its parameter text says such a request "is ignored" — we follow the table).
//! `DryRun=true` runs every check and answers `400 DryRunOperation`; nothing is deleted.


use super::{region, Ctx};
use crate::domain::image;
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    image_id: String,
    force: bool,
    dry_run: bool,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let image_id = params.required_str("ImageId")?.to_string();
    let force = params.opt_bool("Force")?.unwrap_or(false);
    let dry_run = params.opt_bool("DryRun")?.unwrap_or(false);
    Ok(Request { region, image_id, force, dry_run })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, image_id, force, dry_run }: Request) -> ApiResult<Response> {
    let mut tx = ctx.state.store.write().await?;
    if !tx.owns_image(&ctx.caller.account, &region, &image_id).await? {
        return Err(Refusal::ImageNotFound { id: image_id }.into());
    }
    image::check_delete(tx.image_share_count(&image_id).await? > 0, force, dry_run)?;
    tx.delete_image(&image_id).await?;
    tx.commit().await?;
    Ok(Response {})
}
