//! The control plane under the reserved prefix `/_emulator/`: health and readiness, reset,
//! virtual time, scripted build outcomes, API fault injection, the request journal and execution
//! timelines, snapshots (`snapshots.rs`). JSON in, JSON out; never an Alibaba action.

mod snapshots;
pub mod stream;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::domain::limits::{MAX_CLOCK_MS, MAX_CONTROL_BODY_BYTES};
use crate::domain::outcome::OutcomeRule;
use crate::domain::time::format_ms;
use crate::error::ApiError;
use crate::faults;
use crate::journal;
use crate::shared::AddFaultError;
use crate::state::AppState;

/// Routes of the control plane (mounted at `/_emulator`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/reset", post(reset))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/executions/{id}", get(execution))
        .route("/executions/{id}/release", post(release))
        .route("/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/faults/{id}", delete(delete_fault))
        .route("/outcomes", get(list_outcomes).post(add_outcome).delete(clear_outcomes))
        .route("/outcomes/{id}", delete(delete_outcome))
        .merge(snapshots::router())
        .merge(crate::console::router())
        // JSON bodies are small; snapshot uploads stream to disk under their own cap.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_CONTROL_BODY_BYTES))
}

/// The longest single advance of the manual clock (about 100 years), so time stays representable.
const MAX_ADVANCE_MS: i64 = 100 * 365 * 24 * 3600 * 1000;

/// A control-plane error: HTTP status and `{"error": …, "message": …}`.
pub struct AdminError(StatusCode, String);

impl AdminError {
    fn bad_request(message: impl Into<String>) -> Self {
        AdminError(StatusCode::BAD_REQUEST, message.into())
    }

    fn not_found(message: impl Into<String>) -> Self {
        AdminError(StatusCode::NOT_FOUND, message.into())
    }

    fn conflict(message: impl Into<String>) -> Self {
        AdminError(StatusCode::CONFLICT, message.into())
    }

    /// Any status with a message (the request gate uses it for 403/413/415).
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AdminError(status, message.into())
    }
}

impl From<ApiError> for AdminError {
    /// The control plane's edge: an internal cause is logged here, once.
    fn from(err: ApiError) -> Self {
        if let Some(cause) = err.cause() {
            tracing::error!(error = %crate::telemetry::Escaped(cause), "control plane: internal error");
        }
        AdminError(err.status(), err.message().to_string())
    }
}

impl From<sqlx::Error> for AdminError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::from(err).into()
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let kind = self.0.canonical_reason().unwrap_or("Error");
        (self.0, Json(json!({ "error": kind, "message": self.1 }))).into_response()
    }
}

type AdminResult<T = Json<Value>> = Result<T, AdminError>;

/// A path segment, with a malformed one answered as JSON (not axum's plain-text rejection).
struct AdminPath(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AdminPath {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(segment)| AdminPath(segment))
            .map_err(|e| AdminError::bad_request(format!("invalid path: {e}")))
    }
}

/// A query string, with one that does not parse answered as JSON.
struct AdminQuery<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for AdminQuery<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| AdminQuery(value))
            .map_err(|e| AdminError::bad_request(format!("invalid query string: {e}")))
    }
}

/// Parses an optional JSON body (empty means `T::default()`); bad JSON is a clear 400.
fn body<T: DeserializeOwned + Default>(bytes: &Bytes) -> AdminResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| AdminError::bad_request(format!("invalid JSON body: {e}")))
}

async fn health(State(state): State<AppState>) -> Json<Value> {
    let c = &state.config;
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "apiVersion": crate::product::Product::Ecs.version(),
        "clock": state.sim_clock.mode(),
        "now": format_ms(state.clock.now_ms()),
        "phaseDuration": c.phase_duration.map_or_else(|| "realistic".to_string(), |ms| format!("{ms}ms")),
        "auth": state.auth_mode(),
        "idSeed": c.id_seed,
        "db": crate::store::display_db(&c.db),
    }))
}

/// 200 once started and only while the database answers and its migrations are this binary's;
/// else 503 with the reason.
async fn ready(State(state): State<AppState>) -> Response {
    let verdict = if state.is_ready() {
        let timeout = std::time::Duration::from_millis(crate::domain::limits::READY_DB_TIMEOUT_MS);
        state.store.readiness(timeout).await
    } else {
        Err("starting".to_string())
    };
    match verdict {
        Ok(()) => (StatusCode::OK, Json(json!({ "ready": true }))).into_response(),
        Err(reason) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "ready": false, "reason": reason }))).into_response()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    account: Option<String>,
}

