//! SQL for image templates and their tags.

use sqlx::{QueryBuilder, Sqlite};

use super::idempotency::{self, TokenClaim};
use super::tags;
use super::{paging, query, Store, RESOURCE_TYPE_PIPELINE};
use crate::domain::execution::TERMINAL_SQL;
use crate::domain::paging::{Cursor, Page};
use crate::domain::pipeline::Pipeline;
use crate::domain::tags::{Tag, TagFilter};
use crate::error::{ApiError, ApiResult, Code};

/// Filters of DescribeImagePipelines (docs/reference.md §3.2), all AND-ed.
#[derive(Debug, Clone, Default)]
pub struct PipelineFilter {
    pub ids: Vec<String>,
    pub name: Option<String>,
    pub resource_group_id: Option<String>,
    pub tags: Vec<TagFilter>,
}

impl PipelineFilter {
    /// No filter at all: every template of the tenant.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.name.is_none() && self.resource_group_id.is_none() && self.tags.is_empty()
    }
}

/// One page of templates with their tags.
#[derive(Debug, Clone)]
pub struct PipelinePage {
    pub items: Vec<(Pipeline, Vec<Tag>)>,
    pub total_count: i64,
    pub next: Option<Cursor>,
}

fn push_filter(qb: &mut QueryBuilder<'_, Sqlite>, account: &str, region: &str, filter: &PipelineFilter) {
    query::push_tenant(qb, "p", account, region);
    query::push_in(qb, "p.id", filter.ids.iter().cloned());
    if let Some(name) = &filter.name {
        qb.push(" AND p.name = ").push_bind(name.clone());
    }
    if let Some(rg) = &filter.resource_group_id {
        qb.push(" AND p.resource_group_id = ").push_bind(rg.clone());
    }
    tags::push_filters(qb, RESOURCE_TYPE_PIPELINE, "p.id", &filter.tags);
}

