//! SQL for custom images (built by executions, or copies of them) and their share permissions.
//! Public images are static and live in the catalog.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{tags, Store, WriteTx};
use crate::domain::image::{BootMode, Image, ImageStatus, ImdsSupport, LicenseType, NvmeSupport};
use crate::domain::tags::Tag;
use crate::domain::wire_enum::WireEnum;

pub const RESOURCE_TYPE_IMAGE: &str = "image";

/// Counts new images in `image_counts` (migration 0015): `values` is `(account, region, status, n)`
/// tuples, one per tenant and status. Whoever inserts images counts them (migration 0024: no insert
/// trigger); deleting an image or changing its status is still counted by a trigger.
pub(super) fn count_new_images_sql(values: &str) -> String {
    format!(
        "INSERT INTO image_counts (account, region, status, n) VALUES {values} \
         ON CONFLICT (account, region, status) DO UPDATE SET n = image_counts.n + excluded.n"
    )
}

/// A text column holding a `wire_enum!` value (an unknown value is a decode error).
fn wire<E: WireEnum>(row: &AnyRow, column: &str) -> Result<Option<E>, sqlx::Error> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| E::parse(&t).ok_or_else(|| sqlx::Error::Decode(format!("unknown {column} \"{t}\"").into())))
        .transpose()
}

/// A 0/1 integer column as a `bool` (the `Any` driver decodes no SQLite integer as `bool`).
fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Row mapping of [`Image`] (the columns of `COLUMNS`).
impl<'r> sqlx::FromRow<'r, AnyRow> for Image {
    fn from_row(row: &'r AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Image {
            id: row.try_get("id")?,
            account: row.try_get("account")?,
            region: row.try_get("region")?,
            name: row.try_get("name")?,
            family: row.try_get("family")?,
            description: row.try_get("description")?,
            nvme_support: wire(row, "nvme_support")?,
            status: wire::<ImageStatus>(row, "status")?
                .ok_or_else(|| sqlx::Error::Decode("an image without a status".into()))?,
            source_image: row.try_get("source_image")?,
            execution_id: row.try_get("execution_id")?,
            copied_from: row.try_get("copied_from")?,
            size_gib: row.try_get("size_gib")?,
            platform: row.try_get("platform")?,
            os_name: row.try_get("os_name")?,
            architecture: row.try_get("architecture")?,
            created_ms: row.try_get("created_ms")?,
            resource_group_id: row.try_get("resource_group_id")?,
            boot_mode: wire(row, "boot_mode")?,
            license_type: wire(row, "license_type")?,
            is_public: flag(row, "is_public")?,
            copy_started_ms: row.try_get("copy_started_ms")?,
            copy_ready_ms: row.try_get("copy_ready_ms")?,
            copy_error: row.try_get("copy_error")?,
            encrypted: flag(row, "encrypted")?,
            kms_key_id: row.try_get("kms_key_id")?,
            imds_support: wire(row, "imds_support")?,
        })
    }
}

pub(super) const COLUMNS: &str =
    "i.id, i.account, i.region, i.name, i.family, i.description, i.nvme_support, i.status, \
     i.source_image, i.execution_id, i.copied_from, i.size_gib, i.platform, i.os_name, i.architecture, i.created_ms, \
     i.resource_group_id, i.boot_mode, i.license_type, i.is_public, i.copy_started_ms, i.copy_ready_ms, i.copy_error, \
     i.encrypted, i.kms_key_id, i.imds_support";

/// A custom image as one account sees it.
#[derive(Debug, Clone)]
pub struct VisibleImage {
    pub image: Image,
    pub tags: Vec<Tag>,
    /// Whether the owner has shared it with anyone (the owner's view of `IsSelfShared`).
    pub shared: bool,
}

