//! The snapshot routes of the control plane (`/_emulator/snapshots…`): save, list, export, upload,
//! restore and delete, in two formats. An SQLite file snapshot (`VACUUM INTO`, `{name}.db`) on the
//! SQLite backend only; a portable snapshot (`domain::snapshot`, a JSON document) on both. Where
//! they are kept: on SQLite, files in `{db}.snapshots/` (`{name}.db` or `{name}.json`); on
//! PostgreSQL, rows of the `portable_snapshots` table, so every replica sees the same ones. A name
//! holds one snapshot of either format.

use std::path::{Path as FsPath, PathBuf};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, stream, AdminError, AdminPath, AdminQuery, AdminResult};
use crate::clock::Clock;
use crate::domain::limits::MAX_SNAPSHOTS;
use crate::domain::snapshot::{self, DecodeError};
use crate::domain::time::format_ms;
use crate::state::AppState;
use crate::store::portable::ExportError;
use crate::store::snapshots::{snapshot_dir, RestoreError};
use crate::store::Backend;

/// The snapshot routes (mounted with the rest of the control plane).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/snapshots", get(list_snapshots).post(save_snapshot))
        .route("/snapshots/{name}", put(import_snapshot).delete(delete_snapshot))
        .route("/snapshots/{name}/export", get(export_snapshot))
        .route("/snapshots/{name}/restore", post(restore_snapshot))
}

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

const SQLITE: &str = "sqlite";
const PORTABLE: &str = "portable";

/// The answer to an SQLite file snapshot asked of the PostgreSQL backend.
const SQLITE_ONLY: &str =
    "SQLite file snapshots need the SQLite backend; this emulator stores its state in PostgreSQL, \
     so use the portable format (save with {\"name\": …, \"format\": \"portable\"}; export an SQLite file snapshot \
     from a SQLite emulator with GET /_emulator/snapshots/{name}/export?format=portable and upload that)";

/// Where a named snapshot is.
enum Found {
    /// An SQLite file (`{name}.db`).
    SqliteFile(PathBuf),
    /// A portable document in a file (`{name}.json`, SQLite backend).
    PortableFile(PathBuf),
    /// A portable document in the `portable_snapshots` table (PostgreSQL backend).
    PortableRow,
}

/// A snapshot name: 1–64 of `A-Z a-z 0-9 _ . -`, not starting with a dot.
fn check_name(name: &str) -> AdminResult<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(AdminError::bad_request("a snapshot name is 1-64 of A-Z a-z 0-9 _ . - and does not start with a dot"))
    }
}

