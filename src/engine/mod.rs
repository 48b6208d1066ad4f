//! The build engine: a persisted state machine per execution, driven by one scheduler over the
//! [`Clock`]. Each execution row holds its plan (see [`plan`]) and a cursor; [`Engine::tick`]
//! applies every step that is due, at the simulated time it was due. 10 000 builds in flight are
//! 10 000 rows, not 10 000 tasks, and a restart simply finds the due rows again.
//!
//! A tick works a chunk of due builds at a time: it claims them in the writer's transaction, applies
//! their steps in memory (a build whose next steps are due too, as with `--phase-duration 0`, runs
//! them all), and writes what the chunk did set-based (`store::ticks`). It keeps the writer across
//! chunks while nobody else wants it and commits as soon as a request waits, so a Start or Cancel
//! waits at most one chunk.

pub mod plan;
pub mod rules;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Mutex, Notify};

use crate::clock::Clock;
use crate::domain::build::Execution;
use crate::domain::execution::Status;
use crate::domain::image::{Image, ImageStatus};
use crate::error::ApiResult;
use crate::shared::Shared;
use crate::store::ticks::{ImageName, TickBatch};
use crate::store::Store;
use plan::{Effect, ErrorInfo, NewImage};

/// Executions claimed, stepped and written together while nobody else wants the writer.
const CHUNK: i64 = 64;
/// The chunk while requests want the writer (a start waits for one chunk at most: ~120 steps).
const CHUNK_CONTENDED: i64 = 8;
/// How long after a request wanted the writer the tick keeps to small chunks.
const CONTENDED_FOR: Duration = Duration::from_millis(500);
/// Longest a tick keeps the writer's transaction open across chunks when nobody asks for it.
const MAX_HOLD: Duration = Duration::from_millis(100);
/// Longest the scheduler sleeps without looking (a safety net; Start/Cancel wake it at once; on a
/// database shared by replicas, `Shared::poll_period` is shorter, since another replica's Start
/// cannot wake this one).
const MAX_IDLE: Duration = Duration::from_millis(1_000);

/// Ticks held off (see [`Engine::hold`]); the guard is held for its drop, never read.
pub struct TickHold<'a>(#[allow(dead_code)] tokio::sync::MutexGuard<'a, ()>);

/// The scheduler. Cheap to share: tick from anywhere (tests, the clock endpoint), run once.
pub struct Engine {
    store: Store,
    clock: Arc<dyn Clock>,
    /// The control state replicas share: the clock is refreshed from it before each tick.
    shared: Arc<Shared>,
    /// Longest sleep without looking ([`MAX_IDLE`], shorter when replicas share the database).
    idle: Duration,
    wake: Notify,
    /// One tick at a time, so no step is applied twice.
    ticking: Mutex<()>,
}

impl Engine {
    pub fn new(store: Store, clock: Arc<dyn Clock>, shared: Arc<Shared>) -> Arc<Engine> {
        let idle = shared.poll_period().map_or(MAX_IDLE, |poll| poll.min(MAX_IDLE));
        Arc::new(Engine { store, clock, shared, idle, wake: Notify::new(), ticking: Mutex::new(()) })
    }

    /// Asks the scheduler loop to look for due work now (after Start/Cancel).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Applies every step due at the clock's current time; returns how many steps were applied.
    pub async fn tick(&self) -> ApiResult<usize> {
        let held = self.hold().await;
        self.tick_holding(held).await
    }

