//! Hardening (issue 12): nothing a client sends can exhaust, wedge or bypass the emulator. One test
//! per finding: bounded memory (journal, bodies, snapshots, connections), state that cannot wedge
//! (hostile snapshots, concurrent restores, unreadable execution rows), strict auth that binds the
//! whole request, browsers kept out, and clean edges (long targets, no `100 Continue` for oversized
//! bodies, the year-9999 clock, refused calls neither consuming faults nor claiming accounts).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method};
use ecs_imagebuilder_emulator::auth::{
    percent_encode, v1_signature, v1_string_to_sign, v3_signature, v3_string_to_sign,
};
use ecs_imagebuilder_emulator::config::AuthMode;
use ecs_imagebuilder_emulator::params::Params;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{probe_until_503, reply, Reply, TestApp, BASE_IMAGE, REGION};

const KEY_ID: &str = "LTAI5tHardenKey";
const SECRET: &str = "harden-secret";
const ACCOUNT: &str = "5555666677778888";
const ADMIN_TOKEN: &str = "admin-t0ken";

/// An emulator with `--auth strict`, one access key and an admin token.
async fn strict_app() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let fixtures = dir.path().join("keys.json");
    std::fs::write(
        &fixtures,
        json!({ "access_keys": [{ "id": KEY_ID, "secret": SECRET, "account": ACCOUNT }], "admin_token": ADMIN_TOKEN })
            .to_string(),
    )
    .expect("fixtures");
    let app = TestApp::spawn_with(|c| {
        c.auth = AuthMode::Strict;
        c.fixtures = Some(fixtures.clone());
    })
    .await;
    (app, dir)
}

fn now_timestamp() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc().format(&format).expect("format")
}

fn host_of(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_string()
}

/// A V1 (HMAC-SHA1) GET with every parameter in the query; `nonce: None` leaves it out.
async fn v1_get(app: &TestApp, action: &str, extra: &[(&str, &str)], nonce: Option<&str>) -> Reply {
    let timestamp = now_timestamp();
    let mut pairs: Vec<(String, String)> = vec![
        ("Action".into(), action.into()),
        ("Version".into(), "2014-05-26".into()),
        ("Format".into(), "JSON".into()),
        ("RegionId".into(), REGION.into()),
        ("AccessKeyId".into(), KEY_ID.into()),
        ("SignatureMethod".into(), "HMAC-SHA1".into()),
        ("SignatureVersion".into(), "1.0".into()),
        ("Timestamp".into(), timestamp),
    ];
    if let Some(nonce) = nonce {
        pairs.push(("SignatureNonce".into(), nonce.into()));
    }
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut params = Params::default();
    for (k, v) in &pairs {
        params.insert(k.clone(), v.clone());
    }
    let signature = v1_signature(SECRET, &v1_string_to_sign("GET", &params)).expect("sign");
    pairs.push(("Signature".into(), signature));
    let query: Vec<String> =
        pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    reply(app.client.get(format!("{}/?{}", app.base_url, query.join("&"))).send().await.expect("sent")).await
}

/// A V3 request as the new SDKs send it. `tamper` may change the headers after signing.
struct V3 {
    action: &'static str,
    query: String,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    nonce: Option<String>,
    signed: Option<Vec<&'static str>>,
    claimed_body: Option<Vec<u8>>,
}

impl V3 {
    fn new(action: &'static str, query: &str) -> V3 {
        V3 {
            action,
            query: query.to_string(),
            body: Vec::new(),
            content_type: None,
            nonce: Some(uuid::Uuid::new_v4().simple().to_string()),
            signed: None,
            claimed_body: None,
        }
    }