fn internal(err: impl std::fmt::Display) -> AdminError {
    AdminError(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
}

/// The snapshot folder on SQLite (made if missing); `None` on PostgreSQL (snapshots are rows).
fn folder(state: &AppState) -> AdminResult<Option<PathBuf>> {
    if state.store.backend() == Backend::Postgres {
        return Ok(None);
    }
    let dir = snapshot_dir(&state.config.db);
    std::fs::create_dir_all(&dir).map_err(internal)?;
    Ok(Some(dir))
}

/// The snapshot called `name`, if any.
async fn find(state: &AppState, name: &str) -> AdminResult<Option<Found>> {
    check_name(name)?;
    match folder(state)? {
        Some(dir) => {
            let file = dir.join(format!("{name}.db"));
            let json = dir.join(format!("{name}.json"));
            Ok(if file.exists() {
                Some(Found::SqliteFile(file))
            } else if json.exists() {
                Some(Found::PortableFile(json))
            } else {
                None
            })
        }
        None => Ok(state.store.shelf_list().await?.iter().any(|(n, _)| n == name).then_some(Found::PortableRow)),
    }
}

/// Every snapshot: (name, bytes, format), by name.
async fn all(state: &AppState) -> AdminResult<Vec<(String, u64, &'static str)>> {
    let mut found = Vec::new();
    match folder(state)? {
        Some(dir) => {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    let format = match path.extension().and_then(|e| e.to_str()) {
                        Some("db") => SQLITE,
                        Some("json") => PORTABLE,
                        _ => continue,
                    };
                    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    found.push((name, entry.metadata().map(|m| m.len()).unwrap_or(0), format));
                }
            }
        }
        None => {
            for (name, bytes) in state.store.shelf_list().await? {
                found.push((name, u64::try_from(bytes).unwrap_or(0), PORTABLE));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Refuses a new snapshot once [`MAX_SNAPSHOTS`] exist (replacing one is always allowed).
async fn check_room(state: &AppState, name: &str) -> AdminResult<()> {
    let existing = all(state).await?;
    if existing.iter().any(|(n, _, _)| n == name) {
        return Ok(());
    }
    let count = existing.len();
    if count >= MAX_SNAPSHOTS {
        return Err(AdminError::conflict(format!(
            "{count} snapshots exist, the most the emulator keeps ({MAX_SNAPSHOTS}); delete one first"
        )));
    }
    Ok(())
}

/// Stores a portable document under `name` (replacing a snapshot of that name in either format).
async fn keep_portable(state: &AppState, name: &str, document: Vec<u8>) -> AdminResult<u64> {
    let size = document.len() as u64;
    match folder(state)? {
        Some(dir) => {
            let path = dir.join(format!("{name}.json"));
            let temp = dir.join(format!("{name}.saving-{}", uuid::Uuid::new_v4().simple()));
            let written = std::fs::write(&temp, &document).and_then(|()| std::fs::rename(&temp, &path));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&temp);
                return Err(internal(e));
            }
            let _ = std::fs::remove_file(dir.join(format!("{name}.db")));
        }
        None => {
            let text = String::from_utf8(document).map_err(|e| AdminError::bad_request(format!("not UTF-8: {e}")))?;
            state.store.shelf_put(name, &text, state.clock.now_ms()).await?;
        }
    }
    Ok(size)
}

fn export_error(err: ExportError) -> AdminError {
    match err {
        ExportError::TooLarge(max) => AdminError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the portable snapshot would be larger than {max} bytes (--max-snapshot-bytes)"),
        ),
        ExportError::Db(err) => err.into(),
    }
}

fn restore_error(name: &str, err: RestoreError) -> AdminError {
    match err {
        RestoreError::NotFound => AdminError::not_found(format!("no snapshot \"{name}\"")),
        RestoreError::TooNew(versions) => AdminError::conflict(format!(
            "snapshot \"{name}\" was made by a newer emulator (schema versions {versions:?} are unknown to this one); upgrade the emulator to restore it"
        )),
        RestoreError::Invalid(why) => AdminError::bad_request(format!("snapshot \"{name}\": {why}")),
        RestoreError::Internal(err) => err.into(),
    }
}

