//! The built-in web console under `/_emulator/console/`: a small static front end (HTML, CSS and
//! vanilla JS embedded in the binary, no CDN) and the read-only JSON it draws from under
//! `/_emulator/console/api/`. Every value comes from the state the API serves: templates and
//! components through the API's own Describe handlers (called in-process, so the console's polling
//! neither fills the request journal nor trips injected faults), builds, timelines and images
//! through the store. The journal, clock, outcomes and fault rules come from the other
//! `/_emulator` endpoints.

pub mod timeline;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::actions::{self, Action, Ctx};
use crate::auth::caller::{Caller, DEFAULT_ACCOUNT};
use crate::catalog;
use crate::domain::execution::Status;
use crate::domain::time::format_ms;
use crate::error::{ApiError, Code};

use crate::params::Params;
use crate::state::AppState;
use crate::store::console::ConsoleImage;

const INDEX_HTML: &str = include_str!("assets/index.html");
const CONSOLE_CSS: &str = include_str!("assets/console.css");
const CONSOLE_JS: &str = include_str!("assets/console.js");

/// The region shown when nothing else is known.
const DEFAULT_REGION: &str = "cn-hangzhou";
/// Most builds one list answer carries.
const MAX_BUILDS: i64 = 500;
/// Page size (and page cap) when the console reads every template or component through the API.
const PAGE_SIZE: &str = "500";
const MAX_PAGES: usize = 40;

/// Where the console lives inside the control plane (mounted at `/_emulator`).
const PREFIX: &str = "/console";

/// Pages: every one is the same shell; the script draws the page the path names.
const PAGES: &[&str] = &[
    "",
    "/",
    "/templates",
    "/builds",
    "/builds/{id}",
    "/images",
    "/components",
    "/requests",
    "/requests/{id}",
    "/emulator",
];

/// Routes of the console, merged into the control plane's router (so under `/_emulator/console`).
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for page in PAGES {
        router = router.route(&format!("{PREFIX}{page}"), get(page_shell));
    }
    let api = |path: &str| format!("{PREFIX}/api{path}");
    router
        .route(&format!("{PREFIX}/assets/console.css"), get(|| async { asset("text/css; charset=utf-8", CONSOLE_CSS) }))
        .route(
            &format!("{PREFIX}/assets/console.js"),
            get(|| async { asset("text/javascript; charset=utf-8", CONSOLE_JS) }),
        )
        .route(&api("/scope"), get(scope))
        .route(&api("/templates"), get(templates))
        .route(&api("/builds"), get(builds))
        .route(&api("/builds/{id}"), get(build))
        .route(&api("/images"), get(images))
        .route(&api("/components"), get(components))
        .route(&api("/requests/{id}"), get(request))
        .route(&format!("{PREFIX}/{{*rest}}"), get(not_found))
}

/// A console data error: HTTP status and `{"error": …, "message": …}` (as the control plane).
pub struct ConsoleError(StatusCode, String);

impl From<ApiError> for ConsoleError {
    /// The console's edge: an internal cause is logged here, once.
    fn from(err: ApiError) -> Self {
        if let Some(cause) = err.cause() {
            tracing::error!(error = %crate::telemetry::Escaped(cause), "console: internal error");
        }
        ConsoleError(err.status(), format!("{}: {}", err.code_str(), err.message()))
    }
}

impl From<sqlx::Error> for ConsoleError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::from(err).into()
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let kind = self.0.canonical_reason().unwrap_or("Error");
        (self.0, Json(json!({ "error": kind, "message": self.1 }))).into_response()
    }
}

type ConsoleResult = Result<Json<Value>, ConsoleError>;

/// Headers every console page and asset carries: no caching (the binary is the source), no
/// sniffing, and a policy that only allows the emulator's own origin (so nothing loads from a CDN).
fn with_headers(content_type: &'static str, body: &'static str, status: StatusCode) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    with_headers(content_type, body, StatusCode::OK)
}

async fn page_shell() -> Response {
    with_headers("text/html; charset=utf-8", INDEX_HTML, StatusCode::OK)
}

