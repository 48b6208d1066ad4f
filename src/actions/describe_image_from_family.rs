//! `DescribeImageFromFamily` (ECS): the newest `Available` image of an image family in a region —
//! a public family from the catalog, or a custom one (owned, shared or community). Deprecated
//! images are skipped, so deprecating the newest image rolls the family back. The item has the
//! fields of a DescribeImages item. No image: an empty `Image` object (our choice; the SDK model
//! has no error for it).

use serde_json::{json, Value};

use super::describe_images::{custom, public};
use super::{region, Ctx};
use crate::error::ApiResult;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let family = ctx.params.required_str("ImageFamily")?;
    let now = ctx.state.clock.now_ms();
    let item = match ctx.state.catalog.latest_in_family(family) {
        Some(image) => public(image, &region).item,
        None => match ctx.state.store.visible_family_image(&ctx.caller.account, &region, family, now).await? {
            Some(found) => custom(found, &ctx.caller.account, &region, now).item,
            None => json!({}),
        },
    };
    Ok(json!({ "Image": item }))
}