    /// Holds off every tick (the scheduler's too) until [`Engine::tick_holding`] runs: the clock can
    /// move first and one tick then applies, and counts, every step of that window (a manual clock's
    /// advance), instead of a scheduler tick woken meanwhile taking some of them.
    pub async fn hold(&self) -> TickHold<'_> {
        TickHold(self.ticking.lock().await)
    }

    /// [`Engine::tick`] under a hold taken before.
    pub async fn tick_holding(&self, _held: TickHold<'_>) -> ApiResult<usize> {
        self.shared.refresh().await?;
        let _ticking = self.store.ticking();
        let now = self.clock.now_ms();
        let mut applied = 0;
        let mut last_wanted: Option<Instant> = None;
        loop {
            let mut tx = self.store.tick_tx().await?;
            let opened = Instant::now();
            let done = loop {
                let contended = last_wanted.is_some_and(|at| at.elapsed() < CONTENDED_FOR);
                let mut due = tx.due(now, if contended { CHUNK_CONTENDED } else { CHUNK }).await?;
                if due.is_empty() {
                    break true;
                }
                let names: Vec<ImageName> = due.iter().flat_map(image_names).collect();
                let mut batch = tx.batch(&names, &mut due).await?;
                for mut execution in due {
                    applied += advance(&mut batch, &mut execution, now);
                    batch.save(&execution)?;
                }
                tx.flush(batch).await?;
                if self.store.writer_wanted() {
                    last_wanted = Some(Instant::now());
                    break false;
                }
                if opened.elapsed() >= MAX_HOLD {
                    break false;
                }
            };
            tx.commit().await?;
            if done {
                return Ok(applied);
            }
            // The writer pool is fair: a request waiting for the connection gets it before this
            // tick's next chunk.
            tokio::task::yield_now().await;
        }
    }
    /// Runs until `shutdown` flips: tick, then sleep until the next due step, a wake-up, or
    /// [`MAX_IDLE`].
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(err) = self.tick().await {
                tracing::error!(error = %err, "scheduler tick failed");
            }
            let sleep = match self.store.next_due().await {
                Ok(Some(due)) => {
                    Duration::from_millis(u64::try_from(due - self.clock.now_ms()).unwrap_or(0)).min(self.idle)
                }
                Ok(None) => self.idle,
                Err(err) => {
                    tracing::error!(error = %err, "scheduler could not read the next due time");
                    self.idle
                }
            };
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                () = self.wake.notified() => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}

/// Every image name the rest of a build's plan may create: its image in its region, and each copy's
/// (the same name) in the copy's region.
fn image_names(e: &Execution) -> Vec<ImageName> {
    let Some(name) = e.plan.iter().find_map(|s| match &s.effect {
        Effect::CreateImage { image } => Some(&image.name),
        _ => None,
    }) else {
        return Vec::new();
    };
    e.plan
        .get(e.cursor..)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| match &s.effect {
            Effect::CreateImage { .. } => Some(e.region.clone()),
            Effect::CopyImage { target_region, .. } => Some(target_region.clone()),
            _ => None,
        })
        .map(|region| (e.account.clone(), region, name.clone()))
        .collect()
}

/// Applies the due steps of one execution, each at the time it was due.
fn advance(batch: &mut TickBatch, execution: &mut Execution, now: i64) -> usize {
    let mut applied = 0;
    while let Some(due) = execution.next_due_ms.filter(|due| *due <= now) {
        let at = execution.cursor;
        let Some(step) = execution.plan.get_mut(at) else {
            execution.next_due_ms = None;
            break;
        };
        // The effect is lent out of the plan while it is applied (which may replace the plan's
        // tail, never this step: the tail starts at the cursor, after it) and put back; the message
        // is cloned once, as the build's, which the event then takes.
        let (status, duration_ms, effect) =
            (step.status, step.duration_ms, std::mem::replace(&mut step.effect, Effect::Note));
        execution.message.clone_from(&step.message);
        execution.cursor += 1;
        execution.status = status;
        execution.modified_ms = due;
        apply(batch, execution, status, &effect, due);
        if let Some(step) = execution.plan.get_mut(at) {
            step.effect = effect;
        }
        batch.event(execution, due);
        applied += 1;
        execution.next_due_ms =
            if execution.status.is_terminal() || execution.runtime.held { None } else { Some(due + duration_ms) };
    }
    if applied > 0 {
        execution.message = batch.last_message().to_string();
    }
    applied
}

