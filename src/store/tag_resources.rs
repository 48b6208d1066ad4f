//! SQL of the tag APIs (docs/reference.md §7.4): adding and overwriting tags on existing resources, removing
//! them (the rules are `domain::resources`), and listing (resource, tag) pairs with keyset paging. The
//! taggable resource types and their tables are listed here once ([`TAGGABLE`]).

use std::collections::HashSet;

use super::sql::Sql;

use super::components::RESOURCE_TYPE_COMPONENT;
use super::images::RESOURCE_TYPE_IMAGE;
use super::{tags, Backend, Store, WriteTx, RESOURCE_TYPE_PIPELINE};
use crate::domain::tags::{Tag, TagFilter};

/// The table of each resource type the tag APIs serve.
fn table_of(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        RESOURCE_TYPE_PIPELINE => Some("image_pipelines"),
        RESOURCE_TYPE_COMPONENT => Some("image_components"),
        RESOURCE_TYPE_IMAGE => Some("images"),
        _ => None,
    }
}

/// The `ResourceType` values the tag APIs serve (others are `404 InvalidResourceType.NotFound`).
/// Executions (`imagepipelineexecution`) are tagged only at start: whether the real tag APIs take
/// them is unconfirmed. `image` is in the ResourceType list of every tag API's SDK model; a build's
/// `ImageOptions.ImageTags` are tags of its image.
pub const TAGGABLE: &[&str] = &[RESOURCE_TYPE_PIPELINE, RESOURCE_TYPE_COMPONENT, RESOURCE_TYPE_IMAGE];

/// A `TagFilter.N` of ListTagResources: the key, and the values of which one must match (a value
/// ending in `*` matches by prefix); no values: any value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyTagFilter {
    pub key: String,
    pub values: Vec<String>,
}

/// What ListTagResources selects; every part that is given must hold.
#[derive(Debug, Clone, Default)]
pub struct TagQuery {
    pub ids: Vec<String>,
    pub tags: Vec<TagFilter>,
    pub fuzzy: Vec<FuzzyTagFilter>,
    /// `Tag.N.Key=acs:rm:rgId`: only resources in this (non-default) resource group.
    pub resource_group: Option<String>,
}

/// A `TagFilter` key or value: `abc*` prefix, `*abc*` infix, else exact (SDK model
/// `ListTagResourcesRequestTagFilter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Exact(String),
    Prefix(String),
    Infix(String),
}

impl Pattern {
    pub fn of(text: &str) -> Pattern {
        if let Some(inner) = text.strip_prefix('*').and_then(|t| t.strip_suffix('*')) {
            Pattern::Infix(inner.to_string())
        } else if let Some(prefix) = text.strip_suffix('*') {
            Pattern::Prefix(prefix.to_string())
        } else {
            Pattern::Exact(text.to_string())
        }
    }
}

fn push_match(qb: &mut Sql<'_>, backend: Backend, column: &str, pattern: &Pattern) {
    let position = backend.position_fn();
    match pattern {
        Pattern::Exact(text) => qb.push(format!("{column} = ")).push_bind(text.clone()),
        Pattern::Prefix(text) => qb.push(format!("{position}({column}, ")).push_bind(text.clone()).push(") = 1"),
        Pattern::Infix(text) => qb.push(format!("{position}({column}, ")).push_bind(text.clone()).push(") > 0"),
    };
}

/// One (resource, tag) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagResource {
    pub resource_id: String,
    pub key: String,
    pub value: String,
}

impl WriteTx {
    /// Which of `ids` are resources of the tenant (`None`: the type is not taggable).
    pub async fn existing_resources(
        &mut self,
        resource_type: &str,
        account: &str,
        region: &str,
        ids: &[String],
    ) -> Result<Option<HashSet<String>>, sqlx::Error> {
        let Some(table) = table_of(resource_type) else { return Ok(None) };
        let mut qb = Sql::new(format!("SELECT id FROM {table} WHERE account = "));
        qb.push_bind(account.to_string()).push(" AND region = ").push_bind(region.to_string()).push(" AND id IN (");
        qb.push_bind_list(ids.iter().cloned());
        qb.push(")");
        let found = qb.query_as::<(String,)>()?.fetch_all(self.conn().await?).await?;
        Ok(Some(found.into_iter().map(|(id,)| id).collect()))
    }

