//! `StartImagePipelineExecution` (api-spec §4.1): re-validates the template (its base image must
//! still exist), plans the simulated build and records it in PREPARING. One build per template at
//! a time (`403 InvalidImagePipeline.HasRunningExecution`); `ClientToken` and execution `Tag.N`.

use serde_json::{json, Value};

use super::wire;
use super::{base_image, component_refs, content, region, token_claim, Action, Ctx};
use crate::domain::execution::Status;
use crate::domain::outcome::OutcomeRule;
use crate::domain::pipeline::{BaseImageType, Pipeline};
use crate::domain::tags::{self, Tag};
use crate::domain::template::{Context, Program};
use crate::engine::plan::{self, BaseImage, Durations, PlanInput};
use crate::engine::Runtime;
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::Kind;
use crate::store::executions::{pipeline_not_found, Execution};

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let pipeline_id = ctx.params.required_str("ImagePipelineId")?;
    let tags = wire::tags(ctx.params, "Tag")?;
    let claim = token_claim(ctx, Action::StartImagePipelineExecution, &region)?;
    if let Some(claim) = &claim {
        if let Some(id) = ctx.state.store.replay(claim).await? {
            return Ok(json!({ "ExecutionId": id }));
        }
    }
    let account = &ctx.caller.account;
    let pipeline = ctx
        .state
        .store
        .get_pipeline(account, &region, pipeline_id)
        .await?
        .ok_or_else(|| pipeline_not_found(pipeline_id))?;
    let base = resolve_base(ctx, &pipeline).await?;
    let build = parse_content(pipeline.build_content.as_deref(), Context::Build)?;
    let test = pipeline.test_content.as_deref().map(|t| parse_content(Some(t), Context::Test)).transpose()?;
    // Resolved again at each start: a component version published since creation is picked up.
    let (build_text, test_text) = (pipeline.build_content.as_deref(), pipeline.test_content.as_deref());
    let components =
        component_refs::resolve_contents(&ctx.state.store, account, &region, build_text, test_text).await?;

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
    let execution = Execution {
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
            ..Runtime::default()
        },
    };
    let tagged = tagged_outcome(ctx, &pipeline).await?;
    let id = ctx.state.store.start_execution(&execution, &tags, claim.as_ref(), &pipeline.name, tagged).await?;
    ctx.state.engine.wake();
    Ok(json!({ "ExecutionId": id }))
}

fn parse_content(text: Option<&str>, context: Context) -> ApiResult<Program> {
    text.map_or_else(|| Ok(Program::default()), |t| content::parse(t, context))
}

/// The image the build starts from, as it is now (a deleted custom base fails the start).
async fn resolve_base(ctx: &Ctx<'_>, p: &Pipeline) -> ApiResult<BaseImage> {
    if p.base_image_type == BaseImageType::Oss {
        let import = p.import_image_options.clone().unwrap_or_default();
        return Ok(BaseImage {
            id: ctx.state.ids.id(&p.account, Kind::Image),
            size_gib: import.disk_device_mappings.first().and_then(|d| d.disk_image_size).unwrap_or(20),
            platform: import.platform,
            os_name: format!("{} (imported)", import.os_type),
            architecture: import.architecture,
        });
    }
    let name = p.base_image.as_deref().unwrap_or_default();
    let resolved = base_image::resolve(
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
    })?;
    Ok(BaseImage {
        id: resolved.id,
        size_gib: resolved.size_gib,
        platform: resolved.platform,
        os_name: resolved.os_name,
        architecture: resolved.architecture,
    })
}

/// The outcome scripted by the template's reserved `emulator:outcome` tag (and `emulator:message`),
/// for users who cannot call the control plane (Terraform, curl).
async fn tagged_outcome(ctx: &Ctx<'_>, p: &Pipeline) -> ApiResult<Option<OutcomeRule>> {
    let tags = ctx.state.store.pipeline_tags(&p.id).await?;
    Ok(OutcomeRule::from_tags(&tags))
}