/// Replaces the rest of the plan after a failure at the current step.
fn fail(execution: &mut Execution, terminal: Status, code: &str, info: String) {
    let keep = terminal == Status::Failed && execution.runtime.keep_instances_on_failure;
    let tail = plan::failure_tail(
        &execution.runtime.live,
        terminal,
        ErrorInfo { code: code.to_string(), info },
        keep,
        execution.runtime.durations(),
    );
    execution.plan.truncate(execution.cursor);
    execution.plan.extend(tail);
    execution.plan_changed = true;
}

/// Error codes of failed builds (emulator-defined: the real values are undocumented, docs/reference.md §9 item 8).
pub mod error_codes {
    pub const COMMAND_FAILED: &str = "CommandExecutionFailed";
    pub const TEST_FAILED: &str = "TestCommandFailed";
    pub const COPY_FAILED: &str = "CopyImageFailed";
    pub const SHARE_FAILED: &str = "ShareImageFailed";
    pub const NAME_DUPLICATED: &str = "InvalidImageName.Duplicated";
}

/// What a build's temporary VPC (`VpcId`) or vSwitch (`VSwitchId` first) records of itself as a
/// transit resource, in this order: `{"VSwitchId":…,"VpcId":…,"temporary":true}`.
#[derive(serde::Serialize)]
struct NetworkDetail<'a> {
    #[serde(rename = "VSwitchId", skip_serializing_if = "Option::is_none")]
    vswitch_id: Option<&'a str>,
    #[serde(rename = "VpcId")]
    vpc_id: &'a str,
    temporary: bool,
}

/// Applies the effect of a step that sets the build's `status`, at `at`.
fn apply(batch: &mut TickBatch, execution: &mut Execution, status: Status, effect: &Effect, at: i64) {
    match effect {
        Effect::Note | Effect::RestartInstance { .. } | Effect::RunCommand { failure: None } => {}
        Effect::Fail { code, info } => {
            let terminal = if status == Status::Testing { Status::TestFailed } else { Status::Failed };
            fail(execution, terminal, code, info.clone());
        }
        Effect::PartialFailure { code, info } => {
            execution.runtime.partial_errors.push(ErrorInfo { code: code.clone(), info: info.clone() });
        }
        Effect::Hold => execution.runtime.held = true,
        Effect::RunCommand { failure: Some(why) } => {
            let (terminal, code) = if status == Status::Testing {
                (Status::TestFailed, error_codes::TEST_FAILED)
            } else {
                (Status::Failed, error_codes::COMMAND_FAILED)
            };
            fail(execution, terminal, code, why.clone());
        }
        Effect::CreateNetwork { vpc_id, vswitch_id } => {
            let vpc = NetworkDetail { vswitch_id: None, vpc_id, temporary: true };
            batch.create_resource(execution, vpc_id, "vpc", &vpc, at);
            let vswitch = NetworkDetail { vswitch_id: Some(vswitch_id), ..vpc };
            batch.create_resource(execution, vswitch_id, "vswitch", &vswitch, at);
            execution.runtime.live.network = Some((vpc_id.clone(), vswitch_id.clone()));
        }
        Effect::CreateInstance { instance } => {
            batch.create_resource(execution, &instance.id, "instance", instance, at);
            execution.runtime.live.instances.push(instance.id.clone());
        }
        Effect::CreateImage { image } => {
            if batch.image_name_taken(&execution.account, &execution.region, &image.name) {
                let info =
                    format!("The image name \"{}\" is already in use in region \"{}\".", image.name, execution.region);
                execution.message = format!("Create image failed: {info}");
                fail(execution, Status::Failed, error_codes::NAME_DUPLICATED, info);
                return;
            }
            let built = built_image(image, execution, &execution.region, &image.id, None, at);
            batch.insert_image(execution, built);
            execution.image_id = Some(image.id.clone());
            execution.runtime.image_id = Some(image.id.clone());
        }
        Effect::CopyImage { target_region, image_id, failure } => {
            copy_image(batch, execution, target_region, image_id, failure.as_deref(), at);
        }
        Effect::ShareImage { account, failure } => match failure {
            Some(why) => execution
                .runtime
                .partial_errors
                .push(ErrorInfo { code: error_codes::SHARE_FAILED.into(), info: why.clone() }),
            None => {
                let images: Vec<String> =
                    execution.runtime.image_id.iter().chain(execution.runtime.copies.iter()).cloned().collect();
                for image_id in images {
                    batch.share_image(&image_id, account, at);
                }
            }
        },
        Effect::ReleaseInstance { instance_id } => {
            batch.release_resource(execution, instance_id, at);
            execution.runtime.live.instances.retain(|i| i != instance_id);
        }
        Effect::ReleaseNetwork { vpc_id, vswitch_id } => {
            batch.release_resource(execution, vswitch_id, at);
            batch.release_resource(execution, vpc_id, at);
            execution.runtime.live.network = None;
        }
        Effect::Finish { status, error } => {
            let partial = &execution.runtime.partial_errors;
            let (status, error) = if *status == Status::Success && !partial.is_empty() {
                let info = partial.iter().map(|e| e.info.as_str()).collect::<Vec<_>>().join(" ");
                (Status::PartitionSuccess, Some(ErrorInfo { code: partial[0].code.clone(), info }))
            } else {
                (*status, error.clone())
            };
            execution.status = status;
            if let Some(error) = error {
                if status == Status::PartitionSuccess {
                    execution.message =
                        format!("The image was built, but distribution partially failed: {}", error.info);
                }
                execution.error_code = Some(error.code);
                execution.error_info = Some(error.info);
            }
        }
    }
}

