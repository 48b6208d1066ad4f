//! Portable snapshots (issue 15): a JSON export of the whole state that restores on either
//! backend. Every test runs on the backend `IBE_TEST_DB` names; the cross-backend one needs a
//! PostgreSQL URL there and runs a SQLite emulator beside it.

use serde_json::{json, Value};

use crate::components::component;
use crate::helpers::{TestApp, REGION};
use crate::test_db::{backend, Backend};

const TARGET: &str = "cn-beijing";
const SHARE: &str = "1234567890123456";

/// A template with tags, a finished build with its image, copy and share, and a component.
async fn populate(app: &TestApp) {
    let pipeline = app
        .create_pipeline(&[
            ("Name", "web"),
            ("ToRegionId.1", TARGET),
            ("AddAccount.1", SHARE),
            ("ImageName", "web-image"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "infra"),
            ("Tag.2.Key", "env"),
            ("Tag.2.Value", "ci"),
        ])
        .await;
    app.create_pipeline(&[("Name", "idle"), ("Tag.1.Key", "only")]).await;
    app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    component(app, &[("Name", "greet"), ("Content", "RUN echo hi")]).await;
}

/// What the Describe actions answer (request IDs left out): templates with tags, builds, images in
/// both regions with their shares, components.
async fn describe_all(app: &TestApp) -> Value {
    let mut view = serde_json::Map::new();
    let mut call = |name: String, body: Value| {
        let mut body = body;
        if let Some(object) = body.as_object_mut() {
            object.remove("RequestId");
        }
        view.insert(name, body);
    };
    for action in ["DescribeImagePipelines", "DescribeImageComponents"] {
        call(action.to_string(), app.call_in_region(action, &[]).await.assert_ok().clone());
    }
    let pipelines = app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok().clone();
    let mut builds = Vec::new();
    for pipeline in pipelines["ImagePipeline"]["ImagePipelineSet"].as_array().cloned().unwrap_or_default() {
        let id = crate::helpers::text(&pipeline, "ImagePipelineId");
        let reply = app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &id)]).await;
        builds.extend(
            reply.assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    call("DescribeImagePipelineExecutions".to_string(), json!(builds));
    for region in [REGION, TARGET] {
        let images = app
            .call("DescribeImages", &[("RegionId", region), ("ImageOwnerAlias", "self"), ("PageSize", "100")])
            .await
            .assert_ok()
            .clone();
        let ids: Vec<String> = images["Images"]["Image"]
            .as_array()
            .map(|set| set.iter().filter_map(|i| i["ImageId"].as_str().map(String::from)).collect())
            .unwrap_or_default();
        call(format!("DescribeImages {region}"), images);
        for id in ids {
            let shares = app.call("DescribeImageSharePermission", &[("RegionId", region), ("ImageId", &id)]).await;
            call(format!("DescribeImageSharePermission {id}"), shares.assert_ok().clone());
        }
    }
    Value::Object(view)
}

fn count(view: &Value, action: &str, path: &[&str]) -> usize {
    path.iter().fold(&view[action], |v, k| &v[*k]).as_array().map_or(0, Vec::len)
}

/// The state is the one this test made: two templates, one build, an image and its copy (the
/// copy shared), one component.
fn assert_populated(view: &Value) {
    assert_eq!(count(view, "DescribeImagePipelines", &["ImagePipeline", "ImagePipelineSet"]), 2, "{view}");
    assert_eq!(count(view, "DescribeImagePipelineExecutions", &[]), 1);
    assert!(view["DescribeImageComponents"].to_string().contains("\"greet\""), "our component");
    assert_eq!(count(view, &format!("DescribeImages {REGION}"), &["Images", "Image"]), 1);
    assert_eq!(count(view, &format!("DescribeImages {TARGET}"), &["Images", "Image"]), 1);
    let shared = view.as_object().map_or(0, |o| {
        o.iter()
            .filter(|(k, v)| {
                k.starts_with("DescribeImageSharePermission")
                    && v["Accounts"]["Account"].as_array().is_some_and(|a| !a.is_empty())
            })
            .count()
    });
    assert!(shared >= 1, "an image is shared: {view}");
    let tags = &view["DescribeImagePipelines"]["ImagePipeline"]["ImagePipelineSet"];
    assert!(tags.to_string().contains("infra"), "the template's tags: {tags}");
}

