//! `DeleteImagePipeline` (docs/reference.md §3.3): deletes one of the caller's templates.

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("ImagePipelineId")?;
    ctx.state.store.delete_pipeline(&ctx.caller.account, &region, id).await?;
    Ok(json!({}))
}
