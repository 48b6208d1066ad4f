//! The Alibaba actions we serve: the (product, name) → handler table, and what every handler shares
//! (the request context, RegionId resolution, ClientToken digests). One module per action:
//! `parse` the parameters into a typed request, `execute` it against the store, render the response.

mod base_image;
mod cancel_copy_image;
mod cancel_image_pipeline_execution;
mod component_refs;
pub mod content;
mod copy_image;
mod create_image_component;
mod create_image_pipeline;
mod create_vpc;
mod create_vswitch;
mod delete_image;
mod delete_image_component;
mod delete_image_pipeline;
mod delete_vpc;
mod delete_vswitch;
mod describe_available_resource;
mod describe_image_components;
mod describe_image_from_family;
mod describe_image_pipeline_executions;
mod describe_image_pipelines;
mod describe_image_share_permission;
mod describe_image_support_instance_types;
mod describe_images;
mod describe_instance_types;
mod describe_regions;
mod describe_route_table_list;
mod describe_tags;
mod describe_vpc_attribute;
mod describe_vpcs;
mod describe_vswitch_attributes;
mod describe_vswitches;
mod describe_zones;
mod get_caller_identity;
mod join_resource_group;
mod list_resource_groups;
mod list_tag_resources;
mod modify_image_attribute;
mod modify_image_share_permission;
mod networks;
mod query_available_instances;
mod request_digest;
mod start_image_pipeline_execution;
mod tag_resources;
mod untag_resources;

use serde_json::Value;

use crate::state::AppState;
use crate::catalog;
use crate::domain::limits;
use crate::error::{ApiError, ApiResult, Code};
use crate::product::Product;
use crate::auth::caller::Caller;
use crate::params::Params;
use crate::store::TokenClaim;

/// Every action we serve. Its wire name is [`Action::name`], its product (hence API version)
/// [`Action::product`]: two products may serve actions of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CreateImagePipeline,
    DescribeImagePipelines,
    DeleteImagePipeline,
    StartImagePipelineExecution,
    CancelImagePipelineExecution,
    DescribeImagePipelineExecutions,
    DescribeImages,
    DescribeImageSharePermission,
    DeleteImage,
    CreateImageComponent,
    DescribeImageComponents,
    DeleteImageComponent,
    TagResources,
    UntagResources,
    ListTagResources,
    JoinResourceGroup,
    DescribeTags,
    ModifyImageSharePermission,
    CopyImage,
    CancelCopyImage,
    ModifyImageAttribute,
    DescribeImageFromFamily,
    // VPC (2016-04-28)
    CreateVpc,
    DescribeVpcs,
    DescribeVpcAttribute,
    DeleteVpc,
    CreateVSwitch,
    DescribeVSwitches,
    DescribeVSwitchAttributes,
    DeleteVSwitch,
    DescribeRouteTableList,
    // The world around a build (ECS).
    DescribeRegions,
    DescribeZones,
    DescribeInstanceTypes,
    DescribeAvailableResource,
    DescribeImageSupportInstanceTypes,
    // ResourceManager, STS, BssOpenApi.
    ListResourceGroups,
    GetResourceGroup,
    GetCallerIdentity,
    QueryAvailableInstances,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::CreateImagePipeline,
        Action::DescribeImagePipelines,
        Action::DeleteImagePipeline,
        Action::StartImagePipelineExecution,
        Action::CancelImagePipelineExecution,
        Action::DescribeImagePipelineExecutions,
        Action::DescribeImages,
        Action::DescribeImageSharePermission,
        Action::DeleteImage,
        Action::CreateImageComponent,
        Action::DescribeImageComponents,
        Action::DeleteImageComponent,
        Action::TagResources,
        Action::UntagResources,
        Action::ListTagResources,
        Action::JoinResourceGroup,
        Action::DescribeTags,
        Action::ModifyImageSharePermission,
        Action::CopyImage,
        Action::CancelCopyImage,
        Action::ModifyImageAttribute,
        Action::DescribeImageFromFamily,
        Action::CreateVpc,
        Action::DescribeVpcs,
        Action::DescribeVpcAttribute,
        Action::DeleteVpc,
        Action::CreateVSwitch,
        Action::DescribeVSwitches,
        Action::DescribeVSwitchAttributes,
        Action::DeleteVSwitch,
        Action::DescribeRouteTableList,
        Action::DescribeRegions,
        Action::DescribeZones,
        Action::DescribeInstanceTypes,
        Action::DescribeAvailableResource,
        Action::DescribeImageSupportInstanceTypes,
        Action::ListResourceGroups,
        Action::GetResourceGroup,
        Action::GetCallerIdentity,
        Action::QueryAvailableInstances,
    ];

    /// The action `name` of `product`, if served (else the caller answers `InvalidAction.NotFound`).
    pub fn lookup(product: Product, name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.product() == product && a.name() == name)
    }

    /// The product (API version) this action belongs to; the Image Builder's own are ECS.
    pub fn product(self) -> Product {
        match self {
            Action::CreateVpc
            | Action::DescribeVpcs
            | Action::DescribeVpcAttribute
            | Action::DeleteVpc
            | Action::CreateVSwitch
            | Action::DescribeVSwitches
            | Action::DescribeVSwitchAttributes
            | Action::DeleteVSwitch
            | Action::DescribeRouteTableList => Product::Vpc,
            Action::ListResourceGroups | Action::GetResourceGroup => Product::ResourceManager,
            Action::GetCallerIdentity => Product::Sts,
            Action::QueryAvailableInstances => Product::BssOpenApi,
            _ => Product::Ecs,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Action::CreateImagePipeline => "CreateImagePipeline",
            Action::DescribeImagePipelines => "DescribeImagePipelines",
            Action::DeleteImagePipeline => "DeleteImagePipeline",
            Action::StartImagePipelineExecution => "StartImagePipelineExecution",
            Action::CancelImagePipelineExecution => "CancelImagePipelineExecution",
            Action::DescribeImagePipelineExecutions => "DescribeImagePipelineExecutions",
            Action::DescribeImages => "DescribeImages",
            Action::DescribeImageSharePermission => "DescribeImageSharePermission",
            Action::DeleteImage => "DeleteImage",
            Action::CreateImageComponent => "CreateImageComponent",
            Action::DescribeImageComponents => "DescribeImageComponents",
            Action::DeleteImageComponent => "DeleteImageComponent",
            Action::TagResources => "TagResources",
            Action::UntagResources => "UntagResources",
            Action::ListTagResources => "ListTagResources",
            Action::DescribeTags => "DescribeTags",
            Action::ModifyImageSharePermission => "ModifyImageSharePermission",
            Action::CopyImage => "CopyImage",
            Action::CancelCopyImage => "CancelCopyImage",
            Action::ModifyImageAttribute => "ModifyImageAttribute",
            Action::DescribeImageFromFamily => "DescribeImageFromFamily",
            Action::JoinResourceGroup => "JoinResourceGroup",
            Action::CreateVpc => "CreateVpc",
            Action::DescribeVpcs => "DescribeVpcs",
            Action::DescribeVpcAttribute => "DescribeVpcAttribute",
            Action::DeleteVpc => "DeleteVpc",
            Action::CreateVSwitch => "CreateVSwitch",
            Action::DescribeVSwitches => "DescribeVSwitches",
            Action::DescribeVSwitchAttributes => "DescribeVSwitchAttributes",
            Action::DeleteVSwitch => "DeleteVSwitch",
            Action::DescribeRouteTableList => "DescribeRouteTableList",
            Action::DescribeRegions => "DescribeRegions",
            Action::DescribeZones => "DescribeZones",
            Action::DescribeInstanceTypes => "DescribeInstanceTypes",
            Action::DescribeAvailableResource => "DescribeAvailableResource",
            Action::DescribeImageSupportInstanceTypes => "DescribeImageSupportInstanceTypes",
            Action::ListResourceGroups => "ListResourceGroups",
            Action::GetResourceGroup => "GetResourceGroup",
            Action::GetCallerIdentity => "GetCallerIdentity",
            Action::QueryAvailableInstances => "QueryAvailableInstances",
        }
    }
}

