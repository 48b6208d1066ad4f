//! The Alibaba actions we serve: THE action table (one line per action: its product, wire name and
//! module), and what every action shares (the request context, RegionId resolution, DryRun,
//! ClientToken claims). One module per action, `src/actions/<snake_name>.rs`, with
//! `parse(&Params) -> ApiResult<Request>` (every parameter check, in the documented order) and
//! `execute(&Ctx, Request) -> ApiResult<Response>` (catalog and store; `Response` a
//! `#[derive(Serialize)]` view in PascalCase, rendered as JSON or XML by the envelope).

mod base_image;
mod client_token;
mod component_refs;
pub mod content;
mod networks;
mod refusals;
mod request_digest;
mod views;
pub mod wire;

use serde_json::Value;

use crate::auth::caller::Caller;
use crate::catalog;
use crate::domain::limits;
pub use crate::envelope::Fields;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::product::Product;
use crate::state::AppState;
use crate::store::TokenClaim;

/// Declares every action once: `Product { WireName => module, … }`. Generates the module
/// declarations, the [`Action`] enum, [`Action::ALL`], `name()`, `product()` and the dispatch.
macro_rules! actions {
    ($( $product:ident { $( $action:ident => $module:ident, )+ } )+) => {
        $( $( mod $module; )+ )+

        /// Every action we serve. Its wire name is [`Action::name`], its product (hence API
        /// version) [`Action::product`]: two products may serve actions of the same name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action { $( $( $action, )+ )+ }

        impl Action {
            pub const ALL: &'static [Action] = &[ $( $( Action::$action, )+ )+ ];

            /// The wire name (`Action` parameter or `x-acs-action` header).
            pub fn name(self) -> &'static str {
                match self { $( $( Action::$action => stringify!($action), )+ )+ }
            }

            /// The product (API version) this action belongs to.
            pub fn product(self) -> Product {
                match self { $( $( Action::$action => Product::$product, )+ )+ }
            }
        }

        /// Parses, executes and renders one action: the response fields without `RequestId`.
        async fn run(action: Action, ctx: &Ctx<'_>, json: bool) -> ApiResult<Fields> {
            match action {
                $( $( Action::$action => {
                    let request = $module::parse(ctx.params)?;
                    let response = $module::execute(ctx, request).await?;
                    render(&response, json)
                } )+ )+
            }
        }
    };
}

actions! {
    // ECS (2014-05-26): the Image Builder's own actions, the images around a build, the world
    Ecs {
        CreateImagePipeline => create_image_pipeline,
        DescribeImagePipelines => describe_image_pipelines,
        DeleteImagePipeline => delete_image_pipeline,
        StartImagePipelineExecution => start_image_pipeline_execution,
        CancelImagePipelineExecution => cancel_image_pipeline_execution,
        DescribeImagePipelineExecutions => describe_image_pipeline_executions,
        DescribeImages => describe_images,
        DescribeImageSharePermission => describe_image_share_permission,
        DeleteImage => delete_image,
        CreateImageComponent => create_image_component,
        DescribeImageComponents => describe_image_components,
        DeleteImageComponent => delete_image_component,
        TagResources => tag_resources,
        UntagResources => untag_resources,
        ListTagResources => list_tag_resources,
        DescribeTags => describe_tags,
        ModifyImageSharePermission => modify_image_share_permission,
        CopyImage => copy_image,
        CancelCopyImage => cancel_copy_image,
        ModifyImageAttribute => modify_image_attribute,
        DescribeImageFromFamily => describe_image_from_family,
        JoinResourceGroup => join_resource_group,
        DescribeRegions => describe_regions,
        DescribeZones => describe_zones,
        DescribeInstanceTypes => describe_instance_types,
        DescribeAvailableResource => describe_available_resource,
        DescribeImageSupportInstanceTypes => describe_image_support_instance_types,
    }
    // VPC (2016-04-28)
    Vpc {
        CreateVpc => create_vpc,
        DescribeVpcs => describe_vpcs,
        DescribeVpcAttribute => describe_vpc_attribute,
        DeleteVpc => delete_vpc,
        CreateVSwitch => create_vswitch,
        DescribeVSwitches => describe_vswitches,
        DescribeVSwitchAttributes => describe_vswitch_attributes,
        DeleteVSwitch => delete_vswitch,
        DescribeRouteTableList => describe_route_table_list,
    }
    // ResourceManager (2020-03-31)
    ResourceManager {
        ListResourceGroups => list_resource_groups,
        GetResourceGroup => get_resource_group,
    }
    // STS (2015-04-01)
    Sts {
        GetCallerIdentity => get_caller_identity,
    }
    // BssOpenApi (2017-12-14)
    BssOpenApi {
        QueryAvailableInstances => query_available_instances,
    }
}

