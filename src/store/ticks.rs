//! The engine's write path: a tick claims the builds that are due a chunk at a time ([`TickTx::due`]),
//! the engine applies their steps in memory into a [`TickBatch`], and [`TickTx::flush`] writes all
//! that the chunk did set-based: one `UPDATE executions … FROM (VALUES …)` for the builds, multi-row
//! `INSERT`s for timelines (one row per build and chunk: the run of events its steps made,
//! migration 0018), transit resources (one row per build and chunk for those it created and
//! released in the chunk, migration 0021; a row each for those still held), images (counted in
//! `image_counts` with one upsert per tenant and status, migrations 0019 and 0024), their tags and
//! shares, one `UPDATE … FROM (VALUES …)` for resources released that an earlier chunk created, and one for
//! the plans a failure replaced the tail of (a plan is a row of its own, written only then). Rows go in
//! blocks whose sizes are powers of two, so a handful of statement texts recur and stay prepared.
//! Nothing is read back that the batch already holds: whether an image name is taken is asked once
//! per chunk for every name its builds may create ([`TickTx::batch`]) and kept up to date in memory.
//!
//! A [`TickTx`] holds the single writer connection (taken from the writer pool, like the
//! group-commit task does between its batches; on a SQLite file it holds it idle and writes
//! through the tick's own connection, `tick_conn.rs`), so the rules that rely on one writer (one
//! running build per template, a cancel never lost under a step) hold as for any write; the engine
//! commits between chunks when a request waits for the writer ([`Store::writer_wanted`]).
//!
//! SQL here is portable (`$N` placeholders, `UPDATE … FROM (VALUES …)`, `ON CONFLICT … DO NOTHING`,
//! a `VALUES` list's columns read as `column1, column2, …` as both SQLite and PostgreSQL name them);
//! on SQLite the writes are `OR FAIL` ([`Backend::or_fail`]), so SQLite keeps no statement journal.

use std::collections::HashMap;

// The chunk's sets: foldhash is a fraction of the default SipHash's cost on these short keys, and
// still seeded per process.
use foldhash::HashSet as FastSet;

use serde_json::value::RawValue;

use super::executions::{encode_later, from_row, LaterEvent, Row, RunResource, COLUMNS, EXECUTIONS};
use super::images::{count_new_images_sql, RESOURCE_TYPE_IMAGE};
use super::tick_conn::{Args, TickConn};
use super::{checkpoint, encode, Backend, Store};
use crate::domain::build::{self, Execution, RowSeqs, Runtime};
use crate::domain::execution::Status;
use crate::domain::image::Image;
use crate::domain::tags::Tag;

/// The error code a quarantined build reports (the wire code `InternalError`, as data).
const INTERNAL_ERROR: &str = "InternalError";

/// The most parameters one statement binds. On SQLite the placeholders are bare `?`s
/// ([`Backend::push_placeholder`]): with `$N` ones, binding costs the square of the parameters
/// (a profile with 4 096 spent most of the tick there; with 256, a tenth of it).
const MAX_PARAMS: usize = 1024;

/// An image name in an account and region: what "the name is taken" is about.
pub type ImageName = (String, String, String);

/// A timeline row: a run of the events of the steps applied to one build one after another, the
/// first in its own columns, the rest in `later` (migration 0018).
struct EventRow {
    execution_id: String,
    seq: i64,
    at_ms: i64,
    status: &'static str,
    message: String,
    later: Vec<LaterEvent<&'static str, String>>,
}

/// A transit resource created by a step (released later in the same chunk, or not yet).
struct ResourceRow {
    id: String,
    execution_id: String,
    account: String,
    region: String,
    kind: &'static str,
    /// A JSON object, encoded once when the resource is made.
    detail: Box<RawValue>,
    created_ms: i64,
    released_ms: Option<i64>,
    /// The build's insertion order (migration 0012), counted in its [`RowSeqs`].
    seq: i64,
}