async fn export(app: &TestApp, name: &str, format: &str) -> (u16, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}/_emulator/snapshots/{name}/export?format={format}", app.base_url))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("bytes").to_vec())
}

async fn upload(app: &TestApp, name: &str, body: Vec<u8>) -> (u16, Value) {
    let response =
        app.client.put(format!("{}/_emulator/snapshots/{name}", app.base_url)).body(body).send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Takes a portable snapshot called `name` and returns its document.
async fn take_portable(app: &TestApp, name: &str) -> Vec<u8> {
    let (status, saved) = app.admin("POST", "/snapshots", Some(json!({ "name": name, "format": "portable" }))).await;
    assert_eq!((status, saved["format"].as_str()), (201, Some("portable")), "{saved}");
    let (status, document) = export(app, name, "portable").await;
    assert_eq!(status, 200);
    assert_eq!(saved["bytes"].as_u64(), Some(document.len() as u64));
    document
}

async fn restore(app: &TestApp, name: &str) -> (u16, Value) {
    app.admin("POST", &format!("/snapshots/{name}/restore"), None).await
}

#[tokio::test]
async fn a_portable_snapshot_restores_every_describe_answer() {
    let app = TestApp::spawn().await;
    populate(&app).await;
    let before = describe_all(&app).await;
    assert_populated(&before);
    let document = take_portable(&app, "p").await;
    let parsed: Value = serde_json::from_slice(&document).expect("JSON");
    assert_eq!(
        (parsed["format"].as_str(), parsed["version"].as_i64()),
        (Some("ecs-imagebuilder-emulator/snapshot"), Some(1))
    );
    assert!(parsed["tables"]["image_pipelines"]["rows"].as_array().is_some_and(|r| r.len() == 2));
    assert!(parsed["tables"].get("_sqlx_migrations").is_none());

    let (_, list) = app.admin("GET", "/snapshots", None).await;
    assert_eq!(list["snapshots"], json!([{ "name": "p", "bytes": document.len(), "format": "portable" }]));

    assert_eq!(app.admin("POST", "/reset", None).await.0, 200);
    assert_eq!(count(&describe_all(&app).await, "DescribeImagePipelines", &["ImagePipeline", "ImagePipelineSet"]), 0);
    let (status, body) = restore(&app, "p").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(describe_all(&app).await, before);

    // A restore replaces what was made since, and the restored state keeps working.
    app.create_pipeline(&[("Name", "later")]).await;
    assert_eq!(restore(&app, "p").await.0, 200);
    assert_eq!(describe_all(&app).await, before);
    app.create_pipeline(&[("Name", "after-restore")]).await;
    let (status, deleted) = app.admin("DELETE", "/snapshots/p", None).await;
    assert_eq!((status, deleted), (200, json!({ "deleted": "p" })));
    assert_eq!(restore(&app, "p").await.0, 404);
}

#[tokio::test]
async fn a_portable_document_uploads_and_restores_in_a_fresh_emulator() {
    let app = TestApp::spawn().await;
    populate(&app).await;
    let before = describe_all(&app).await;
    let document = take_portable(&app, "p").await;

    let fresh = TestApp::spawn().await;
    let (status, stored) = upload(&fresh, "moved", document.clone()).await;
    assert_eq!((status, stored["format"].as_str()), (201, Some("portable")), "{stored}");
    let (status, body) = restore(&fresh, "moved").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(describe_all(&fresh).await, before);
    // The stored document is exported as uploaded.
    assert_eq!(export(&fresh, "moved", "portable").await, (200, document));
}

/// On SQLite, an SQLite file snapshot is exported as a portable document (read through SQLite)
/// that a fresh emulator imports. On PostgreSQL, the file format is refused with a clear 400.
#[tokio::test]
async fn an_sqlite_file_snapshot_exports_as_portable() {
    let app = TestApp::spawn().await;
    populate(&app).await;
    let before = describe_all(&app).await;
    if let Backend::Postgres(_) = backend() {
        let (status, body) = app.admin("POST", "/snapshots", Some(json!({ "name": "f", "format": "sqlite" }))).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("portable")), "{body}");
        let (status, body) = upload(&app, "f", b"SQLite format 3\0rest of a file".to_vec()).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("SQLite backend")), "{body}");
        // The default on PostgreSQL is the portable format.
        let (status, body) = app.admin("POST", "/snapshots", Some(json!({ "name": "d" }))).await;
        assert_eq!((status, body["format"].as_str()), (201, Some("portable")), "{body}");
        return;
    }
    let (status, saved) = app.admin("POST", "/snapshots", Some(json!({ "name": "f" }))).await;
    assert_eq!((status, saved["format"].as_str()), (201, Some("sqlite")), "{saved}");
    let (status, file) = export(&app, "f", "sqlite").await;
    assert!(status == 200 && file.starts_with(b"SQLite format 3\0"));
    let (status, document) = export(&app, "f", "portable").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&document));
    // The same state as a portable snapshot taken directly (apart from its time).
    let direct: Value = serde_json::from_slice(&take_portable(&app, "direct").await).expect("JSON");
    let from_file: Value = serde_json::from_slice(&document).expect("JSON");
    assert_eq!(from_file["tables"], direct["tables"]);
    assert_eq!(export(&app, "direct", "sqlite").await.0, 400, "a portable snapshot is not an SQLite file");

    let fresh = TestApp::spawn().await;
    assert_eq!(upload(&fresh, "from-file", document).await.0, 201);
    assert_eq!(restore(&fresh, "from-file").await.0, 200);
    assert_eq!(describe_all(&fresh).await, before);
    // A name holds one snapshot: a portable save replaces the file of that name.
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "f", "format": "portable" }))).await.0, 201);
    let (_, list) = app.admin("GET", "/snapshots", None).await;
    assert_eq!(
        list["snapshots"]
            .as_array()
            .map(|s| s.iter().map(|x| (x["name"].clone(), x["format"].clone())).collect::<Vec<_>>()),
        Some(vec![(json!("direct"), json!("portable")), (json!("f"), json!("portable"))])
    );
}

