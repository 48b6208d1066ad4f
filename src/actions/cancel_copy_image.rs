//! `CancelCopyImage` (ECS): cancels a `CopyImage` copy that is still `Creating`; the copy is
//! deleted and the source is unchanged. `RegionId` is the copy's (destination) region. A finished,
//! failed or non-copy image is `400 IncorrectImageStatus` (the page's messages for each case).

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::domain::image;
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let image_id = ctx.params.required_str("ImageId")?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.store.write().await?;
    let Some((status, ready_ms, failed)) = tx.copy_state(&ctx.caller.account, &region, image_id).await? else {
        return Err(Refusal::ImageNotFound { id: image_id.to_string() }.into());
    };
    image::check_cancel_copy(&status, ready_ms, failed, now)?;
    tx.delete_image(image_id).await?;
    tx.commit().await?;
    Ok(json!({}))
}