/// Deletes every resource (and clears the journal, fault rules and outcome rules), or only those
/// of one account.
async fn reset(State(state): State<AppState>, bytes: Bytes) -> AdminResult {
    let request: ResetBody = body(&bytes)?;
    let deleted = state.store.reset(request.account.as_deref()).await?;
    if request.account.is_none() {
        state.shared.after_reset().await?;
    }
    Ok(Json(json!({ "reset": request.account.as_deref().unwrap_or("all"), "rowsDeleted": deleted })))
}

fn clock_view(state: &AppState) -> Value {
    let now = state.clock.now_ms();
    json!({ "mode": state.sim_clock.mode(), "nowMs": now, "now": format_ms(now) })
}

async fn clock(State(state): State<AppState>) -> Json<Value> {
    Json(clock_view(&state))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    seconds: Option<f64>,
    ms: Option<i64>,
}

/// Moves a manual clock forward and returns once every build step due in that window is applied.
async fn advance(State(state): State<AppState>, bytes: Bytes) -> AdminResult {
    let request: AdvanceBody = body(&bytes)?;
    let Some(manual) = state.sim_clock.manual() else {
        return Err(AdminError::conflict(format!(
            "the clock is {}; start the emulator with --clock manual to advance it",
            state.sim_clock.mode()
        )));
    };
    let ms = match (request.ms, request.seconds) {
        (Some(ms), None) => ms,
        (None, Some(s)) if s.is_finite() && s.abs() <= MAX_ADVANCE_MS as f64 / 1000.0 => (s * 1000.0).round() as i64,
        (None, Some(_)) => i64::MAX,
        _ => return Err(AdminError::bad_request("give exactly one of \"seconds\" or \"ms\"")),
    };
    if ms < 0 {
        return Err(AdminError::bad_request("time only moves forward"));
    }
    if ms > MAX_ADVANCE_MS {
        return Err(AdminError::bad_request(format!(
            "one advance moves at most {MAX_ADVANCE_MS} ms (about 100 years)"
        )));
    }
    if manual.now_ms().checked_add(ms).is_none_or(|t| t > MAX_CLOCK_MS) {
        return Err(AdminError::bad_request(format!(
            "the clock cannot move past {} (timestamps have four-digit years)",
            format_ms(MAX_CLOCK_MS)
        )));
    }
    // No tick starts between the clock's move and ours, so the answer counts the whole window.
    let held = state.engine.hold().await;
    state.shared.advance_clock(ms).await?;
    let applied = state.engine.tick_holding(held).await?;
    let mut view = clock_view(&state);
    view["transitionsApplied"] = json!(applied);
    Ok(Json(view))
}

