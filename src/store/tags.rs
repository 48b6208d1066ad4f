//! SQL for resource tags, shared by every taggable resource (templates, executions, images).

use std::collections::HashMap;

use super::sql::Sql;
use sqlx::AnyConnection;

use super::decode;
use crate::domain::tags::{Tag, TagFilter};

/// Stores `tags` on a resource, in the order given: one multi-row `INSERT` (one round trip
/// whatever the number of tags; at most 20 tags × 7 values, far below any placeholder limit).
pub(super) async fn insert(
    conn: &mut AnyConnection,
    resource_type: &str,
    resource_id: &str,
    account: &str,
    region: &str,
    tags: &[Tag],
) -> Result<(), sqlx::Error> {
    if tags.is_empty() {
        return Ok(());
    }
    let mut qb = Sql::new("");
    push_insert(&mut qb, resource_type, resource_id, account, region, tags);
    qb.query()?.execute(&mut *conn).await?;
    Ok(())
}

/// Appends the `INSERT` of `tags` (not empty) to `qb`.
pub(super) fn push_insert(
    qb: &mut Sql<'_>,
    resource_type: &str,
    resource_id: &str,
    account: &str,
    region: &str,
    tags: &[Tag],
) {
    qb.push("INSERT INTO tags (resource_type, resource_id, account, region, position, key, value) VALUES ");
    for (position, tag) in tags.iter().enumerate() {
        qb.push(if position == 0 { "(" } else { ", (" });
        qb.push_bind(resource_type.to_string())
            .push(", ")
            .push_bind(resource_id.to_string())
            .push(", ")
            .push_bind(account.to_string())
            .push(", ")
            .push_bind(region.to_string())
            .push(", ")
            .push_bind(i64::try_from(position).unwrap_or(i64::MAX))
            .push(", ")
            .push_bind(tag.key.clone())
            .push(", ")
            .push_bind(tag.value.clone())
            .push(")");
    }
}

pub(super) async fn delete_all(
    conn: &mut AnyConnection,
    resource_type: &str,
    resource_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2")
        .bind(resource_type)
        .bind(resource_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The tags of each resource, in the order they were given.
pub(super) async fn of(
    conn: &mut AnyConnection,
    resource_type: &str,
    ids: &[&str],
) -> Result<HashMap<String, Vec<Tag>>, sqlx::Error> {
    let mut map: HashMap<String, Vec<Tag>> = HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    let mut qb = Sql::new("SELECT resource_id, key, value FROM tags WHERE resource_type = ");
    qb.push_bind(resource_type.to_string()).push(" AND resource_id IN (");
    qb.push_bind_list(ids.iter().map(|id| id.to_string()));
    qb.push(") ORDER BY resource_id, position");
    let rows: Vec<(String, String, String)> = qb.query_as()?.fetch_all(&mut *conn).await?;
    for (id, key, value) in rows {
        map.entry(id).or_default().push(Tag { key, value });
    }
    Ok(map)
}

/// Parses the value of [`Backend::push_tags_json`](super::Backend::push_tags_json)'s column.
pub(super) fn from_json(text: &str) -> Result<Vec<Tag>, sqlx::Error> {
    let pairs: Vec<(String, String)> = serde_json::from_str(text).map_err(decode)?;
    Ok(pairs.into_iter().map(|(key, value)| Tag { key, value }).collect())
}

/// ` AND id IN (resources with this tag)` for each filter: a lookup in the tag index
/// (`tags_by_key`), so a tag-filtered listing costs the matches, not the tenant's row count
/// (pair it with `query::push_tenant_for_tags`).
pub(super) fn push_filters(
    qb: &mut Sql<'_>,
    (account, region): (&str, &str),
    resource_type: &'static str,
    id_column: &str,
    filters: &[TagFilter],
) {
    for tag in filters {
        qb.push(format!(" AND {id_column} IN (SELECT t.resource_id FROM tags t WHERE t.account = "))
            .push_bind(account.to_string())
            .push(" AND t.region = ")
            .push_bind(region.to_string())
            .push(" AND t.resource_type = ")
            .push_bind(resource_type)
            .push(" AND t.key = ")
            .push_bind(tag.key.clone());
        if let Some(value) = &tag.value {
            qb.push(" AND t.value = ").push_bind(value.clone());
        }
        qb.push(")");
    }
}