fn decode_error(name: &str, err: DecodeError) -> AdminError {
    match err {
        DecodeError::NewerFormat(_) => AdminError::conflict(format!(
            "snapshot \"{name}\" was made by a newer emulator ({err}); upgrade the emulator to use it"
        )),
        DecodeError::Malformed(_) => AdminError::bad_request(format!("snapshot \"{name}\": {err}")),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotBody {
    name: Option<String>,
    /// `sqlite` (the default on SQLite) or `portable` (the default, and the only one, on PostgreSQL).
    format: Option<String>,
}

async fn save_snapshot(State(state): State<AppState>, bytes: Bytes) -> AdminResult<(StatusCode, Json<Value>)> {
    let request: SnapshotBody = body(&bytes)?;
    let name = request.name.ok_or_else(|| AdminError::bad_request("give the snapshot a \"name\""))?;
    check_name(&name)?;
    let on_postgres = state.store.backend() == Backend::Postgres;
    let format = match request.format.as_deref() {
        None | Some(SQLITE) if !on_postgres => SQLITE,
        None => PORTABLE,
        Some(SQLITE) => return Err(AdminError::bad_request(SQLITE_ONLY)),
        Some(PORTABLE) => PORTABLE,
        Some(other) => {
            return Err(AdminError::bad_request(format!(
                "\"format\" is \"{SQLITE}\" or \"{PORTABLE}\", not \"{other}\""
            )))
        }
    };
    check_room(&state, &name).await?;
    let now = state.clock.now_ms();
    let size = if format == SQLITE {
        let dir = folder(&state)?.ok_or_else(|| AdminError::bad_request(SQLITE_ONLY))?;
        let path = dir.join(format!("{name}.db"));
        state.store.snapshot_to(&path).await?;
        let _ = std::fs::remove_file(dir.join(format!("{name}.json")));
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    } else {
        let document = state.store.export_portable(now, state.config.max_snapshot_bytes).await.map_err(export_error)?;
        keep_portable(&state, &name, document).await?
    };
    Ok((StatusCode::CREATED, Json(json!({ "name": name, "format": format, "bytes": size, "time": format_ms(now) }))))
}

async fn list_snapshots(State(state): State<AppState>) -> AdminResult {
    let snapshots: Vec<Value> = all(&state)
        .await?
        .into_iter()
        .map(|(name, bytes, format)| json!({ "name": name, "bytes": bytes, "format": format }))
        .collect();
    Ok(Json(json!({ "snapshots": snapshots })))
}

/// A stored portable document's bytes.
async fn portable_document(state: &AppState, name: &str, found: &Found) -> AdminResult<Vec<u8>> {
    match found {
        Found::PortableFile(path) => tokio::fs::read(path).await.map_err(internal),
        Found::PortableRow => state
            .store
            .shelf_get(name)
            .await?
            .map(String::into_bytes)
            .ok_or_else(|| AdminError::not_found(format!("no snapshot \"{name}\""))),
        Found::SqliteFile(_) => Err(AdminError::bad_request(format!("snapshot \"{name}\" is an SQLite file"))),
    }
}

async fn restore_snapshot(State(state): State<AppState>, AdminPath(name): AdminPath) -> AdminResult {
    let found = find(&state, &name).await?.ok_or_else(|| AdminError::not_found(format!("no snapshot \"{name}\"")))?;
    match &found {
        Found::SqliteFile(path) => state.store.restore_from(path).await.map_err(|e| restore_error(&name, e))?,
        Found::PortableFile(_) | Found::PortableRow => {
            let document = portable_document(&state, &name, &found).await?;
            let decoded = snapshot::decode(&document).map_err(|e| decode_error(&name, e))?;
            drop(document);
            state.store.restore_portable(&decoded).await.map_err(|e| restore_error(&name, e))?;
        }
    }
    if let Some(manual) = state.sim_clock.manual() {
        state.store.state_set(crate::clock::MANUAL_CLOCK_KEY, &manual.now_ms().to_string()).await?;
    }
    state.engine.wake();
    Ok(Json(json!({ "restored": name })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
}

fn json_response(document: Vec<u8>) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], document).into_response()
}

/// Downloads a snapshot as stored, or (`?format=portable`) any snapshot as a portable document
/// (an SQLite file snapshot is read, on a private copy migrated to this emulator's schema).
async fn export_snapshot(
    State(state): State<AppState>,
    AdminPath(name): AdminPath,
    AdminQuery(query): AdminQuery<ExportQuery>,
) -> AdminResult<Response> {
    let found = find(&state, &name).await?.ok_or_else(|| AdminError::not_found(format!("no snapshot \"{name}\"")))?;
    match (query.format.as_deref(), &found) {
        (None | Some(SQLITE), Found::SqliteFile(path)) => {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|_| AdminError::not_found(format!("no snapshot \"{name}\"")))?;
            let length = file.metadata().await.map(|m| m.len()).unwrap_or(0);
            Ok((
                [
                    (axum::http::header::CONTENT_TYPE, "application/vnd.sqlite3".to_string()),
                    (axum::http::header::CONTENT_LENGTH, length.to_string()),
                ],
                stream::FileBody::body(file),
            )
                .into_response())
        }
        (Some(PORTABLE), Found::SqliteFile(path)) => {
            let document = state
                .store
                .export_file_portable(path, state.clock.now_ms(), state.config.max_snapshot_bytes)
                .await
                .map_err(|e| match e {
                    Ok(export) => export_error(export),
                    Err(restore) => restore_error(&name, restore),
                })?;
            Ok(json_response(document))
        }
        (None | Some(PORTABLE), Found::PortableFile(path)) => {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|_| AdminError::not_found(format!("no snapshot \"{name}\"")))?;
            Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], stream::FileBody::body(file)).into_response())
        }
        (None | Some(PORTABLE), Found::PortableRow) => {
            Ok(json_response(portable_document(&state, &name, &found).await?))
        }
        (Some(SQLITE), _) => Err(AdminError::bad_request(format!(
            "snapshot \"{name}\" is portable: it exports as a portable document only (format={PORTABLE})"
        ))),
        (Some(other), _) => {
            Err(AdminError::bad_request(format!("format is \"{SQLITE}\" or \"{PORTABLE}\", not \"{other}\"")))
        }
    }
}