fn document(schema: i64, tables: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "format": "ecs-imagebuilder-emulator/snapshot", "version": 1, "schema": schema, "createdMs": 0, "tables": tables,
    }))
    .expect("JSON")
}

#[tokio::test]
async fn malformed_newer_and_oversized_portable_snapshots_are_refused_and_change_nothing() {
    let app = TestApp::spawn_with(|c| c.max_snapshot_bytes = 64 * 1024).await;
    let kept = app.create_pipeline(&[("Name", "kept")]).await;
    let before = describe_all(&app).await;
    let message = |body: &Value| body["message"].as_str().unwrap_or_default().to_string();

    // Not a snapshot at all, and malformed JSON documents: 400 at upload, nothing stored.
    for (body, why) in [
        (b"just text".to_vec(), "neither an SQLite database file nor a portable snapshot"),
        (b"{\"format\": ".to_vec(), "invalid JSON"),
        (b"{\"format\": \"other\", \"version\": 1}".to_vec(), "\"format\" must be"),
        (document(1, json!({ "tags": { "columns": ["key"], "rows": [[1, 2]] } })), "row 0 has 2 values for 1 columns"),
    ] {
        let (status, reply) = upload(&app, "bad", body).await;
        assert_eq!(status, 400, "{reply}");
        assert!(message(&reply).contains(why), "{reply}");
    }
    // A newer format version: 409 at upload.
    let newer_format = br#"{"format":"ecs-imagebuilder-emulator/snapshot","version":2,"tables":[]}"#.to_vec();
    let (status, reply) = upload(&app, "bad", newer_format).await;
    assert_eq!(status, 409, "{reply}");
    assert!(message(&reply).contains("newer emulator"), "{reply}");
    assert_eq!(app.admin("GET", "/snapshots", None).await.1["snapshots"], json!([]));

    // A newer schema: stored, refused at restore with 409 like an SQLite file from a newer emulator.
    assert_eq!(upload(&app, "newer", document(9_999, json!({}))).await.0, 201);
    let (status, reply) = restore(&app, "newer").await;
    assert_eq!(status, 409, "{reply}");
    assert!(message(&reply).contains("was made by a newer emulator (schema versions [9999]"), "{reply}");

    // Well formed but not this emulator's tables, columns or types, or rows that break a key:
    // 400 at restore, the live state untouched (a first table applies before the bad one fails).
    let pipelines =
        |rows: Value| json!({ "columns": ["id", "account", "region", "name", "created_ms", "spec"], "rows": rows });
    let row = |id: &str| json!([id, "1", REGION, "x", 1, "{}"]);
    for (tables, why) in [
        (json!({ "no_such_table": { "columns": [], "rows": [] } }), "is not one of this emulator's"),
        (json!({ "tags": { "columns": ["nope"], "rows": [] } }), "has no column \"nope\""),
        (json!({ "image_pipelines": { "columns": ["created_ms"], "rows": [["soon"]] } }), "holds integers"),
        (json!({ "image_pipelines": pipelines(json!([row("ip-a"), row("ip-a")])) }), "the rows do not fit"),
        (
            json!({ "image_pipelines": pipelines(json!([row("ip-b")])), "tags": { "columns": ["key"], "rows": [["k"]] } }),
            "the rows do not fit",
        ),
    ] {
        assert_eq!(upload(&app, "wrong", document(1, tables)).await.0, 201);
        let (status, reply) = restore(&app, "wrong").await;
        assert_eq!(status, 400, "{reply}");
        assert!(message(&reply).contains(why), "{why}: {reply}");
        assert_eq!(describe_all(&app).await, before, "{why}: nothing changed");
    }
    assert!(app.describe_pipeline(&kept).await.is_some());

    // Over --max-snapshot-bytes: an upload is 413; so is taking a snapshot whose export would be.
    let (status, reply) = upload(&app, "big", vec![b' '; 64 * 1024 + 1]).await;
    assert_eq!(status, 413, "{reply}");
    for i in 0..200 {
        let long = "d".repeat(255);
        app.create_pipeline(&[("Name", &format!("bulk-{i}")), ("Description", &long)]).await;
    }
    let (status, reply) = app.admin("POST", "/snapshots", Some(json!({ "name": "p", "format": "portable" }))).await;
    assert_eq!(status, 413, "{reply}");
    assert!(message(&reply).contains("--max-snapshot-bytes"), "{reply}");
    let (status, reply) = app.admin("POST", "/snapshots", Some(json!({ "name": "p", "format": "zip" }))).await;
    assert_eq!(status, 400, "{reply}");
}

