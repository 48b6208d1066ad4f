//! `DescribeImageComponents` (docs/reference.md §7.2): the tenant's custom components and the system
//! catalog, filtered by `ImageComponentId.N` (≤ 20), `Name` (exact), `ComponentVersion` (one `*`
//! at most; only together with `Name`), `Owner`, `ComponentType`, `SystemType`,
//! `ResourceGroupId` and `Tag.N`, newest first with token paging over both sources.
//!
//! Without `Owner` both custom and system components are listed (docs/reference.md §7.2 suggestion).
//! Unset scalars are left out; list wrappers are always present. Unknown IDs match nothing.

use serde::Serialize;

use super::create_image_component::{component_type, system_type};
use super::views::Tags;
use super::wire;
use super::{region, Ctx};
use crate::catalog::components as system;
use crate::domain::component::{self, Component, ComponentFilter, Owner};
use crate::domain::limits;
use crate::domain::paging::{Cursor, Page};
use crate::domain::tags::Tag;
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::components::ComponentPage;

pub struct Request {
    region: String,
    owner: Option<Owner>,
    filter: ComponentFilter,
    page: Page,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let ids = params.list("ImageComponentId")?;
    if ids.len() > limits::MAX_COMPONENT_ID_FILTER {
        return Err(Code::InvalidImageComponentIdSizeExceededMaxNumber.into());
    }
    let name = params.opt_str("Name").map(str::to_string);
    let version = params
        .opt_str("ComponentVersion")
        .map(|text| {
            component::parse_version_filter(text).ok_or_else(|| {
                ApiError::with_message(
                    Code::InvalidParameterComponentVersion,
                    format!(
                        "The specified ComponentVersion \"{text}\" is invalid. Use <major>.<minor>.<patch> with at most one position set to *."
                    ),
                )
            })
        })
        .transpose()?;
    let owner = params
        .opt_str("Owner")
        .map(|o| {
            Owner::parse(o).ok_or_else(|| {
                ApiError::with_message(
                    Code::InvalidParameterOwner,
                    format!("The specified parameter \"Owner\" (\"{o}\") is not valid. Valid values: SELF, ALIYUN."),
                )
            })
        })
        .transpose()?;
    let filter = ComponentFilter {
        ids,
        // ComponentVersion only applies together with Name (docs/reference.md §7.2).
        version: version.filter(|_| name.is_some()),
        name,
        component_type: component_type(params)?,
        system_type: system_type(params)?,
        resource_group_id: params.opt_str("ResourceGroupId").map(str::to_string),
        tags: wire::tag_filters(params)?,
    };
    let page = wire::page(params)?;
    Ok(Request { region, owner, filter, page })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    total_count: i64,
    max_results: i64,
    next_token: String,
    image_component: ImageComponents,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageComponents {
    image_component_set: Vec<ComponentItem>,
}

/// One `ImageComponentSet` item: unset scalars are left out, list wrappers always present.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ComponentItem {
    image_component_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    creation_time: String,
    system_type: &'static str,
    component_type: &'static str,
    component_version: String,
    content: String,
    owner: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_group_id: Option<String>,
    tags: Tags,
    parameters: Parameters,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Parameters {
    parameter: Vec<ParameterItem>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ParameterItem {
    name: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_value: Option<String>,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, owner, filter, page }: Request) -> ApiResult<Response> {
    let custom = if owner == Some(Owner::System) {
        ComponentPage { items: Vec::new(), total_count: 0 }
    } else {
        ctx.state.store.describe_components(&ctx.caller.account, &region, &filter, &page).await?
    };
    let system: Vec<Component> = if owner == Some(Owner::Custom) {
        Vec::new()
    } else {
        system::all(&region).into_iter().filter(|c| filter.matches_untagged(c)).collect()
    };
    let total_count = custom.total_count + i64::try_from(system.len()).unwrap_or(0);

    let mut items: Vec<(Component, Vec<Tag>)> = custom.items;
    items.extend(system.into_iter().filter(|c| is_after(c, page.after.as_ref())).map(|c| (c, Vec::new())));
    items.sort_by(|(a, _), (b, _)| (b.created_ms, &b.id).cmp(&(a.created_ms, &a.id)));
    let limit = usize::try_from(page.max_results).unwrap_or(usize::MAX);
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|(c, _)| Cursor { created_ms: c.created_ms, id: c.id.clone() })
    } else {
        None
    };
    let image_component_set = items.iter().map(|(c, t)| ComponentItem::of(c, t)).collect();
    Ok(Response {
        total_count,
        max_results: page.max_results,
        next_token: next.map(|c| c.encode()).unwrap_or_default(),
        image_component: ImageComponents { image_component_set },
    })
}

/// Whether `c` comes after the cursor in newest-first order.
fn is_after(c: &Component, cursor: Option<&Cursor>) -> bool {
    cursor.is_none_or(|a| c.created_ms < a.created_ms || (c.created_ms == a.created_ms && c.id < a.id))
}

impl ComponentItem {
    fn of(c: &Component, tags: &[Tag]) -> ComponentItem {
        ComponentItem {
            image_component_id: c.id.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            creation_time: format_ms(c.created_ms),
            system_type: c.system_type.as_str(),
            component_type: c.component_type.as_str(),
            component_version: c.version.to_string(),
            content: c.content.clone(),
            owner: c.owner.as_str(),
            resource_group_id: c.resource_group_id.clone(),
            tags: Tags::of(tags),
            parameters: Parameters {
                parameter: c
                    .parameters
                    .iter()
                    .map(|p| ParameterItem { name: p.name.clone(), kind: p.kind.as_str(), default_value: p.default.clone() })
                    .collect(),
            },
        }
    }
}