    /// The tag keys of a resource, in their order.
    pub async fn tag_keys(&mut self, resource_type: &str, id: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT key FROM tags WHERE resource_type = $1 AND resource_id = $2 ORDER BY position")
                .bind(resource_type)
                .bind(id)
                .fetch_all(self.conn().await?)
                .await?;
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }

    /// Sets `tags` on a resource: an existing key gets the new value, new keys go after the others.
    pub async fn put_tags(
        &mut self,
        (account, region): (&str, &str),
        resource_type: &str,
        id: &str,
        tags: &[Tag],
    ) -> Result<(), sqlx::Error> {
        let existing: Vec<(String, i64)> =
            sqlx::query_as("SELECT key, position FROM tags WHERE resource_type = $1 AND resource_id = $2")
                .bind(resource_type)
                .bind(id)
                .fetch_all(self.conn().await?)
                .await?;
        let mut position = existing.iter().map(|(_, p)| *p).max().map_or(0, |p| p + 1);
        for tag in tags {
            if existing.iter().any(|(k, _)| *k == tag.key) {
                sqlx::query("UPDATE tags SET value = $1 WHERE resource_type = $2 AND resource_id = $3 AND key = $4")
                    .bind(&tag.value)
                    .bind(resource_type)
                    .bind(id)
                    .bind(&tag.key)
                    .execute(self.conn().await?)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO tags (resource_type, resource_id, account, region, position, key, value) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(resource_type)
                .bind(id)
                .bind(account)
                .bind(region)
                .bind(position)
                .bind(&tag.key)
                .bind(&tag.value)
                .execute(self.conn().await?)
                .await?;
                position += 1;
            }
        }
        if resource_type == RESOURCE_TYPE_PIPELINE {
            self.forget_after_commit(id);
        }
        Ok(())
    }

    /// Removes the tags with these keys from a resource (keys it lacks are ignored); `None`: all.
    pub async fn remove_tags(
        &mut self,
        resource_type: &str,
        id: &str,
        keys: Option<&[String]>,
    ) -> Result<(), sqlx::Error> {
        match keys {
            None => tags::delete_all(self.conn().await?, resource_type, id).await?,
            Some(keys) => {
                for key in keys {
                    sqlx::query("DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2 AND key = $3")
                        .bind(resource_type)
                        .bind(id)
                        .bind(key)
                        .execute(self.conn().await?)
                        .await?;
                }
            }
        }
        if resource_type == RESOURCE_TYPE_PIPELINE {
            self.forget_after_commit(id);
        }
        Ok(())
    }
}

impl Store {
    /// Every tag of the tenant's resources of `resource_type` selected by `query`, ordered by
    /// (resource ID, key), strictly after `after`; at most `limit` pairs.
    pub async fn list_tag_resources(
        &self,
        account: &str,
        region: &str,
        resource_type: &'static str,
        query: &TagQuery,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> Result<Vec<TagResource>, sqlx::Error> {
        if let Some(rows) = self.cached_tag_resources(account, region, resource_type, query, after, limit) {
            return Ok(rows);
        }
        let mut qb = Sql::new("SELECT r.resource_id, r.key, r.value FROM tags r WHERE r.resource_type = ");
        // Filtered by tags: the tag index drives the query (see `query::push_tenant_for_tags`).
        let scope = |column: &str| match query.tags.is_empty() {
            true => format!("r.{column}"),
            false => self.backend.tenant_column_for_tags("r", column),
        };
        qb.push_bind(resource_type).push(format!(" AND {} = ", scope("account"))).push_bind(account.to_string());
        qb.push(format!(" AND {} = ", scope("region"))).push_bind(region.to_string());
        if !query.ids.is_empty() {
            qb.push(" AND r.resource_id IN (");
            qb.push_bind_list(query.ids.iter().cloned());
            qb.push(")");
        }
        tags::push_filters(&mut qb, (account, region), resource_type, "r.resource_id", &query.tags);
        if let Some(group) = &query.resource_group {
            if let Some(table) = table_of(resource_type) {
                qb.push(format!(" AND r.resource_id IN (SELECT id FROM {table} WHERE resource_group_id = "))
                    .push_bind(group.clone())
                    .push(")");
            }
        }
        for filter in &query.fuzzy {
            qb.push(" AND EXISTS (SELECT 1 FROM tags f WHERE f.resource_type = r.resource_type AND f.resource_id = r.resource_id AND ");
            let key = Pattern::of(&filter.key);
            push_match(&mut qb, self.backend, "f.key", &key);
            // A fuzzy key searches by key alone; values refine an exact key only (SDK model).
            if !filter.values.is_empty() && matches!(key, Pattern::Exact(_)) {
                qb.push(" AND (");
                for (i, value) in filter.values.iter().enumerate() {
                    if i > 0 {
                        qb.push(" OR ");
                    }
                    push_match(&mut qb, self.backend, "f.value", &Pattern::of(value));
                }
                qb.push(")");
            }
            qb.push(")");
        }
        if let Some((id, key)) = after {
            qb.push(" AND (r.resource_id > ")
                .push_bind(id.clone())
                .push(" OR (r.resource_id = ")
                .push_bind(id.clone())
                .push(" AND r.key > ")
                .push_bind(key.clone())
                .push("))");
        }
        qb.push(" ORDER BY r.resource_id, r.key LIMIT ").push_bind(limit);
        let rows: Vec<(String, String, String)> = qb.query_as()?.fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(|(resource_id, key, value)| TagResource { resource_id, key, value }).collect())
    }

