//! Resolves a template's base image: a public image or family from the catalog, or a custom image
//! (built here, owned or shared) or custom family from the store. `IMAGE_FAMILY` resolves to the
//! family's newest image at the moment of asking (docs/reference.md §5.6).

use crate::catalog::{self, Catalog, OsType};
use crate::domain::image::Image;
use crate::domain::pipeline::BaseImageType;
use crate::engine::plan::BaseImage;
use crate::error::ApiResult;
use crate::store::Store;

fn public(image: &catalog::PublicImage) -> BaseImage {
    BaseImage {
        id: image.id.to_string(),
        os_type: image.os_type,
        owner_alias: image.owner_alias.to_string(),
        repairable: image.repairable,
        size_gib: image.size_gib,
        platform: image.platform.to_string(),
        os_name: image.os_name.to_string(),
        architecture: image.architecture.to_string(),
    }
}

fn custom(row: Image, account: &str) -> BaseImage {
    BaseImage {
        owner_alias: if row.account == account { "self" } else { "others" }.to_string(),
        id: row.id,
        os_type: OsType::Linux,
        repairable: true,
        size_gib: row.size_gib,
        platform: row.platform,
        os_name: row.os_name,
        architecture: row.architecture,
    }
}

/// The image `base` names for `kind` (IMAGE or IMAGE_FAMILY), if the caller can see it.
pub async fn resolve(
    catalog: &Catalog,
    store: &Store,
    account: &str,
    region: &str,
    kind: BaseImageType,
    base: &str,
    now_ms: i64,
) -> ApiResult<Option<BaseImage>> {
    match kind {
        BaseImageType::Image => match catalog.public_image(base) {
            Some(image) => Ok(Some(public(image))),
            None => Ok(store.visible_image(account, region, base, now_ms).await?.map(|row| custom(row, account))),
        },
        BaseImageType::ImageFamily => match catalog.latest_in_family(base) {
            Some(image) => Ok(Some(public(image))),
            None => Ok(store.latest_in_family(account, region, base, now_ms).await?.map(|row| custom(row, account))),
        },
        BaseImageType::Oss => Ok(None),
    }
}