/// A resource of a [`ResourceRun`] as it is written.
type WrittenResource = RunResource<&'static str, Box<RawValue>>;

/// A resource still held when the chunk ends, with its detail encoded: a `transit_resources` row.
type HeldResource = (String, ResourceRow);

/// The resources of one build that this chunk created and released, as one
/// `transit_resource_runs` row (migration 0021): `seq` is the run's last.
struct ResourceRun {
    execution_id: String,
    seq: i64,
    resources: String,
}

struct ReleaseRow {
    id: String,
    at_ms: i64,
}

struct ImageRow {
    image: Image,
    tags: Vec<Tag>,
    /// The build's insertion order (migration 0012), counted in its [`RowSeqs`].
    seq: i64,
}

struct TagRow {
    image_id: String,
    account: String,
    region: String,
    position: i64,
    key: String,
    value: String,
}

struct ShareRow {
    image_id: String,
    account: String,
    at_ms: i64,
}

/// The state a build is left in, as `UPDATE executions` writes it.
struct SaveRow {
    id: String,
    status: &'static str,
    message: String,
    image_id: Option<String>,
    error_code: Option<String>,
    error_info: Option<String>,
    modified_ms: i64,
    next_due_ms: Option<i64>,
    cursor: i64,
    runtime: String,
}

/// A plan a failure in this tick replaced the tail of (migration 0016: plans have their own table).
struct PlanRow {
    execution_id: String,
    plan: String,
}

/// Everything the steps of one chunk did, held in memory until [`TickTx::flush`].
pub struct TickBatch {
    taken: FastSet<ImageName>,
    events: Vec<EventRow>,
    resources: Vec<ResourceRow>,
    releases: Vec<ReleaseRow>,
    images: Vec<ImageRow>,
    shares: Vec<ShareRow>,
    shared: FastSet<(String, String)>,
    saves: Vec<SaveRow>,
    plans: Vec<PlanRow>,
}

impl TickBatch {
    fn new(taken: FastSet<ImageName>) -> TickBatch {
        TickBatch {
            taken,
            events: Vec::new(),
            resources: Vec::new(),
            releases: Vec::new(),
            images: Vec::new(),
            shares: Vec::new(),
            shared: FastSet::default(),
            saves: Vec::new(),
            plans: Vec::new(),
        }
    }

    /// Records a timeline event of the execution's current status and message, taking the message
    /// ([`TickBatch::last_message`] gives it back): in the run of the batch's last row when that is
    /// the same build's, as one row otherwise. A build's steps are applied one after another, each
    /// event numbered on from the one before, so a run's seqs follow on.
    pub fn event(&mut self, execution: &mut Execution, at_ms: i64) {
        execution.runtime.events += 1;
        let seq = execution.runtime.events;
        let (status, message) = (execution.status.as_str(), std::mem::take(&mut execution.message));
        match self.events.last_mut() {
            Some(run) if run.execution_id == execution.id => run.later.push((at_ms, status, message)),
            _ => self.events.push(EventRow {
                execution_id: execution.id.clone(),
                seq,
                at_ms,
                status,
                message,
                later: Vec::new(),
            }),
        }
    }

    /// The message of the last event recorded ("" before any).
    pub fn last_message(&self) -> &str {
        self.events.last().map_or("", |run| run.later.last().map_or(&run.message, |(_, _, message)| message))
    }

    /// Records a transit resource (instance, VPC, vSwitch) the build created.
    pub fn create_resource(
        &mut self,
        execution: &mut Execution,
        id: &str,
        kind: &'static str,
        detail: &impl serde::Serialize,
        at_ms: i64,
    ) {
        // The engine's details are structs of texts and numbers, which always encode.
        let detail = serde_json::value::to_raw_value(detail).unwrap_or_else(|_| RawValue::NULL.to_owned());
        let seq = next_seq(execution, |seqs| &mut seqs.resources);
        self.resources.push(ResourceRow {
            id: id.to_string(),
            execution_id: execution.id.clone(),
            account: execution.account.clone(),
            region: execution.region.clone(),
            kind,
            detail,
            created_ms: at_ms,
            released_ms: None,
            seq,
        });
    }