    async fn send(
        self,
        app: &TestApp,
        extra_after_signing: &[(&'static str, &str)],
        body_after: Option<Vec<u8>>,
    ) -> Reply {
        let mut headers = HeaderMap::new();
        let claimed = self.claimed_body.as_ref().unwrap_or(&self.body);
        let set = |h: &mut HeaderMap, k: &'static str, v: &str| {
            h.insert(k, HeaderValue::from_str(v).expect("header"));
        };
        set(&mut headers, "host", &host_of(app));
        set(&mut headers, "x-acs-action", self.action);
        set(&mut headers, "x-acs-version", "2014-05-26");
        set(&mut headers, "x-acs-date", &now_timestamp());
        set(&mut headers, "x-acs-content-sha256", &hex::encode(Sha256::digest(claimed)));
        if let Some(nonce) = &self.nonce {
            set(&mut headers, "x-acs-signature-nonce", nonce);
        }
        if let Some(ct) = self.content_type {
            set(&mut headers, "content-type", ct);
        }
        let signed: Vec<String> = match &self.signed {
            Some(list) => list.iter().map(|s| s.to_string()).collect(),
            None => {
                let mut all: Vec<String> = headers.keys().map(|k| k.as_str().to_string()).collect();
                all.sort();
                all
            }
        };
        let sts = v3_string_to_sign("POST", &self.query, &headers, &signed, claimed);
        let signature = v3_signature(SECRET, &sts).expect("sign");
        let authorization =
            format!("ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={},Signature={signature}", signed.join(";"));
        set(&mut headers, "authorization", &authorization);
        for (k, v) in extra_after_signing {
            set(&mut headers, k, v);
        }
        headers.remove("host");
        let body = body_after.unwrap_or(self.body);
        let url = format!("{}/?{}", app.base_url, self.query);
        reply(app.client.post(url).headers(headers).body(body).send().await.expect("sent")).await
    }
}

async fn create_signed(app: &TestApp) -> String {
    let reply = v1_get(
        app,
        "CreateImagePipeline",
        &[("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE)],
        Some(&uuid::Uuid::new_v4().simple().to_string()),
    )
    .await;
    reply.assert_ok()["ImagePipelineId"].as_str().expect("id").to_string()
}

fn admin_with_token(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client.request(method, format!("{}/_emulator{path}", app.base_url)).bearer_auth(ADMIN_TOKEN)
}

// ---------------------------------------------------------------- strict auth

#[tokio::test]
async fn v3_body_must_match_the_signed_hash_so_an_added_body_cannot_change_the_action() {
    let (app, _dir) = strict_app().await;
    let pipeline = create_signed(&app).await;
    // Signed as a Describe with an empty body; a body that names another action is added after.
    let tampered = format!("Action=DeleteImagePipeline&ImagePipelineId={pipeline}");
    let mut request = V3::new("DescribeImagePipelines", "RegionId=cn-hangzhou");
    request.content_type = Some("application/x-www-form-urlencoded");
    request.send(&app, &[], Some(tampered.clone().into_bytes())).await.assert_error(400, "SignatureDoesNotMatch");
    // Even signed with that body, the signed x-acs-action decides the action, not an Action parameter.
    let mut signed_body = V3::new("DescribeImagePipelines", "RegionId=cn-hangzhou");
    signed_body.content_type = Some("application/x-www-form-urlencoded");
    signed_body.body = tampered.into_bytes();
    let described = signed_body.send(&app, &[], None).await;
    assert!(described.assert_ok().get("ImagePipeline").is_some(), "{}", described.body);
    // The template is still there.
    let listed = V3::new("DescribeImagePipelines", &format!("RegionId=cn-hangzhou&ImagePipelineId.1={pipeline}"))
        .send(&app, &[], None)
        .await;
    assert_eq!(listed.assert_ok()["TotalCount"], 1, "{}", listed.body);
}

#[tokio::test]
async fn v3_must_sign_host_and_every_x_acs_header() {
    let (app, _dir) = strict_app().await;
    let mut only_host = V3::new("DescribeImagePipelines", "RegionId=cn-hangzhou");
    only_host.signed = Some(vec!["host"]);
    only_host.send(&app, &[], None).await.assert_error(400, "IncompleteSignature");
    let mut no_host = V3::new("DescribeImagePipelines", "RegionId=cn-hangzhou");
    no_host.signed =
        Some(vec!["x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"]);
    no_host.send(&app, &[], None).await.assert_error(400, "IncompleteSignature");
    // An x-acs-* header added after signing is not covered.
    V3::new("DescribeImagePipelines", "RegionId=cn-hangzhou")
        .send(&app, &[("x-acs-extra", "1")], None)
        .await
        .assert_error(400, "IncompleteSignature");
    // The complete request passes.
    V3::new("DescribeImagePipelines", "RegionId=cn-hangzhou").send(&app, &[], None).await.assert_ok();
}

#[tokio::test]
async fn v1_and_v3_need_a_nonce_and_a_nonce_cannot_be_replayed() {
    let (app, _dir) = strict_app().await;
    v1_get(&app, "DescribeImagePipelines", &[], None).await.assert_error(400, "IncompleteSignature");
    let mut no_nonce = V3::new("DescribeImagePipelines", "RegionId=cn-hangzhou");
    no_nonce.nonce = None;
    no_nonce.send(&app, &[], None).await.assert_error(400, "IncompleteSignature");
    v1_get(&app, "DescribeImagePipelines", &[], Some("n-1")).await.assert_ok();
    v1_get(&app, "DescribeImagePipelines", &[], Some("n-1")).await.assert_error(400, "SignatureNonceUsed");
}

#[tokio::test]
async fn strict_mode_protects_the_control_plane_with_the_admin_token() {
    let (app, _dir) = strict_app().await;
    for (method, path) in [
        ("POST", "/reset"),
        ("GET", "/requests"),
        ("GET", "/snapshots"),
        ("POST", "/snapshots"),
        ("GET", "/console/api/scope"),
        ("GET", "/faults"),
    ] {
        let (status, body) = app.admin(method, path, None).await;
        assert_eq!(status, 401, "{method} {path}: {body}");
    }
    let wrong = app.client.post(format!("{}/_emulator/reset", app.base_url)).bearer_auth("nope").send().await;
    assert_eq!(wrong.expect("sent").status(), 401);
    // Health, readiness and the console's page stay open; the token opens the rest.
    assert_eq!(app.admin("GET", "/health", None).await.0, 200);
    assert_eq!(app.admin("GET", "/ready", None).await.0, 200);
    assert_eq!(app.admin("GET", "/console/", None).await.0, 200);
    let reset = admin_with_token(&app, Method::POST, "/reset").send().await.expect("sent");
    assert_eq!(reset.status(), 200);
    let journal = app
        .client
        .get(format!("{}/_emulator/requests", app.base_url))
        .header("x-emulator-token", ADMIN_TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(journal.status(), 200);
}

#[tokio::test]
async fn a_call_refused_before_dispatch_uses_no_fault_rule_and_is_journalled_as_unauthenticated() {
    let (app, _dir) = strict_app().await;
    let added = admin_with_token(&app, Method::POST, "/faults")
        .json(&json!({ "action": "DescribeImagePipelines", "error": "Throttling.User", "count": 1 }))
        .send()
        .await
        .expect("sent");
    assert_eq!(added.status(), 201);
    // Unsigned, claiming the strict account's 16-digit key.
    let unsigned = app.call_in_region("DescribeImagePipelines", &[("AccessKeyId", ACCOUNT)]).await;
    unsigned.assert_error(400, "IncompleteSignature");
    // The rule is still there for the next real call.
    v1_get(&app, "DescribeImagePipelines", &[], Some("after-refusal")).await.assert_error(400, "Throttling.User");
    let journal: Value = admin_with_token(&app, Method::GET, "/requests?code=IncompleteSignature")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(journal["requests"][0]["account"], "-", "{journal}");
}

// ---------------------------------------------------------------- browsers

#[tokio::test]
async fn browsers_on_other_sites_cannot_call_the_api_or_write_the_control_plane() {
    let app = TestApp::spawn().await;
    let describe =
        format!("{}/?Action=DescribeImagePipelines&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou", app.base_url);
    // An <img> or link from another site (Chrome/Firefox/Safari mark it).
    let img = app.client.get(&describe).header("sec-fetch-site", "cross-site").send().await.expect("sent");
    reply(img).await.assert_error(403, "Forbidden");
    let from_page = app.client.get(&describe).header("origin", "http://evil.example").send().await.expect("sent");
    reply(from_page).await.assert_error(403, "Forbidden");
    // A text/plain form post to the control plane (a "simple" request that needs no preflight).
    let form = app
        .client
        .post(format!("{}/_emulator/reset", app.base_url))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), 415);
    let no_cors = app
        .client
        .post(format!("{}/_emulator/faults", app.base_url))
        .header("origin", "https://evil.example")
        .json(&json!({ "error": "InternalError" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(no_cors.status(), 403);
    assert_eq!(app.admin("GET", "/faults", None).await.1["faults"], json!([]), "no rule was added");
    // Same-origin pages (the console), curl and SDKs pass.
    let own = app.client.get(&describe).header("sec-fetch-site", "same-origin").send().await.expect("sent");
    reply(own).await.assert_ok();
    let same_origin_write = app
        .client
        .post(format!("{}/_emulator/reset", app.base_url))
        .header("origin", app.base_url.clone())
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(same_origin_write.status(), 200);
    let bare_post = app.client.post(format!("{}/_emulator/reset", app.base_url)).send().await.expect("sent");
    assert_eq!(bare_post.status(), 200, "an empty POST without Content-Type (curl -XPOST) is fine");
}

#[tokio::test]
async fn only_allowed_host_names_are_answered() {
    let app = TestApp::spawn_with(|c| c.allowed_hosts = vec!["ci-emulator.internal".into()]).await;
    let port = app.base_url.rsplit(':').next().expect("port").to_string();
    let describe =
        format!("{}/?Action=DescribeImagePipelines&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou", app.base_url);
    for allowed in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("ci-emulator.internal:{port}")] {
        let r = app.client.get(&describe).header("host", allowed.clone()).send().await.expect("sent");
        reply(r).await.assert_ok();
    }
    let rebound = app.client.get(&describe).header("host", format!("attacker.example:{port}")).send().await;
    reply(rebound.expect("sent")).await.assert_error(403, "Forbidden");
    let admin = app
        .client
        .get(format!("{}/_emulator/requests", app.base_url))
        .header("host", "attacker.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(admin.status(), 403);
}

// ---------------------------------------------------------------- bounded memory

#[tokio::test]
async fn journal_entries_are_capped_in_bytes_and_reads_are_paged() {
    let app = TestApp::spawn().await;
    let junk = "j".repeat(900 * 1024);
    for _ in 0..3 {
        let form = [
            ("Action", "DescribeImagePipelines"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("RegionId", REGION),
            ("Junk", junk.as_str()),
        ];
        let r = app.client.post(&app.base_url).form(&form).send().await.expect("sent");
        reply(r).await.assert_ok();
    }
    let (status, body) = app.admin("GET", "/requests?limit=100000", None).await;
    assert_eq!(status, 200);
    let kept = body["requests"][0]["params"]["Junk"].as_str().expect("Junk kept");
    assert!(kept.len() < 4 * 1024 && kept.contains("…[truncated "), "{} bytes", kept.len());
    for _ in 0..5 {
        app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
    }
    let (_, page) = app.admin("GET", "/requests?limit=3", None).await;
    assert_eq!(page["count"], 3);
    let before = page["nextBefore"].as_u64().expect("a full page says where the next starts");
    let (_, next) = app.admin("GET", &format!("/requests?limit=3&before={before}"), None).await;
    let newest_of_next = next["requests"][2]["seq"].as_u64().expect("seq");
    assert_eq!(newest_of_next + 1, before, "pages join");
}

#[tokio::test]
async fn control_plane_bodies_and_snapshots_are_capped() {
    let app = TestApp::spawn_with(|c| c.max_snapshot_bytes = 64 * 1024).await;
    let huge_rule = json!({ "error": "InternalError", "message": "m".repeat(2 * 1024 * 1024) });
    let (status, _) = app.admin("POST", "/faults", Some(huge_rule)).await;
    assert_eq!(status, 413);
    let long_message = json!({ "error": "InternalError", "message": "m".repeat(10 * 1024) });
    assert_eq!(app.admin("POST", "/faults", Some(long_message)).await.0, 400);
    // An upload over --max-snapshot-bytes.
    let mut big = b"SQLite format 3\0".to_vec();
    big.resize(128 * 1024, 0);
    let put = app.client.put(format!("{}/_emulator/snapshots/big", app.base_url)).body(big).send().await;
    assert_eq!(put.expect("sent").status(), 413);
    assert_eq!(app.admin("GET", "/snapshots", None).await.1["snapshots"], json!([]));
}

#[tokio::test]
async fn an_oversized_declared_body_is_refused_without_100_continue() {
    let app = TestApp::spawn().await;
    let mut stream = tokio::net::TcpStream::connect(host_of(&app)).await.expect("connect");
    let head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: 1073741824\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n =
        tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await.expect("answered").expect("read");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(!text.contains("100 Continue"), "{text}");
}

#[tokio::test]
async fn idle_connections_are_closed_and_health_is_answered_past_the_connection_cap() {
    let app = TestApp::spawn_with(|c| {
        c.header_timeout_ms = 300;
        c.max_connections = 2;
    })
    .await;
    let addr = host_of(&app);
    // A connection that never sends a byte is closed.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "the idle connection was closed: {closed:?}");
    // A keep-alive connection idle after its request is closed too.
    let mut kept = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    kept.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let done = tokio::time::timeout(Duration::from_secs(5), kept.read_to_end(&mut answer)).await;
    assert!(done.is_ok(), "closed after the keep-alive idle timeout");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));

    // Fill the cap with idle sockets: health is still answered (a reserve connection).
    let app = TestApp::spawn_with(|c| c.max_connections = 2).await;
    let addr = host_of(&app);
    let mut idle = Vec::new();
    for _ in 0..2 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.expect("connect"));
    }
    // Let the server accept them before the probe.
    for stream in &idle {
        stream.writable().await.expect("writable");
    }
    let health = reqwest::Client::new().get(format!("{}/_emulator/health", app.base_url)).send().await;
    assert_eq!(health.expect("health answered").status(), 200);
}

// ---------------------------------------------------------------- state that cannot wedge

/// Saves a snapshot, changes its copy with `sql`, and uploads it as `name`.
async fn hostile_snapshot(app: &TestApp, name: &str, sql: &[&str]) {
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "base" }))).await.0, 201);
    let bytes = app
        .client
        .get(format!("{}/_emulator/snapshots/base/export", app.base_url))
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("bytes");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("hostile.db");
    std::fs::write(&path, &bytes).expect("write");
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
        for statement in sql {
            sqlx::query(statement).execute(&mut conn).await.expect("hostile statement");
        }
        conn.close().await.expect("close");
    }
    let hostile = std::fs::read(&path).expect("read");
    let put = app.client.put(format!("{}/_emulator/snapshots/{name}", app.base_url)).body(hostile).send().await;
    assert_eq!(put.expect("sent").status(), 201);
}

