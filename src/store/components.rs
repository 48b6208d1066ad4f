//! SQL for custom image components (docs/reference.md §7.1–§7.3): the queries CreateImageComponent and
//! DeleteImageComponent run in their [`WriteTx`] (the rules are `domain::component`), listing with filters and keyset paging, lookups by ID and by name + version pattern, and
//! deletion, refused while a template of the tenant uses the component. System components are
//! not stored: they live in `catalog::components`.

use super::sql::Sql;
use sqlx::AnyConnection;

use super::{decode, encode, paging, query, tags, Backend, Store, WriteTx};
use crate::domain::component::{Component, ComponentFilter, Version};
use crate::domain::paging::Page;
use crate::domain::pipeline::Pipeline;
use crate::domain::tags::Tag;
use crate::domain::template::VersionPattern;

/// Resource type of components in the tag tables and APIs (docs/reference.md §7.4).
pub const RESOURCE_TYPE_COMPONENT: &str = "imagecomponent";

impl Store {
    /// Gives a component a chosen ID (a fixture mirroring an account's existing component): its
    /// row, the ID inside its stored spec, its tags and the ClientToken that created it, so that
    /// loading the fixture again finds it. `Ok(false)` (nothing changed) if the ID is taken.
    pub async fn rename_component(&self, from: &str, to: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.write().await?;
        let conn = tx.conn().await?;
        let taken: Option<(String,)> =
            sqlx::query_as("SELECT id FROM image_components WHERE id = $1").bind(to).fetch_optional(&mut *conn).await?;
        if taken.is_some() {
            return Ok(false);
        }
        let spec: Option<(String,)> = sqlx::query_as("SELECT spec FROM image_components WHERE id = $1")
            .bind(from)
            .fetch_optional(&mut *conn)
            .await?;
        let spec = match spec {
            Some((text,)) => Some(super::set_json_field(&text, "id", to)?),
            None => None,
        };
        sqlx::query("UPDATE image_components SET id = $1, spec = COALESCE($2, spec) WHERE id = $3")
            .bind(to)
            .bind(spec)
            .bind(from)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE tags SET resource_id = $1 WHERE resource_type = $2 AND resource_id = $3")
            .bind(to)
            .bind(RESOURCE_TYPE_COMPONENT)
            .bind(from)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE client_tokens SET resource_id = $1 WHERE action = 'CreateImageComponent' AND resource_id = $2",
        )
        .bind(to)
        .bind(from)
        .execute(&mut *conn)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Custom components of one page (at most `MaxResults + 1`, newest first, after the cursor) with
/// their tags, and how many match in total.
#[derive(Debug, Clone)]
pub struct ComponentPage {
    pub items: Vec<(Component, Vec<Tag>)>,
    pub total_count: i64,
}

fn push_filter(qb: &mut Sql<'_>, backend: Backend, account: &str, region: &str, filter: &ComponentFilter) {
    query::push_tenant_for_tags(qb, backend, "c", account, region, !filter.tags.is_empty());
    query::push_in(qb, "c.id", filter.ids.iter().cloned());
    if let Some(name) = &filter.name {
        qb.push(" AND c.name = ").push_bind(name.clone());
    }
    if let Some(version) = &filter.version {
        push_version(qb, version);
    }
    if let Some(t) = filter.component_type {
        qb.push(" AND c.component_type = ").push_bind(t.as_str());
    }
    if let Some(t) = filter.system_type {
        qb.push(" AND c.system_type = ").push_bind(t.as_str());
    }
    if let Some(rg) = &filter.resource_group_id {
        qb.push(" AND c.resource_group_id = ").push_bind(rg.clone());
    }
    tags::push_filters(qb, (account, region), RESOURCE_TYPE_COMPONENT, "c.id", &filter.tags);
}

/// `AND` the non-wildcard positions of a version pattern.
fn push_version(qb: &mut Sql<'_>, version: &VersionPattern) {
    for (column, position) in [("c.major", version.major), ("c.minor", version.minor), ("c.patch", version.patch)] {
        if let Some(value) = position {
            qb.push(format!(" AND {column} = ")).push_bind(i64::from(value));
        }
    }
}

fn from_spec(spec: &str) -> Result<Component, sqlx::Error> {
    serde_json::from_str(spec).map_err(decode)
}

/// The highest version of `name` in the tenant, if any.
async fn highest_version(
    conn: &mut AnyConnection,
    account: &str,
    region: &str,
    name: &str,
) -> Result<Option<Version>, sqlx::Error> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT major, minor, patch FROM image_components WHERE account = $1 AND region = $2 AND name = $3 \
         ORDER BY major DESC, minor DESC, patch DESC LIMIT 1",
    )
    .bind(account)
    .bind(region)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(major, minor, patch)| Version {
        major: u32::try_from(major).unwrap_or(0),
        minor: u32::try_from(minor).unwrap_or(0),
        patch: u32::try_from(patch).unwrap_or(0),
    }))
}

