//! SQL for build executions: the queries Start and Cancel run in their [`WriteTx`], listing, and the engine's transaction ([`EngineTx`]) that loads due executions and
//! records what their steps do (events, transit resources, images, shares).

use super::sql::Sql;
use sqlx::{Any, AnyConnection, Transaction};

use super::{decode, encode, paging, query, tags, Store, WriteTx};
use crate::domain::build::{self, Execution, Runtime};
use crate::domain::execution::{RunningBuild, Status, TERMINAL_SQL};
use crate::domain::image::Image;
use crate::domain::paging::{Cursor, Page};
use crate::domain::tags::{Tag, TagFilter};

pub const RESOURCE_TYPE_EXECUTION: &str = "imagepipelineexecution";

/// The error code a quarantined build reports (the wire code `InternalError`, as data).
const INTERNAL_ERROR: &str = "InternalError";

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    i64,
    String,
    String,
);

const COLUMNS: &str = "id, account, region, pipeline_id, status, message, image_id, error_code, error_info, \
     resource_group_id, created_ms, modified_ms, next_due_ms, cursor, plan, runtime";

fn from_row(row: Row) -> Result<Execution, sqlx::Error> {
    let (
        id,
        account,
        region,
        pipeline_id,
        status,
        message,
        image_id,
        error_code,
        error_info,
        rg,
        created,
        modified,
        due,
        cursor,
        plan,
        runtime,
    ) = row;
    Ok(Execution {
        status: Status::parse(&status).ok_or_else(|| decode(format!("bad status {status} on {id}")))?,
        id,
        account,
        region,
        pipeline_id,
        message,
        image_id,
        error_code,
        error_info,
        resource_group_id: rg,
        created_ms: created,
        modified_ms: modified,
        next_due_ms: due,
        cursor: usize::try_from(cursor).unwrap_or(0),
        plan: build::decode_plan(&plan).map_err(decode)?,
        plan_changed: false,
        runtime: serde_json::from_str(&runtime).map_err(decode)?,
    })
}

/// Filters of DescribeImagePipelineExecutions (docs/reference.md §4.3).
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub pipeline_id: Option<String>,
    pub ids: Vec<String>,
    pub statuses: Vec<Status>,
    pub tags: Vec<TagFilter>,
}

pub struct ExecutionPage {
    pub items: Vec<ExecutionSummary>,
    pub total_count: i64,
    pub next: Option<Cursor>,
}

/// What DescribeImagePipelineExecutions shows of an execution (not its plan nor its runtime).
#[derive(Debug, Clone)]
pub struct ExecutionSummary {
    pub id: String,
    pub pipeline_id: String,
    pub status: Status,
    pub message: String,
    pub image_id: Option<String>,
    pub error_code: Option<String>,
    pub error_info: Option<String>,
    pub resource_group_id: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub tags: Vec<Tag>,
}

/// The summary columns of a page query (`describe_executions`) and one tag of the execution.
type SummaryRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

/// A transit resource (instance, VPC, vSwitch) as recorded for the timeline.
#[derive(Debug, Clone)]
pub struct TransitResource {
    pub id: String,
    pub kind: String,
    pub detail: serde_json::Value,
    pub created_ms: i64,
    pub released_ms: Option<i64>,
}

/// One entry of an execution's timeline.
#[derive(Debug, Clone)]
pub struct Event {
    pub at_ms: i64,
    pub status: String,
    pub message: String,
}

fn push_filter(qb: &mut Sql<'_>, account: &str, region: &str, filter: &ExecutionFilter) {
    query::push_tenant_for_tags(qb, "e", account, region, !filter.tags.is_empty());
    if let Some(pipeline) = &filter.pipeline_id {
        qb.push(" AND e.pipeline_id = ").push_bind(pipeline.clone());
    }
    query::push_in(qb, "e.id", filter.ids.iter().cloned());
    query::push_in(qb, "e.status", filter.statuses.iter().map(|s| s.as_str()));
    tags::push_filters(qb, (account, region), RESOURCE_TYPE_EXECUTION, "e.id", &filter.tags);
}

