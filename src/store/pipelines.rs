//! SQL for image templates and their tags.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite};

use super::idempotency::{self, TokenClaim};
use super::{Store, RESOURCE_TYPE_PIPELINE};
use crate::domain::paging::{Cursor, Page};
use crate::domain::pipeline::Pipeline;
use crate::domain::tags::{Tag, TagFilter};
use crate::error::{ApiError, ApiResult, Code};

/// Filters of DescribeImagePipelines (api-spec §3.2), all AND-ed.
#[derive(Debug, Clone, Default)]
pub struct PipelineFilter {
    pub ids: Vec<String>,
    pub name: Option<String>,
    pub resource_group_id: Option<String>,
    pub tags: Vec<TagFilter>,
}

/// One page of templates with their tags.
#[derive(Debug, Clone)]
pub struct PipelinePage {
    pub items: Vec<(Pipeline, Vec<Tag>)>,
    pub total_count: i64,
    pub next: Option<Cursor>,
}

fn push_filter(qb: &mut QueryBuilder<'_, Sqlite>, account: &str, region: &str, filter: &PipelineFilter) {
    qb.push(" WHERE p.account = ").push_bind(account.to_string());
    qb.push(" AND p.region = ").push_bind(region.to_string());
    if !filter.ids.is_empty() {
        qb.push(" AND p.id IN (");
        let mut ids = qb.separated(", ");
        for id in &filter.ids {
            ids.push_bind(id.clone());
        }
        qb.push(")");
    }
    if let Some(name) = &filter.name {
        qb.push(" AND p.name = ").push_bind(name.clone());
    }
    if let Some(rg) = &filter.resource_group_id {
        qb.push(" AND p.resource_group_id = ").push_bind(rg.clone());
    }
    for tag in &filter.tags {
        qb.push(" AND EXISTS (SELECT 1 FROM tags t WHERE t.resource_type = ")
            .push_bind(RESOURCE_TYPE_PIPELINE)
            .push(" AND t.resource_id = p.id AND t.key = ")
            .push_bind(tag.key.clone());
        if let Some(value) = &tag.value {
            qb.push(" AND t.value = ").push_bind(value.clone());
        }
        qb.push(")");
    }
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
        let mut tx = self.writer.begin().await?;
        if let Some(claim) = claim {
            if let Some(existing) = idempotency::lookup(&mut tx, claim).await? {
                return Ok(existing);
            }
        }
        if let Some(quota) = quota {
            let (count,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM image_pipelines WHERE account = ? AND region = ?")
                    .bind(&pipeline.account)
                    .bind(&pipeline.region)
                    .fetch_one(&mut *tx)
                    .await?;
            if u64::try_from(count).unwrap_or(0) >= quota {
                return Err(ApiError::with_message(
                    Code::QuotaExceedImagePipeline,
                    format!("The image template quota ({quota}) of your account in this region is used up."),
                ));
            }
        }
        let spec = serde_json::to_string(pipeline).map_err(ApiError::internal)?;
        sqlx::query(
            "INSERT INTO image_pipelines (id, account, region, name, resource_group_id, created_ms, spec) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&pipeline.id)
        .bind(&pipeline.account)
        .bind(&pipeline.region)
        .bind(&pipeline.name)
        .bind(&pipeline.resource_group_id)
        .bind(pipeline.created_ms)
        .bind(spec)
        .execute(&mut *tx)
        .await?;
        for (position, tag) in tags.iter().enumerate() {
            sqlx::query(
                "INSERT INTO tags (resource_type, resource_id, account, region, position, key, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(RESOURCE_TYPE_PIPELINE)
            .bind(&pipeline.id)
            .bind(&pipeline.account)
            .bind(&pipeline.region)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&tag.key)
            .bind(&tag.value)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(claim) = claim {
            idempotency::record(&mut tx, claim, &pipeline.id, pipeline.created_ms).await?;
        }
        tx.commit().await?;
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
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM image_pipelines p");
        push_filter(&mut count, account, region, filter);
        let (total_count,): (i64,) = count.build_query_as().fetch_one(&self.reader).await?;

        let mut select = QueryBuilder::<Sqlite>::new("SELECT p.spec FROM image_pipelines p");
        push_filter(&mut select, account, region, filter);
        if let Some(after) = &page.after {
            select
                .push(" AND (p.created_ms < ")
                .push_bind(after.created_ms)
                .push(" OR (p.created_ms = ")
                .push_bind(after.created_ms)
                .push(" AND p.id < ")
                .push_bind(after.id.clone())
                .push("))");
        }
        select.push(" ORDER BY p.created_ms DESC, p.id DESC LIMIT ").push_bind(page.max_results + 1);
        let rows: Vec<(String,)> = select.build_query_as().fetch_all(&self.reader).await?;

        let mut pipelines = rows
            .into_iter()
            .map(|(spec,)| serde_json::from_str::<Pipeline>(&spec).map_err(ApiError::internal))
            .collect::<ApiResult<Vec<_>>>()?;
        let limit = usize::try_from(page.max_results).unwrap_or(usize::MAX);
        let next = if pipelines.len() > limit {
            pipelines.truncate(limit);
            pipelines.last().map(|p| Cursor { created_ms: p.created_ms, id: p.id.clone() })
        } else {
            None
        };
        let ids: Vec<&str> = pipelines.iter().map(|p| p.id.as_str()).collect();
        let mut tags = self.tags_of(RESOURCE_TYPE_PIPELINE, &ids).await?;
        let items = pipelines
            .into_iter()
            .map(|p| {
                let t = tags.remove(&p.id).unwrap_or_default();
                (p, t)
            })
            .collect();
        Ok(PipelinePage { items, total_count, next })
    }

    /// Deletes a template and its tags. `InvalidImagePipeline.NotFound` if it is not the caller's.
    pub async fn delete_pipeline(&self, account: &str, region: &str, id: &str) -> ApiResult<()> {
        let mut tx = self.writer.begin().await?;
        let deleted = sqlx::query("DELETE FROM image_pipelines WHERE id = ? AND account = ? AND region = ?")
            .bind(id)
            .bind(account)
            .bind(region)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(ApiError::with_message(
                Code::InvalidImagePipelineNotFound,
                format!("The specified ImagePipelineId \"{id}\" does not exist."),
            ));
        }
        sqlx::query("DELETE FROM tags WHERE resource_type = ? AND resource_id = ?")
            .bind(RESOURCE_TYPE_PIPELINE)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tags of each resource, in the order they were given.
    async fn tags_of(&self, resource_type: &str, ids: &[&str]) -> ApiResult<HashMap<String, Vec<Tag>>> {
        let mut map: HashMap<String, Vec<Tag>> = HashMap::new();
        if ids.is_empty() {
            return Ok(map);
        }
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT resource_id, key, value FROM tags WHERE resource_type = ");
        qb.push_bind(resource_type.to_string()).push(" AND resource_id IN (");
        let mut list = qb.separated(", ");
        for id in ids {
            list.push_bind(id.to_string());
        }
        qb.push(") ORDER BY resource_id, position");
        let rows: Vec<(String, String, String)> = qb.build_query_as().fetch_all(&self.reader).await?;
        for (id, key, value) in rows {
            map.entry(id).or_default().push(Tag { key, value });
        }
        Ok(map)
    }
}
