//! `CancelCopyImage` (ECS): cancels a `CopyImage` copy that is still `Creating`; the copy is
//! deleted and the source is unchanged. `RegionId` is the copy's (destination) region. A finished,
//! failed or non-copy image is `400 IncorrectImageStatus` (the page's messages for each case).


use super::{region, Ctx};
use crate::domain::image;
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    image_id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let image_id = params.required_str("ImageId")?.to_string();
    Ok(Request { region, image_id })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, image_id }: Request) -> ApiResult<Response> {
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.store.write().await?;
    let Some((status, ready_ms, failed)) = tx.copy_state(&ctx.caller.account, &region, &image_id).await? else {
        return Err(Refusal::ImageNotFound { id: image_id }.into());
    };
    image::check_cancel_copy(&status, ready_ms, failed, now)?;
    tx.delete_image(&image_id).await?;
    tx.commit().await?;
    Ok(Response {})
}
