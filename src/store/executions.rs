//! SQL for build executions: the queries Start and Cancel run in their [`WriteTx`], listing, and the
//! row mapping the engine's tick transaction (`ticks.rs`) shares.

use super::sql::{push_values, Batch, Sql};
use sqlx::AnyConnection;

use super::{decode, encode, paging, query, tags, Backend, Store, WriteTx};
use crate::domain::build::{self, Execution};
use crate::domain::execution::Status;
use crate::domain::paging::{Cursor, Page};
use crate::domain::tags::{Tag, TagFilter};
use crate::domain::tokens::{Reader, TokenError, Writer};

pub const RESOURCE_TYPE_EXECUTION: &str = "imagepipelineexecution";

pub(super) type Row = (
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
    Option<String>,
    String,
);

/// The columns of a [`Row`], from [`EXECUTIONS`].
pub(super) const COLUMNS: &str =
    "e.id, e.account, e.region, e.pipeline_id, e.status, e.message, e.image_id, e.error_code, e.error_info, \
     e.resource_group_id, e.created_ms, e.modified_ms, e.next_due_ms, e.cursor, p.plan, e.runtime";

/// Executions (`e`) with their plans (`p`, a table of their own since migration 0016: the
/// engine's per-step `UPDATE` of an execution row does not rewrite its plan).
/// A row without a plan is read as unreadable ([`from_row`]), as a plan that does not decode is.
pub(super) const EXECUTIONS: &str = "executions e LEFT JOIN execution_plans p ON p.execution_id = e.id";

pub(super) fn from_row(row: Row) -> Result<Execution, sqlx::Error> {
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
    let plan = plan.ok_or_else(|| decode(format!("no plan is stored for {id}")))?;
    let plan = build::decode_plan(&plan).map_err(decode)?;
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
        plan,
        plan_changed: false,
        runtime: serde_json::from_str(&runtime).map_err(decode)?,
    })
}

/// The first execution without a plan row, if any: a restore refuses such a state (run on a
/// snapshot file's restore connection too, where unqualified names are the live database's).
pub(super) const FIRST_WITHOUT_PLAN: &str = "SELECT e.id FROM executions e \
     LEFT JOIN execution_plans p ON p.execution_id = e.id WHERE p.execution_id IS NULL LIMIT 1";

/// [`FIRST_WITHOUT_PLAN`] on the connection of a transaction.
pub(super) async fn first_without_plan(conn: &mut AnyConnection) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(FIRST_WITHOUT_PLAN).fetch_optional(conn).await?;
    Ok(row.map(|(id,)| id))
}

/// Why a restore is refused when a build has no plan.
pub(super) fn no_plan(id: &str) -> String {
    format!("build \"{id}\" has no plan (table execution_plans)")
}

/// Tables of an execution's own rows, keyed by `execution_id`: deleted with the execution (a
/// deleted template's, a reset account's). `transit_resources` has an `account` column too, but a
/// template's deletion finds its rows by build.
pub(super) const OWNED_BY_EXECUTION: [&str; 4] =
    ["execution_plans", "execution_events", "transit_resources", "transit_resource_runs"];

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

/// A later event of a run, as `execution_events.later` lists them (migration 0018): a row is a run
/// of events one tick applied to a build one after another; its own columns are the first, at its
/// `seq`, and `later` lists the rest, `at_ms, status, message` each, at the seqs that follow; NULL
/// for a run of one.
pub(super) type LaterEvent<Status, Message> = (i64, Status, Message);

/// The version of `later`'s token text ([`encode_later`]).
const LATER_FORMAT: i64 = 1;

/// A transit resource of a run, as `transit_resource_runs.resources` lists them (migration 0021):
/// `[id, kind, detail, created_ms, released_ms, seq]` (`detail` a JSON object).
pub(super) type RunResource<Kind, Detail> = (String, Kind, Detail, i64, i64, i64);

/// `execution_events.later` for a run's events after its first (NULL for none), in token text
/// (`domain::tokens`, migration 0023): `1;`, the number of events, and each event's `at_ms`,
/// status and message, e.g. `1;1;1700000000000;8:BUILDING12:Building ...`. Rows written before
/// hold a JSON array of `[at_ms, status, message]`, which [`decode_later`] reads too.
pub(super) fn encode_later<S: AsRef<str>, M: AsRef<str>>(later: &[LaterEvent<S, M>]) -> Option<String> {
    if later.is_empty() {
        return None;
    }
    let bytes: usize =
        later.iter().map(|(_, status, message)| 24 + status.as_ref().len() + message.as_ref().len()).sum();
    let mut out = Writer::with_capacity(8 + bytes);
    out.number(LATER_FORMAT);
    out.count(later.len());
    for (at_ms, status, message) in later {
        out.number(*at_ms);
        out.text(status.as_ref());
        out.text(message.as_ref());
    }
    Some(out.finish())
}