#[tokio::test]
async fn a_snapshot_with_a_recursive_view_or_a_trigger_is_refused_and_writes_go_on() {
    skip_on_postgres!("this test is about SQLite file snapshots (the portable format is tests/api/snapshots.rs)");
    let app = TestApp::spawn().await;
    app.create_pipeline(&[]).await;
    hostile_snapshot(
        &app,
        "view",
        &[
            "DROP TABLE tags",
            "CREATE VIEW tags AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
             SELECT 'a' AS resource_type, 'b' AS resource_id, 'c' AS account, 'd' AS region, 'k' AS key, 'v' AS value FROM r",
        ],
    )
    .await;
    let (status, body) = app.admin("POST", "/snapshots/view/restore", None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("view"), "{body}");
    hostile_snapshot(&app, "trigger", &["CREATE TRIGGER t AFTER INSERT ON tags BEGIN SELECT 1; END"]).await;
    assert_eq!(app.admin("POST", "/snapshots/trigger/restore", None).await.0, 400);
    // The live database took no harm and writes go on.
    app.create_pipeline(&[]).await;
    assert_eq!(app.admin("POST", "/snapshots/base/restore", None).await.0, 200);
}

#[tokio::test]
async fn concurrent_restores_of_one_snapshot_do_not_break_writes_or_later_restores() {
    let app = TestApp::spawn().await;
    app.create_pipeline(&[]).await;
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "baseline" }))).await.0, 201);
    let restores = (0..6).map(|_| app.admin("POST", "/snapshots/baseline/restore", None));
    let creates = (0..6).map(|_| app.try_create(&[]));
    let (restored, created) = tokio::join!(futures::future::join_all(restores), futures::future::join_all(creates));
    for (status, body) in restored {
        assert_eq!(status, 200, "{body}");
    }
    for reply in created {
        reply.assert_ok();
    }
    assert_eq!(app.admin("POST", "/snapshots/baseline/restore", None).await.0, 200, "no stale ATTACH is left");
}