    /// Marks a transit resource of the build released (written with its creation if that is in
    /// this batch: a build's steps are applied one after another, so what it created in this batch
    /// is at the end of `resources`).
    pub fn release_resource(&mut self, execution: &Execution, id: &str, at_ms: i64) {
        let created =
            self.resources.iter_mut().rev().take_while(|r| r.execution_id == execution.id).find(|r| r.id == id);
        match created {
            Some(resource) => resource.released_ms = Some(at_ms),
            None => self.releases.push(ReleaseRow { id: id.to_string(), at_ms }),
        }
    }

    /// Whether the account has an image of this name in the region, counting those this batch made.
    /// Only names given to [`TickTx::batch`] are known.
    pub fn image_name_taken(&self, account: &str, region: &str, name: &str) -> bool {
        self.taken.contains(&(account.to_string(), region.to_string(), name.to_string()))
    }

    /// Records an image the build made (with its `ImageOptions.ImageTags`).
    pub fn insert_image(&mut self, execution: &mut Execution, image: Image) {
        let seq = next_seq(execution, |seqs| &mut seqs.images);
        self.taken.insert((image.account.clone(), image.region.clone(), image.name.clone()));
        self.images.push(ImageRow { image, tags: execution.runtime.image_tags.clone(), seq });
    }

    pub fn share_image(&mut self, image_id: &str, account: &str, at_ms: i64) {
        if self.shared.insert((image_id.to_string(), account.to_string())) {
            self.shares.push(ShareRow { image_id: image_id.to_string(), account: account.to_string(), at_ms });
        }
    }

    /// Records the state the execution is left in (its plan only if it changed).
    pub fn save(&mut self, e: &Execution) -> Result<(), sqlx::Error> {
        if e.plan_changed {
            self.plans.push(PlanRow { execution_id: e.id.clone(), plan: build::encode_plan(&e.plan) });
        }
        self.saves.push(SaveRow {
            id: e.id.clone(),
            status: e.status.as_str(),
            message: e.message.clone(),
            image_id: e.image_id.clone(),
            error_code: e.error_code.clone(),
            error_info: e.error_info.clone(),
            modified_ms: e.modified_ms,
            next_due_ms: e.next_due_ms,
            cursor: i64::try_from(e.cursor).unwrap_or(i64::MAX),
            runtime: serde_json::to_string(&e.runtime).map_err(encode)?,
        });
        Ok(())
    }
}

/// The engine's transaction on the writer connection: claim due builds, flush what they did, commit.
pub struct TickTx {
    conn: TickConn,
    backend: Backend,
}

impl Store {
    /// Opens the engine's write transaction (waits for the writer connection), after letting a
    /// long WAL be copied so this transaction starts it over (`checkpoint.rs`).
    pub async fn tick_tx(&self) -> Result<TickTx, sqlx::Error> {
        if let Some(wal) = &self.wal {
            wal.settle().await;
        }
        Ok(TickTx { conn: self.begin_tick().await?, backend: self.backend })
    }

    /// Marks an engine tick under way, until the guard is dropped: it settles the WAL before each
    /// of its transactions, so group-commit batches meanwhile do not (`checkpoint.rs`).
    pub fn ticking(&self) -> Option<checkpoint::Ticking<'_>> {
        self.wal.as_deref().map(checkpoint::Wal::ticking)
    }

    /// Whether a request waits for the writer connection (the engine then commits and lets it in).
    pub fn writer_wanted(&self) -> bool {
        self.group.wanted()
    }
}

