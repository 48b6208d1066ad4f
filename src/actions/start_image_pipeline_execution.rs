//! `StartImagePipelineExecution` (docs/reference.md §4.1): re-validates the template (its base image must
//! still exist), plans the simulated build and records it in PREPARING. One build per template at
//! a time (`403 InvalidImagePipeline.HasRunningExecution`); `ClientToken` and execution `Tag.N`.

use serde::Serialize;

use super::client_token;
use super::wire;
use super::{base_image, component_refs, content, region, token_claim, Action, Ctx};
use crate::catalog::OsType;
use crate::domain::build::{Execution, RowSeqs, Runtime};
use crate::domain::execution;
use crate::domain::execution::Status;
use crate::domain::outcome::OutcomeRule;
use crate::domain::pipeline::{BaseImageType, Pipeline};
use crate::domain::refusal::Refusal;
use crate::domain::tags::Tag;
use crate::domain::template::{Context, Program};
use crate::engine::plan::{self, BaseImage, Durations, PlanInput};
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::Kind;
use crate::params::Params;

pub struct Request {
    region: String,
    pipeline_id: String,
    /// The execution's own `Tag.N`.
    tags: Vec<Tag>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let pipeline_id = params.required_str("ImagePipelineId")?.to_string();
    let tags = wire::tags(params, "Tag")?;
    Ok(Request { region, pipeline_id, tags })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    execution_id: String,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, pipeline_id, tags }: Request) -> ApiResult<Response> {
    let pipeline_id = pipeline_id.as_str();
    let claim = token_claim(ctx, Action::StartImagePipelineExecution, &region)?;
    if let Some(id) = client_token::replayed(&ctx.state.store, claim.as_ref()).await? {
        return Ok(Response { execution_id: id });
    }
    let account = &ctx.caller.account;
    let (pipeline, pipeline_tags) = ctx
        .state
        .store
        .pipeline_with_tags(account, &region, pipeline_id)
        .await?
        .ok_or_else(|| Refusal::PipelineNotFound { id: pipeline_id.to_string() })?;
    let base = resolve_base(ctx, &pipeline).await?;
    // Each content parsed once, here; its components resolved again at each start: a component
    // version published since creation is picked up.
    let build = parse_content(pipeline.build_content.as_deref(), Context::Build)?;
    let test = pipeline.test_content.as_deref().map(|t| parse_content(Some(t), Context::Test)).transpose()?;
    let components =
        component_refs::resolve_contents(&ctx.state.store, account, &region, Some(&build), test.as_ref()).await?;

    let now = ctx.state.clock.now_ms();
    let new_id = |kind: Kind| ctx.state.ids.id(account, kind);
    let id = new_id(Kind::Execution);
    let durations = ctx.state.config.phase_duration.map_or(Durations::Realistic, Durations::PerPhase);
    let steps = plan::build_plan(&PlanInput {
        pipeline: &pipeline,
        execution_id: &id,
        build: &build,
        test: test.as_ref(),
        base,
        instance_type: pipeline
            .instance_type
            .clone()
            .unwrap_or_else(|| ctx.state.catalog.default_transit_type().to_string()),
        durations,
        components: &components,
        new_id: &new_id,
    });
    let mut execution = Execution {
        id,
        account: account.clone(),
        region: region.clone(),
        pipeline_id: pipeline.id.clone(),
        status: Status::Preparing,
        message: "Start image pipeline execution.".into(),
        image_id: None,
        error_code: None,
        error_info: None,
        resource_group_id: pipeline.resource_group_id.clone(),
        created_ms: now,
        modified_ms: now,
        next_due_ms: Some(now),
        cursor: 0,
        plan: steps,
        plan_changed: false,
        runtime: Runtime {
            keep_instances_on_failure: !pipeline.delete_instance_on_failure,
            per_phase_ms: ctx.state.config.phase_duration,
            image_tags: pipeline
                .image_options
                .image_tags
                .iter()
                .map(|kv| Tag { key: kv.key.clone(), value: kv.value.clone() })
                .collect(),
            row_seqs: Some(RowSeqs::default()),
            ..Runtime::default()
        },
    };
    // The outcome scripted by the template's reserved `emulator:outcome` tag (and
    // `emulator:message`), for users who cannot call the control plane (Terraform, curl).
    let tagged = OutcomeRule::from_tags(&pipeline_tags);

    let mut tx = ctx.state.store.write().await?;
    if let Some(id) = client_token::replayed_in(&mut tx, claim.as_ref()).await? {
        return Ok(Response { execution_id: id });
    }
    let Some(check) = tx.pipeline_with_running_build(account, &region, &pipeline.id).await? else {
        return Err(Refusal::PipelineNotFound { id: pipeline.id.clone() }.into());
    };
    execution::check_can_start(&pipeline.id, check.running)?;
    // A scripted outcome rule (used up only by a start that goes ahead), else the template's
    // `emulator:outcome` tag. The rules are read only when the check saw one.
    let rules = if check.outcome_rules { tx.outcome_rules().await? } else { Vec::new() };
    let scripted = match rules.into_iter().find(|s| s.rule.matches(account, &pipeline.id, &pipeline.name)) {
        Some(stored) => {
            tx.use_outcome(&stored).await?;
            Some(stored.rule)
        }
        None => tagged,
    };
    if let Some(rule) = scripted {
        plan::apply_outcome(&mut execution.plan, rule.outcome, &rule);
    }
    tx.insert_execution(&execution, &tags).await?;
    client_token::record(&mut tx, claim.as_ref(), &execution.id, execution.created_ms).await?;
    tx.commit().await?;
    ctx.state.engine.wake();
    Ok(Response { execution_id: execution.id })
}

fn parse_content(text: Option<&str>, context: Context) -> ApiResult<Program> {
    text.map_or_else(|| Ok(Program::default()), |t| content::parse(t, context))
}

/// The image the build starts from, as it is now (a deleted custom base fails the start).
async fn resolve_base(ctx: &Ctx<'_>, p: &Pipeline) -> ApiResult<BaseImage> {
    if p.base_image_type == BaseImageType::Oss {
        // CreateImagePipeline stores `ImportImageOptions` with every OSS template.
        let import = p
            .import_image_options
            .as_ref()
            .ok_or_else(|| ApiError::internal(format!("OSS template {} has no ImportImageOptions", p.id)))?;
        return Ok(BaseImage {
            id: ctx.state.ids.id(&p.account, Kind::Image),
            // CreateImagePipeline refuses a Windows import: the import is the caller's own Linux image.
            os_type: OsType::Linux,
            owner_alias: "self".to_string(),
            repairable: true,
            size_gib: import.disk_device_mappings.first().and_then(|d| d.disk_image_size).unwrap_or(20),
            platform: import.platform.clone(),
            os_name: format!("{} (imported)", import.os_type),
            architecture: import.architecture.as_str().to_string(),
        });
    }
    let name = p.base_image.as_deref().unwrap_or_default();
    base_image::resolve(
        &ctx.state.catalog,
        &ctx.state.store,
        &p.account,
        &p.region,
        p.base_image_type,
        name,
        ctx.state.clock.now_ms(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::with_message(
            Code::InvalidImagePipelineBaseImageNotFound,
            format!("The BaseImage \"{name}\" of the specified ImagePipeline is not found."),
        )
    })
}