impl Store {
    /// A custom image `account` may build from in `region` (owned, shared or a community image)
    /// that is usable at `now_ms`: `Available`, or `Deprecated` ("you can use the image to create
    /// instances", ModifyImageAttribute); a copy in flight or a failed copy is not.
    pub async fn visible_image(
        &self,
        account: &str,
        region: &str,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<Image>, sqlx::Error> {
        let row = self.find_visible_image(account, region, id).await?;
        Ok(row.filter(|r| matches!(r.lifecycle().status(now_ms), ImageStatus::Available | ImageStatus::Deprecated)))
    }

    /// A custom image `account` sees in `region` (owned, shared or community), whatever its status.
    pub async fn find_visible_image(
        &self,
        account: &str,
        region: &str,
        id: &str,
    ) -> Result<Option<Image>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM images i WHERE i.id = $1 AND i.region = $2 AND (i.account = $3 OR i.is_public = 1 OR EXISTS \
             (SELECT 1 FROM image_shares s WHERE s.image_id = i.id AND s.account = $4))"
        ))
        .bind(id)
        .bind(region)
        .bind(account)
        .bind(account)
        .fetch_optional(&self.reader)
        .await
    }

    /// The tags of one image, in their order.
    pub async fn image_tags(&self, id: &str) -> Result<Vec<Tag>, sqlx::Error> {
        let mut conn = self.reader.acquire().await?;
        Ok(tags::of(&mut conn, RESOURCE_TYPE_IMAGE, &[id]).await?.remove(id).unwrap_or_default())
    }

    /// The newest custom image of a family visible to `account` in `region` that is `Available` at
    /// `now_ms`: deprecating the newest rolls the family back to the one before (ECS image families).
    pub async fn latest_in_family(
        &self,
        account: &str,
        region: &str,
        family: &str,
        now_ms: i64,
    ) -> Result<Option<Image>, sqlx::Error> {
        let rows: Vec<Image> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM images i WHERE i.family = $1 AND i.region = $2 AND (i.account = $3 OR i.is_public = 1 OR EXISTS \
             (SELECT 1 FROM image_shares s WHERE s.image_id = i.id AND s.account = $4)) ORDER BY i.created_ms DESC, i.id DESC"
        ))
        .bind(family)
        .bind(region)
        .bind(account)
        .bind(account)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().find(|r| r.lifecycle().is_available(now_ms)))
    }

    /// The newest image of `family` visible to `account` that is `Available` at `now_ms`, as
    /// DescribeImages shows it (tags, shared flag).
    pub async fn visible_family_image(
        &self,
        account: &str,
        region: &str,
        family: &str,
        now_ms: i64,
    ) -> Result<Option<VisibleImage>, sqlx::Error> {
        let Some(row) = self.latest_in_family(account, region, family, now_ms).await? else { return Ok(None) };
        let tags = self.image_tags(&row.id).await?;
        let shared = row.account == account && self.image_is_shared(&row.id).await?;
        Ok(Some(VisibleImage { image: row, tags, shared }))
    }

    /// A custom image `account` owns in `region`.
    pub async fn owned_image(&self, account: &str, region: &str, id: &str) -> Result<Option<Image>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM images i WHERE i.id = $1 AND i.account = $2 AND i.region = $3"))
            .bind(id)
            .bind(account)
            .bind(region)
            .fetch_optional(&self.reader)
            .await
    }

    /// Whether `account` owns an image named `name` in any of `regions`.
    pub async fn image_name_in_use(
        &self,
        account: &str,
        regions: &[&str],
        name: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        for region in regions {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT region FROM images WHERE account = $1 AND region = $2 AND name = $3 LIMIT 1")
                    .bind(account)
                    .bind(*region)
                    .bind(name)
                    .fetch_optional(&self.reader)
                    .await?;
            if let Some((region,)) = row {
                return Ok(Some(region));
            }
        }
        Ok(None)
    }

    /// The accounts an owned image is shared with, with when (`None`: not an owned image).
    pub async fn image_share_accounts(
        &self,
        account: &str,
        region: &str,
        id: &str,
    ) -> Result<Option<Vec<(String, i64)>>, sqlx::Error> {
        let owned: Option<(String,)> =
            sqlx::query_as("SELECT id FROM images WHERE id = $1 AND account = $2 AND region = $3")
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(&self.reader)
                .await?;
        if owned.is_none() {
            return Ok(None);
        }
        Ok(Some(
            sqlx::query_as(
                "SELECT account, shared_ms FROM image_shares WHERE image_id = $1 ORDER BY shared_ms, account",
            )
            .bind(id)
            .fetch_all(&self.reader)
            .await?,
        ))
    }
}

/// An image a build produced (the original or a copy), with whom it is shared.
#[derive(Debug, Clone)]
pub struct ProducedImage {
    pub id: String,
    pub name: String,
    pub region: String,
    pub copied_from: Option<String>,
    pub shared_with: Vec<String>,
}

impl Store {
    /// The images an execution made, original first.
    pub async fn images_of_execution(&self, execution_id: &str) -> Result<Vec<ProducedImage>, sqlx::Error> {
        let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, name, region, copied_from FROM images WHERE execution_id = $1 ORDER BY copied_from IS NOT NULL, created_ms, seq",
        )
        .bind(execution_id)
        .fetch_all(&self.reader)
        .await?;
        let mut images = Vec::with_capacity(rows.len());
        for (id, name, region, copied_from) in rows {
            let shared: Vec<(String,)> =
                sqlx::query_as("SELECT account FROM image_shares WHERE image_id = $1 ORDER BY account")
                    .bind(&id)
                    .fetch_all(&self.reader)
                    .await?;
            images.push(ProducedImage {
                id,
                name,
                region,
                copied_from,
                shared_with: shared.into_iter().map(|(a,)| a).collect(),
            });
        }
        Ok(images)
    }
}