impl TickTx {
    /// Up to `limit` executions with a step due at or before `now_ms`, earliest first. A row that
    /// cannot be decoded is failed and set aside ([`TickTx::quarantine`]), not returned.
    pub async fn due(&mut self, now_ms: i64, limit: i64) -> Result<Vec<Execution>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {EXECUTIONS} WHERE e.next_due_ms IS NOT NULL AND e.next_due_ms <= $1 \
             ORDER BY e.next_due_ms LIMIT $2"
        );
        let rows: Vec<Row> = self.conn.fetch(&sql, &Args::with_capacity(2).bind(now_ms).bind(limit)).await?;
        let mut due = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.0.clone();
            match from_row(row) {
                Ok(execution) => due.push(execution),
                // One unreadable row must not stop every other build.
                Err(err) => self.quarantine(&id, &err, now_ms).await?,
            }
        }
        Ok(due)
    }

    /// A batch for the chunk `due`, knowing which of `names` (every image name its builds may
    /// create) are taken already: one query. A build started before builds counted their rows
    /// ([`RowSeqs`]) has them counted here from the tables.
    pub async fn batch(&mut self, names: &[ImageName], due: &mut [Execution]) -> Result<TickBatch, sqlx::Error> {
        let uncounted: Vec<&str> = due.iter().filter(|e| e.runtime.row_seqs.is_none()).map(|e| e.id.as_str()).collect();
        if !uncounted.is_empty() {
            let mut resources = last_seqs(&mut self.conn, self.backend, "transit_resources", &uncounted).await?;
            for (id, seq) in last_seqs(&mut self.conn, self.backend, "transit_resource_runs", &uncounted).await? {
                let last = resources.entry(id).or_insert(seq);
                *last = (*last).max(seq);
            }
            let images = last_seqs(&mut self.conn, self.backend, "images", &uncounted).await?;
            for execution in due.iter_mut().filter(|e| e.runtime.row_seqs.is_none()) {
                execution.runtime.row_seqs = Some(RowSeqs {
                    resources: resources.get(&execution.id).copied().unwrap_or(0),
                    images: images.get(&execution.id).copied().unwrap_or(0),
                });
            }
        }
        let mut taken = FastSet::default();
        for block in blocks(names, 3) {
            let sql = format!(
                "SELECT i.account, i.region, i.name FROM (VALUES {}) AS v \
                 JOIN images i ON i.account = v.column1 AND i.region = v.column2 AND i.name = v.column3",
                values(self.backend, block.len(), 3)
            );
            let mut args = Args::with_capacity(block.len() * 3);
            for (account, region, name) in block {
                args = args.bind(account).bind(region).bind(name);
            }
            taken.extend(self.conn.fetch::<ImageName>(&sql, &args).await?);
        }
        Ok(TickBatch::new(taken))
    }

    /// Writes everything `batch` holds, set-based.
    pub async fn flush(&mut self, batch: TickBatch) -> Result<(), sqlx::Error> {
        let TickBatch { events, resources, releases, images, shares, saves, plans, .. } = batch;
        let backend = self.backend;
        // Any error drops the whole transaction, so no statement needs to undo its own rows.
        let or_fail = backend.or_fail();
        let conn = &mut self.conn;
        let events: Vec<(Option<String>, EventRow)> =
            events.into_iter().map(|run| (encode_later(&run.later), run)).collect();
        write_blocks(
            conn,
            backend,
            &events,
            |rows| {
                format!(
                    "INSERT{or_fail} INTO execution_events (execution_id, seq, at_ms, status, message, later) \
                     VALUES {rows}"
                )
            },
            6,
            |q, (later, e)| {
                q.bind(&e.execution_id).bind(e.seq).bind(e.at_ms).bind(e.status).bind(&e.message).bind(later)
            },
        )
        .await?;
        let (runs, held) = resource_runs(resources)?;
        write_blocks(
            conn,
            backend,
            &runs,
            |rows| format!("INSERT{or_fail} INTO transit_resource_runs (execution_id, seq, resources) VALUES {rows}"),
            3,
            |q, r| q.bind(&r.execution_id).bind(r.seq).bind(&r.resources),
        )
        .await?;
        write_blocks(
            conn,
            backend,
            &held,
            |rows| {
                format!(
                    "INSERT{or_fail} INTO transit_resources (id, execution_id, account, region, kind, detail, created_ms, \
                     released_ms, seq) VALUES {rows}"
                )
            },
            9,
            |q, (detail, r)| {
                q.bind(&r.id)
                    .bind(&r.execution_id)
                    .bind(&r.account)
                    .bind(&r.region)
                    .bind(r.kind)
                    .bind(detail)
                    .bind(r.created_ms)
                    .bind(r.released_ms)
                    .bind(r.seq)
            },
        )
        .await?;
        write_blocks(
            conn,
            backend,
            &releases,
            |rows| {
                format!(
                    "UPDATE{or_fail} transit_resources SET released_ms = v.column2 FROM (VALUES {rows}) AS v \
                     WHERE transit_resources.id = v.column1"
                )
            },
            2,
            |q, r| q.bind(&r.id).bind(r.at_ms),
        )
        .await?;
        write_blocks(
            conn,
            backend,
            &images,
            |rows| {
                format!(
                    "INSERT{or_fail} INTO images (id, account, region, name, family, description, nvme_support, status, \
                     source_image, execution_id, copied_from, size_gib, platform, os_name, architecture, created_ms, \
                     seq) VALUES {rows}"
                )
            },
            17,
            |q, ImageRow { image: i, seq, .. }| {
                q.bind(&i.id)
                    .bind(&i.account)
                    .bind(&i.region)
                    .bind(&i.name)
                    .bind(&i.family)
                    .bind(&i.description)
                    .bind(i.nvme_support.map(|v| v.as_str()))
                    .bind(i.status.as_str())
                    .bind(&i.source_image)
                    .bind(&i.execution_id)
                    .bind(&i.copied_from)
                    .bind(i.size_gib)
                    .bind(&i.platform)
                    .bind(&i.os_name)
                    .bind(&i.architecture)
                    .bind(i.created_ms)
                    .bind(*seq)
            },
        )
        .await?;
        // The chunk's images counted per tenant and status, one row each. An upsert, not
        // `OR FAIL`: SQLite keeps a statement journal for it, of these few rows.
        let mut counts: Vec<((&str, &str, &'static str), i64)> = Vec::new();
        for ImageRow { image, .. } in &images {
            let key = (image.account.as_str(), image.region.as_str(), image.status.as_str());
            match counts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => counts.push((key, 1)),
            }
        }
        write_blocks(conn, backend, &counts, count_new_images_sql, 4, |q, ((account, region, status), n)| {
            q.bind(*account).bind(*region).bind(*status).bind(*n)
        })
        .await?;
        let tags: Vec<TagRow> = images
            .into_iter()
            .flat_map(|ImageRow { image, tags, .. }| {
                tags.into_iter().enumerate().map(move |(position, tag)| TagRow {
                    image_id: image.id.clone(),
                    account: image.account.clone(),
                    region: image.region.clone(),
                    position: i64::try_from(position).unwrap_or(i64::MAX),
                    key: tag.key,
                    value: tag.value,
                })
            })
            .collect();
        write_blocks(
            conn,
            backend,
            &tags,
            |rows| {
                format!(
                    "INSERT{or_fail} INTO tags (resource_type, resource_id, account, region, position, key, value) VALUES {rows}"
                )
            },
            7,
            |q, t| {
                q.bind(RESOURCE_TYPE_IMAGE)
                    .bind(&t.image_id)
                    .bind(&t.account)
                    .bind(&t.region)
                    .bind(t.position)
                    .bind(&t.key)
                    .bind(&t.value)
            },
        )
        .await?;
        write_blocks(
            conn,
            backend,
            &shares,
            |rows| {
                format!(
                    "INSERT{or_fail} INTO image_shares (image_id, account, shared_ms) VALUES {rows} \
                     ON CONFLICT (image_id, account) DO NOTHING"
                )
            },
            3,
            |q, s| q.bind(&s.image_id).bind(&s.account).bind(s.at_ms),
        )
        .await?;
        write_blocks(
            conn,
            backend,
            &saves,
            |rows| {
                format!(
                    "UPDATE{or_fail} executions SET status = v.column2, message = v.column3, image_id = v.column4, \
                     error_code = v.column5, error_info = v.column6, modified_ms = v.column7, next_due_ms = v.column8, \
                     cursor = v.column9, runtime = v.column10 FROM (VALUES {rows}) AS v WHERE executions.id = v.column1"
                )
            },
            10,
            |q, s| {
                q.bind(&s.id)
                    .bind(s.status)
                    .bind(&s.message)
                    .bind(&s.image_id)
                    .bind(&s.error_code)
                    .bind(&s.error_info)
                    .bind(s.modified_ms)
                    .bind(s.next_due_ms)
                    .bind(s.cursor)
                    .bind(&s.runtime)
            },
        )
        .await?;
        write_blocks(
            conn,
            backend,
            &plans,
            |rows| {
                format!(
                    "UPDATE{or_fail} execution_plans SET plan = v.column2 FROM (VALUES {rows}) AS v \
                     WHERE execution_plans.execution_id = v.column1"
                )
            },
            2,
            |q, p| q.bind(&p.execution_id).bind(&p.plan),
        )
        .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.conn.commit().await
    }

    /// Marks a build whose row cannot be decoded `FAILED` with an internal-error message, with an
    /// empty plan and fresh runtime state so it reads back, and takes it off the schedule. Logged once.
    async fn quarantine(&mut self, id: &str, err: &sqlx::Error, now_ms: i64) -> Result<(), sqlx::Error> {
        tracing::error!(execution = %crate::telemetry::Escaped(id), error = %err, "unreadable execution row: the build is marked FAILED and skipped");
        let runtime = serde_json::to_string(&Runtime::default()).map_err(encode)?;
        let plan = build::encode_plan(&[]);
        // The plan may be what does not decode, or be missing.
        self.conn
            .execute(
                "INSERT INTO execution_plans (execution_id, plan) VALUES ($1, $2) \
                 ON CONFLICT (execution_id) DO UPDATE SET plan = excluded.plan",
                &Args::with_capacity(2).bind(id).bind(&plan),
            )
            .await?;
        let args = Args::with_capacity(7)
            .bind(Status::Failed.as_str())
            .bind("The build stopped: the emulator could not read its stored state.")
            .bind(INTERNAL_ERROR)
            .bind("The emulator could not decode this build's stored state (the row is corrupt), so the build was stopped.")
            .bind(now_ms)
            .bind(&runtime)
            .bind(id);
        self.conn
            .execute(
                "UPDATE executions SET status = $1, message = $2, error_code = $3, error_info = $4, modified_ms = $5, \
                 next_due_ms = NULL, cursor = 0, runtime = $6 WHERE id = $7",
                &args,
            )
            .await?;
        Ok(())
    }
}