/// What a handler gets: the state, who is calling, and the decoded parameters.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub caller: &'a Caller,
    pub params: &'a Params,
}

/// Runs `action` and returns the response fields (without `RequestId`). A listing's `NextToken`
/// is checked against and bound to the listing that issued it (see `request_digest`).
pub async fn dispatch(action: Action, ctx: &Ctx<'_>) -> ApiResult<Value> {
    let account = ctx.caller.account.as_str();
    let Some(inner) = request_digest::unbind(action, account, ctx.params)? else {
        let mut body = run(action, ctx).await?;
        bind_next_token(action, ctx, &mut body);
        return Ok(body);
    };
    let mut params = ctx.params.clone();
    params.insert("NextToken", inner);
    let mut body = run(action, &Ctx { state: ctx.state, caller: ctx.caller, params: &params }).await?;
    bind_next_token(action, ctx, &mut body);
    Ok(body)
}

fn bind_next_token(action: Action, ctx: &Ctx<'_>, body: &mut Value) {
    if let Some(Value::String(token)) = body.get_mut("NextToken") {
        *token = request_digest::bind(action, &ctx.caller.account, ctx.params, token);
    }
}

async fn run(action: Action, ctx: &Ctx<'_>) -> ApiResult<Value> {
    match action {
        Action::CreateImagePipeline => create_image_pipeline::handle(ctx).await,
        Action::DescribeImagePipelines => describe_image_pipelines::handle(ctx).await,
        Action::DeleteImagePipeline => delete_image_pipeline::handle(ctx).await,
        Action::StartImagePipelineExecution => start_image_pipeline_execution::handle(ctx).await,
        Action::CancelImagePipelineExecution => cancel_image_pipeline_execution::handle(ctx).await,
        Action::DescribeImagePipelineExecutions => describe_image_pipeline_executions::handle(ctx).await,
        Action::DescribeImages => describe_images::handle(ctx).await,
        Action::DescribeImageSharePermission => describe_image_share_permission::handle(ctx).await,
        Action::DeleteImage => delete_image::handle(ctx).await,
        Action::CreateImageComponent => create_image_component::handle(ctx).await,
        Action::DescribeImageComponents => describe_image_components::handle(ctx).await,
        Action::DeleteImageComponent => delete_image_component::handle(ctx).await,
        Action::TagResources => tag_resources::handle(ctx).await,
        Action::UntagResources => untag_resources::handle(ctx).await,
        Action::ListTagResources => list_tag_resources::handle(ctx).await,
        Action::DescribeTags => describe_tags::handle(ctx).await,
        Action::ModifyImageSharePermission => modify_image_share_permission::handle(ctx).await,
        Action::CopyImage => copy_image::handle(ctx).await,
        Action::CancelCopyImage => cancel_copy_image::handle(ctx).await,
        Action::ModifyImageAttribute => modify_image_attribute::handle(ctx).await,
        Action::DescribeImageFromFamily => describe_image_from_family::handle(ctx).await,
        Action::JoinResourceGroup => join_resource_group::handle(ctx).await,
        Action::CreateVpc => create_vpc::handle(ctx).await,
        Action::DescribeVpcs => describe_vpcs::handle(ctx).await,
        Action::DescribeVpcAttribute => describe_vpc_attribute::handle(ctx).await,
        Action::DeleteVpc => delete_vpc::handle(ctx).await,
        Action::CreateVSwitch => create_vswitch::handle(ctx).await,
        Action::DescribeVSwitches => describe_vswitches::handle(ctx).await,
        Action::DescribeVSwitchAttributes => describe_vswitch_attributes::handle(ctx).await,
        Action::DeleteVSwitch => delete_vswitch::handle(ctx).await,
        Action::DescribeRouteTableList => describe_route_table_list::handle(ctx).await,
        Action::DescribeRegions => describe_regions::handle(ctx).await,
        Action::DescribeZones => describe_zones::handle(ctx).await,
        Action::DescribeInstanceTypes => describe_instance_types::handle(ctx).await,
        Action::DescribeAvailableResource => describe_available_resource::handle(ctx).await,
        Action::DescribeImageSupportInstanceTypes => describe_image_support_instance_types::handle(ctx).await,
        Action::ListResourceGroups => list_resource_groups::list(ctx).await,
        Action::GetResourceGroup => list_resource_groups::get(ctx).await,
        Action::GetCallerIdentity => get_caller_identity::handle(ctx).await,
        Action::QueryAvailableInstances => query_available_instances::handle(ctx).await,
    }
}