impl Store {
    /// A page of the tenant's custom components: at most `page.max_results + 1` after the
    /// cursor, newest first (the caller merges system components and decides the next token).
    pub async fn describe_components(
        &self,
        account: &str,
        region: &str,
        filter: &ComponentFilter,
        page: &Page,
    ) -> Result<ComponentPage, sqlx::Error> {
        let mut count = Sql::new("SELECT COUNT(*) FROM image_components c");
        push_filter(&mut count, self.backend, account, region, filter);
        let (total_count,): (i64,) = count.query_as()?.fetch_one(&self.reader).await?;

        let mut select = Sql::new("SELECT c.spec FROM image_components c");
        push_filter(&mut select, self.backend, account, region, filter);
        paging::push_after(&mut select, "c", page.after.as_ref());
        paging::push_order_limit(&mut select, "c", page);
        let rows: Vec<(String,)> = select.query_as()?.fetch_all(&self.reader).await?;
        let components = rows.iter().map(|(spec,)| from_spec(spec)).collect::<Result<Vec<_>, sqlx::Error>>()?;

        let ids: Vec<&str> = components.iter().map(|c| c.id.as_str()).collect();
        let mut conn = self.reader.acquire().await?;
        let mut tags = tags::of(&mut conn, RESOURCE_TYPE_COMPONENT, &ids).await?;
        let items = components
            .into_iter()
            .map(|c| {
                let t = tags.remove(&c.id).unwrap_or_default();
                (c, t)
            })
            .collect();
        Ok(ComponentPage { items, total_count })
    }

    /// One of the tenant's custom components.
    pub async fn get_component(&self, account: &str, region: &str, id: &str) -> Result<Option<Component>, sqlx::Error> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT spec FROM image_components WHERE id = $1 AND account = $2 AND region = $3")
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(&self.reader)
                .await?;
        row.map(|(spec,)| from_spec(&spec)).transpose()
    }

    /// The highest version of the tenant's component `name` that matches `pattern`.
    pub async fn latest_component(
        &self,
        account: &str,
        region: &str,
        name: &str,
        pattern: &VersionPattern,
    ) -> Result<Option<Component>, sqlx::Error> {
        let mut select = Sql::new("SELECT c.spec FROM image_components c WHERE c.account = ");
        select.push_bind(account.to_string()).push(" AND c.region = ").push_bind(region.to_string());
        select.push(" AND c.name = ").push_bind(name.to_string());
        push_version(&mut select, pattern);
        select.push(" ORDER BY c.major DESC, c.minor DESC, c.patch DESC LIMIT 1");
        let row: Option<(String,)> = select.query_as()?.fetch_optional(&self.reader).await?;
        row.map(|(spec,)| from_spec(&spec)).transpose()
    }
}

impl WriteTx {
    /// The tenant's number of custom components.
    pub async fn component_count(&mut self, account: &str, region: &str) -> Result<u64, sqlx::Error> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM image_components WHERE account = $1 AND region = $2")
                .bind(account)
                .bind(region)
                .fetch_one(self.conn().await?)
                .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The highest version of `name` in the tenant, if any.
    pub async fn highest_component_version(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Option<Version>, sqlx::Error> {
        highest_version(self.conn().await?, account, region, name).await
    }

    /// Whether the tenant has version `v` of `name`.
    pub async fn component_version_taken(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
        v: Version,
    ) -> Result<bool, sqlx::Error> {
        let (taken,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM image_components WHERE account = $1 AND region = $2 AND name = $3 \
             AND major = $4 AND minor = $5 AND patch = $6",
        )
        .bind(account)
        .bind(region)
        .bind(name)
        .bind(i64::from(v.major))
        .bind(i64::from(v.minor))
        .bind(i64::from(v.patch))
        .fetch_one(self.conn().await?)
        .await?;
        Ok(taken > 0)
    }

    /// Inserts a component (with its chosen version) and its tags.
    pub async fn insert_component(&mut self, c: &Component, tags: &[Tag]) -> Result<(), sqlx::Error> {
        let spec = serde_json::to_string(c).map_err(encode)?;
        sqlx::query(
            "INSERT INTO image_components (id, account, region, name, major, minor, patch, component_type, \
             system_type, resource_group_id, created_ms, spec) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&c.id)
        .bind(&c.account)
        .bind(&c.region)
        .bind(&c.name)
        .bind(i64::from(c.version.major))
        .bind(i64::from(c.version.minor))
        .bind(i64::from(c.version.patch))
        .bind(c.component_type.as_str())
        .bind(c.system_type.as_str())
        .bind(&c.resource_group_id)
        .bind(c.created_ms)
        .bind(spec)
        .execute(self.conn().await?)
        .await?;
        tags::insert(self.conn().await?, RESOURCE_TYPE_COMPONENT, &c.id, &c.account, &c.region, tags).await
    }

    /// One of the tenant's custom components.
    pub async fn component(&mut self, account: &str, region: &str, id: &str) -> Result<Option<Component>, sqlx::Error> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT spec FROM image_components WHERE id = $1 AND account = $2 AND region = $3")
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(self.conn().await?)
                .await?;
        row.map(|(spec,)| from_spec(&spec)).transpose()
    }

    /// The tenant's templates, oldest first.
    pub async fn pipelines_of(&mut self, account: &str, region: &str) -> Result<Vec<Pipeline>, sqlx::Error> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT spec FROM image_pipelines WHERE account = $1 AND region = $2 ORDER BY created_ms")
                .bind(account)
                .bind(region)
                .fetch_all(self.conn().await?)
                .await?;
        rows.iter().map(|(spec,)| serde_json::from_str(spec).map_err(decode)).collect()
    }

    /// Deletes a component and its tags.
    pub async fn delete_component(&mut self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM image_components WHERE id = $1").bind(id).execute(self.conn().await?).await?;
        tags::delete_all(self.conn().await?, RESOURCE_TYPE_COMPONENT, id).await
    }
}