/// The image a build made: the original (`copied_from: None`) or a copy in `region`, `Available`
/// from `at_ms`.
fn built_image(
    image: &NewImage,
    execution: &Execution,
    region: &str,
    id: &str,
    copied_from: Option<&str>,
    at_ms: i64,
) -> Image {
    Image {
        id: id.to_string(),
        account: execution.account.clone(),
        region: region.to_string(),
        name: image.name.clone(),
        family: image.family.clone(),
        description: image.description.clone(),
        nvme_support: image.nvme_support,
        status: ImageStatus::Available,
        source_image: image.source_image.clone(),
        execution_id: Some(execution.id.clone()),
        copied_from: copied_from.map(str::to_string),
        size_gib: image.size_gib,
        platform: image.platform.clone(),
        os_name: image.os_name.clone(),
        architecture: image.architecture.clone(),
        created_ms: at_ms,
        resource_group_id: None,
        boot_mode: None,
        license_type: None,
        is_public: false,
        copy_started_ms: None,
        copy_ready_ms: None,
        copy_error: None,
        encrypted: false,
        kms_key_id: None,
        imds_support: None,
    }
}

fn copy_image(
    batch: &mut TickBatch,
    execution: &mut Execution,
    target_region: &str,
    copy_id: &str,
    failure: Option<&str>,
    at: i64,
) {
    let partial = |info: String| ErrorInfo { code: error_codes::COPY_FAILED.into(), info };
    if let Some(why) = failure {
        execution.runtime.partial_errors.push(partial(why.to_string()));
        return;
    }
    let Some(source_id) = execution.runtime.image_id.clone() else { return };
    let Some(Effect::CreateImage { image }) =
        execution.plan.iter().map(|s| &s.effect).find(|e| matches!(e, Effect::CreateImage { .. })).cloned()
    else {
        return;
    };
    if batch.image_name_taken(&execution.account, target_region, &image.name) {
        let info = format!("The image name \"{}\" is already in use in region \"{target_region}\".", image.name);
        execution.message = format!("Copy image \"{source_id}\" to region \"{target_region}\" failed: {info}");
        execution.runtime.partial_errors.push(partial(info));
        return;
    }
    let built = built_image(&image, execution, target_region, copy_id, Some(&source_id), at);
    batch.insert_image(execution, built);
    execution.runtime.copies.push(copy_id.to_string());
}