/// What ModifyImageAttribute changes (`None`: keep).
#[derive(Debug, Clone, Default)]
pub struct ImageChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub family: Option<String>,
    pub status: Option<ImageStatus>,
    pub boot_mode: Option<BootMode>,
    pub license_type: Option<LicenseType>,
    pub nvme_support: Option<NvmeSupport>,
    pub imds_support: Option<ImdsSupport>,
}

impl Store {
    /// Whether the image is shared with any account.
    pub async fn image_is_shared(&self, id: &str) -> Result<bool, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM image_shares WHERE image_id = $1")
            .bind(id)
            .fetch_one(&self.reader)
            .await?;
        Ok(n > 0)
    }
}

impl WriteTx {
    /// Whether `account` owns the image `id` in `region`.
    pub async fn owns_image(&mut self, account: &str, region: &str, id: &str) -> Result<bool, sqlx::Error> {
        let owned: Option<(String,)> =
            sqlx::query_as("SELECT id FROM images WHERE id = $1 AND account = $2 AND region = $3")
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(self.conn().await?)
                .await?;
        Ok(owned.is_some())
    }

    /// How many accounts the image is shared with.
    pub async fn image_share_count(&mut self, id: &str) -> Result<usize, sqlx::Error> {
        let (shares,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM image_shares WHERE image_id = $1")
            .bind(id)
            .fetch_one(self.conn().await?)
            .await?;
        Ok(usize::try_from(shares).unwrap_or(usize::MAX))
    }

    /// Shares an image with `add` and unshares it from `remove` (accounts it is not shared with
    /// are ignored).
    pub async fn change_image_shares(
        &mut self,
        image_id: &str,
        add: &[String],
        remove: &[String],
        now_ms: i64,
    ) -> Result<(), sqlx::Error> {
        for account in remove {
            sqlx::query("DELETE FROM image_shares WHERE image_id = $1 AND account = $2")
                .bind(image_id)
                .bind(account)
                .execute(self.conn().await?)
                .await?;
        }
        for account in add {
            sqlx::query(
                "INSERT INTO image_shares (image_id, account, shared_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(image_id)
            .bind(account)
            .bind(now_ms)
            .execute(self.conn().await?)
            .await?;
        }
        Ok(())
    }

    /// Publishes or unpublishes an image as a community image.
    pub async fn set_image_public(&mut self, image_id: &str, public: bool) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE images SET is_public = $1 WHERE id = $2")
            .bind(i64::from(public))
            .bind(image_id)
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }

    /// Deletes an image with its shares and tags.
    pub async fn delete_image(&mut self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM image_shares WHERE image_id = $1").bind(id).execute(self.conn().await?).await?;
        sqlx::query("DELETE FROM images WHERE id = $1").bind(id).execute(self.conn().await?).await?;
        tags::delete_all(self.conn().await?, RESOURCE_TYPE_IMAGE, id).await
    }

    /// Another image of the account named `name` in `region` than `except`, if any.
    pub async fn image_named(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
        except: Option<&str>,
    ) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM images WHERE account = $1 AND region = $2 AND name = $3 AND id <> COALESCE($4, '') LIMIT 1",
        )
        .bind(account)
        .bind(region)
        .bind(name)
        .bind(except)
        .fetch_optional(self.conn().await?)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Applies `changes` to an owned image.
    pub async fn modify_image(
        &mut self,
        account: &str,
        region: &str,
        id: &str,
        changes: &ImageChanges,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE images SET name = COALESCE($1, name), description = COALESCE($2, description), \
             family = COALESCE($3, family), status = COALESCE($4, status), boot_mode = COALESCE($5, boot_mode), \
             license_type = COALESCE($6, license_type), nvme_support = COALESCE($7, nvme_support), \
             imds_support = COALESCE($8, imds_support) WHERE id = $9 AND account = $10 AND region = $11",
        )
        .bind(&changes.name)
        .bind(&changes.description)
        .bind(&changes.family)
        .bind(changes.status.map(|v| v.as_str()))
        .bind(changes.boot_mode.map(|v| v.as_str()))
        .bind(changes.license_type.map(|v| v.as_str()))
        .bind(changes.nvme_support.map(|v| v.as_str()))
        .bind(changes.imds_support.map(|v| v.as_str()))
        .bind(id)
        .bind(account)
        .bind(region)
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }
}
