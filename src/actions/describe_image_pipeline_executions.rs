//! `DescribeImagePipelineExecutions` (api-spec §4.3): by template, by execution ID (a comma-
//! separated list is accepted), by comma-separated `Status`, by tags; token paging.
//! `MissingParameter.ImagePipelineId` fires only when neither a template nor an execution is named
//! (api-spec §4.3 inference: Terraform queries by `ExecutionId` alone).

use serde_json::{json, Map, Value};

use super::wire;
use super::describe_image_pipelines::tag_list;
use super::{region, Ctx};
use crate::domain::execution::Status;
use crate::domain::limits;
use crate::domain::paging::Page;
use crate::domain::tags;
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult, Code};
use crate::store::executions::{pipeline_not_found, Execution, ExecutionFilter};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let pipeline_id = ctx.params.opt_str("ImagePipelineId");
    let ids: Vec<String> = ctx
        .params
        .opt_str("ExecutionId")
        .map(|list| list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    if ids.len() > limits::MAX_EXECUTION_ID_FILTER {
        return Err(ApiError::with_message(
            Code::InvalidExecutionIdSizeExceeded,
            format!(
                "ExecutionId list exceeds maximum size of {}. Current size is {}.",
                limits::MAX_EXECUTION_ID_FILTER,
                ids.len()
            ),
        ));
    }
    if pipeline_id.is_none() && ids.is_empty() {
        return Err(Code::MissingParameterImagePipelineId.into());
    }
    let statuses = match ctx.params.opt_str("Status") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                Status::parse(s).ok_or_else(|| {
                    ApiError::with_message(
                        Code::InvalidParameterStatus,
                        format!("The specified Status \"{s}\" is not valid."),
                    )
                })
            })
            .collect::<ApiResult<Vec<_>>>()?,
    };
    let filter = ExecutionFilter {
        pipeline_id: pipeline_id.map(str::to_string),
        ids,
        statuses,
        tags: wire::tag_filters(ctx.params)?,
    };
    let page = wire::page(ctx.params)?;
    if let Some(id) = pipeline_id {
        if ctx.state.store.get_pipeline(&ctx.caller.account, &region, id).await?.is_none() {
            return Err(pipeline_not_found(id));
        }
    }
    let result = ctx.state.store.describe_executions(&ctx.caller.account, &region, &filter, &page).await?;
    let set: Vec<Value> = result.items.iter().map(|(e, t)| view(e, t)).collect();
    Ok(json!({
        "TotalCount": result.total_count,
        "MaxResults": page.max_results,
        "NextToken": result.next.map(|c| c.encode()).unwrap_or_default(),
        "ImagePipelineExecution": { "ImagePipelineExecutionSet": set },
    }))
}

fn view(e: &Execution, tags: &[crate::domain::tags::Tag]) -> Value {
    let mut m = Map::with_capacity(12);
    m.insert("ExecutionId".into(), json!(e.id));
    m.insert("ImagePipelineId".into(), json!(e.pipeline_id));
    m.insert("Status".into(), json!(e.status.as_str()));
    m.insert("Message".into(), json!(e.message));
    if let Some(image) = &e.image_id {
        m.insert("ImageId".into(), json!(image));
    }
    m.insert("CreationTime".into(), json!(format_ms(e.created_ms)));
    m.insert("ModifiedTime".into(), json!(format_ms(e.modified_ms)));
    if let Some(rg) = &e.resource_group_id {
        m.insert("ResourceGroupId".into(), json!(rg));
    }
    if let Some(code) = &e.error_code {
        m.insert("ErrorCode".into(), json!(code));
    }
    if let Some(info) = &e.error_info {
        m.insert("ErrorInfo".into(), json!(info));
    }
    m.insert("Tags".into(), json!({ "Tag": tag_list(tags) }));
    Value::Object(m)
}
