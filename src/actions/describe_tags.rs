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

use serde_json::{json, Map, Value};

use super::wire;
use super::{region, Ctx};
use crate::domain::paging::NumberPage;
use crate::domain::{limits, tags};
use crate::error::ApiResult;
use crate::store::images::RESOURCE_TYPE_IMAGE;
use crate::store::tag_resources::TAGGABLE;

/// The counters of `ResourceTypeCount` in the SDK model, by wire name.
const COUNTERS: &[&str] = &[
    "Instance",
    "Disk",
    "Volume",
    "Image",
    "Snapshot",
    "Securitygroup",
    "LaunchTemplate",
    "Eni",
    "Ddh",
    "KeyPair",
    "SnapshotPolicy",
    "ReservedInstance",
];

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let filters = wire::tag_filters(ctx.params)?;
    let page = wire::number_page_with_default(ctx.params, limits::DESCRIBE_TAGS_DEFAULT_PAGE_SIZE)?;
    let types: Vec<&str> = match ctx.params.opt_str("ResourceType") {
        None => TAGGABLE.to_vec(),
        Some(t) => TAGGABLE.iter().copied().filter(|known| *known == t).collect(),
    };
    let rows = if types.is_empty() {
        Vec::new()
    } else {
        ctx.state
            .store
            .describe_tags(&ctx.caller.account, &region, &types, ctx.params.opt_str("ResourceId"), &filters)
            .await?
    };
    // One item per (key, value), with the count of each resource type.
    let mut grouped: Vec<(String, String, Map<String, Value>)> = Vec::new();
    for row in rows {
        let counters = match grouped.last_mut() {
            Some((k, v, counters)) if *k == row.key && *v == row.value => counters,
            _ => {
                let counters: Map<String, Value> = COUNTERS.iter().map(|c| (c.to_string(), json!(0))).collect();
                grouped.push((row.key.clone(), row.value.clone(), counters));
                match grouped.last_mut() {
                    Some((_, _, counters)) => counters,
                    None => continue,
                }
            }
        };
        if row.resource_type == RESOURCE_TYPE_IMAGE {
            counters.insert("Image".into(), json!(row.count));
        }
    }
    let total = grouped.len();
    let items: Vec<Value> = page
        .slice(grouped)
        .into_iter()
        .map(|(key, value, counters)| json!({ "TagKey": key, "TagValue": value, "ResourceTypeCount": counters }))
        .collect();
    Ok(json!({
        "TotalCount": total,
        "PageNumber": page.number,
        "PageSize": page.size,
        "Tags": { "Tag": items },
    }))
}
