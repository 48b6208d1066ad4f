//! `CancelImagePipelineExecution` (docs/reference.md §4.2): accepted in PREPARING, REPAIRING and BUILDING;
//! the status becomes CANCELLING at once and CANCELLED once the engine has released what the build
//! created. A repeated cancel while CANCELLING succeeds (docs/reference.md §4.2 suggestion).


use super::{region, Ctx};
use crate::domain::execution::{self, CancelDecision};
use crate::domain::refusal::Refusal;
use crate::engine::plan;
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    id: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let id = params.required_str("ExecutionId")?.to_string();
    Ok(Request { region, id })
}

/// An empty answer (`RequestId` only).
pub type Response = super::views::Empty;

pub async fn execute(ctx: &Ctx<'_>, Request { region, id }: Request) -> ApiResult<Response> {
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.store.write().await?;
    let Some(mut execution) = tx.execution(&ctx.caller.account, &region, &id).await? else {
        return Err(Refusal::ExecutionNotFound { id }.into());
    };
    if execution::cancel_decision(&id, execution.status)? == CancelDecision::AlreadyCancelling {
        return Ok(Response {});
    }
    let tail = plan::cancel_tail(&execution.runtime.live, execution.runtime.durations());
    execution.cancel(tail, now);
    tx.save_execution_with_event(&mut execution, now).await?;
    tx.commit().await?;
    ctx.state.engine.wake();
    Ok(Response {})
}