/// The events of a stored `later`: token text, or the JSON array rows held before migration 0023.
fn decode_later(later: &str) -> Result<Vec<Event>, sqlx::Error> {
    if later.starts_with('[') {
        let later: Vec<LaterEvent<String, String>> = serde_json::from_str(later).map_err(decode)?;
        return Ok(later.into_iter().map(|(at_ms, status, message)| Event { at_ms, status, message }).collect());
    }
    let unreadable = |err: TokenError| decode(format!("unreadable timeline run: {err}"));
    let mut r = Reader::new(later);
    let version = r.number().map_err(unreadable)?;
    if version != LATER_FORMAT {
        return Err(decode(format!("unknown timeline run format version {version} (this emulator reads 1)")));
    }
    read_later_events(&mut r, later.len()).map_err(unreadable)
}

/// The count and events of a token-text `later` after its version, to its end (`len` bytes).
fn read_later_events(r: &mut Reader<'_>, len: usize) -> Result<Vec<Event>, TokenError> {
    // Each event is more than 8 bytes, so a larger count is a lie, not an allocation.
    let count = r.count(len / 8)?;
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        events.push(Event { at_ms: r.number()?, status: r.owned()?, message: r.owned()? });
    }
    r.end("text after the last event")?;
    Ok(events)
}

/// A timeline from its rows (`at_ms, status, message, later`, in `seq` order), runs expanded.
fn timeline(rows: Vec<(i64, String, String, Option<String>)>) -> Result<Vec<Event>, sqlx::Error> {
    let mut events = Vec::with_capacity(rows.len());
    for (at_ms, status, message, later) in rows {
        events.push(Event { at_ms, status, message });
        if let Some(later) = later {
            events.extend(decode_later(&later)?);
        }
    }
    Ok(events)
}