/// The cross-backend proof: a portable snapshot taken on SQLite restores on PostgreSQL, and one
/// taken there restores on SQLite, with the same Describe answers.
#[tokio::test]
async fn a_portable_snapshot_moves_between_sqlite_and_postgresql() {
    let Backend::Postgres(_) = backend() else {
        println!("skipped: a_portable_snapshot_moves_between_sqlite_and_postgresql needs IBE_TEST_DB=postgres://… (it runs SQLite beside it)");
        return;
    };
    let lite = TestApp::spawn_sqlite().await;
    populate(&lite).await;
    let before = describe_all(&lite).await;
    assert_populated(&before);
    let from_sqlite = take_portable(&lite, "from-sqlite").await;

    let pg = TestApp::spawn().await;
    assert_eq!(upload(&pg, "from-sqlite", from_sqlite).await.0, 201);
    let (status, body) = restore(&pg, "from-sqlite").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(describe_all(&pg).await, before, "SQLite -> PostgreSQL");

    // Changed on PostgreSQL, then back.
    pg.create_pipeline(&[("Name", "made-on-postgres"), ("Tag.1.Key", "where"), ("Tag.1.Value", "pg")]).await;
    let on_pg = describe_all(&pg).await;
    let from_pg = take_portable(&pg, "from-pg").await;
    assert_eq!(lite.admin("POST", "/reset", None).await.0, 200);
    assert_eq!(upload(&lite, "from-pg", from_pg).await.0, 201);
    let (status, body) = restore(&lite, "from-pg").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(describe_all(&lite).await, on_pg, "PostgreSQL -> SQLite");
    assert_ne!(on_pg, before);
}