async fn insert_event(conn: &mut AnyConnection, execution: &mut Execution, at_ms: i64) -> Result<(), sqlx::Error> {
    execution.runtime.events += 1;
    sqlx::query("INSERT INTO execution_events (execution_id, seq, at_ms, status, message) VALUES ($1, $2, $3, $4, $5)")
        .bind(&execution.id)
        .bind(execution.runtime.events)
        .bind(at_ms)
        .bind(execution.status.as_str())
        .bind(&execution.message)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn save(conn: &mut AnyConnection, e: &Execution) -> Result<(), sqlx::Error> {
    let runtime = serde_json::to_string(&e.runtime).map_err(encode)?;
    let plan = if e.plan_changed { Some(build::encode_plan(&e.plan).map_err(encode)?) } else { None };
    sqlx::query(
        "UPDATE executions SET status = $1, message = $2, image_id = $3, error_code = $4, error_info = $5, modified_ms = $6, \
         next_due_ms = $7, cursor = $8, plan = COALESCE($9, plan), runtime = $10 WHERE id = $11",
    )
    .bind(e.status.as_str())
    .bind(&e.message)
    .bind(&e.image_id)
    .bind(&e.error_code)
    .bind(&e.error_info)
    .bind(e.modified_ms)
    .bind(e.next_due_ms)
    .bind(i64::try_from(e.cursor).unwrap_or(i64::MAX))
    .bind(plan)
    .bind(runtime)
    .bind(&e.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes the executions of a deleted template, with their events and tags.
pub(super) async fn delete_of_pipeline(conn: &mut AnyConnection, pipeline_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM execution_events WHERE execution_id IN (SELECT id FROM executions WHERE pipeline_id = $1)",
    )
    .bind(pipeline_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM tags WHERE resource_type = $1 AND resource_id IN (SELECT id FROM executions WHERE pipeline_id = $2)",
    )
    .bind(RESOURCE_TYPE_EXECUTION)
    .bind(pipeline_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM executions WHERE pipeline_id = $1").bind(pipeline_id).execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    /// A page of executions, newest first, with their tags: one query (the page joined with its
    /// tags), and a COUNT only when the page does not tell the total.
    pub async fn describe_executions(
        &self,
        account: &str,
        region: &str,
        filter: &ExecutionFilter,
        page: &Page,
    ) -> Result<ExecutionPage, sqlx::Error> {
        let mut conn = self.reader.acquire().await?;
        let mut select = Sql::new(
            "SELECT x.id, x.pipeline_id, x.status, x.message, x.image_id, x.error_code, x.error_info, \
             x.resource_group_id, x.created_ms, x.modified_ms, t.key, t.value FROM (SELECT e.id, e.pipeline_id, \
             e.status, e.message, e.image_id, e.error_code, e.error_info, e.resource_group_id, e.created_ms, \
             e.modified_ms FROM executions e",
        );
        push_filter(&mut select, account, region, filter);
        paging::push_after(&mut select, "e", page.after.as_ref());
        paging::push_order_limit(&mut select, "e", page);
        select
            .push(") x LEFT JOIN tags t ON t.resource_type = ")
            .push_bind(RESOURCE_TYPE_EXECUTION)
            .push(" AND t.resource_id = x.id ORDER BY x.created_ms DESC, x.id DESC, t.position");
        let rows: Vec<SummaryRow> = select.query_as()?.fetch_all(&mut *conn).await?;
        let mut items: Vec<ExecutionSummary> = Vec::new();
        for (id, pipeline_id, status, message, image_id, error_code, error_info, rg, created, modified, key, value) in
            rows
        {
            let tag = key.map(|key| Tag { key, value: value.unwrap_or_default() });
            match items.last_mut() {
                Some(last) if last.id == id => last.tags.extend(tag),
                _ => items.push(ExecutionSummary {
                    status: Status::parse(&status).ok_or_else(|| decode(format!("bad status {status} on {id}")))?,
                    id,
                    pipeline_id,
                    message,
                    image_id,
                    error_code,
                    error_info,
                    resource_group_id: rg,
                    created_ms: created,
                    modified_ms: modified,
                    tags: tag.into_iter().collect(),
                }),
            }
        }
        let next = paging::split_next(&mut items, page, |e| Cursor { created_ms: e.created_ms, id: e.id.clone() });
        let total_count = if paging::total_is_known(page, next.as_ref()) {
            i64::try_from(items.len()).unwrap_or(i64::MAX)
        } else {
            let mut count = Sql::new("SELECT COUNT(*) FROM executions e");
            push_filter(&mut count, account, region, filter);
            let (total,): (i64,) = count.query_as()?.fetch_one(&mut *conn).await?;
            total
        };
        Ok(ExecutionPage { items, total_count, next })
    }

    /// One execution of the caller, with its timeline and transit resources.
    pub async fn execution_detail(
        &self,
        account: Option<&str>,
        id: &str,
    ) -> Result<Option<(Execution, Vec<Event>, Vec<TransitResource>)>, sqlx::Error> {
        let mut conn = self.reader.acquire().await?;
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM executions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(execution) = row.map(from_row).transpose()? else { return Ok(None) };
        if account.is_some_and(|a| a != execution.account) {
            return Ok(None);
        }
        let events: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT at_ms, status, message FROM execution_events WHERE execution_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let resources: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, kind, detail, created_ms, released_ms FROM transit_resources WHERE execution_id = $1 ORDER BY created_ms, rowid",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Some((
            execution,
            events.into_iter().map(|(at_ms, status, message)| Event { at_ms, status, message }).collect(),
            resources
                .into_iter()
                .map(|(id, kind, detail, created_ms, released_ms)| TransitResource {
                    id,
                    kind,
                    detail: serde_json::from_str(&detail).unwrap_or_default(),
                    created_ms,
                    released_ms,
                })
                .collect(),
        )))
    }

    /// The earliest time a step is due, if any build is running.
    pub async fn next_due(&self) -> Result<Option<i64>, sqlx::Error> {
        let (due,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(next_due_ms) FROM executions WHERE next_due_ms IS NOT NULL")
                .fetch_one(&self.reader)
                .await?;
        Ok(due)
    }

    /// Lets a held execution go on (`POST /_emulator/executions/{id}/release`). False if it is
    /// not held.
    pub async fn release_execution(&self, id: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.writer.begin().await?;
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM executions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(mut execution) = row.map(from_row).transpose()? else { return Ok(false) };
        if !execution.runtime.held {
            return Ok(false);
        }
        execution.runtime.held = false;
        execution.next_due_ms = Some(now_ms);
        save(&mut tx, &execution).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Opens the engine's write transaction.
    pub async fn engine_tx(&self) -> Result<EngineTx, sqlx::Error> {
        Ok(EngineTx { tx: self.writer.begin().await? })
    }
}

impl WriteTx {
    /// A build of the template that is not terminal yet, if any.
    pub async fn running_execution(&mut self, pipeline_id: &str) -> Result<Option<RunningBuild>, sqlx::Error> {
        let running: Option<(String, String)> = sqlx::query_as(&format!(
            "SELECT id, status FROM executions WHERE pipeline_id = $1 AND status NOT IN {TERMINAL_SQL} LIMIT 1"
        ))
        .bind(pipeline_id)
        .fetch_optional(self.conn()?)
        .await?;
        Ok(running.map(|(execution_id, status)| RunningBuild { execution_id, status }))
    }

    /// Records a new execution with its first timeline event and its tags.
    pub async fn insert_execution(&mut self, execution: &Execution, tags: &[Tag]) -> Result<(), sqlx::Error> {
        let plan = build::encode_plan(&execution.plan).map_err(encode)?;
        let runtime = serde_json::to_string(&execution.runtime).map_err(encode)?;
        sqlx::query(&format!(
            "INSERT INTO executions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(&execution.id)
        .bind(&execution.account)
        .bind(&execution.region)
        .bind(&execution.pipeline_id)
        .bind(execution.status.as_str())
        .bind(&execution.message)
        .bind(&execution.image_id)
        .bind(&execution.error_code)
        .bind(&execution.error_info)
        .bind(&execution.resource_group_id)
        .bind(execution.created_ms)
        .bind(execution.modified_ms)
        .bind(execution.next_due_ms)
        .bind(i64::try_from(execution.cursor).unwrap_or(0))
        .bind(plan)
        .bind(runtime)
        .execute(self.conn()?)
        .await?;
        let mut started = execution.clone();
        insert_event(self.conn()?, &mut started, execution.created_ms).await?;
        save(self.conn()?, &started).await?;
        tags::insert(self.conn()?, RESOURCE_TYPE_EXECUTION, &execution.id, &execution.account, &execution.region, tags)
            .await
    }

    /// One of the tenant's executions.
    pub async fn execution(&mut self, account: &str, region: &str, id: &str) -> Result<Option<Execution>, sqlx::Error> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM executions WHERE id = $1 AND account = $2 AND region = $3"))
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(self.conn()?)
                .await?;
        row.map(from_row).transpose()
    }

    /// Saves a changed execution with a timeline event of its (new) status and message.
    pub async fn save_execution_with_event(
        &mut self,
        execution: &mut Execution,
        at_ms: i64,
    ) -> Result<(), sqlx::Error> {
        insert_event(self.conn()?, execution, at_ms).await?;
        save(self.conn()?, execution).await
    }
}

/// The engine's transaction: every write a batch of steps makes commits together.
pub struct EngineTx {
    tx: Transaction<'static, Any>,
}

impl EngineTx {
    /// Executions with a step due at or before `now_ms`, earliest first.
    pub async fn due(&mut self, now_ms: i64, limit: i64) -> Result<Vec<Execution>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM executions WHERE next_due_ms IS NOT NULL AND next_due_ms <= $1 ORDER BY next_due_ms LIMIT $2"
        ))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut due = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.0.clone();
            match from_row(row) {
                Ok(execution) => due.push(execution),
                // One unreadable row must not stop every other build: it is failed and set aside.
                Err(err) => self.quarantine(&id, &err, now_ms).await?,
            }
        }
        Ok(due)
    }

    /// Marks a build whose row cannot be decoded `FAILED` with an internal-error message, with an
    /// empty plan and fresh runtime state so it reads back, and takes it off the schedule. Logged once.
    async fn quarantine(&mut self, id: &str, err: &sqlx::Error, now_ms: i64) -> Result<(), sqlx::Error> {
        tracing::error!(execution = %crate::telemetry::Escaped(id), error = %err, "unreadable execution row: the build is marked FAILED and skipped");
        let runtime = serde_json::to_string(&Runtime::default()).map_err(encode)?;
        let plan = build::encode_plan(&[]).map_err(encode)?;
        sqlx::query(
            "UPDATE executions SET status = $1, message = $2, error_code = $3, error_info = $4, modified_ms = $5, \
             next_due_ms = NULL, cursor = 0, plan = $6, runtime = $7 WHERE id = $8",
        )
        .bind(Status::Failed.as_str())
        .bind("The build stopped: the emulator could not read its stored state.")
        .bind(INTERNAL_ERROR)
        .bind("The emulator could not decode this build's stored state (the row is corrupt), so the build was stopped.")
        .bind(now_ms)
        .bind(plan)
        .bind(runtime)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn save(&mut self, execution: &Execution) -> Result<(), sqlx::Error> {
        save(&mut self.tx, execution).await
    }

    pub async fn event(&mut self, execution: &mut Execution, at_ms: i64) -> Result<(), sqlx::Error> {
        insert_event(&mut self.tx, execution, at_ms).await
    }

    pub async fn create_resource(
        &mut self,
        execution: &Execution,
        id: &str,
        kind: &str,
        detail: &serde_json::Value,
        at_ms: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO transit_resources (id, execution_id, account, region, kind, detail, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&execution.id)
        .bind(&execution.account)
        .bind(&execution.region)
        .bind(kind)
        .bind(detail.to_string())
        .bind(at_ms)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn release_resource(&mut self, id: &str, at_ms: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE transit_resources SET released_ms = $1 WHERE id = $2")
            .bind(at_ms)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Whether the account already has an image of this name in the region.
    pub async fn image_name_taken(&mut self, account: &str, region: &str, name: &str) -> Result<bool, sqlx::Error> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT id FROM images WHERE account = $1 AND region = $2 AND name = $3 LIMIT 1")
                .bind(account)
                .bind(region)
                .bind(name)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(row.is_some())
    }

    pub async fn insert_image(&mut self, image: &Image, tags: &[Tag]) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO images (id, account, region, name, family, description, nvme_support, status, source_image, \
             execution_id, copied_from, size_gib, platform, os_name, architecture, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&image.id)
        .bind(&image.account)
        .bind(&image.region)
        .bind(&image.name)
        .bind(&image.family)
        .bind(&image.description)
        .bind(image.nvme_support.map(|v| v.as_str()))
        .bind(image.status.as_str())
        .bind(&image.source_image)
        .bind(&image.execution_id)
        .bind(&image.copied_from)
        .bind(image.size_gib)
        .bind(&image.platform)
        .bind(&image.os_name)
        .bind(&image.architecture)
        .bind(image.created_ms)
        .execute(&mut *self.tx)
        .await?;
        tags::insert(&mut self.tx, super::images::RESOURCE_TYPE_IMAGE, &image.id, &image.account, &image.region, tags)
            .await
    }

    pub async fn share_image(&mut self, image_id: &str, account: &str, at_ms: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO image_shares (image_id, account, shared_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(image_id)
        .bind(account)
        .bind(at_ms)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        Ok(())
    }
}
