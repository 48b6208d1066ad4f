//! `CancelCopyImage` (ECS): cancels a `CopyImage` copy that is still `Creating`; the copy is
//! deleted and the source is unchanged. `RegionId` is the copy's (destination) region. A finished,
//! failed or non-copy image is `400 IncorrectImageStatus` (the page's messages for each case).

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let image_id = ctx.params.required_str("ImageId")?;
    let now = ctx.state.clock.now_ms();
    ctx.state.store.cancel_copy(&ctx.caller.account, &region, image_id, now).await?;
    Ok(json!({}))
}