impl Action {
    /// The action `name` of `product`, if served (else the caller answers `InvalidAction.NotFound`).
    pub fn lookup(product: Product, name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.product() == product && a.name() == name)
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
    match dispatch_as(action, ctx, false).await? {
        Fields::Value(value) => Ok(value),
        Fields::Json(text) => serde_json::from_str(&text).map_err(ApiError::internal),
    }
}

/// As [`dispatch`]; with `json`, the fields come as the JSON text of an object when they need no
/// change after rendering (no `NextToken` to bind), which spares building a [`Value`] tree.
pub async fn dispatch_as(action: Action, ctx: &Ctx<'_>, json: bool) -> ApiResult<Fields> {
    let account = ctx.caller.account.as_str();
    let Some(inner) = request_digest::unbind(action, account, ctx.params)? else {
        let mut fields = run(action, ctx, json).await?;
        bind_next_token(action, ctx, &mut fields);
        return Ok(fields);
    };
    let mut params = ctx.params.clone();
    params.insert("NextToken", inner);
    let mut fields = run(action, &Ctx { state: ctx.state, caller: ctx.caller, params: &params }, json).await?;
    bind_next_token(action, ctx, &mut fields);
    Ok(fields)
}

/// Renders a response view. As JSON text only when there is no non-empty top-level `NextToken`
/// (which [`bind_next_token`] must rewrite): such a page is rendered as a [`Value`] instead. In
/// JSON text every quote inside a string is escaped, so `"NextToken":"` followed by anything but
/// `"` is a key with a non-empty string (a nested one only costs the slower path).
fn render<T: serde::Serialize>(response: &T, json: bool) -> ApiResult<Fields> {
    if json {
        let text = serde_json::to_string(response).map_err(ApiError::internal)?;
        let has_token = text.match_indices("\"NextToken\":\"").any(|(at, m)| !text[at + m.len()..].starts_with('"'));
        if !has_token {
            return Ok(Fields::Json(text));
        }
    }
    serde_json::to_value(response).map(Fields::Value).map_err(ApiError::internal)
}

fn bind_next_token(action: Action, ctx: &Ctx<'_>, fields: &mut Fields) {
    if let Fields::Value(body) = fields {
        if let Some(Value::String(token)) = body.get_mut("NextToken") {
            *token = request_digest::bind(action, &ctx.caller.account, ctx.params, token);
        }
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
/// (docs/reference.md §2.8: ASCII, at most 64 characters, else `400 InvalidParameter`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Listing {
        next_token: String,
        name: String,
    }

    fn listing(token: &str, name: &str) -> Listing {
        Listing { next_token: token.into(), name: name.into() }
    }

    #[test]
    fn json_text_only_when_no_token_needs_binding() {
        let Ok(Fields::Json(text)) = render(&listing("", "a"), true) else { panic!("an empty token needs no binding") };
        assert_eq!(text, r#"{"NextToken":"","Name":"a"}"#);
        // A value that merely contains the key's text is escaped, so it is not taken for the key.
        let tricky = listing("", r#""NextToken":"x"#);
        assert!(matches!(render(&tricky, true), Ok(Fields::Json(_))));
        let Ok(Fields::Value(value)) = render(&listing("abc", "a"), true) else { panic!("a token to bind") };
        assert_eq!(value["NextToken"], "abc");
        assert!(matches!(render(&listing("", "a"), false), Ok(Fields::Value(_))), "XML needs the value");
    }
}