/// The version-1 fixture (`tests/fixtures/snapshot-v1.json`, taken from `populate`) uploads and
/// restores: documents of an earlier release keep working.
#[tokio::test]
async fn the_version_1_fixture_restores() {
    let app = TestApp::spawn().await;
    let fixture = include_bytes!("../fixtures/snapshot-v1.json").to_vec();
    let (status, stored) = upload(&app, "v1", fixture).await;
    assert_eq!((status, stored["format"].as_str()), (201, Some("portable")), "{stored}");
    let (status, body) = restore(&app, "v1").await;
    assert_eq!(status, 200, "{body}");
    assert_populated(&describe_all(&app).await);
    // Its build's image is counted, though the fixture predates the counts (migration 15).
    let images = app.call_in_region("DescribeImages", &[("ImageOwnerAlias", "self"), ("PageSize", "1")]).await;
    assert_eq!(images.assert_ok()["TotalCount"], 1);
}

/// The tables of a build's own rows, keyed by `execution_id`: its plan (migration 0016), its
/// timeline, and its transit resources, as rows and as runs (migration 0021).
const OWNED_BY_BUILD: [&str; 4] = ["execution_plans", "execution_events", "transit_resources", "transit_resource_runs"];

/// The builds, and for each table of [`OWNED_BY_BUILD`] its rows and how many of them belong to a
/// build that exists, as a portable export holds them.
async fn builds_and_owned(app: &TestApp, name: &str) -> (usize, Vec<(usize, usize)>) {
    let document: Value = serde_json::from_slice(&take_portable(app, name).await).expect("json");
    let column = |table: &str, column: &str| -> Vec<Value> {
        let table = &document["tables"][table];
        let at = table["columns"].as_array().and_then(|c| c.iter().position(|c| c == column)).expect("column");
        table["rows"].as_array().map(|rows| rows.iter().map(|r| r[at].clone()).collect()).unwrap_or_default()
    };
    let builds = column("executions", "id");
    let owned = OWNED_BY_BUILD
        .iter()
        .map(|table| {
            let rows = column(table, "execution_id");
            (rows.len(), rows.iter().filter(|b| builds.contains(b)).count())
        })
        .collect();
    (builds.len(), owned)
}

/// Deleting a template, or resetting an account, takes its builds' own rows along: `builds` are
/// left, each with its plan, and every row of every owned table belongs to one of them.
async fn assert_builds_own_all(app: &TestApp, name: &str, builds: usize) {
    let (left, owned) = builds_and_owned(app, name).await;
    assert_eq!(left, builds, "{name}");
    assert_eq!(owned[0], (builds, builds), "{name}: one plan per build");
    for (table, (rows, of_builds)) in OWNED_BY_BUILD.iter().zip(owned) {
        assert!(rows > 0, "{name}: {table} has rows to check");
        assert_eq!(rows, of_builds, "{name}: {table} has rows of deleted builds");
    }
}

#[tokio::test]
async fn deleted_builds_leave_nothing_of_theirs_behind() {
    let app = TestApp::spawn().await;
    let gone = app.create_pipeline(&[]).await;
    app.start(&gone).await;
    let other = "1111111111111111";
    let theirs = app.create_pipeline(&[("AccessKeyId", other)]).await;
    let started = app
        .call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", &theirs), ("AccessKeyId", other)])
        .await;
    started.assert_ok();
    app.start(&app.create_pipeline(&[]).await).await;
    // The first tick creates each build's network, held over to a later tick (a row each); the
    // next runs the rest, so the instance is created and released in one tick (a run).
    app.run_builds_to_completion().await;
    assert_builds_own_all(&app, "three", 3).await;
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &gone)]).await.assert_ok();
    assert_builds_own_all(&app, "two", 2).await;
    assert_eq!(app.admin("POST", "/reset", Some(json!({ "account": other }))).await.0, 200);
    assert_builds_own_all(&app, "one", 1).await;
}

/// A snapshot whose builds lack their plans is refused, and the live state stays as it was.
#[tokio::test]
async fn a_snapshot_with_a_build_but_not_its_plan_is_refused() {
    let app = TestApp::spawn().await;
    app.start(&app.create_pipeline(&[]).await).await;
    let mut document: Value = serde_json::from_slice(&take_portable(&app, "whole").await).expect("json");
    document["tables"]["execution_plans"]["rows"] = json!([]);
    let (status, body) = upload(&app, "planless", serde_json::to_vec(&document).expect("encode")).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = restore(&app, "planless").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("has no plan")), "{body}");
    let (builds, owned) = builds_and_owned(&app, "after").await;
    assert_eq!((builds, owned[0]), (1, (1, 1)), "nothing changed");
}