/// Unknown console paths: JSON under `api/`, else the shell, which shows "page not found".
async fn not_found(uri: Uri) -> Response {
    if uri.path().contains("/api/") {
        return ConsoleError(StatusCode::NOT_FOUND, format!("no console endpoint {}", uri.path())).into_response();
    }
    with_headers("text/html; charset=utf-8", INDEX_HTML, StatusCode::NOT_FOUND)
}

/// `?account=…&region=…` (defaults: the default account, cn-hangzhou) and the builds filters.
#[derive(Debug, Default, Deserialize)]
struct ScopeQuery {
    account: Option<String>,
    region: Option<String>,
    /// Builds: comma-separated statuses, `RUNNING` for every non-terminal one.
    status: Option<String>,
    /// Builds: one template.
    pipeline: Option<String>,
}

impl ScopeQuery {
    fn account(&self) -> Result<String, ConsoleError> {
        let account = self.account.as_deref().map(str::trim).filter(|a| !a.is_empty()).unwrap_or(DEFAULT_ACCOUNT);
        if account.len() > 64 {
            return Err(ConsoleError(StatusCode::BAD_REQUEST, "account is at most 64 characters".into()));
        }
        Ok(account.to_string())
    }

    fn region(&self) -> Result<String, ConsoleError> {
        let region = self.region.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or(DEFAULT_REGION);
        if !catalog::is_region(region) {
            return Err(ConsoleError(StatusCode::BAD_REQUEST, format!("unknown region \"{region}\"")));
        }
        Ok(region.to_string())
    }
}

/// Runs a read-only action as `account` through the API's own handler and returns its fields.
async fn call(state: &AppState, account: &str, action: Action, params: &[(&str, &str)]) -> Result<Value, ApiError> {
    let mut p = Params::default();
    for (key, value) in params {
        p.insert(*key, *value);
    }
    let caller = Caller { access_key_id: None, account: account.to_string() };
    actions::dispatch(action, &Ctx { state, caller: &caller, params: &p }).await
}

/// Every item of a token-paged Describe action: `set` is the response's `Outer.InnerSet` path.
async fn call_all(
    state: &AppState,
    account: &str,
    region: &str,
    action: Action,
    set: (&str, &str),
) -> Result<Vec<Value>, ApiError> {
    let mut items = Vec::new();
    let mut token = String::new();
    for _ in 0..MAX_PAGES {
        let mut params = vec![("RegionId", region), ("MaxResults", PAGE_SIZE)];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let page = call(state, account, action, &params).await?;
        if let Some(list) = page[set.0][set.1].as_array() {
            items.extend(list.iter().cloned());
        }
        token = page["NextToken"].as_str().unwrap_or_default().to_string();
        if token.is_empty() {
            break;
        }
    }
    Ok(items)
}

/// The accounts and regions that hold resources, every region of the catalog, and a suggestion.
async fn scope(State(state): State<AppState>) -> ConsoleResult {
    let scopes = state.store.console_scopes().await?;
    let suggested = scopes
        .iter()
        .max_by_key(|s| s.last_ms)
        .map_or((DEFAULT_ACCOUNT, DEFAULT_REGION), |s| (s.account.as_str(), s.region.as_str()));
    Ok(Json(json!({
        "defaultAccount": DEFAULT_ACCOUNT,
        "regions": catalog::REGIONS,
        "suggested": { "account": suggested.0, "region": suggested.1 },
        "scopes": scopes.iter().map(|s| json!({
            "account": s.account, "region": s.region, "templates": s.templates, "builds": s.builds,
            "running": s.running, "images": s.images, "components": s.components, "lastMs": s.last_ms,
        })).collect::<Vec<_>>(),
    })))
}

/// Templates as DescribeImagePipelines returns them, each with its last build.
async fn templates(State(state): State<AppState>, Query(q): Query<ScopeQuery>) -> ConsoleResult {
    let (account, region) = (q.account()?, q.region()?);
    let items =
        call_all(&state, &account, &region, Action::DescribeImagePipelines, ("ImagePipeline", "ImagePipelineSet"))
            .await?;
    let last = state.store.console_last_builds(&account, &region).await?;
    let templates: Vec<Value> = items
        .into_iter()
        .map(|template| {
            let id = template["ImagePipelineId"].as_str().unwrap_or_default();
            let last_build = last.get(id).map(|b| {
                json!({
                    "executionId": b.execution_id, "status": b.status, "createdMs": b.created_ms,
                    "modifiedMs": b.modified_ms, "builds": b.builds,
                })
            });
            json!({ "template": template, "lastBuild": last_build })
        })
        .collect();
    Ok(Json(json!({ "account": account, "region": region, "templates": templates })))
}

