//! SQL of `CopyImage` / `CancelCopyImage`: a copy is a new image row in the destination region,
//! `Creating` until its due time on the emulator clock (see `domain::image::Lifecycle`). The
//! action writes it in one [`WriteTx`] with its tags, its ClientToken record and the scripted
//! outcome it uses up; the rules are `domain::image`.

use super::images::{count_new_images_sql, RESOURCE_TYPE_IMAGE};
use super::{tags, WriteTx};
use crate::domain::image::{Image, ImageStatus};
use crate::domain::tags::Tag;

/// A copy about to be made.
#[derive(Debug, Clone)]
pub struct NewCopy<'a> {
    pub id: &'a str,
    pub account: &'a str,
    pub source: &'a Image,
    pub destination: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub resource_group_id: Option<&'a str>,
    pub encrypted: bool,
    pub kms_key_id: Option<&'a str>,
    pub started_ms: i64,
    pub ready_ms: i64,
    /// What the copy fails with (a scripted outcome), if it does.
    pub failure: Option<String>,
}

impl WriteTx {
    /// Another copy of `source` to `destination` still `Creating` at `now_ms`, if any.
    pub async fn copy_in_flight(
        &mut self,
        source: &str,
        destination: &str,
        now_ms: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM images WHERE copied_from = $1 AND region = $2 AND status = 'Creating' AND copy_ready_ms > $3 LIMIT 1",
        )
        .bind(source)
        .bind(destination)
        .bind(now_ms)
        .fetch_optional(self.conn().await?)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Inserts the copy (`Creating`), counted in `image_counts`, with its tags.
    pub async fn insert_copy(&mut self, copy: &NewCopy<'_>, tags: &[Tag]) -> Result<(), sqlx::Error> {
        let s = copy.source;
        sqlx::query(
            "INSERT INTO images (id, account, region, name, family, description, nvme_support, status, source_image, \
             execution_id, copied_from, size_gib, platform, os_name, architecture, created_ms, resource_group_id, \
             boot_mode, license_type, copy_started_ms, copy_ready_ms, copy_error, encrypted, kms_key_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
        )
        .bind(copy.id)
        .bind(copy.account)
        .bind(copy.destination)
        .bind(copy.name)
        .bind(&s.family)
        .bind(copy.description.or(s.description.as_deref()))
        .bind(s.nvme_support.map(|v| v.as_str()))
        .bind(ImageStatus::Creating.as_str())
        .bind(&s.source_image)
        .bind(&s.id)
        .bind(s.size_gib)
        .bind(&s.platform)
        .bind(&s.os_name)
        .bind(&s.architecture)
        .bind(copy.started_ms)
        .bind(copy.resource_group_id)
        .bind(s.boot_mode.map(|v| v.as_str()))
        .bind(s.license_type.map(|v| v.as_str()))
        .bind(copy.started_ms)
        .bind(copy.ready_ms)
        .bind(&copy.failure)
        .bind(i64::from(copy.encrypted))
        .bind(copy.kms_key_id)
        .execute(self.conn().await?)
        .await?;
        sqlx::query(&count_new_images_sql("($1, $2, $3, 1)"))
            .bind(copy.account)
            .bind(copy.destination)
            .bind(ImageStatus::Creating.as_str())
            .execute(self.conn().await?)
            .await?;
        tags::insert(self.conn().await?, RESOURCE_TYPE_IMAGE, copy.id, copy.account, copy.destination, tags).await
    }

    /// The copy facts of an owned image: its stored status, when a copy is ready, whether it failed.
    pub async fn copy_state(
        &mut self,
        account: &str,
        region: &str,
        id: &str,
    ) -> Result<Option<(String, Option<i64>, bool)>, sqlx::Error> {
        let row: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT status, copy_ready_ms, copy_error FROM images WHERE id = $1 AND account = $2 AND region = $3",
        )
        .bind(id)
        .bind(account)
        .bind(region)
        .fetch_optional(self.conn().await?)
        .await?;
        Ok(row.map(|(status, ready, error)| (status, ready, error.is_some())))
    }
}