fn push_filter(qb: &mut Sql<'_>, backend: Backend, account: &str, region: &str, filter: &ExecutionFilter) {
    query::push_tenant_for_tags(qb, backend, "e", account, region, !filter.tags.is_empty());
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
    if e.plan_changed {
        sqlx::query("UPDATE execution_plans SET plan = $1 WHERE execution_id = $2")
            .bind(build::encode_plan(&e.plan))
            .bind(&e.id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE executions SET status = $1, message = $2, image_id = $3, error_code = $4, error_info = $5, modified_ms = $6, \
         next_due_ms = $7, cursor = $8, runtime = $9 WHERE id = $10",
    )
    .bind(e.status.as_str())
    .bind(&e.message)
    .bind(&e.image_id)
    .bind(&e.error_code)
    .bind(&e.error_info)
    .bind(e.modified_ms)
    .bind(e.next_due_ms)
    .bind(i64::try_from(e.cursor).unwrap_or(i64::MAX))
    .bind(runtime)
    .bind(&e.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Appends to `batch` the statements that delete template `pipeline_id`'s builds with everything
/// they own: plans, events, transit resources, tags.
pub(super) fn push_deletes_of_pipeline(batch: &mut Batch<'_>, pipeline_id: &str) {
    let builds = "SELECT id FROM executions WHERE pipeline_id = ";
    for table in OWNED_BY_EXECUTION {
        let statement = batch.next().push(format!("DELETE FROM {table} WHERE execution_id IN ({builds}"));
        statement.push_bind(pipeline_id.to_string()).push(")");
    }
    batch
        .next()
        .push("DELETE FROM tags WHERE resource_type = ")
        .push_bind(RESOURCE_TYPE_EXECUTION)
        .push(format!(" AND resource_id IN ({builds}"))
        .push_bind(pipeline_id.to_string())
        .push(")");
    batch.next().push("DELETE FROM executions WHERE pipeline_id = ").push_bind(pipeline_id.to_string());
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
        push_filter(&mut select, self.backend, account, region, filter);
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
            push_filter(&mut count, self.backend, account, region, filter);
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
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM {EXECUTIONS} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(execution) = row.map(from_row).transpose()? else { return Ok(None) };
        if account.is_some_and(|a| a != execution.account) {
            return Ok(None);
        }
        let events = timeline(
            sqlx::query_as(
                "SELECT at_ms, status, message, later FROM execution_events WHERE execution_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?,
        )?;
        let held: Vec<(String, String, String, i64, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, kind, detail, created_ms, released_ms, seq FROM transit_resources WHERE execution_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let runs: Vec<(String,)> =
            sqlx::query_as("SELECT resources FROM transit_resource_runs WHERE execution_id = $1")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let mut resources: Vec<(i64, TransitResource)> = held
            .into_iter()
            .map(|(id, kind, detail, created_ms, released_ms, seq)| {
                let detail = serde_json::from_str(&detail).unwrap_or_default();
                (seq, TransitResource { id, kind, detail, created_ms, released_ms })
            })
            .collect();
        for (run,) in runs {
            let run: Vec<RunResource<String, serde_json::Value>> = serde_json::from_str(&run).map_err(decode)?;
            resources.extend(run.into_iter().map(|(id, kind, detail, created_ms, released_ms, seq)| {
                (seq, TransitResource { id, kind, detail, created_ms, released_ms: Some(released_ms) })
            }));
        }
        resources.sort_by_key(|(seq, r)| (r.created_ms, *seq));
        Ok(Some((execution, events, resources.into_iter().map(|(_, r)| r).collect())))
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
        let mut tx = self.begin_write().await?;
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM {EXECUTIONS} WHERE e.id = $1"))
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
}

impl WriteTx {
    /// Records a new execution with its first timeline event and its tags.
    pub async fn insert_execution(&mut self, execution: &Execution, tags: &[Tag]) -> Result<(), sqlx::Error> {
        let plan = build::encode_plan(&execution.plan);
        // The row is written with its first event already counted (one statement, not an update after).
        let mut runtime = execution.runtime.clone();
        runtime.events += 1;
        let seq = runtime.events;
        let runtime = serde_json::to_string(&runtime).map_err(encode)?;
        // One `Batch`: one round trip on SQLite.
        let mut batch = Batch::new(self.backend(), self.opening());
        let e = execution;
        push_values!(
            batch.next().push(
                "INSERT INTO executions (id, account, region, pipeline_id, status, message, image_id, error_code, \
                 error_info, resource_group_id, created_ms, modified_ms, next_due_ms, cursor, runtime) VALUES "
            ),
            e.id.clone(),
            e.account.clone(),
            e.region.clone(),
            e.pipeline_id.clone(),
            e.status.as_str(),
            e.message.clone(),
            e.image_id.clone(),
            e.error_code.clone(),
            e.error_info.clone(),
            e.resource_group_id.clone(),
            e.created_ms,
            e.modified_ms,
            e.next_due_ms,
            i64::try_from(e.cursor).unwrap_or(0),
            runtime,
        );
        push_values!(batch.next().push("INSERT INTO execution_plans (execution_id, plan) VALUES "), e.id.clone(), plan);
        push_values!(
            batch.next().push("INSERT INTO execution_events (execution_id, seq, at_ms, status, message) VALUES "),
            e.id.clone(),
            seq,
            e.created_ms,
            e.status.as_str(),
            e.message.clone(),
        );
        if !tags.is_empty() {
            tags::push_insert(
                batch.next(),
                RESOURCE_TYPE_EXECUTION,
                &execution.id,
                &execution.account,
                &execution.region,
                tags,
            );
        }
        batch.execute(self.conn().await?).await
    }

    /// One of the tenant's executions.
    pub async fn execution(&mut self, account: &str, region: &str, id: &str) -> Result<Option<Execution>, sqlx::Error> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM {EXECUTIONS} WHERE e.id = $1 AND e.account = $2 AND e.region = $3"
        ))
        .bind(id)
        .bind(account)
        .bind(region)
        .fetch_optional(self.conn().await?)
        .await?;
        row.map(from_row).transpose()
    }

    /// Saves a changed execution with a timeline event of its (new) status and message.
    pub async fn save_execution_with_event(
        &mut self,
        execution: &mut Execution,
        at_ms: i64,
    ) -> Result<(), sqlx::Error> {
        insert_event(self.conn().await?, execution, at_ms).await?;
        save(self.conn().await?, execution).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(events: &[Event]) -> Vec<(i64, &str, &str)> {
        events.iter().map(|e| (e.at_ms, e.status.as_str(), e.message.as_str())).collect()
    }

    #[test]
    fn a_run_of_later_events_round_trips_as_the_documented_token_text() {
        let later = [(1_700_000_000_000, "BUILDING", "Run \"echo hi\" on i-1"), (-1, "SUCCESS", "é")];
        let text = encode_later(&later).expect("two events");
        assert_eq!(text, "1;2;1700000000000;8:BUILDING20:Run \"echo hi\" on i-1-1;7:SUCCESS2:é");
        let events = decode_later(&text).expect("decodes");
        assert_eq!(fields(&events), later);
        assert_eq!(encode_later::<&str, &str>(&[]), None, "a run of one has no later events");
    }

    #[test]
    fn a_json_run_written_before_migration_23_still_reads() {
        let json = r#"[[1700000000000,"BUILDING","Run \"echo hi\""],[1700000001000,"SUCCESS","done"]]"#;
        let events = decode_later(json).expect("decodes");
        assert_eq!(
            fields(&events),
            [(1_700_000_000_000, "BUILDING", "Run \"echo hi\""), (1_700_000_001_000, "SUCCESS", "done")]
        );
    }

    #[test]
    fn a_damaged_run_is_an_error_not_a_panic() {
        let text = encode_later(&[(5, "BUILDING", "one"), (6, "TESTING", "two")]).expect("two events");
        for cut in 0..text.len() {
            assert!(decode_later(&text[..cut]).is_err(), "cut at {cut} decoded");
        }
        assert!(decode_later(&format!("{text}x")).is_err(), "trailing text");
        assert!(decode_later("1;99;5;8:BUILDING3:one").is_err(), "a count beyond the text");
        let unknown = decode_later("2;0;").expect_err("version 2").to_string();
        assert!(unknown.contains("unknown timeline run format version 2"), "{unknown}");
        assert!(decode_later("[[1,\"BUILDING\"]]").is_err(), "a JSON event without its message");
    }
}
