//! SQL for image templates and their tags.

use super::sql::{push_values, Batch, Sql};

use super::{decode, encode, idempotency, paging, query, tags, Backend, Store, WriteTx, RESOURCE_TYPE_PIPELINE};
use crate::domain::execution::{RunningBuild, NOT_TERMINAL_SQL};
use crate::domain::idempotency::{StoredToken, TokenClaim};
use crate::domain::paging::{Cursor, Page};
use crate::domain::pipeline::Pipeline;
use crate::domain::tags::{Tag, TagFilter};

/// Filters of DescribeImagePipelines (docs/reference.md §3.2), all AND-ed.
#[derive(Debug, Clone, Default)]
pub struct PipelineFilter {
    pub ids: Vec<String>,
    pub name: Option<String>,
    pub resource_group_id: Option<String>,
    pub tags: Vec<TagFilter>,
}

/// What a start or a delete reads of one template on the writer ([`WriteTx::pipeline_with_running_build`]).
#[derive(Debug)]
pub struct TemplateCheck {
    /// The template's build that has not ended, if any.
    pub running: Option<RunningBuild>,
    /// Whether any control-plane outcome rule is stored: a start reads the rules only then, so
    /// the common start (no rules) makes one read on the writer, not two.
    pub outcome_rules: bool,
    /// Whether the template has any build, ended or not: a delete deletes builds (and what they
    /// own) only then, so deleting a template never built runs no statement for them.
    pub built: bool,
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

/// Appends the template's `INSERT` to `qb`.
fn push_insert(qb: &mut Sql<'_>, pipeline: &Pipeline) -> Result<(), sqlx::Error> {
    let spec = serde_json::to_string(pipeline).map_err(encode)?;
    let p = pipeline;
    push_values!(
        qb.push("INSERT INTO image_pipelines (id, account, region, name, resource_group_id, created_ms, spec) VALUES "),
        p.id.clone(),
        p.account.clone(),
        p.region.clone(),
        p.name.clone(),
        p.resource_group_id.clone(),
        p.created_ms,
        spec,
    );
    Ok(())
}

fn push_filter(qb: &mut Sql<'_>, backend: Backend, account: &str, region: &str, filter: &PipelineFilter) {
    query::push_tenant_for_tags(qb, backend, "p", account, region, !filter.tags.is_empty());
    query::push_in(qb, "p.id", filter.ids.iter().cloned());
    if let Some(name) = &filter.name {
        qb.push(" AND p.name = ").push_bind(name.clone());
    }
    if let Some(rg) = &filter.resource_group_id {
        qb.push(" AND p.resource_group_id = ").push_bind(rg.clone());
    }
    tags::push_filters(qb, (account, region), RESOURCE_TYPE_PIPELINE, "p.id", &filter.tags);
}

impl Store {
    /// Inserts a template without tags when there is nothing to read or decide first: one
    /// statement in its own savepoint of the current group-commit batch (`group.rs`), so it shares
    /// the batch's `COMMIT` instead of paying one alone.
    pub async fn insert_pipeline_alone(&self, pipeline: &Pipeline) -> Result<(), sqlx::Error> {
        let mut tx = self.write().await?;
        tx.insert_pipeline(None, pipeline, &[]).await?;
        tx.commit().await
    }

