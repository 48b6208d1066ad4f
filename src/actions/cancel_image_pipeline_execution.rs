//! `CancelImagePipelineExecution` (docs/reference.md §4.2): accepted in PREPARING, REPAIRING and BUILDING;
//! the status becomes CANCELLING at once and CANCELLED once the engine has released what the build
//! created. A repeated cancel while CANCELLING succeeds (docs/reference.md §4.2 suggestion).

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::domain::execution::{self, CancelDecision};
use crate::domain::refusal::Refusal;
use crate::engine::plan;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("ExecutionId")?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.store.write().await?;
    let Some(mut execution) = tx.execution(&ctx.caller.account, &region, id).await? else {
        return Err(Refusal::ExecutionNotFound { id: id.to_string() }.into());
    };
    if execution::cancel_decision(id, execution.status)? == CancelDecision::AlreadyCancelling {
        return Ok(json!({}));
    }
    let tail = plan::cancel_tail(&execution.runtime.live, execution.runtime.durations());
    execution.cancel(tail, now);
    tx.save_execution_with_event(&mut execution, now).await?;
    tx.commit().await?;
    ctx.state.engine.wake();
    Ok(json!({}))
}
