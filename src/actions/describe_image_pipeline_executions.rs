//! `DescribeImagePipelineExecutions` (docs/reference.md §4.3): by template, by execution ID (a comma-
//! separated list is accepted), by comma-separated `Status`, by tags; token paging.
//! `MissingParameter.ImagePipelineId` fires only when neither a template nor an execution is named
//! (docs/reference.md §4.3 inference: Terraform queries by `ExecutionId` alone).

use serde::Serialize;

use super::views::Tags;
use super::wire;
use super::{region, Ctx};
use crate::domain::execution::Status;
use crate::domain::limits;
use crate::domain::refusal::Refusal;
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult, Code};
use crate::store::executions::{ExecutionFilter, ExecutionSummary};
use crate::domain::paging::Page;
use crate::params::Params;

pub struct Request {
    region: String,
    filter: ExecutionFilter,
    page: Page,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let pipeline_id = params.opt_str("ImagePipelineId");
    let ids: Vec<String> = params
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
    let statuses = match params.opt_str("Status") {
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
        tags: wire::tag_filters(params)?,
    };
    let page = wire::page(params)?;
    Ok(Request { region, filter, page })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    total_count: i64,
    max_results: i64,
    next_token: String,
    image_pipeline_execution: Executions,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Executions {
    image_pipeline_execution_set: Vec<ExecutionItem>,
}

/// One `ImagePipelineExecutionSet` item: unset scalars are left out.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionItem {
    execution_id: String,
    image_pipeline_id: String,
    status: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_id: Option<String>,
    creation_time: String,
    modified_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_info: Option<String>,
    tags: Tags,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, filter, page }: Request) -> ApiResult<Response> {
    if let Some(id) = &filter.pipeline_id {
        if !ctx.state.store.pipeline_exists(&ctx.caller.account, &region, id).await? {
            return Err(Refusal::PipelineNotFound { id: id.to_string() }.into());
        }
    }
    let result = ctx.state.store.describe_executions(&ctx.caller.account, &region, &filter, &page).await?;
    let image_pipeline_execution_set = result.items.iter().map(ExecutionItem::of).collect();
    Ok(Response {
        total_count: result.total_count,
        max_results: page.max_results,
        next_token: result.next.map(|c| c.encode()).unwrap_or_default(),
        image_pipeline_execution: Executions { image_pipeline_execution_set },
    })
}

impl ExecutionItem {
    fn of(e: &ExecutionSummary) -> ExecutionItem {
        ExecutionItem {
            execution_id: e.id.clone(),
            image_pipeline_id: e.pipeline_id.clone(),
            status: e.status.as_str(),
            message: e.message.clone(),
            image_id: e.image_id.clone(),
            creation_time: format_ms(e.created_ms),
            modified_time: format_ms(e.modified_ms),
            resource_group_id: e.resource_group_id.clone(),
            error_code: e.error_code.clone(),
            error_info: e.error_info.clone(),
            tags: Tags::of(&e.tags),
        }
    }
}
