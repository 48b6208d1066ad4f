//! The request ceiling: an RPC server doing the least any emulator of this API must do per request
//! — parse the query string, check `Action`, `Version` and `RegionId`, then either read a template
//! from memory or commit one row to SQLite — and serialize a response of the emulator's size.
//!
//! - `Describe*` / `List*`: a `HashMap` lookup of `ImagePipelineId.1` (the read ceiling), the found
//!   template serialized as a one-item page (about 1 KB, like the emulator's answer).
//! - any other action: one sqlx `INSERT` per request on a one-connection writer pool (WAL,
//!   `synchronous=NORMAL`), acknowledged after the commit (the write ceiling).
//!
//! Usage: `ceiling-server --listen 127.0.0.1:PORT --db FILE [--seed N]`. It prints the ID of its
//! first seeded template (`ip-ceiling000001`) on stdout once it listens.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

struct Ceiling {
    templates: RwLock<HashMap<String, Value>>,
    writer: SqlitePool,
}

fn answer(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json;charset=utf-8")], body.to_string()).into_response()
}

fn error(status: StatusCode, code: &str) -> Response {
    let body = json!({"RequestId": request_id(), "HostId": "ecs.aliyuncs.com", "Code": code, "Message": code});
    answer(status, &body)
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

/// A template document with the fields (and roughly the size) of the emulator's response item.
fn template(id: &str, params: &HashMap<String, String>) -> Value {
    let get = |key: &str, default: &str| params.get(key).cloned().unwrap_or_else(|| default.to_string());
    json!({
        "ImagePipelineId": id,
        "Name": get("Name", "ceiling"),
        "Description": get("Description", "a template of the ceiling server"),
        "BaseImageType": get("BaseImageType", "IMAGE"),
        "BaseImage": get("BaseImage", "aliyun_3_x64_20G_alibase_20240819.vhd"),
        "ImageName": get("ImageName", "ceiling-image"),
        "InstanceType": get("InstanceType", "ecs.g7.large"),
        "SystemDiskSize": 40,
        "InternetMaxBandwidthOut": 0,
        "VSwitchId": get("VSwitchId", ""),
        "DeleteInstanceOnFailure": true,
        "ResourceGroupId": "",
        "CreationTime": "2026-01-01T00:00:00Z",
        "BuildContent": get("BuildContent", "RUN yum install -y nginx\nWORKDIR /srv\nENV APP_ENV=production"),
        "ToRegionIds": {"ToRegionId": ["cn-hangzhou", "cn-shanghai"]},
        "AddAccounts": {"AddAccount": []},
        "Tags": {"Tag": [{"TagKey": "team", "TagValue": "qa"}, {"TagKey": "env", "TagValue": "ci"}]},
        "Status": "Available",
    })
}

async fn handle(State(ceiling): State<Arc<Ceiling>>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let Some(action) = params.get("Action") else { return error(StatusCode::BAD_REQUEST, "MissingParameter") };
    if params.get("Version").map(String::as_str) != Some("2014-05-26") {
        return error(StatusCode::BAD_REQUEST, "InvalidVersion");
    }
    if !params.contains_key("RegionId") {
        return error(StatusCode::BAD_REQUEST, "MissingRegionId");
    }
    if action.starts_with("Describe") || action.starts_with("List") {
        let Some(id) = params.get("ImagePipelineId.1") else {
            return error(StatusCode::BAD_REQUEST, "MissingParameter");
        };
        let found = ceiling.templates.read().ok().and_then(|m| m.get(id).cloned());
        return match found {
            Some(item) => answer(
                StatusCode::OK,
                &json!({"RequestId": request_id(), "TotalCount": 1, "MaxResults": 50, "NextToken": "",
                        "ImagePipeline": {"ImagePipelineSet": [item]}}),
            ),
            None => error(StatusCode::NOT_FOUND, "InvalidImagePipelineId.NotFound"),
        };
    }
    let id = format!("ip-{}", uuid::Uuid::new_v4().simple());
    let doc = template(&id, &params).to_string();
    let region = params.get("RegionId").cloned().unwrap_or_default();
    let inserted = sqlx::query("INSERT INTO templates (id, region, created_ms, doc) VALUES (?, ?, ?, ?)")
        .bind(&id)
        .bind(region)
        .bind(i64::try_from(now_ms()).unwrap_or(i64::MAX))
        .bind(doc)
        .execute(&ceiling.writer)
        .await;
    match inserted {
        Ok(_) => answer(StatusCode::OK, &json!({"RequestId": request_id(), "ImagePipelineId": id})),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = arg("--listen").unwrap_or_else(|| "127.0.0.1:8081".into());
    let db = arg("--db").unwrap_or_else(|| "ceiling.db".into());
    let seed: usize = arg("--seed").map_or(Ok(1000), |s| s.parse())?;
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{db}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5));
    let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS templates (id TEXT PRIMARY KEY NOT NULL, region TEXT NOT NULL, \
         created_ms INTEGER NOT NULL, doc TEXT NOT NULL)",
    )
    .execute(&writer)
    .await?;
    let none = HashMap::new();
    let templates = (1..=seed.max(1))
        .map(|i| {
            let id = format!("ip-ceiling{i:06}");
            let doc = template(&id, &none);
            (id, doc)
        })
        .collect();
    let ceiling = Arc::new(Ceiling { templates: RwLock::new(templates), writer });
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("ip-ceiling000001");
    let app = Router::new().route("/", get(handle)).with_state(ceiling);
    axum::serve(listener, app).await?;
    Ok(())
}