/// A page of the journal, streamed one entry at a time. `nextBefore` (when the page is full) is the
/// `before` of the next, older page.
async fn requests(
    State(state): State<AppState>,
    AdminQuery(filter): AdminQuery<journal::Filter>,
) -> AdminResult<Response> {
    let entries = state.shared.requests(&filter).await?;
    let limit = filter.limit.unwrap_or(100).min(crate::domain::limits::JOURNAL_MAX_PAGE);
    let next = entries.first().filter(|_| entries.len() == limit && limit > 0).map(|e| e.seq);
    let head = match next {
        Some(seq) => format!("{{\"count\":{},\"nextBefore\":{seq},\"requests\":", entries.len()),
        None => format!("{{\"count\":{},\"requests\":", entries.len()),
    };
    let body = stream::JsonArray::body(head, entries, "}");
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn clear_requests(State(state): State<AppState>) -> AdminResult {
    Ok(Json(json!({ "cleared": state.shared.clear_requests().await? })))
}

/// One build's timeline: every transition with its simulated time, the transit resources, and
/// the images and copies it produced.
async fn execution(State(state): State<AppState>, AdminPath(id): AdminPath) -> AdminResult {
    let Some((e, events, resources)) = state.store.execution_detail(None, &id).await? else {
        return Err(AdminError::not_found(format!("no execution \"{id}\"")));
    };
    let images = state.store.images_of_execution(&id).await?;
    Ok(Json(json!({
        "executionId": e.id,
        "imagePipelineId": e.pipeline_id,
        "account": e.account,
        "region": e.region,
        "status": e.status.as_str(),
        "message": e.message,
        "imageId": e.image_id,
        "errorCode": e.error_code,
        "errorInfo": e.error_info,
        "held": e.runtime.held,
        "creationTime": format_ms(e.created_ms),
        "modifiedTime": format_ms(e.modified_ms),
        "nextStepAt": e.next_due_ms.map(format_ms),
        "timeline": events.iter().map(|ev| json!({
            "time": format_ms(ev.at_ms), "atMs": ev.at_ms, "status": ev.status, "message": ev.message,
        })).collect::<Vec<_>>(),
        "transitResources": resources.iter().map(|r| json!({
            "id": r.id, "kind": r.kind, "detail": r.detail,
            "created": format_ms(r.created_ms), "released": r.released_ms.map(format_ms),
        })).collect::<Vec<_>>(),
        "images": images.iter().map(|i| json!({
            "imageId": i.id, "imageName": i.name, "region": i.region, "copiedFrom": i.copied_from,
            "sharedWith": i.shared_with,
        })).collect::<Vec<_>>(),
        "remainingSteps": e.plan.len().saturating_sub(e.cursor),
    })))
}

async fn release(State(state): State<AppState>, AdminPath(id): AdminPath) -> AdminResult {
    if !state.store.release_execution(&id, state.clock.now_ms()).await? {
        return Err(AdminError::conflict(format!("execution \"{id}\" is not held")));
    }
    state.engine.wake();
    if state.sim_clock.manual().is_some() {
        state.engine.tick().await?;
    }
    Ok(Json(json!({ "released": id })))
}

async fn list_faults(State(state): State<AppState>) -> AdminResult {
    Ok(Json(json!({ "faults": state.shared.faults().await? })))
}

async fn add_fault(State(state): State<AppState>, bytes: Bytes) -> AdminResult<(StatusCode, Json<Value>)> {
    let spec: faults::FaultSpec =
        serde_json::from_slice(&bytes).map_err(|e| AdminError::bad_request(format!("invalid fault rule: {e}")))?;
    let rule = state.shared.add_fault(spec, state.clock.now_ms()).await.map_err(|e| match e {
        AddFaultError::Invalid(message) => AdminError::bad_request(message),
        AddFaultError::Store(err) => AdminError::from(err),
    })?;
    Ok((StatusCode::CREATED, Json(json!(rule))))
}

async fn delete_fault(State(state): State<AppState>, AdminPath(id): AdminPath) -> AdminResult {
    if state.shared.delete_faults(Some(&id)).await? {
        Ok(Json(json!({ "deleted": id })))
    } else {
        Err(AdminError::not_found(format!("no fault rule \"{id}\"")))
    }
}

async fn clear_faults(State(state): State<AppState>) -> AdminResult {
    state.shared.delete_faults(None).await?;
    Ok(Json(json!({ "cleared": true })))
}

async fn list_outcomes(State(state): State<AppState>) -> AdminResult {
    Ok(Json(json!({ "outcomes": state.store.outcomes().await? })))
}

async fn add_outcome(State(state): State<AppState>, bytes: Bytes) -> AdminResult<(StatusCode, Json<Value>)> {
    let body: OutcomeRule<String> =
        serde_json::from_slice(&bytes).map_err(|e| AdminError::bad_request(format!("invalid outcome rule: {e}")))?;
    let rule = body.parse().map_err(AdminError::bad_request)?;
    let id = format!("outcome-{}", uuid::Uuid::new_v4().simple());
    state.store.add_outcome(&id, &rule, state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "rule": rule }))))
}

async fn delete_outcome(State(state): State<AppState>, AdminPath(id): AdminPath) -> AdminResult {
    match state.store.delete_outcomes(Some(&id)).await? {
        0 => Err(AdminError::not_found(format!("no outcome rule \"{id}\""))),
        _ => Ok(Json(json!({ "deleted": id }))),
    }
}

async fn clear_outcomes(State(state): State<AppState>) -> AdminResult {
    Ok(Json(json!({ "deleted": state.store.delete_outcomes(None).await? })))
}
