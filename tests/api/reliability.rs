//! Reliability: panics, slow clients, concurrent idempotent creates, and a `kill -9` in the middle
//! of a stream of writes (every acknowledged call must survive, every build must finish).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::routing::get;
use ecs_imagebuilder_emulator::app::{self, App};
use ecs_imagebuilder_emulator::clock::ManualClock;
use ecs_imagebuilder_emulator::config::Config;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{reply, TestApp, BASE_IMAGE};

#[tokio::test]
async fn a_panic_in_a_handler_is_a_500_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().expect("dir");
    let config = Config::for_tests(dir.path().join("db").to_string_lossy().into_owned());
    let app = App::build_with_clock(config, ManualClock::starting_at(0)).await.expect("app");
    let (listener, state) = app.into_parts();
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let boom = app::routes(&state).route("/boom", get(|| async { panic!("a bug in a handler") as &'static str }));
    tokio::spawn(async move { axum::serve(listener, app::guard(boom).with_state(state)).await });

    let client = reqwest::Client::new();
    let r = reply(client.get(format!("{base}/boom")).send().await.expect("sent")).await;
    r.assert_error(500, "InternalError");
    assert!(!r.body["Message"].as_str().unwrap_or_default().contains("a bug"), "internals stay hidden");
    let ok = client
        .get(&base)
        .query(&[
            ("Action", "DescribeImagePipelines"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_slow_body_is_refused_while_other_requests_are_served() {
    let app = TestApp::spawn_with(|c| c.body_timeout_ms = 300).await;
    let addr = app.base_url.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=Desc";
    slow.write_all(head.as_bytes()).await.expect("write");

    // Meanwhile the server answers others.
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();

    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match slow.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server answered the slow client");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("\"Code\":\"InvalidParameter\"") && text.contains("not received within 300 ms"), "{text}");
}

#[tokio::test]
async fn thirty_two_concurrent_creates_with_one_client_token_make_one_template() {
    let app = TestApp::spawn().await;
    let calls = (0..32).map(|_| app.create_pipeline(&[("ClientToken", "one-token"), ("Name", "race32")]));
    let ids: HashSet<String> = futures::future::join_all(calls).await.into_iter().collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok()["TotalCount"], 1);
}

/// Starts the real binary; returns it and its base URL.
fn start_binary(db: &str, phase: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-imagebuilder-emulator"))
        .args(["--listen", "127.0.0.1:0", "--db", db, "--phase-duration", phase])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("first line");
    let address = line.split("http://").nth(1).and_then(|rest| rest.split_whitespace().next()).expect("address");
    (child, format!("http://{address}"))
}

async fn rpc(client: &reqwest::Client, base: &str, params: &[(&str, &str)]) -> Option<Value> {
    let mut query = vec![("Version", "2014-05-26"), ("Format", "JSON"), ("RegionId", "cn-hangzhou")];
    query.extend_from_slice(params);
    let response = client.get(base).query(&query).timeout(Duration::from_secs(10)).send().await.ok()?;
    if response.status() != 200 {
        return None;
    }
    response.json().await.ok()
}

#[tokio::test]
async fn after_a_kill_9_every_acknowledged_call_is_there_and_every_build_finishes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("crash.db").to_string_lossy().into_owned();
    let (mut child, base) = start_binary(&db, "100ms");
    let client = reqwest::Client::new();

    // A stream of create + start pairs from 8 concurrent writers; kill -9 once 120 pairs are acknowledged.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, tx) = (client.clone(), base.clone(), tx.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let name = format!("crash{w}x{i}");
                let params = [
                    ("Action", "CreateImagePipeline"),
                    ("BaseImageType", "IMAGE"),
                    ("BaseImage", BASE_IMAGE),
                    ("Name", name.as_str()),
                ];
                let Some(created) = rpc(&client, &base, &params).await else { break };
                let id = created["ImagePipelineId"].as_str().unwrap_or_default().to_string();
                let Some(started) =
                    rpc(&client, &base, &[("Action", "StartImagePipelineExecution"), ("ImagePipelineId", &id)]).await
                else {
                    let _ = tx.send((id, String::new()));
                    break;
                };
                let execution = started["ExecutionId"].as_str().unwrap_or_default().to_string();
                if tx.send((id, execution)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    let mut acknowledged = Vec::new();
    while let Some(pair) = rx.recv().await {
        acknowledged.push(pair);
        if acknowledged.len() == 120 {
            child.kill().expect("kill -9");
            let _ = child.wait();
            break;
        }
    }
    for writer in writers {
        let _ = writer.await;
    }
    while let Ok(pair) = rx.try_recv() {
        acknowledged.push(pair);
    }
    assert!(acknowledged.len() >= 120);

    let (mut child, base) = start_binary(&db, "0");
    for chunk in acknowledged.chunks(20) {
        let mut params = vec![("Action", "DescribeImagePipelines"), ("MaxResults", "100")];
        let keys: Vec<String> = (1..=chunk.len()).map(|i| format!("ImagePipelineId.{i}")).collect();
        for (key, (id, _)) in keys.iter().zip(chunk) {
            params.push((key.as_str(), id.as_str()));
        }
        let found = rpc(&client, &base, &params).await.expect("describe");
        assert_eq!(found["TotalCount"].as_u64(), Some(chunk.len() as u64), "every acknowledged template survived");
    }
    let executions: Vec<&str> = acknowledged.iter().map(|(_, e)| e.as_str()).filter(|e| !e.is_empty()).collect();
    // The restarted scheduler resumes every build; poll (bounded) until all are terminal.
    let mut pending: Vec<&str> = executions.clone();
    for _ in 0..200 {
        let mut still = Vec::new();
        for chunk in pending.chunks(20) {
            let list = chunk.join(",");
            let found = rpc(
                &client,
                &base,
                &[("Action", "DescribeImagePipelineExecutions"), ("ExecutionId", &list), ("MaxResults", "100")],
            )
            .await
            .expect("describe executions");
            let set =
                found["ImagePipelineExecution"]["ImagePipelineExecutionSet"].as_array().cloned().unwrap_or_default();
            assert_eq!(set.len(), chunk.len(), "every acknowledged execution survived");
            for item in set {
                if item["Status"] != "SUCCESS" {
                    still.push(item["ExecutionId"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        if still.is_empty() {
            pending.clear();
            break;
        }
        pending = executions.iter().copied().filter(|e| still.iter().any(|s| s == e)).collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(pending.is_empty(), "builds still unfinished after the restart: {pending:?}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = TestApp::spawn_with(|c| c.header_timeout_ms = 300).await;
    let addr = app.base_url.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"GET /?Action=DescribeImagePipelines HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
    // The server closes the connection (answering 408 or nothing) instead of waiting forever.
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "the connection was closed by the server");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}
