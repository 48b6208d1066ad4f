//! `DescribeImageFromFamily` (ECS): the newest `Available` image of an image family in a region —
//! a public family from the catalog, or a custom one (owned, shared or community). Deprecated
//! images are skipped, so deprecating the newest image rolls the family back. The item has the
//! fields of a DescribeImages item. No image: an empty `Image` object (our choice; the SDK model
//! has no error for it).

use serde::Serialize;
use serde_json::{json, Value};

use super::describe_images::{custom, public};
use super::{region, Ctx};
use crate::error::ApiResult;
use crate::params::Params;

pub struct Request {
    region: String,
    family: String,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let family = params.required_str("ImageFamily")?.to_string();
    Ok(Request { region, family })
}

/// The image is rendered by DescribeImages (still a JSON value there).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    image: Value,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, family }: Request) -> ApiResult<Response> {
    let now = ctx.state.clock.now_ms();
    let image = match ctx.state.catalog.latest_in_family(&family) {
        Some(image) => public(image, &region).item,
        None => match ctx.state.store.visible_family_image(&ctx.caller.account, &region, &family, now).await? {
            Some(found) => custom(found, &ctx.caller.account, &region, now).item,
            None => json!({}),
        },
    };
    Ok(Response { image })
}
