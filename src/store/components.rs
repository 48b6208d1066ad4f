//! SQL for custom image components (api-spec §7.1–§7.3): creating a version in one transaction
//! (ClientToken-aware, default version `(x+1).0.0`, versions unique per name, optional quota),
//! listing with filters and keyset paging, lookups by ID and by name + version pattern, and
//! deletion, refused while a template of the tenant uses the component. System components are
//! not stored: they live in `catalog::components`.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::idempotency::{self, TokenClaim};
use super::{paging, query, tags, Store};
use crate::domain::component::{self, Component, ComponentFilter, Version};
use crate::domain::paging::Page;
use crate::domain::pipeline::Pipeline;
use crate::domain::tags::Tag;
use crate::domain::template::VersionPattern;
use crate::error::{ApiError, ApiResult, Code};

/// Resource type of components in the tag tables and APIs (api-spec §7.4).
pub const RESOURCE_TYPE_COMPONENT: &str = "imagecomponent";

impl Store {
    /// Gives a component a chosen ID (a fixture mirroring an account's existing component): its
    /// row, the ID inside its stored spec, its tags and the ClientToken that created it, so that
    /// loading the fixture again finds it. `400 InvalidParameter` if the ID is taken.
    pub async fn rename_component(&self, from: &str, to: &str) -> ApiResult<()> {
        let mut tx = self.writer.begin().await?;
        let taken: Option<(String,)> =
            sqlx::query_as("SELECT id FROM image_components WHERE id = ?").bind(to).fetch_optional(&mut *tx).await?;
        if taken.is_some() {
            return Err(ApiError::with_message(Code::InvalidParameter, format!("The component ID \"{to}\" is taken.")));
        }
        sqlx::query("UPDATE image_components SET id = ?1, spec = json_set(spec, '$.id', ?1) WHERE id = ?2")
            .bind(to)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE tags SET resource_id = ? WHERE resource_type = ? AND resource_id = ?")
            .bind(to)
            .bind(RESOURCE_TYPE_COMPONENT)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE client_tokens SET resource_id = ? WHERE action = 'CreateImageComponent' AND resource_id = ?",
        )
        .bind(to)
        .bind(from)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Which version a new component gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionChoice {
    /// `ComponentVersion` as given; `403 InvalidComponentVersion.Exist` if the name has it.
    Given(Version),
    /// `(x+1).0.0` where x is the highest major version of the name, `1.0.0` for a new name.
    NextMajor,
}

/// Custom components of one page (at most `MaxResults + 1`, newest first, after the cursor) with
/// their tags, and how many match in total.
#[derive(Debug, Clone)]
pub struct ComponentPage {
    pub items: Vec<(Component, Vec<Tag>)>,
    pub total_count: i64,
}

fn push_filter(qb: &mut QueryBuilder<'_, Sqlite>, account: &str, region: &str, filter: &ComponentFilter) {
    query::push_tenant(qb, "c", account, region);
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
    tags::push_filters(qb, RESOURCE_TYPE_COMPONENT, "c.id", &filter.tags);
}

/// `AND` the non-wildcard positions of a version pattern.
fn push_version(qb: &mut QueryBuilder<'_, Sqlite>, version: &VersionPattern) {
    for (column, position) in [("c.major", version.major), ("c.minor", version.minor), ("c.patch", version.patch)] {
        if let Some(value) = position {
            qb.push(format!(" AND {column} = ")).push_bind(i64::from(value));
        }
    }
}

fn from_spec(spec: &str) -> ApiResult<Component> {
    serde_json::from_str(spec).map_err(ApiError::internal)
}

/// The highest version of `name` in the tenant, if any.
async fn highest_version(
    conn: &mut SqliteConnection,
    account: &str,
    region: &str,
    name: &str,
) -> ApiResult<Option<Version>> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT major, minor, patch FROM image_components WHERE account = ? AND region = ? AND name = ? \
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
    /// Creates a component version with its tags in one transaction, honouring a ClientToken and
    /// the per-region quota. Returns its ID (the earlier one on a replay). `component.version` is
    /// replaced by the chosen version.
    pub async fn create_component(
        &self,
        component: &Component,
        version: VersionChoice,
        tags: &[Tag],
        claim: Option<&TokenClaim>,
        quota: Option<u64>,
    ) -> ApiResult<String> {
        let mut tx = self.writer.begin().await?;
        if let Some(claim) = claim {
            if let Some(existing) = idempotency::lookup(&mut tx, claim).await? {
                return Ok(existing);
            }
        }
        let (account, region) = (component.account.as_str(), component.region.as_str());
        if let Some(quota) = quota {
            let (count,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM image_components WHERE account = ? AND region = ?")
                    .bind(account)
                    .bind(region)
                    .fetch_one(&mut *tx)
                    .await?;
            if u64::try_from(count).unwrap_or(0) >= quota {
                return Err(ApiError::with_message(
                    Code::QuotaExceedImageComponent,
                    format!("Image component quota ({quota}) exceeded in current region."),
                ));
            }
        }
        let highest = highest_version(&mut tx, account, region, &component.name).await?;
        let version = match version {
            VersionChoice::NextMajor => match highest {
                None => Version::FIRST,
                Some(h) => h.next_major().ok_or_else(|| {
                    ApiError::with_message(
                        Code::InvalidParameterComponentVersion,
                        format!("The major version of \"{}\" cannot grow past {h}.", component.name),
                    )
                })?,
            },
            VersionChoice::Given(v) => {
                let (taken,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM image_components WHERE account = ? AND region = ? AND name = ? \
                     AND major = ? AND minor = ? AND patch = ?",
                )
                .bind(account)
                .bind(region)
                .bind(&component.name)
                .bind(i64::from(v.major))
                .bind(i64::from(v.minor))
                .bind(i64::from(v.patch))
                .fetch_one(&mut *tx)
                .await?;
                if taken > 0 {
                    return Err(ApiError::with_message(
                        Code::InvalidComponentVersionExist,
                        format!(
                            "The specified ComponentVersion \"{v}\" does exist with the specified Name \"{}\".",
                            component.name
                        ),
                    ));
                }
                v
            }
        };
        let stored = Component { version, ..component.clone() };
        let spec = serde_json::to_string(&stored).map_err(ApiError::internal)?;
        sqlx::query(
            "INSERT INTO image_components (id, account, region, name, major, minor, patch, component_type, \
             system_type, resource_group_id, created_ms, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&stored.id)
        .bind(account)
        .bind(region)
        .bind(&stored.name)
        .bind(i64::from(version.major))
        .bind(i64::from(version.minor))
        .bind(i64::from(version.patch))
        .bind(stored.component_type.as_str())
        .bind(stored.system_type.as_str())
        .bind(&stored.resource_group_id)
        .bind(stored.created_ms)
        .bind(spec)
        .execute(&mut *tx)
        .await?;
        tags::insert(&mut tx, RESOURCE_TYPE_COMPONENT, &stored.id, account, region, tags).await?;
        if let Some(claim) = claim {
            idempotency::record(&mut tx, claim, &stored.id, stored.created_ms).await?;
        }
        tx.commit().await?;
        Ok(stored.id)
    }

    /// A page of the tenant's custom components: at most `page.max_results + 1` after the
    /// cursor, newest first (the caller merges system components and decides the next token).
    pub async fn describe_components(
        &self,
        account: &str,
        region: &str,
        filter: &ComponentFilter,
        page: &Page,
    ) -> ApiResult<ComponentPage> {
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM image_components c");
        push_filter(&mut count, account, region, filter);
        let (total_count,): (i64,) = count.build_query_as().fetch_one(&self.reader).await?;

        let mut select = QueryBuilder::<Sqlite>::new("SELECT c.spec FROM image_components c");
        push_filter(&mut select, account, region, filter);
        paging::push_after(&mut select, "c", page.after.as_ref());
        paging::push_order_limit(&mut select, "c", page);
        let rows: Vec<(String,)> = select.build_query_as().fetch_all(&self.reader).await?;
        let components = rows.iter().map(|(spec,)| from_spec(spec)).collect::<ApiResult<Vec<_>>>()?;

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
    pub async fn get_component(&self, account: &str, region: &str, id: &str) -> ApiResult<Option<Component>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT spec FROM image_components WHERE id = ? AND account = ? AND region = ?")
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
    ) -> ApiResult<Option<Component>> {
        let mut select = QueryBuilder::<Sqlite>::new("SELECT c.spec FROM image_components c WHERE c.account = ");
        select.push_bind(account.to_string()).push(" AND c.region = ").push_bind(region.to_string());
        select.push(" AND c.name = ").push_bind(name.to_string());
        push_version(&mut select, pattern);
        select.push(" ORDER BY c.major DESC, c.minor DESC, c.patch DESC LIMIT 1");
        let row: Option<(String,)> = select.build_query_as().fetch_optional(&self.reader).await?;
        row.map(|(spec,)| from_spec(&spec)).transpose()
    }

    /// Deletes one of the tenant's custom components and its tags. `404
    /// InvalidImageComponent.NotFound` if there is none; `403 InvalidImageComponent.InUse` while a
    /// template of the tenant references it (checked in the same transaction).
    pub async fn delete_component(&self, account: &str, region: &str, id: &str) -> ApiResult<()> {
        let mut tx = self.writer.begin().await?;
        let row: Option<(String,)> =
            sqlx::query_as("SELECT spec FROM image_components WHERE id = ? AND account = ? AND region = ?")
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((spec,)) = row else {
            return Err(ApiError::with_message(
                Code::InvalidImageComponentNotFound,
                format!("The specified image component \"{id}\" does not exist."),
            ));
        };
        let target = from_spec(&spec)?;
        let templates: Vec<(String,)> =
            sqlx::query_as("SELECT spec FROM image_pipelines WHERE account = ? AND region = ? ORDER BY created_ms")
                .bind(account)
                .bind(region)
                .fetch_all(&mut *tx)
                .await?;
        for (spec,) in templates {
            let pipeline: Pipeline = serde_json::from_str(&spec).map_err(ApiError::internal)?;
            if component::is_used_by(&target, pipeline.build_content.as_deref(), pipeline.test_content.as_deref()) {
                return Err(ApiError::with_message(
                    Code::InvalidImageComponentInUse,
                    format!(
                        "The image component \"{id}\" is used by the image template \"{}\" and cannot be deleted.",
                        pipeline.id
                    ),
                ));
            }
        }
        sqlx::query("DELETE FROM image_components WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tags::delete_all(&mut tx, RESOURCE_TYPE_COMPONENT, id).await?;
        tx.commit().await?;
        Ok(())
    }
}