/// Stores an uploaded snapshot: streamed to a temporary file under the size cap
/// (`--max-snapshot-bytes`), then recognised by its content: an SQLite file (SQLite backend only)
/// or a portable document, which must decode.
async fn import_snapshot(
    State(state): State<AppState>,
    AdminPath(name): AdminPath,
    body: axum::body::Body,
) -> AdminResult<(StatusCode, Json<Value>)> {
    check_name(&name)?;
    check_room(&state, &name).await?;
    let dir = folder(&state)?;
    let max = state.config.max_snapshot_bytes;
    let temp_name = format!("{name}.upload-{}", uuid::Uuid::new_v4().simple());
    let temp = match &dir {
        Some(dir) => dir.join(&temp_name),
        None => std::env::temp_dir().join(format!("ibe-snapshot-{temp_name}")),
    };
    let idle = std::time::Duration::from_millis(state.config.body_timeout_ms);
    let (size, head) = match stream::body_to_file(body, &temp, max, idle).await {
        Ok(stored) => stored,
        Err(stream::UploadError::TooLarge) => {
            return Err(AdminError(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a snapshot upload is at most {max} bytes (--max-snapshot-bytes)"),
            ))
        }
        Err(stream::UploadError::Slow) => {
            return Err(AdminError(
                StatusCode::REQUEST_TIMEOUT,
                format!("no part of the upload arrived for {} ms", state.config.body_timeout_ms),
            ))
        }
        Err(stream::UploadError::Io(e)) => return Err(AdminError::bad_request(format!("the upload failed: {e}"))),
    };
    let stored = store_upload(&state, &name, dir.as_deref(), &temp, &head).await;
    let _ = std::fs::remove_file(&temp);
    let format = stored?;
    Ok((StatusCode::CREATED, Json(json!({ "name": name, "format": format, "bytes": size }))))
}

/// Keeps the uploaded file `temp` as snapshot `name`, by what it holds; returns its format.
async fn store_upload(
    state: &AppState,
    name: &str,
    dir: Option<&FsPath>,
    temp: &FsPath,
    head: &[u8],
) -> AdminResult<&'static str> {
    if head.starts_with(SQLITE_MAGIC) {
        let dir = dir.ok_or_else(|| AdminError::bad_request(SQLITE_ONLY))?;
        std::fs::rename(temp, dir.join(format!("{name}.db"))).map_err(internal)?;
        let _ = std::fs::remove_file(dir.join(format!("{name}.json")));
        return Ok(SQLITE);
    }
    if !snapshot::looks_portable(head) {
        return Err(AdminError::bad_request(
            "the body is neither an SQLite database file nor a portable snapshot (a JSON document)",
        ));
    }
    let document = tokio::fs::read(temp).await.map_err(internal)?;
    snapshot::decode(&document).map_err(|e| decode_error(name, e))?;
    keep_portable(state, name, document).await?;
    Ok(PORTABLE)
}

async fn delete_snapshot(State(state): State<AppState>, AdminPath(name): AdminPath) -> AdminResult {
    let gone = match find(&state, &name).await? {
        Some(Found::SqliteFile(path) | Found::PortableFile(path)) => std::fs::remove_file(path).is_ok(),
        Some(Found::PortableRow) => state.store.shelf_delete(&name).await?,
        None => false,
    };
    if !gone {
        return Err(AdminError::not_found(format!("no snapshot \"{name}\"")));
    }
    Ok(Json(json!({ "deleted": name })))
}
