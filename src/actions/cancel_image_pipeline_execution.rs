//! `CancelImagePipelineExecution` (docs/reference.md §4.2): accepted in PREPARING, REPAIRING and BUILDING;
//! the status becomes CANCELLING at once and CANCELLED once the engine has released what the build
//! created. A repeated cancel while CANCELLING succeeds (docs/reference.md §4.2 suggestion).

use serde_json::{json, Value};

use super::{region, Ctx};
use crate::engine::plan;
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let id = ctx.params.required_str("ExecutionId")?;
    let now = ctx.state.clock.now_ms();
    ctx.state
        .store
        .cancel_execution(&ctx.caller.account, &region, id, now, |runtime| {
            plan::cancel_tail(&runtime.live, runtime.durations())
        })
        .await?;
    ctx.state.engine.wake();
    Ok(json!({}))
}