fn terminal(status: &str) -> bool {
    Status::parse(status).is_some_and(Status::is_terminal)
}

/// A region's builds, newest first, optionally filtered by status or template.
async fn builds(State(state): State<AppState>, Query(q): Query<ScopeQuery>) -> ConsoleResult {
    let (account, region) = (q.account()?, q.region()?);
    let mut statuses = Vec::new();
    for status in q.status.as_deref().unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if status != "RUNNING" && Status::parse(status).is_none() {
            return Err(ConsoleError(StatusCode::BAD_REQUEST, format!("unknown status \"{status}\"")));
        }
        statuses.push(status.to_string());
    }
    let pipeline = q.pipeline.as_deref().filter(|p| !p.is_empty());
    let (rows, total) = state.store.console_builds(&account, &region, &statuses, pipeline, MAX_BUILDS).await?;
    let builds: Vec<Value> = rows
        .iter()
        .map(|b| {
            json!({
                "executionId": b.id, "imagePipelineId": b.pipeline_id, "pipelineName": b.pipeline_name,
                "status": b.status, "terminal": terminal(&b.status), "message": b.message, "imageId": b.image_id,
                "errorCode": b.error_code, "errorInfo": b.error_info, "createdMs": b.created_ms,
                "modifiedMs": b.modified_ms, "nextDueMs": b.next_due_ms, "stepsDone": b.steps_done,
                "stepsTotal": b.steps_total,
            })
        })
        .collect();
    Ok(Json(json!({
        "account": account, "region": region, "nowMs": state.clock.now_ms(), "total": total, "builds": builds,
    })))
}

fn image_json(i: &ConsoleImage) -> Value {
    json!({
        "imageId": i.id, "imageName": i.name, "account": i.account, "region": i.region, "family": i.family,
        "status": i.status, "sourceImage": i.source_image, "executionId": i.execution_id,
        "imagePipelineId": i.pipeline_id, "pipelineName": i.pipeline_name, "copiedFrom": i.copied_from,
        "sizeGiB": i.size_gib, "platform": i.platform, "osName": i.os_name, "architecture": i.architecture,
        "createdMs": i.created_ms, "sharedWith": i.shared_with,
    })
}

/// One build's timeline: events, phases (done and planned), transit resources and images.
async fn build(State(state): State<AppState>, Path(id): Path<String>) -> ConsoleResult {
    let Some((execution, events, resources)) = state.store.execution_detail(None, &id).await? else {
        return Err(ConsoleError(StatusCode::NOT_FOUND, format!("no build \"{id}\"")));
    };
    let images = state.store.console_build_images(&id).await?;
    let pipeline_name = state.store.console_pipeline_name(&execution.pipeline_id).await?;
    let now = state.clock.now_ms();
    let view = timeline::Timeline::of(&execution, &events, now);
    let mut body = Map::new();
    body.insert("executionId".into(), json!(execution.id));
    body.insert("imagePipelineId".into(), json!(execution.pipeline_id));
    body.insert("pipelineName".into(), json!(pipeline_name));
    body.insert("account".into(), json!(execution.account));
    body.insert("region".into(), json!(execution.region));
    body.insert("status".into(), json!(execution.status.as_str()));
    body.insert("terminal".into(), json!(execution.status.is_terminal()));
    body.insert("message".into(), json!(execution.message));
    body.insert("imageId".into(), json!(execution.image_id));
    body.insert("errorCode".into(), json!(execution.error_code));
    body.insert("errorInfo".into(), json!(execution.error_info));
    body.insert("held".into(), json!(execution.runtime.held));
    body.insert("createdMs".into(), json!(execution.created_ms));
    body.insert("modifiedMs".into(), json!(execution.modified_ms));
    body.insert("nextDueMs".into(), json!(execution.next_due_ms));
    body.insert("nowMs".into(), json!(now));
    body.insert("stepsDone".into(), json!(execution.cursor));
    body.insert("stepsTotal".into(), json!(execution.plan.len()));
    body.insert(
        "events".into(),
        json!(events
            .iter()
            .map(|e| json!({ "atMs": e.at_ms, "time": format_ms(e.at_ms), "status": e.status, "message": e.message }))
            .collect::<Vec<_>>()),
    );
    body.insert("phases".into(), json!(view.phases));
    body.insert("planned".into(), json!(view.planned));
    body.insert("endMs".into(), json!(view.end_ms));
    body.insert("expectedEndMs".into(), json!(view.expected_end_ms));
    body.insert(
        "resources".into(),
        json!(resources
            .iter()
            .map(|r| json!({
                "id": r.id, "kind": r.kind, "detail": r.detail, "createdMs": r.created_ms, "releasedMs": r.released_ms,
            }))
            .collect::<Vec<_>>()),
    );
    body.insert("images".into(), json!(images.iter().map(image_json).collect::<Vec<_>>()));
    Ok(Json(Value::Object(body)))
}

