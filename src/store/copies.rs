//! SQL of `CopyImage` / `CancelCopyImage`: a copy is a new image row in the destination region,
//! `Creating` until its due time on the emulator clock (see `domain::image::Lifecycle`). Written
//! in one transaction with its tags, its ClientToken record and the scripted outcome it uses up.

use super::idempotency::{self, TokenClaim};
use super::images::{image_not_found, RESOURCE_TYPE_IMAGE};
use super::{tags, Store};
use crate::domain::image::Image;
use crate::domain::outcome::OutcomeRule;
use crate::domain::tags::Tag;
use crate::error::{ApiError, ApiResult, Code};

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
    /// A rule scripted on the source image's tags, used when no control-plane rule matches.
    pub tagged_outcome: Option<OutcomeRule>,
}

impl Store {
    /// Makes the copy; returns its ID (the earlier one for a replayed ClientToken).
    /// `400 InvalidImageName.Duplicated` when the account has an image of that name in the
    /// destination; `400 OperationDenied.ImageCopyConflict` while another copy of the same source to
    /// the same destination is `Creating`.
    pub async fn copy_image(&self, copy: &NewCopy<'_>, tags: &[Tag], claim: Option<&TokenClaim>) -> ApiResult<String> {
        let mut tx = self.writer.begin().await?;
        if let Some(claim) = claim {
            if let Some(id) = idempotency::lookup(&mut tx, claim).await? {
                return Ok(id);
            }
        }
        let taken: Option<(String,)> =
            sqlx::query_as("SELECT id FROM images WHERE account = ? AND region = ? AND name = ? LIMIT 1")
                .bind(copy.account)
                .bind(copy.destination)
                .bind(copy.name)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(ApiError::with_message(
                Code::InvalidImageNameDuplicated,
                format!("The image name \"{}\" is already in use in region \"{}\".", copy.name, copy.destination),
            ));
        }
        let in_flight: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM images WHERE copied_from = ? AND region = ? AND status = 'Creating' AND copy_ready_ms > ? LIMIT 1",
        )
        .bind(&copy.source.id)
        .bind(copy.destination)
        .bind(copy.started_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((other,)) = in_flight {
            return Err(ApiError::with_message(
                Code::OperationDeniedImageCopyConflict,
                format!(
                    "The image \"{}\" is already being copied to \"{}\" as \"{other}\".",
                    copy.source.id, copy.destination
                ),
            ));
        }
        let scripted =
            match super::control::take_copy_outcome(&mut tx, copy.account, &copy.source.id, copy.destination).await? {
                Some(rule) => Some(rule),
                None => copy
                    .tagged_outcome
                    .clone()
                    .filter(|rule| rule.matches_copy(copy.account, &copy.source.id, copy.destination)),
            };
        let failure = scripted.map(|rule| {
            let code = rule.error_code.as_deref().unwrap_or(crate::domain::outcome::SCRIPTED_ERROR_CODE).to_string();
            let message = rule.message.unwrap_or_else(|| "The scripted outcome failed this copy.".into());
            format!("{code}: {message}")
        });
        let s = copy.source;
        sqlx::query(
            "INSERT INTO images (id, account, region, name, family, description, nvme_support, status, source_image, \
             execution_id, copied_from, size_gib, platform, os_name, architecture, created_ms, resource_group_id, \
             boot_mode, license_type, copy_started_ms, copy_ready_ms, copy_error, encrypted, kms_key_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'Creating', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(copy.id)
        .bind(copy.account)
        .bind(copy.destination)
        .bind(copy.name)
        .bind(&s.family)
        .bind(copy.description.or(s.description.as_deref()))
        .bind(s.nvme_support.map(|v| v.as_str()))
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
        .bind(failure)
        .bind(copy.encrypted)
        .bind(copy.kms_key_id)
        .execute(&mut *tx)
        .await?;
        tags::insert(&mut tx, RESOURCE_TYPE_IMAGE, copy.id, copy.account, copy.destination, tags).await?;
        if let Some(claim) = claim {
            idempotency::record(&mut tx, claim, copy.id, copy.started_ms).await?;
        }
        tx.commit().await?;
        Ok(copy.id.to_string())
    }

    /// Cancels a copy still `Creating` at `now_ms`: the copy is deleted. A copy that finished or
    /// failed, or an image that is not a copy in flight, is `400 IncorrectImageStatus`.
    pub async fn cancel_copy(&self, account: &str, region: &str, id: &str, now_ms: i64) -> ApiResult<()> {
        let mut tx = self.writer.begin().await?;
        let row: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT status, copy_ready_ms, copy_error FROM images WHERE id = ? AND account = ? AND region = ?",
        )
        .bind(id)
        .bind(account)
        .bind(region)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status, ready, error)) = row else { return Err(image_not_found(id)) };
        let message = match (status.as_str(), ready) {
            ("Creating", Some(ready)) if now_ms < ready => None,
            ("Creating", Some(_)) if error.is_some() => Some("The Image copy has been failed."),
            ("Creating", Some(_)) => Some("The image has completed copy."),
            _ => Some("The specified image is not coping."),
        };
        if let Some(message) = message {
            return Err(ApiError::with_message(Code::IncorrectImageStatus, message));
        }
        sqlx::query("DELETE FROM images WHERE id = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM image_shares WHERE image_id = ?").bind(id).execute(&mut *tx).await?;
        tags::delete_all(&mut tx, RESOURCE_TYPE_IMAGE, id).await?;
        tx.commit().await?;
        Ok(())
    }
}
