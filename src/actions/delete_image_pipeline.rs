//! `DeleteImagePipeline` (docs/reference.md §3.3): deletes one of the caller's templates, its tags and its
//! build history; `InvalidImagePipeline.NotFound` if it is not the caller's,
//! `InvalidImagePipeline.HasRunningExecution` while a build is not terminal.


use super::{region, Ctx};
use crate::domain::execution;
use crate::domain::refusal::Refusal;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let id = params.required_str("ImagePipelineId")?.to_string();
    Ok(Request { region, id })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, id }: Request) -> ApiResult<Response> {
    let mut tx = ctx.state.store.write().await?;
    let Some(check) = tx.pipeline_with_running_build(&ctx.caller.account, &region, &id).await? else {
        return Err(Refusal::PipelineNotFound { id }.into());
    };
    execution::check_can_delete_pipeline(&id, check.running)?;
    tx.delete_pipeline(&id, check.built).await?;
    tx.commit().await?;
    Ok(Response {})
}