    /// A page of templates, newest first, with the total number of matches.
    pub async fn describe_pipelines(
        &self,
        account: &str,
        region: &str,
        filter: &PipelineFilter,
        page: &Page,
    ) -> Result<PipelinePage, sqlx::Error> {
        if let Some(page) = self.cached_page(account, region, filter, page) {
            return Ok(page);
        }
        let generation = self.pipelines.generation();
        // One round trip: each template with its tags (in their order) as a JSON array.
        let mut select = Sql::new("SELECT p.spec, ");
        self.backend.push_tags_json(&mut select, RESOURCE_TYPE_PIPELINE, "p.id");
        select.push(" FROM image_pipelines p");
        push_filter(&mut select, self.backend, account, region, filter);
        paging::push_after(&mut select, "p", page.after.as_ref());
        paging::push_order_limit(&mut select, "p", page);
        let rows: Vec<(String, String)> = select.query_as()?.fetch_all(&self.reader).await?;

        let mut items = rows
            .into_iter()
            .map(|(spec, tag_json)| {
                let pipeline = serde_json::from_str::<Pipeline>(&spec).map_err(decode)?;
                Ok((pipeline, tags::from_json(&tag_json)?))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        if !filter.ids.is_empty() {
            self.pipelines.offer(generation, items.iter().cloned());
        }
        let next = paging::split_next(&mut items, page, |(p, _)| Cursor { created_ms: p.created_ms, id: p.id.clone() });
        let total_count = if paging::total_is_known(page, next.as_ref()) {
            i64::try_from(items.len()).unwrap_or(i64::MAX)
        } else if filter.is_empty() {
            // Kept by triggers (migration 0005): no scan of the tenant's rows.
            let row: Option<(i64,)> =
                sqlx::query_as("SELECT n FROM pipeline_counts WHERE account = $1 AND region = $2")
                    .bind(account)
                    .bind(region)
                    .fetch_optional(&self.reader)
                    .await?;
            row.map_or(0, |(n,)| n)
        } else {
            let mut count = Sql::new("SELECT COUNT(*) FROM image_pipelines p");
            push_filter(&mut count, self.backend, account, region, filter);
            let (total,): (i64,) = count.query_as()?.fetch_one(&self.reader).await?;
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

    /// One of the tenant's templates with its tags: from the template cache when it holds it (no
    /// SQL), else one query (and then cached).
    pub async fn pipeline_with_tags(
        &self,
        account: &str,
        region: &str,
        id: &str,
    ) -> Result<Option<(Pipeline, Vec<Tag>)>, sqlx::Error> {
        if let Some(entry) = self.pipelines.get_all(account, region, &[id.to_string()]).and_then(|mut e| e.pop()) {
            return Ok(Some((entry.0.clone(), entry.1.clone())));
        }
        let generation = self.pipelines.generation();
        let mut select = Sql::new("SELECT p.spec, ");
        self.backend.push_tags_json(&mut select, RESOURCE_TYPE_PIPELINE, "p.id");
        select.push(" FROM image_pipelines p WHERE p.id = ").push_bind(id.to_string());
        select.push(" AND p.account = ").push_bind(account.to_string());
        select.push(" AND p.region = ").push_bind(region.to_string());
        let row: Option<(String, String)> = select.query_as()?.fetch_optional(&self.reader).await?;
        let Some((spec, tag_json)) = row else { return Ok(None) };
        let found = (serde_json::from_str::<Pipeline>(&spec).map_err(decode)?, tags::from_json(&tag_json)?);
        self.pipelines.offer(generation, [found.clone()]);
        Ok(Some(found))
    }

    /// Whether the tenant has template `id`: from the template cache when it holds it (no SQL), else
    /// as [`Store::pipeline_with_tags`] reads it (which offers it to the cache for the next call).
    pub async fn pipeline_exists(&self, account: &str, region: &str, id: &str) -> Result<bool, sqlx::Error> {
        if self.pipelines.contains(account, region, id) {
            return Ok(true);
        }
        Ok(self.pipeline_with_tags(account, region, id).await?.is_some())
    }
}

impl WriteTx {
    /// The tenant's number of templates (kept by triggers, migration 0005).
    pub async fn pipeline_count(&mut self, account: &str, region: &str) -> Result<u64, sqlx::Error> {
        let count: Option<(i64,)> = sqlx::query_as("SELECT n FROM pipeline_counts WHERE account = $1 AND region = $2")
            .bind(account)
            .bind(region)
            .fetch_optional(self.conn().await?)
            .await?;
        Ok(u64::try_from(count.map_or(0, |(n,)| n)).unwrap_or(0))
    }

    /// Inserts a template with its tags (cached for reads once committed), after claiming
    /// `claim`'s token for it (recorded at the template's creation time). If the token is already
    /// recorded, nothing is inserted and the record is the answer (`Ok(Some)`).
    ///
    /// One [`Batch`]: on SQLite the claim and the inserts are one round trip, and a recorded token
    /// fails the claim (a plain `INSERT`, the first statement), which stops the rest. On
    /// PostgreSQL the claim goes first, alone (`INSERT … ON CONFLICT DO NOTHING`).
    pub async fn insert_pipeline(
        &mut self,
        claim: Option<&TokenClaim>,
        pipeline: &Pipeline,
        tags: &[Tag],
    ) -> Result<Option<StoredToken>, sqlx::Error> {
        let (id, account, region) = (&pipeline.id, &pipeline.account, &pipeline.region);
        let mut batch = Batch::new(self.backend(), self.opening());
        match (claim, self.backend()) {
            (Some(claim), Backend::Sqlite) => idempotency::push_claim(batch.next(), claim, id, pipeline.created_ms),
            (Some(claim), Backend::Postgres) => {
                if let Some(recorded) = self.claim_client_token(claim, id, pipeline.created_ms).await? {
                    return Ok(Some(recorded));
                }
            }
            (None, _) => {}
        }
        push_insert(batch.next(), pipeline)?;
        if !tags.is_empty() {
            tags::push_insert(batch.next(), RESOURCE_TYPE_PIPELINE, id, account, region, tags);
        }
        match (batch.execute(self.conn().await?).await, claim) {
            (Err(err), Some(claim)) if idempotency::already_claimed(&err) => {
                return self.recorded_client_token(claim).await.map(Some);
            }
            (done, _) => done?,
        };
        if let Some(claim) = claim {
            self.tokens.add(claim);
        }
        self.offer_after_commit(pipeline.clone(), tags.to_vec());
        Ok(None)
    }

    /// The tenant's template `id` as a start or a delete checks it on the writer: `None` if the
    /// tenant has no such template, else its build that has not ended (if any), whether any
    /// outcome rule is stored and whether it has any build. One query (on SQLite with the
    /// savepoint's opening in front).
    pub async fn pipeline_with_running_build(
        &mut self,
        account: &str,
        region: &str,
        id: &str,
    ) -> Result<Option<TemplateCheck>, sqlx::Error> {
        let text = template_check_sql(self.opening());
        // Not `fetch_optional`: it would stop at the opening's statements, which return no row.
        let rows: Vec<(Option<String>, Option<String>, i64, i64)> =
            sqlx::query_as(&text).bind(id).bind(account).bind(region).fetch_all(self.conn().await?).await?;
        Ok(rows.into_iter().next().map(|(execution_id, status, outcome_rules, built)| TemplateCheck {
            running: execution_id.zip(status).map(|(execution_id, status)| RunningBuild { execution_id, status }),
            outcome_rules: outcome_rules != 0,
            built: built != 0,
        }))
    }

    /// Deletes a template, its tags and, if it was `built` ([`TemplateCheck::built`]), its build
    /// history (and forgets it in the read cache).
    pub async fn delete_pipeline(&mut self, id: &str, built: bool) -> Result<(), sqlx::Error> {
        // One `Batch`: one round trip on SQLite.
        let mut batch = Batch::new(self.backend(), self.opening());
        batch.next().push("DELETE FROM image_pipelines WHERE id = ").push_bind(id.to_string());
        batch
            .next()
            .push("DELETE FROM tags WHERE resource_type = ")
            .push_bind(RESOURCE_TYPE_PIPELINE)
            .push(" AND resource_id = ")
            .push_bind(id.to_string());
        if built {
            super::executions::push_deletes_of_pipeline(&mut batch, id);
        }
        batch.execute(self.conn().await?).await?;
        self.forget_after_commit(id);
        Ok(())
    }
}

/// The query of [`WriteTx::pipeline_with_running_build`] after `opening`: the template's running
/// build is looked up by the one-running-build index (migration 0024), whose condition it spells.
fn template_check_sql(opening: &str) -> String {
    format!(
        "{opening}SELECT e.id, e.status, CAST(CASE WHEN EXISTS (SELECT 1 FROM outcome_rules) THEN 1 ELSE 0 END AS BIGINT), \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM executions b WHERE b.pipeline_id = p.id) THEN 1 ELSE 0 END AS BIGINT) \
         FROM image_pipelines p LEFT JOIN executions e ON e.pipeline_id = p.id \
         AND {NOT_TERMINAL_SQL} WHERE p.id = $1 AND p.account = $2 AND p.region = $3 LIMIT 1"
    )
}

#[cfg(test)]
mod tests {
    use super::template_check_sql;
    use crate::store::Store;

    /// A start or delete finds the template's running build through the one-running-build index:
    /// its condition and the query's must be spelt alike (migration 0024), or SQLite would read
    /// every build the template ever had.
    #[tokio::test]
    async fn the_running_build_is_looked_up_by_the_one_running_build_index() {
        let store = Store::open(":memory:").await.expect("open");
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {}", template_check_sql("")))
                .bind("ip-x")
                .bind("1")
                .bind("cn-hangzhou")
                .fetch_all(&store.writer)
                .await
                .expect("plan");
        let details: Vec<&str> = plan.iter().map(|(_, _, _, detail)| detail.as_str()).collect();
        assert!(
            details.iter().any(|d| d.starts_with("SEARCH e USING INDEX executions_one_running (pipeline_id=?)")),
            "{details:?}"
        );
        store.close().await;
    }
}
