//! `DescribeTags` (ECS): the tags of the caller's resources in a region, each (key, value) pair once
//! with how many resources of each type carry it (`ResourceTypeCount`). Terraform's
//! `alicloud_images` data source calls it with `ResourceType=image` and `ResourceId` for every image
//! it reads. Filters: `ResourceType`, `ResourceId`, `Tag.N` (a tag is listed when it matches one of
//! them: its key, and its value when given); number paging, `PageSize` 1–100, default 50.
//!
//! Our choices where the docs are silent: without `ResourceType` the tags of every type we model
//! are listed (images, templates, components); `ResourceId` without `ResourceType` looks in all of
//! them; another ECS type (`instance`, `disk`, …) is not modelled and has no tags, so it lists
//! nothing rather than failing a tool that asks. `ResourceTypeCount` carries the SDK model's
//! counters; templates and components have none there.

use serde::Serialize;

use super::wire;
use super::{region, Ctx};
use crate::domain::limits;
use crate::domain::paging::NumberPage;
use crate::domain::tags::TagFilter;
use crate::error::ApiResult;
use crate::params::Params;
use crate::store::images::RESOURCE_TYPE_IMAGE;
use crate::store::tag_resources::TAGGABLE;

pub struct Request {
    region: String,
    filters: Vec<TagFilter>,
    page: NumberPage,
    resource_type: Option<String>,
    resource_id: Option<String>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let filters = wire::tag_filters(params)?;
    let page = wire::number_page_with_default(params, limits::DESCRIBE_TAGS_DEFAULT_PAGE_SIZE)?;
    Ok(Request {
        region,
        filters,
        page,
        resource_type: params.opt_str("ResourceType").map(str::to_string),
        resource_id: params.opt_str("ResourceId").map(str::to_string),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    total_count: usize,
    page_number: i64,
    page_size: i64,
    tags: Tags,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Tags {
    tag: Vec<TagItem>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TagItem {
    tag_key: String,
    tag_value: String,
    resource_type_count: ResourceTypeCount,
}

/// The counters of `ResourceTypeCount` in the SDK model; we count images only.
#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ResourceTypeCount {
    instance: i64,
    disk: i64,
    volume: i64,
    image: i64,
    snapshot: i64,
    securitygroup: i64,
    launch_template: i64,
    eni: i64,
    ddh: i64,
    key_pair: i64,
    snapshot_policy: i64,
    reserved_instance: i64,
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { region, filters, page, resource_type, resource_id } = request;
    let types: Vec<&str> = match resource_type.as_deref() {
        None => TAGGABLE.to_vec(),
        Some(t) => TAGGABLE.iter().copied().filter(|known| *known == t).collect(),
    };
    let rows = if types.is_empty() {
        Vec::new()
    } else {
        ctx.state.store.describe_tags(&ctx.caller.account, &region, &types, resource_id.as_deref(), &filters).await?
    };
    // One item per (key, value), with the count of each resource type (rows come ordered by them).
    let mut grouped: Vec<TagItem> = Vec::new();
    for row in rows {
        let item = match grouped.last_mut() {
            Some(item) if item.tag_key == row.key && item.tag_value == row.value => item,
            _ => {
                grouped.push(TagItem {
                    tag_key: row.key.clone(),
                    tag_value: row.value.clone(),
                    resource_type_count: ResourceTypeCount::default(),
                });
                match grouped.last_mut() {
                    Some(item) => item,
                    None => continue,
                }
            }
        };
        if row.resource_type == RESOURCE_TYPE_IMAGE {
            item.resource_type_count.image = row.count;
        }
    }
    let total_count = grouped.len();
    let tag = page.slice(grouped);
    Ok(Response { total_count, page_number: page.number, page_size: page.size, tags: Tags { tag } })
}
