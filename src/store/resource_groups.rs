//! SQL of `JoinResourceGroup`: moving an image, a template or a component to another resource
//! group. A template or component also carries its group inside its stored spec, so both change in
//! one statement; the template cache forgets the template after commit. The rule is
//! `domain::resources::check_join`.

use super::components::RESOURCE_TYPE_COMPONENT;
use super::images::RESOURCE_TYPE_IMAGE;
use super::{WriteTx, RESOURCE_TYPE_PIPELINE};

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

impl WriteTx {
    /// The group of the tenant's resource: `None` when the tenant has no such resource (or the
    /// type is not joinable), `Some(None)` when it never joined one.
    pub async fn resource_group_of(
        &mut self,
        account: &str,
        region: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<Option<String>>, sqlx::Error> {
        let Some((table, _)) = table_of(resource_type) else { return Ok(None) };
        let current: Option<(Option<String>,)> = sqlx::query_as(&format!(
            "SELECT resource_group_id FROM {table} WHERE id = $1 AND account = $2 AND region = $3"
        ))
        .bind(id)
        .bind(account)
        .bind(region)
        .fetch_optional(self.conn().await?)
        .await?;
        Ok(current.map(|(group,)| group))
    }

    /// Moves a resource to `group` (a template leaves the read cache once committed).
    pub async fn join_resource_group(&mut self, resource_type: &str, id: &str, group: &str) -> Result<(), sqlx::Error> {
        let Some((table, has_spec)) = table_of(resource_type) else { return Ok(()) };
        if has_spec {
            // The stored spec carries the group too: rewritten here, in the same transaction.
            let spec: Option<(String,)> = sqlx::query_as(&format!("SELECT spec FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.conn().await?)
                .await?;
            if let Some((text,)) = spec {
                sqlx::query(&format!("UPDATE {table} SET resource_group_id = $1, spec = $2 WHERE id = $3"))
                    .bind(group)
                    .bind(super::set_json_field(&text, "resource_group_id", group)?)
                    .bind(id)
                    .execute(self.conn().await?)
                    .await?;
            }
        } else {
            sqlx::query(&format!("UPDATE {table} SET resource_group_id = $1 WHERE id = $2"))
                .bind(group)
                .bind(id)
                .execute(self.conn().await?)
                .await?;
        }
        if resource_type == RESOURCE_TYPE_PIPELINE {
            self.forget_after_commit(id);
        }
        Ok(())
    }
}
