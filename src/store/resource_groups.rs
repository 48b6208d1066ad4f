//! SQL of `JoinResourceGroup`: moving an image, a template or a component to another resource
//! group. A template or component also carries its group inside its stored spec, so both change in
//! one statement; the template cache forgets the template after commit.

use super::components::RESOURCE_TYPE_COMPONENT;
use super::images::RESOURCE_TYPE_IMAGE;
use super::{Store, RESOURCE_TYPE_PIPELINE};
use crate::error::{ApiError, ApiResult, Code};

/// The resource types JoinResourceGroup moves here, with their tables and whether the row keeps a
/// JSON spec holding `resource_group_id`.
fn table_of(resource_type: &str) -> Option<(&'static str, bool)> {
    match resource_type {
        RESOURCE_TYPE_IMAGE => Some(("images", false)),
        RESOURCE_TYPE_PIPELINE => Some(("image_pipelines", true)),
        RESOURCE_TYPE_COMPONENT => Some(("image_components", true)),
        _ => None,
    }
}

/// The `ResourceType` values JoinResourceGroup accepts (others: `404 InvalidResourceType.NotFound`).
pub const JOINABLE: &[&str] = &[RESOURCE_TYPE_IMAGE, RESOURCE_TYPE_PIPELINE, RESOURCE_TYPE_COMPONENT];

impl Store {
    /// Moves the tenant's resource to `group`. `404 InvalidResourceId.NotFound` for a resource the
    /// tenant does not own; `403 InvalidResourceGroup.Duplicate` when it is already there
    /// (`default_group` stands for a resource that never joined one).
    pub async fn join_resource_group(
        &self,
        account: &str,
        region: &str,
        resource_type: &str,
        id: &str,
        group: &str,
        default_group: &str,
    ) -> ApiResult<()> {
        let (table, has_spec) = table_of(resource_type).ok_or(Code::InvalidResourceTypeNotFound)?;
        let mut tx = self.writer.begin().await?;
        let current: Option<(Option<String>,)> = sqlx::query_as(&format!(
            "SELECT resource_group_id FROM {table} WHERE id = ? AND account = ? AND region = ?"
        ))
        .bind(id)
        .bind(account)
        .bind(region)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((current,)) = current else {
            return Err(ApiError::with_message(
                Code::InvalidResourceIdNotFound,
                format!("The ResourceId \"{id}\" provided does not exist in our records."),
            ));
        };
        if current.as_deref().unwrap_or(default_group) == group {
            return Err(ApiError::with_message(
                Code::InvalidResourceGroupDuplicate,
                format!("The ResourceId \"{id}\" provided has the ResourceGroup \"{group}\" in our records."),
            ));
        }
        let sql = if has_spec {
            format!("UPDATE {table} SET resource_group_id = ?1, spec = json_set(spec, '$.resource_group_id', ?1) WHERE id = ?2")
        } else {
            format!("UPDATE {table} SET resource_group_id = ?1 WHERE id = ?2")
        };
        sqlx::query(&sql).bind(group).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        if resource_type == RESOURCE_TYPE_PIPELINE {
            self.pipelines.forget([id]);
        }
        Ok(())
    }
}