#[tokio::test]
async fn an_unreadable_execution_row_fails_that_build_and_the_others_advance() {
    let app = TestApp::spawn().await;
    let broken = app.start(&app.create_pipeline(&[]).await).await;
    let planless = app.start(&app.create_pipeline(&[]).await).await;
    let healthy = app.start(&app.create_pipeline(&[]).await).await;
    for id in [&broken, &planless] {
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "{id}");
    }
    app.raw_sql(&format!("UPDATE execution_plans SET plan = 'not json' WHERE execution_id = '{broken}'")).await;
    app.raw_sql(&format!("DELETE FROM execution_plans WHERE execution_id = '{planless}'")).await;
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&healthy).await, "SUCCESS");
    for id in [&broken, &planless] {
        let failed = app.execution(id).await;
        assert_eq!(failed["Status"], "FAILED", "{failed}");
        assert_eq!(failed["ErrorCode"], "InternalError", "{failed}");
        // The quarantine stores an empty plan in place of the bad or missing one: the build reads back.
        let (status, detail) = app.admin("GET", &format!("/executions/{id}"), None).await;
        assert_eq!((status, detail["remainingSteps"].as_u64()), (200, Some(0)), "{detail}");
    }
}

// ---------------------------------------------------------------- edges

#[tokio::test]
async fn a_request_target_over_64_kb_gets_an_alibaba_error_body_not_a_bare_414() {
    let app = TestApp::spawn().await;
    let mut stream = tokio::net::TcpStream::connect(host_of(&app)).await.expect("connect");
    let head = format!(
        "GET /?Action=DescribeImagePipelines&Pad={} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "p".repeat(70 * 1024)
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered")
        .expect("read");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap_or_default()).expect("a JSON body");
    assert_eq!(body["Code"], "InvalidParameter", "{body}");
    assert!(body["RequestId"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn the_manual_clock_refuses_to_pass_the_year_9999() {
    let app = TestApp::spawn().await;
    let mut status = 200;
    let mut body = Value::Null;
    for _ in 0..100 {
        (status, body) = app.admin("POST", "/clock/advance", Some(json!({ "seconds": 3_000_000_000_u64 }))).await;
        if status != 200 {
            break;
        }
        assert!(!body["now"].as_str().unwrap_or_default().starts_with("1970"), "{body}");
    }
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("9999"), "{body}");
}

#[tokio::test]
async fn snapshots_stop_at_the_count_cap_but_an_existing_one_can_be_replaced() {
    use ecs_imagebuilder_emulator::domain::limits::MAX_SNAPSHOTS;
    let app = TestApp::spawn().await;
    for i in 0..MAX_SNAPSHOTS {
        let (status, body) = app.admin("POST", "/snapshots", Some(json!({ "name": format!("s{i}") }))).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = app.admin("POST", "/snapshots", Some(json!({ "name": "one-too-many" }))).await;
    assert_eq!(status, 409, "{body}");
    let mut file = b"SQLite format 3\0".to_vec();
    file.resize(4096, 0);
    let put = app.client.put(format!("{}/_emulator/snapshots/uploaded", app.base_url)).body(file).send().await;
    assert_eq!(put.expect("sent").status(), 409);
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "s0" }))).await.0, 201, "replacing is allowed");
    assert_eq!(app.admin("DELETE", "/snapshots/s1", None).await.0, 200);
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "one-too-many" }))).await.0, 201);
}

