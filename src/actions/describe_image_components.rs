//! `DescribeImageComponents` (api-spec §7.2): the tenant's custom components and the system
//! catalog, filtered by `ImageComponentId.N` (≤ 20), `Name` (exact), `ComponentVersion` (one `*`
//! at most; only together with `Name`), `Owner`, `ComponentType`, `SystemType`,
//! `ResourceGroupId` and `Tag.N`, newest first with token paging over both sources.
//!
//! Without `Owner` both custom and system components are listed (api-spec §7.2 suggestion).
//! Unset scalars are left out; list wrappers are always present. Unknown IDs match nothing.

use serde_json::{json, Map, Value};

use super::wire;
use super::create_image_component::{component_type, system_type};
use super::describe_image_pipelines::tag_list;
use super::{region, Ctx};
use crate::catalog::components as system;
use crate::domain::component::{self, Component, ComponentFilter, Owner};
use crate::domain::limits;
use crate::domain::paging::{Cursor, Page};
use crate::domain::tags::{self, Tag};
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult, Code};
use crate::store::components::ComponentPage;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let ids = ctx.params.list("ImageComponentId")?;
    if ids.len() > limits::MAX_COMPONENT_ID_FILTER {
        return Err(Code::InvalidImageComponentIdSizeExceededMaxNumber.into());
    }
    let name = ctx.params.opt_str("Name").map(str::to_string);
    let version = ctx
        .params
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
    let owner = ctx
        .params
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
        // ComponentVersion only applies together with Name (api-spec §7.2).
        version: version.filter(|_| name.is_some()),
        name,
        component_type: component_type(ctx.params)?,
        system_type: system_type(ctx.params)?,
        resource_group_id: ctx.params.opt_str("ResourceGroupId").map(str::to_string),
        tags: wire::tag_filters(ctx.params)?,
    };
    let page = wire::page(ctx.params)?;

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
    let set: Vec<Value> = items.iter().map(|(c, t)| view(c, t)).collect();
    Ok(json!({
        "TotalCount": total_count,
        "MaxResults": page.max_results,
        "NextToken": next.map(|c| c.encode()).unwrap_or_default(),
        "ImageComponent": { "ImageComponentSet": set },
    }))
}

/// Whether `c` comes after the cursor in newest-first order.
fn is_after(c: &Component, cursor: Option<&Cursor>) -> bool {
    cursor.is_none_or(|a| c.created_ms < a.created_ms || (c.created_ms == a.created_ms && c.id < a.id))
}

/// One `ImageComponentSet` item.
fn view(c: &Component, tags: &[Tag]) -> Value {
    let mut m = Map::with_capacity(12);
    m.insert("ImageComponentId".into(), json!(c.id));
    m.insert("Name".into(), json!(c.name));
    if let Some(d) = &c.description {
        m.insert("Description".into(), json!(d));
    }
    m.insert("CreationTime".into(), json!(format_ms(c.created_ms)));
    m.insert("SystemType".into(), json!(c.system_type.as_str()));
    m.insert("ComponentType".into(), json!(c.component_type.as_str()));
    m.insert("ComponentVersion".into(), json!(c.version.to_string()));
    m.insert("Content".into(), json!(c.content));
    m.insert("Owner".into(), json!(c.owner.as_str()));
    if let Some(rg) = &c.resource_group_id {
        m.insert("ResourceGroupId".into(), json!(rg));
    }
    m.insert("Tags".into(), json!({ "Tag": tag_list(tags) }));
    let parameters: Vec<Value> = c
        .parameters
        .iter()
        .map(|p| {
            let mut item = Map::new();
            item.insert("Name".into(), json!(p.name));
            item.insert("Type".into(), json!(p.kind.as_str()));
            if let Some(default) = &p.default {
                item.insert("DefaultValue".into(), json!(default));
            }
            Value::Object(item)
        })
        .collect();
    m.insert("Parameters".into(), json!({ "Parameter": parameters }));
    Value::Object(m)
}