/// The chunk's transit resources split into runs (per build, those it created and released in this
/// chunk, which never change again) and the resources still held (a row each, which a later chunk
/// releases by ID), with their details encoded.
fn resource_runs(resources: Vec<ResourceRow>) -> Result<(Vec<ResourceRun>, Vec<HeldResource>), sqlx::Error> {
    let mut runs: Vec<(String, i64, Vec<WrittenResource>)> = Vec::new();
    let mut held = Vec::new();
    for r in resources {
        let Some(released_ms) = r.released_ms else {
            held.push((r.detail.get().to_owned(), r));
            continue;
        };
        let resource = (r.id, r.kind, r.detail, r.created_ms, released_ms, r.seq);
        match runs.last_mut() {
            Some((execution_id, last, run)) if *execution_id == r.execution_id => {
                *last = (*last).max(r.seq);
                run.push(resource);
            }
            _ => runs.push((r.execution_id, r.seq, vec![resource])),
        }
    }
    let runs = runs
        .into_iter()
        .map(|(execution_id, seq, run)| {
            Ok(ResourceRun { execution_id, seq, resources: serde_json::to_string(&run).map_err(encode)? })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((runs, held))
}

/// The next `seq` of a build's rows of one kind (`kind` picks its count in [`RowSeqs`]).
fn next_seq(execution: &mut Execution, kind: fn(&mut RowSeqs) -> &mut i64) -> i64 {
    let seq = kind(execution.runtime.row_seqs.get_or_insert_with(RowSeqs::default));
    *seq += 1;
    *seq
}

/// `rows` of `columns` parameters each cut into blocks of the largest power of two rows within
/// [`MAX_PARAMS`], then halves of it: a few statement texts, each prepared once per connection.
fn blocks<T>(rows: &[T], columns: usize) -> impl Iterator<Item = &[T]> {
    let max_block = (MAX_PARAMS / columns.max(1)).max(1);
    let max_block = 1usize << max_block.ilog2();
    let mut rest = rows;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut size = max_block;
        while size > rest.len() {
            size /= 2;
        }
        let (block, tail) = rest.split_at(size);
        rest = tail;
        Some(block)
    })
}