impl Store {
    /// Creates a template with its tags in one transaction, honouring a ClientToken and the
    /// per-region quota. Returns the ID of the template (the earlier one on a replay).
    pub async fn create_pipeline(
        &self,
        pipeline: &Pipeline,
        tags: &[Tag],
        claim: Option<&TokenClaim>,
        quota: Option<u64>,
    ) -> ApiResult<String> {
        let generation = self.pipelines.generation();
        let spec = serde_json::to_string(pipeline).map_err(ApiError::internal)?;
        let insert = sqlx::query(
            "INSERT INTO image_pipelines (id, account, region, name, resource_group_id, created_ms, spec) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&pipeline.id)
        .bind(&pipeline.account)
        .bind(&pipeline.region)
        .bind(&pipeline.name)
        .bind(&pipeline.resource_group_id)
        .bind(pipeline.created_ms)
        .bind(spec);
        if claim.is_none() && quota.is_none() && tags.is_empty() {
            // A single statement is atomic on its own (the count trigger runs inside it): no
            // explicit transaction, two round trips to the writer fewer.
            insert.execute(&self.writer).await?;
            self.pipelines.offer(generation, [(pipeline.clone(), Vec::new())]);
            return Ok(pipeline.id.clone());
        }
        let mut tx = self.writer.begin().await?;
        if let Some(claim) = claim {
            if let Some(existing) = idempotency::lookup(&mut tx, claim).await? {
                return Ok(existing);
            }
        }
        if let Some(quota) = quota {
            let count: Option<(i64,)> =
                sqlx::query_as("SELECT n FROM pipeline_counts WHERE account = ? AND region = ?")
                    .bind(&pipeline.account)
                    .bind(&pipeline.region)
                    .fetch_optional(&mut *tx)
                    .await?;
            if u64::try_from(count.map_or(0, |(n,)| n)).unwrap_or(0) >= quota {
                return Err(ApiError::with_message(
                    Code::QuotaExceedImagePipeline,
                    format!("The image template quota ({quota}) of your account in this region is used up."),
                ));
            }
        }
        insert.execute(&mut *tx).await?;
        tags::insert(&mut tx, RESOURCE_TYPE_PIPELINE, &pipeline.id, &pipeline.account, &pipeline.region, tags).await?;
        if let Some(claim) = claim {
            idempotency::record(&mut tx, claim, &pipeline.id, pipeline.created_ms).await?;
        }
        tx.commit().await?;
        self.pipelines.offer(generation, [(pipeline.clone(), tags.to_vec())]);
        Ok(pipeline.id.clone())
    }

    /// A page of templates, newest first, with the total number of matches.
    pub async fn describe_pipelines(
        &self,
        account: &str,
        region: &str,
        filter: &PipelineFilter,
        page: &Page,
    ) -> ApiResult<PipelinePage> {
        if let Some(page) = self.cached_page(account, region, filter, page) {
            return Ok(page);
        }
        let generation = self.pipelines.generation();
        // One round trip: each template with its tags (in their order) as a JSON array.
        let mut select = QueryBuilder::<Sqlite>::new("SELECT p.spec, ");
        tags::push_json_column(&mut select, RESOURCE_TYPE_PIPELINE, "p.id");
        select.push(" FROM image_pipelines p");
        push_filter(&mut select, account, region, filter);
        paging::push_after(&mut select, "p", page.after.as_ref());
        paging::push_order_limit(&mut select, "p", page);
        let rows: Vec<(String, String)> = select.build_query_as().fetch_all(&self.reader).await?;

        let mut items = rows
            .into_iter()
            .map(|(spec, tag_json)| {
                let pipeline = serde_json::from_str::<Pipeline>(&spec).map_err(ApiError::internal)?;
                Ok((pipeline, tags::from_json(&tag_json)?))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        if !filter.ids.is_empty() {
            self.pipelines.offer(generation, items.iter().cloned());
        }
        let next = paging::split_next(&mut items, page, |(p, _)| Cursor { created_ms: p.created_ms, id: p.id.clone() });
        let total_count = if paging::total_is_known(page, next.as_ref()) {
            i64::try_from(items.len()).unwrap_or(i64::MAX)
        } else if filter.is_empty() {
            // Kept by triggers (migration 0005): no scan of the tenant's rows.
            let row: Option<(i64,)> = sqlx::query_as("SELECT n FROM pipeline_counts WHERE account = ? AND region = ?")
                .bind(account)
                .bind(region)
                .fetch_optional(&self.reader)
                .await?;
            row.map_or(0, |(n,)| n)
        } else {
            let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM image_pipelines p");
            push_filter(&mut count, account, region, filter);
            let (total,): (i64,) = count.build_query_as().fetch_one(&self.reader).await?;
            total
        };
        Ok(PipelinePage { items, total_count, next })
    }

    /// A lookup by IDs alone, answered from the cache when every ID is cached (newest first, as SQL
    /// would order them).
    fn cached_page(&self, account: &str, region: &str, filter: &PipelineFilter, page: &Page) -> Option<PipelinePage> {
        let by_ids_only = filter.name.is_none()
            && filter.resource_group_id.is_none()
            && filter.tags.is_empty()
            && page.after.is_none();
        let mut ids = filter.ids.clone();
        ids.sort();
        ids.dedup();
        if !by_ids_only || ids.is_empty() || i64::try_from(ids.len()).unwrap_or(i64::MAX) > page.max_results {
            return None;
        }
        let mut entries = self.pipelines.get_all(account, region, &ids)?;
        entries.sort_by(|a, b| b.0.created_ms.cmp(&a.0.created_ms).then_with(|| b.0.id.cmp(&a.0.id)));
        let items: Vec<(Pipeline, Vec<Tag>)> = entries.iter().map(|e| (e.0.clone(), e.1.clone())).collect();
        Some(PipelinePage { total_count: i64::try_from(items.len()).unwrap_or(i64::MAX), items, next: None })
    }

    /// Deletes a template, its tags and its build history. `InvalidImagePipeline.NotFound` if it is
    /// not the caller's; `InvalidImagePipeline.HasRunningExecution` while a build is not terminal.
    pub async fn delete_pipeline(&self, account: &str, region: &str, id: &str) -> ApiResult<()> {
        let mut tx = self.writer.begin().await?;
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT id FROM image_pipelines WHERE id = ? AND account = ? AND region = ?")
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Err(ApiError::with_message(
                Code::InvalidImagePipelineNotFound,
                format!("The specified ImagePipelineId \"{id}\" does not exist."),
            ));
        }
        let running: Option<(String, String)> = sqlx::query_as(&format!(
            "SELECT id, status FROM executions WHERE pipeline_id = ? AND status NOT IN {TERMINAL_SQL} LIMIT 1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((execution, status)) = running {
            return Err(ApiError::with_message(
                Code::InvalidImagePipelineHasRunningExecution,
                format!("The image pipeline \"{id}\" has a running execution \"{execution}\" ({status})."),
            ));
        }
        sqlx::query("DELETE FROM image_pipelines WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tags::delete_all(&mut tx, RESOURCE_TYPE_PIPELINE, id).await?;
        super::executions::delete_of_pipeline(&mut tx, id).await?;
        tx.commit().await?;
        self.pipelines.forget([id]);
        Ok(())
    }

    /// The tags of one template.
    pub async fn pipeline_tags(&self, id: &str) -> ApiResult<Vec<Tag>> {
        let mut conn = self.reader.acquire().await?;
        Ok(tags::of(&mut conn, RESOURCE_TYPE_PIPELINE, &[id]).await?.remove(id).unwrap_or_default())
    }

    /// One of the caller's templates.
    pub async fn get_pipeline(&self, account: &str, region: &str, id: &str) -> ApiResult<Option<Pipeline>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT spec FROM image_pipelines WHERE id = ? AND account = ? AND region = ?")
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(&self.reader)
                .await?;
        row.map(|(spec,)| serde_json::from_str(&spec).map_err(ApiError::internal)).transpose()
    }
}