    /// [`Store::list_tag_resources`] of templates selected by ID alone, from the template cache
    /// (which holds each template with all its tags, forgotten on every tag write) when it holds
    /// every ID asked for: the same rows in the same order, no SQL.
    fn cached_tag_resources(
        &self,
        account: &str,
        region: &str,
        resource_type: &str,
        query: &TagQuery,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> Option<Vec<TagResource>> {
        let by_id_only = query.tags.is_empty() && query.fuzzy.is_empty() && query.resource_group.is_none();
        if resource_type != RESOURCE_TYPE_PIPELINE || query.ids.is_empty() || !by_id_only {
            return None;
        }
        let entries = self.pipelines.get_all(account, region, &query.ids)?;
        let mut seen = HashSet::new();
        let mut rows: Vec<TagResource> = entries
            .iter()
            .filter(|entry| seen.insert(entry.0.id.as_str()))
            .flat_map(|entry| {
                entry.1.iter().map(|t| TagResource {
                    resource_id: entry.0.id.clone(),
                    key: t.key.clone(),
                    value: t.value.clone(),
                })
            })
            .collect();
        // SQLite compares TEXT bytewise, as `str` does.
        rows.sort_by(|a, b| (&a.resource_id, &a.key).cmp(&(&b.resource_id, &b.key)));
        rows.retain(|r| after.is_none_or(|(id, key)| r.resource_id > *id || (r.resource_id == *id && r.key > *key)));
        // A negative LIMIT is no limit in SQLite.
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Some(rows)
    }
}

/// One row of DescribeTags: a (key, value) pair and how many resources of each type carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCount {
    pub key: String,
    pub value: String,
    pub resource_type: String,
    pub count: i64,
}

impl Store {
    /// The tags of the tenant's resources of `types`, optionally of one resource, optionally only
    /// those matching one of `filters` (key, and value when given), counted per resource type and
    /// ordered by (key, value, type).
    pub async fn describe_tags(
        &self,
        account: &str,
        region: &str,
        types: &[&str],
        resource_id: Option<&str>,
        filters: &[TagFilter],
    ) -> Result<Vec<TagCount>, sqlx::Error> {
        let mut qb = Sql::new("SELECT key, value, resource_type, COUNT(*) FROM tags WHERE account = ");
        qb.push_bind(account.to_string()).push(" AND region = ").push_bind(region.to_string());
        qb.push(" AND resource_type IN (");
        qb.push_bind_list(types.iter().map(|t| t.to_string()));
        qb.push(")");
        if let Some(id) = resource_id {
            qb.push(" AND resource_id = ").push_bind(id.to_string());
        }
        if !filters.is_empty() {
            qb.push(" AND (");
            for (i, f) in filters.iter().enumerate() {
                if i > 0 {
                    qb.push(" OR ");
                }
                qb.push("(key = ").push_bind(f.key.clone());
                if let Some(value) = &f.value {
                    qb.push(" AND value = ").push_bind(value.clone());
                }
                qb.push(")");
            }
            qb.push(")");
        }
        qb.push(" GROUP BY key, value, resource_type ORDER BY key, value, resource_type");
        let rows: Vec<(String, String, String, i64)> = qb.query_as()?.fetch_all(&self.reader).await?;
        Ok(rows
            .into_iter()
            .map(|(key, value, resource_type, count)| TagCount { key, value, resource_type, count })
            .collect())
    }
}