/// `($1, $2, …), (…), …` (`(?, ?, …), …` on SQLite): `rows` tuples of `columns` placeholders.
fn values(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            backend.push_placeholder(&mut sql, row * columns + column + 1);
        }
        sql.push(')');
    }
    sql
}

/// The highest `seq` of each of these builds' rows in `table` (migration 0012: a build's transit
/// resources and images list in insertion order; new rows continue from there).
async fn last_seqs(
    conn: &mut TickConn,
    backend: Backend,
    table: &'static str,
    ids: &[&str],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut last = HashMap::new();
    for block in blocks(ids, 1) {
        let mut placeholders = String::new();
        for n in 1..=block.len() {
            if n > 1 {
                placeholders.push_str(", ");
            }
            backend.push_placeholder(&mut placeholders, n);
        }
        let sql = format!(
            "SELECT execution_id, MAX(seq) FROM {table} WHERE execution_id IN ({placeholders}) GROUP BY execution_id"
        );
        let mut args = Args::with_capacity(block.len());
        for id in block {
            args = args.bind(*id);
        }
        last.extend(conn.fetch::<(String, i64)>(&sql, &args).await?);
    }
    Ok(last)
}

/// Runs `statement(values)` once per block of `rows`, binding each row with `bind`.
async fn write_blocks<T>(
    conn: &mut TickConn,
    backend: Backend,
    rows: &[T],
    statement: impl Fn(&str) -> String,
    columns: usize,
    bind: impl for<'q> Fn(Args<'q>, &'q T) -> Args<'q>,
) -> Result<(), sqlx::Error> {
    for block in blocks(rows, columns) {
        let sql = statement(&values(backend, block.len(), columns));
        let mut args = Args::with_capacity(block.len() * columns);
        for row in block {
            args = bind(args, row);
        }
        conn.execute(&sql, &args).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_powers_of_two_and_cover_every_row() {
        let rows: Vec<usize> = (0..(32 * 2 + 13)).collect();
        // 20 columns: 51 rows fit in MAX_PARAMS, so blocks of 32, then 8, 4 and 1.
        let sizes: Vec<usize> = blocks(&rows, 20).map(<[usize]>::len).collect();
        assert_eq!(sizes, [32, 32, 8, 4, 1]);
        assert_eq!(blocks(&rows, 20).flatten().copied().collect::<Vec<_>>(), rows);
        assert_eq!(blocks(&rows, 5000).map(<[usize]>::len).max(), Some(1), "one row even when it is too wide");
        assert_eq!(blocks::<usize>(&[], 5).count(), 0);
    }

    #[test]
    fn values_number_the_placeholders_row_by_row() {
        assert_eq!(values(Backend::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(Backend::Postgres, 1, 1), "($1)");
        assert_eq!(values(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
