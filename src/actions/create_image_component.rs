//! `CreateImageComponent` (api-spec §7.1): validates every parameter in a fixed order (the first
//! error wins: Name, Description, SystemType, ComponentType, ComponentVersion, Content in either
//! format, ResourceGroupId, Tag.N), derives `Parameters` from YAML content, and stores the new
//! version with its tags in one transaction (ClientToken-aware; default version `(x+1).0.0` of the
//! highest major version of the Name).

use serde_json::{json, Value};

use super::wire;
use super::{content, region, token_claim, Action, Ctx};
use crate::catalog::Catalog;
use crate::domain::component::{Component, ComponentType, Owner, SystemType, Version};
use crate::domain::names;
use crate::domain::tags::{self, Tag};
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::{IdGen, Kind};
use crate::params::Params;
use crate::store::components::VersionChoice;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let (mut component, version, tags) =
        parse(ctx.params, &ctx.state.catalog, &ctx.state.ids, &ctx.caller.account, &region)?;
    let claim = token_claim(ctx, Action::CreateImageComponent, &region)?;
    if let Some(claim) = &claim {
        if let Some(id) = ctx.state.store.replay(claim).await? {
            return Ok(json!({ "ImageComponentId": id }));
        }
    }
    component.created_ms = ctx.state.clock.now_ms();
    let id = ctx
        .state
        .store
        .create_component(&component, version, &tags, claim.as_ref(), ctx.state.config.component_quota)
        .await?;
    Ok(json!({ "ImageComponentId": id }))
}

fn malformed(code: Code, param: &str, value: &str) -> ApiError {
    ApiError::with_message(code, format!("The specified {param} \"{value}\" is not valid."))
}

/// `SystemType` (`Linux` | `Windows`), for Create and Describe.
pub fn system_type(params: &Params) -> ApiResult<Option<SystemType>> {
    params
        .opt_str("SystemType")
        .map(|v| {
            SystemType::parse(v).ok_or_else(|| {
                ApiError::with_message(
                    Code::InvalidSystemTypeNotSupportedValue,
                    format!("The specified SystemType \"{v}\" is not supported. Valid values: Linux, Windows."),
                )
            })
        })
        .transpose()
}

/// `ComponentType` (`Build` | `Test`), for Create and Describe.
pub fn component_type(params: &Params) -> ApiResult<Option<ComponentType>> {
    params
        .opt_str("ComponentType")
        .map(|v| {
            ComponentType::parse(v).ok_or_else(|| {
                ApiError::with_message(
                    Code::InvalidComponentTypeNotSupportedValue,
                    format!("The specified ComponentType \"{v}\" is not supported. Valid values: Build, Test."),
                )
            })
        })
        .transpose()
}

fn parse(
    params: &Params,
    catalog: &Catalog,
    ids: &IdGen,
    account: &str,
    region: &str,
) -> ApiResult<(Component, VersionChoice, Vec<Tag>)> {
    let name = params.opt_str("Name");
    if let Some(n) = name.filter(|n| !names::is_valid_name(n)) {
        return Err(malformed(Code::InvalidNameMalformed, "Name", n));
    }
    let description = params.opt_str("Description");
    if let Some(d) = description.filter(|d| !names::is_valid_description(d)) {
        return Err(malformed(Code::InvalidDescriptionMalformed, "Description", d));
    }
    let system_type = system_type(params)?.unwrap_or(SystemType::Linux);
    let component_type = component_type(params)?.unwrap_or(ComponentType::Build);
    let version = match params.opt_str("ComponentVersion") {
        None => VersionChoice::NextMajor,
        Some(text) => VersionChoice::Given(Version::parse(text).ok_or_else(|| {
            ApiError::with_message(
                Code::InvalidParameterComponentVersion,
                format!(
                    "The specified ComponentVersion \"{text}\" is invalid. It must be <major>.<minor>.<patch>, three non-negative integers."
                ),
            )
        })?),
    };
    let content = params.opt_str("Content").filter(|c| !c.trim().is_empty()).ok_or(Code::MissingParameterContent)?;
    let parameters = content::parse_component(content, system_type)?;
    let resource_group_id = params.opt_str("ResourceGroupId");
    catalog.check_resource_group(resource_group_id)?;
    let tags = wire::tags(params, "Tag")?;

    let id = ids.id(account, Kind::ImageComponent);
    let component = Component {
        name: name.map_or_else(|| id.clone(), str::to_string),
        id,
        account: account.to_string(),
        region: region.to_string(),
        description: description.map(str::to_string),
        system_type,
        component_type,
        version: Version::FIRST,
        content: content.to_string(),
        parameters,
        owner: Owner::Custom,
        resource_group_id: resource_group_id.map(str::to_string),
        created_ms: 0,
    };
    Ok((component, version, tags))
}
