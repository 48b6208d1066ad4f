//! `DescribeImageFromFamily` (ECS): the newest `Available` image of an image family in a region —
//! a public family from the catalog, or a custom one (owned, shared or community). Deprecated
//! images are skipped, so deprecating the newest image rolls the family back. The item has the
//! fields of a DescribeImages item. No image: an empty `Image` object (our choice; the SDK model
//! has no error for it).

use serde::Serialize;

use super::describe_images::{custom, public, ImageView};
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

/// The image in DescribeImages' item view, or `{}` when the family has none.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    image: FamilyImage,
}

#[derive(Serialize)]
#[serde(untagged)]
enum FamilyImage {
    Found(Box<ImageView>),
    None(Empty),
}

/// Serialised as `{}`.
#[derive(Serialize)]
struct Empty {}

pub async fn execute(ctx: &Ctx<'_>, Request { region, family }: Request) -> ApiResult<Response> {
    let now = ctx.state.clock.now_ms();
    let image = match ctx.state.catalog.latest_in_family(&family) {
        Some(image) => FamilyImage::Found(Box::new(public(image, &region).item)),
        None => match ctx.state.store.visible_family_image(&ctx.caller.account, &region, &family, now).await? {
            Some(found) => FamilyImage::Found(Box::new(custom(found, &ctx.caller.account, &region, now).item)),
            None => FamilyImage::None(Empty {}),
        },
    };
    Ok(Response { image })
}