/// The custom images `account` sees in a region: owner, origin, shares.
async fn images(State(state): State<AppState>, Query(q): Query<ScopeQuery>) -> ConsoleResult {
    let (account, region) = (q.account()?, q.region()?);
    let images = state.store.console_images(&account, &region).await?;
    Ok(Json(json!({
        "account": account, "region": region, "images": images.iter().map(image_json).collect::<Vec<_>>(),
    })))
}

/// Components (custom and system) as DescribeImageComponents returns them.
async fn components(State(state): State<AppState>, Query(q): Query<ScopeQuery>) -> ConsoleResult {
    let (account, region) = (q.account()?, q.region()?);
    let items =
        call_all(&state, &account, &region, Action::DescribeImageComponents, ("ImageComponent", "ImageComponentSet"))
            .await?;
    Ok(Json(json!({ "account": account, "region": region, "components": items })))
}

/// What an error code means: its documented HTTP status and message (`None` for `OK`).
fn error_description(code: &str) -> Option<Value> {
    if code == "OK" {
        return None;
    }
    let known = Code::ALL.iter().find(|c| c.as_str() == code).copied();
    // `Missing<Param>` codes are built per parameter from one entry of the table.
    let entry = known.or_else(|| code.starts_with("Missing").then_some(Code::MissingActionParameter));
    Some(match entry {
        Some(c) => json!({
            "code": code, "httpStatus": c.status().as_u16(), "message": c.default_message(), "documented": true,
        }),
        None => json!({ "code": code, "documented": false }),
    })
}

/// One journal entry by RequestId, with what its error code means.
async fn request(State(state): State<AppState>, Path(id): Path<String>) -> ConsoleResult {
    let found =
        state.shared.request(&id).await.map_err(|e| ConsoleError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let Some(entry) = found else {
        return Err(ConsoleError(StatusCode::NOT_FOUND, format!("no request \"{id}\" in the journal")));
    };
    let error = error_description(&entry.code);
    Ok(Json(json!({ "request": entry, "error": error })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_described_from_the_one_table() {
        let d = error_description("InvalidRegionId.NotFound").unwrap_or_default();
        assert_eq!(d["httpStatus"], 404);
        assert_eq!(d["documented"], true);
        assert_eq!(error_description("MissingRegionId").unwrap_or_default()["httpStatus"], 400);
        assert_eq!(error_description("Nope.Unknown").unwrap_or_default()["documented"], false);
        assert!(error_description("OK").is_none());
    }

    #[test]
    fn every_page_and_asset_is_embedded() {
        assert!(INDEX_HTML.contains("/_emulator/console/assets/console.js"));
        assert!(INDEX_HTML.contains("<main"));
        assert!(!CONSOLE_JS.contains("http://") && !CONSOLE_JS.contains("https://"), "no external URLs");
        assert!(!CONSOLE_CSS.contains("@import"));
    }
}