/// The required `RegionId`: present and a real region (`404 InvalidRegionId.NotFound`).
pub fn region(params: &Params) -> ApiResult<String> {
    let region = params.required_str("RegionId")?;
    check_region(region)?;
    Ok(region.to_string())
}

pub fn check_region(region: &str) -> ApiResult<()> {
    if catalog::is_region(region) {
        Ok(())
    } else {
        Err(ApiError::with_message(
            Code::InvalidRegionIdNotFound,
            format!("The specified RegionId \"{region}\" does not exist."),
        ))
    }
}

/// `DryRun=true` (ECS): called after every check a real call makes, before anything changes; a
/// request that would succeed is answered `400 DryRunOperation`.
pub fn check_dry_run(params: &Params) -> ApiResult<()> {
    if params.opt_bool("DryRun")?.unwrap_or(false) {
        Err(Code::DryRunOperation.into())
    } else {
        Ok(())
    }
}

/// `InstanceChargeType`, where an ECS world action takes it: `PrePaid` or `PostPaid` (default).
pub fn check_charge_type(params: &Params) -> ApiResult<()> {
    match params.opt_str("InstanceChargeType") {
        None | Some("PrePaid" | "PostPaid") => Ok(()),
        Some(_) => Err(ApiError::invalid_param("InstanceChargeType")),
    }
}

/// The `ClientToken` of a request, if any, with the digest of every other parameter, normalised
/// so that a retry from another SDK matches (`request_digest`)
/// (api-spec §2.8: ASCII, at most 64 characters, else `400 InvalidParameter`).
pub fn token_claim(ctx: &Ctx<'_>, action: Action, region: &str) -> ApiResult<Option<TokenClaim>> {
    let Some(token) = ctx.params.opt_str("ClientToken") else {
        return Ok(None);
    };
    if !token.is_ascii() || token.len() > limits::MAX_CLIENT_TOKEN_CHARS {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            "The specified parameter \"ClientToken\" is not valid. It must be ASCII and at most 64 characters.",
        ));
    }
    Ok(Some(TokenClaim {
        account: ctx.caller.account.clone(),
        region: region.to_string(),
        action: action.name(),
        token: token.to_string(),
        digest: request_digest::digest(action, ctx.params, &[]),
    }))
}
