//! `DeleteImage` (ECS API): deletes one of the caller's custom images. An image shared with other
//! accounts needs `Force=true` (`403 ImageUseShared`). An unknown ID is `404 InvalidImageId.NotFound`
//! (the ECS error table; its parameter text says such a request "is ignored" — we follow the table).
//! `DryRun=true` runs every check and answers `400 DryRunOperation`; nothing is deleted.

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::domain::image;
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let image_id = ctx.params.required_str("ImageId")?;
    let force = ctx.params.opt_bool("Force")?.unwrap_or(false);
    let dry_run = ctx.params.opt_bool("DryRun")?.unwrap_or(false);
    let mut tx = ctx.state.store.write().await?;
    if !tx.owns_image(&ctx.caller.account, &region, image_id).await? {
        return Err(Refusal::ImageNotFound { id: image_id.to_string() }.into());
    }
    image::check_delete(tx.image_share_count(image_id).await? > 0, force, dry_run)?;
    tx.delete_image(image_id).await?;
    tx.commit().await?;
    Ok(json!({}))
}
