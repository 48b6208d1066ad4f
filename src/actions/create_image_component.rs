//! `CreateImageComponent` (docs/reference.md §7.1): validates every parameter in a fixed order (the first
//! error wins: Name, Description, SystemType, ComponentType, ComponentVersion, Content in either
//! format, ResourceGroupId, Tag.N), derives `Parameters` from YAML content, and stores the new
//! version with its tags in one transaction (ClientToken-aware; default version `(x+1).0.0` of the
//! highest major version of the Name).

use serde::Serialize;

use super::client_token;
use super::wire;
use super::{content, region, token_claim, Action, Ctx};
use crate::domain;
use crate::domain::component::{Component, ComponentType, Owner, Parameter, SystemType, Version, VersionChoice};
use crate::domain::names;
use crate::domain::tags::Tag;
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::Kind;
use crate::params::Params;

pub struct Request {
    region: String,
    name: Option<String>,
    description: Option<String>,
    system_type: SystemType,
    component_type: ComponentType,
    version: VersionChoice,
    content: String,
    /// Declared by YAML content (the content is parsed once, here).
    parameters: Vec<Parameter>,
    resource_group_id: Option<String>,
    /// `Tag.N`, parsed here but reported after the resource group check (it needs the catalog):
    /// the documented order of the first error.
    tags: ApiResult<Vec<Tag>>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
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
    Ok(Request {
        region,
        name: name.map(str::to_string),
        description: description.map(str::to_string),
        system_type,
        component_type,
        version,
        content: content.to_string(),
        parameters,
        resource_group_id: params.opt_str("ResourceGroupId").map(str::to_string),
        tags: wire::tags(params, "Tag"),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    image_component_id: String,
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request {
        region,
        name,
        description,
        system_type,
        component_type,
        version,
        content,
        parameters,
        resource_group_id,
        tags,
    } = request;
    ctx.state.catalog.check_resource_group(resource_group_id.as_deref())?;
    let tags = tags?;
    let account = ctx.caller.account.as_str();
    let id = ctx.state.ids.id(account, Kind::ImageComponent);
    let mut component = Component {
        name: name.unwrap_or_else(|| id.clone()),
        id,
        account: account.to_string(),
        region: region.clone(),
        description,
        system_type,
        component_type,
        version: Version::FIRST,
        content,
        parameters,
        owner: Owner::Custom,
        resource_group_id,
        created_ms: 0,
    };
    let claim = token_claim(ctx, Action::CreateImageComponent, &region)?;
    if let Some(id) = client_token::replayed(&ctx.state.store, claim.as_ref()).await? {
        return Ok(Response { image_component_id: id });
    }
    component.created_ms = ctx.state.clock.now_ms();
    let name = component.name.as_str();

    let mut tx = ctx.state.store.write().await?;
    if let Some(id) = client_token::replayed_in(&mut tx, claim.as_ref()).await? {
        return Ok(Response { image_component_id: id });
    }
    domain::component::check_quota(tx.component_count(account, &region).await?, ctx.state.config.component_quota)?;
    let highest = tx.highest_component_version(account, &region, name).await?;
    let taken = match version {
        VersionChoice::Given(v) => tx.component_version_taken(account, &region, name, v).await?,
        VersionChoice::NextMajor => false,
    };
    component.version = domain::component::next_version(name, version, highest, taken)?;
    tx.insert_component(&component, &tags).await?;
    client_token::record(&mut tx, claim.as_ref(), &component.id, component.created_ms).await?;
    tx.commit().await?;
    Ok(Response { image_component_id: component.id })
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