#[tokio::test]
async fn connections_past_the_cap_and_its_reserve_get_a_quick_503() {
    use ecs_imagebuilder_emulator::domain::limits::RESERVE_CONNECTIONS;
    let app = TestApp::spawn_with(|c| c.max_connections = 1).await;
    let addr = host_of(&app);
    // Hold the regular slot and every reserve slot with connections that each sent a partial
    // request (so they are not closed as idle before the probe).
    let mut held = Vec::new();
    for _ in 0..=RESERVE_CONNECTIONS {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
        stream.write_all(b"GET /_emulator/health HTTP/1.1\r\n").await.expect("write");
        held.push(stream);
    }
    // The server accepts in order: wait until the last held connection has been accepted by
    // making sure a further one is answered (503 once every slot is taken).
    let answered = probe_until_503(addr.as_str()).await;
    assert!(answered.starts_with("HTTP/1.1 503"), "{answered}");
    assert!(answered.contains("\"Code\":\"ServiceUnavailable\""), "{answered}");
    let body = answered.split("\r\n\r\n").nth(1).unwrap_or_default();
    let parsed: Value = serde_json::from_str(body).expect("the Content-Length matches a JSON body");
    assert_eq!(parsed["Code"], "ServiceUnavailable");
    drop(held);
}

#[tokio::test]
async fn a_slow_control_plane_body_or_upload_is_cut_off() {
    let app = TestApp::spawn_with(|c| c.body_timeout_ms = 300).await;
    for head in [
        "POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"err",
        "PUT /_emulator/snapshots/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nSQLite format 3\0",
    ] {
        let mut stream = tokio::net::TcpStream::connect(host_of(&app)).await.expect("connect");
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("answered")
            .expect("read");
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    }
    assert_eq!(app.admin("GET", "/snapshots", None).await.1["snapshots"], json!([]), "no partial upload is left");
}
