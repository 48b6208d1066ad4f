//! `DeleteImagePipeline` (docs/reference.md §3.3): deletes one of the caller's templates, its tags and its
//! build history; `InvalidImagePipeline.NotFound` if it is not the caller's,
//! `InvalidImagePipeline.HasRunningExecution` while a build is not terminal.

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::domain::execution;
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("ImagePipelineId")?;
    let mut tx = ctx.state.store.write().await?;
    if !tx.pipeline_exists(&ctx.caller.account, &region, id).await? {
        return Err(Refusal::PipelineNotFound { id: id.to_string() }.into());
    }
    execution::check_can_delete_pipeline(id, tx.running_execution(id).await?)?;
    tx.delete_pipeline(id).await?;
    tx.commit().await?;
    Ok(json!({}))
}
