//! The control plane under `/_emulator/`: health, readiness, reset, virtual time, scripted
//! outcomes, fault injection, the journal, timelines, snapshots, fixtures, deterministic IDs and
//! strict signatures — each against a real server.

use std::time::{SystemTime, UNIX_EPOCH};

use ecs_imagebuilder_emulator::app::App;
use ecs_imagebuilder_emulator::auth;
use ecs_imagebuilder_emulator::clock::SystemClock;
use ecs_imagebuilder_emulator::config::{AuthMode, ClockMode, Config};
use ecs_imagebuilder_emulator::params::Params;
use serde_json::{json, Value};

use crate::helpers::{reply, TestApp, BASE_IMAGE};

const PHASE_MS: i64 = 1_000;

async fn phased() -> TestApp {
    TestApp::spawn_with(|c| c.phase_duration = Some(PHASE_MS)).await
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn health_reports_the_modes_in_force_and_ready_answers_200() {
    let app = TestApp::spawn_with(|c| {
        c.phase_duration = Some(250);
        c.id_seed = Some(9);
    })
    .await;
    let (status, health) = app.admin("GET", "/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["clock"], "manual");
    assert_eq!(health["phaseDuration"], "250ms");
    assert_eq!(health["auth"], "accept-any");
    assert_eq!(health["idSeed"], 9);
    assert_eq!(health["apiVersion"], "2014-05-26");
    assert_eq!(app.admin("GET", "/ready", None).await, (200, json!({ "ready": true })));
}

#[tokio::test]
async fn reset_clears_everything_or_only_one_account() {
    let app = phased().await;
    let mine = app.create_pipeline(&[("AccessKeyId", "1111111111111111")]).await;
    let theirs = app.create_pipeline(&[("AccessKeyId", "2222222222222222")]).await;
    app.start(&app.create_pipeline(&[]).await).await;

    let (status, body) = app.admin("POST", "/reset", Some(json!({ "account": "1111111111111111" }))).await;
    assert_eq!(status, 200, "{body}");
    let list = |ak: &'static str| {
        let app = &app;
        async move {
            let r = app.call_in_region("DescribeImagePipelines", &[("AccessKeyId", ak)]).await;
            r.assert_ok()["TotalCount"].as_i64().unwrap_or(-1)
        }
    };
    assert_eq!(list("1111111111111111").await, 0, "{mine} is gone");
    assert_eq!(list("2222222222222222").await, 1, "{theirs} stays");

    let (status, _) = app.admin("POST", "/reset", None).await;
    assert_eq!(status, 200);
    assert_eq!(list("2222222222222222").await, 0);
    assert_eq!(app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok()["TotalCount"], 0);
    let (_, journal) = app.admin("GET", "/requests", None).await;
    assert_eq!(journal["count"], 2, "only the two calls after the reset: {journal}");
    let (status, _) = app.admin("POST", "/reset", Some(json!({ "acount": "typo" }))).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn advancing_the_clock_applies_every_transition_in_the_window() {
    let app = phased().await;
    let id = app.start(&app.create_pipeline(&[]).await).await;
    let (_, before) = app.admin("GET", "/clock", None).await;
    assert_eq!(before["mode"], "manual");

    let (status, after) = app.admin("POST", "/clock/advance", Some(json!({ "seconds": 60 }))).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["nowMs"].as_i64(), before["nowMs"].as_i64().map(|n| n + 60_000));
    assert!(after["transitionsApplied"].as_u64().unwrap_or(0) >= 5, "{after}");
    let item = app.execution(&id).await;
    assert_eq!(item["Status"], "SUCCESS");
    // Timestamps follow the emulator clock: the build ended 3 phases after it started.
    assert_eq!(item["CreationTime"], "2023-11-14T22:13:20Z");
    assert_eq!(item["ModifiedTime"], "2023-11-14T22:13:23Z");

    assert_eq!(app.admin("POST", "/clock/advance", Some(json!({ "seconds": -1 }))).await.0, 400);
    assert_eq!(app.admin("POST", "/clock/advance", Some(json!({}))).await.0, 400);
    assert_eq!(app.admin("POST", "/clock/advance", Some(json!({ "ms": 1, "seconds": 1 }))).await.0, 400);
}

#[tokio::test]
async fn the_real_clock_cannot_be_advanced() {
    let dir = tempfile::tempdir().expect("dir");
    let mut config = Config::for_tests(dir.path().join("db").to_string_lossy().into_owned());
    config.clock = ClockMode::Real;
    let app = App::build_with_clock(config, SystemClock).await.expect("app");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    tokio::spawn(app.run(std::future::pending()));
    let response = reqwest::Client::new()
        .post(format!("{base}/_emulator/clock/advance"))
        .json(&json!({ "seconds": 1 }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 409);
}

#[tokio::test]
async fn a_manual_clock_resumes_where_it_was_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("db").to_string_lossy().into_owned();
    let boot = |db: String| async move {
        let mut config = Config::for_tests(db);
        config.clock = ClockMode::Manual;
        let app = App::build(config).await.expect("app");
        let base = format!("http://{}", app.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run(async move {
            let _ = stopped.await;
        }));
        (base, stop, task)
    };
    let client = reqwest::Client::new();
    let (base, stop, task) = boot(db.clone()).await;
    let day = 86_400_000_i64;
    let advanced = client.post(format!("{base}/_emulator/clock/advance")).json(&json!({ "ms": day })).send().await;
    let advanced: Value = advanced.expect("sent").json().await.expect("json");
    let _ = stop.send(());
    let _ = task.await;

    let (base, _stop, _task) = boot(db).await;
    let now: Value =
        client.get(format!("{base}/_emulator/clock")).send().await.expect("sent").json().await.expect("json");
    assert!(now["nowMs"].as_i64() >= advanced["nowMs"].as_i64(), "{now} vs {advanced}");
}

#[tokio::test]
async fn a_scripted_failure_applies_to_the_next_build_only() {
    let app = phased().await;
    let pipeline = app.create_pipeline(&[("Name", "web")]).await;
    let rule = json!({ "pipeline": "web", "outcome": "FAILED@BUILDING", "message": "disk full", "errorCode": "DiskFull", "count": 1 });
    let (status, created) = app.admin("POST", "/outcomes", Some(rule)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(app.admin("GET", "/outcomes", None).await.1["outcomes"].as_array().map(Vec::len), Some(1));

    let first = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    let item = app.execution(&first).await;
    assert_eq!(
        (text(&item, "Status"), text(&item, "ErrorCode"), text(&item, "ErrorInfo")),
        ("FAILED".into(), "DiskFull".into(), "disk full".into())
    );
    assert!(item.get("ImageId").is_none(), "no image before BUILDING ended");
    assert_eq!(app.admin("GET", "/outcomes", None).await.1["outcomes"], json!([]), "count 1 is used up");

    let second = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&second).await, "SUCCESS");
}

#[tokio::test]
async fn scripted_test_failures_partial_successes_and_refusals() {
    let app = phased().await;
    let pipeline = app.create_pipeline(&[("ToRegionId.1", "cn-beijing"), ("ToRegionId.2", "cn-shanghai")]).await;
    app.admin("POST", "/outcomes", Some(json!({ "outcome": "TEST_FAILED", "count": 1 }))).await;
    let id = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    let item = app.execution(&id).await;
    assert_eq!((text(&item, "Status"), text(&item, "ErrorCode")), ("TEST_FAILED".into(), "ScriptedFailure".into()));
    assert!(item["ImageId"].as_str().is_some_and(|i| i.starts_with("m-")), "the image was made: {item}");

    app.admin(
        "POST",
        "/outcomes",
        Some(json!({ "outcome": "PARTITION_SUCCESS", "regions": ["cn-shanghai"], "count": 1 })),
    )
    .await;
    let id = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    let item = app.execution(&id).await;
    assert_eq!(text(&item, "Status"), "PARTITION_SUCCESS");
    let copies = |region: &'static str| {
        let app = &app;
        async move {
            let r = app.call("DescribeImages", &[("RegionId", region), ("ImageOwnerAlias", "self")]).await;
            r.assert_ok()["TotalCount"].as_i64().unwrap_or(-1)
        }
    };
    assert_eq!(copies("cn-beijing").await, 1);
    assert_eq!(copies("cn-shanghai").await, 0);

    for bad in [
        json!({ "outcome": "FAILED@NOWHERE" }),
        json!({ "outcome": "SUCCESS" }),
        json!({ "outcome": "TEST_FAILED", "count": 0 }),
        json!({ "bogus": 1 }),
    ] {
        assert_eq!(app.admin("POST", "/outcomes", Some(bad.clone())).await.0, 400, "{bad}");
    }
    assert_eq!(app.admin("DELETE", "/outcomes/outcome-nope", None).await.0, 404);
}

#[tokio::test]
async fn a_held_build_waits_until_released_and_can_still_be_cancelled() {
    let app = phased().await;
    let pipeline = app.create_pipeline(&[("ToRegionId.1", "cn-beijing")]).await;
    app.admin("POST", "/outcomes", Some(json!({ "outcome": "HOLD@DISTRIBUTING" }))).await;
    let held = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&held).await, "DISTRIBUTING");
    let (_, timeline) = app.admin("GET", &format!("/executions/{held}"), None).await;
    assert_eq!(timeline["held"], true);

    let (status, _) = app.admin("POST", &format!("/executions/{held}/release"), None).await;
    assert_eq!(status, 200);
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&held).await, "SUCCESS");
    assert_eq!(app.admin("POST", &format!("/executions/{held}/release"), None).await.0, 409, "not held any more");

    // Held in BUILDING (cancellable): a cancel ends it.
    app.admin("DELETE", "/outcomes", None).await;
    app.admin("POST", "/outcomes", Some(json!({ "outcome": "HOLD@BUILDING", "count": 1 }))).await;
    let second = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&second).await, "BUILDING");
    app.call_in_region("CancelImagePipelineExecution", &[("ExecutionId", &second)]).await.assert_ok();
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&second).await, "CANCELLED");
}

#[tokio::test]
async fn a_reserved_template_tag_scripts_the_outcome_for_terraform_and_curl_users() {
    let app = phased().await;
    let pipeline = app
        .create_pipeline(&[
            ("Tag.1.Key", "emulator:outcome"),
            ("Tag.1.Value", "FAILED@PREPARING"),
            ("Tag.2.Key", "emulator:message"),
            ("Tag.2.Value", "quota of instances exhausted"),
        ])
        .await;
    for _ in 0..2 {
        let id = app.start(&pipeline).await;
        app.run_builds_to_completion().await;
        let item = app.execution(&id).await;
        assert_eq!(
            (text(&item, "Status"), text(&item, "ErrorInfo")),
            ("FAILED".into(), "quota of instances exhausted".into())
        );
    }
}

/// A build started on `pipeline`, run to its end: its status.
async fn status_of_a_build(app: &TestApp, pipeline: &str) -> String {
    let id = app.start(pipeline).await;
    app.run_builds_to_completion().await;
    text(&app.execution(&id).await, "Status")
}

/// The tag is read at each start as the template's tags are then: tagged after creation, a start
/// fails as scripted; untagged, the next one succeeds (the template is cached by then).
#[tokio::test]
async fn a_reserved_tag_added_or_removed_later_scripts_the_next_start() {
    let app = phased().await;
    let pipeline = app.create_pipeline(&[]).await;
    let resource = [("ResourceType", "imagepipeline"), ("ResourceId.1", pipeline.as_str())];
    assert_eq!(status_of_a_build(&app, &pipeline).await, "SUCCESS");
    let tag = [("Tag.1.Key", "emulator:outcome"), ("Tag.1.Value", "FAILED@PREPARING")];
    app.call_in_region("TagResources", &[&resource[..], &tag[..]].concat()).await.assert_ok();
    assert_eq!(status_of_a_build(&app, &pipeline).await, "FAILED");
    let untag = [("TagKey.1", "emulator:outcome")];
    app.call_in_region("UntagResources", &[&resource[..], &untag[..]].concat()).await.assert_ok();
    assert_eq!(status_of_a_build(&app, &pipeline).await, "SUCCESS");
}

#[tokio::test]
async fn faults_answer_the_retryable_codes_on_the_chosen_calls() {
    let app = TestApp::spawn().await;
    let (status, rule) = app
        .admin(
            "POST",
            "/faults",
            Some(json!({ "action": "DescribeImagePipelines", "error": "Throttling.User", "nth": 2 })),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_error(400, "Throttling.User");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
    app.call_in_region("CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE)])
        .await
        .assert_ok();

    app.admin("DELETE", "/faults", None).await;
    app.admin(
        "POST",
        "/faults",
        Some(json!({ "account": "1234567890123456", "error": "ServiceUnavailable", "count": 2 })),
    )
    .await;
    let as_them = [("AccessKeyId", "1234567890123456")];
    app.call_in_region("DescribeImagePipelines", &as_them).await.assert_error(503, "ServiceUnavailable");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
    app.call_in_region("DescribeImagePipelines", &as_them).await.assert_error(503, "ServiceUnavailable");
    app.call_in_region("DescribeImagePipelines", &as_them).await.assert_ok();

    app.admin("DELETE", "/faults", None).await;
    app.admin("POST", "/faults", Some(json!({ "region": "cn-beijing", "error": "InternalError", "message": "boom" })))
        .await;
    let r = app.call("DescribeImagePipelines", &[("RegionId", "cn-beijing")]).await;
    r.assert_error(500, "InternalError");
    assert_eq!(r.body["Message"], "boom");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();

    // Latency alone delays but does not fail.
    app.admin("DELETE", "/faults", None).await;
    let (_, latency) = app.admin("POST", "/faults", Some(json!({ "action": "DescribeImages", "latencyMs": 5 }))).await;
    app.call_in_region("DescribeImages", &[]).await.assert_ok();
    let (_, rules) = app.admin("GET", "/faults", None).await;
    assert_eq!(rules["faults"][0]["fired"], 1, "{latency}");

    for bad in
        [json!({ "error": "No.Such" }), json!({ "action": "X" }), json!({ "error": "InternalError", "probability": 3 })]
    {
        assert_eq!(app.admin("POST", "/faults", Some(bad.clone())).await.0, 400, "{bad}");
    }
}

#[tokio::test]
async fn the_journal_records_calls_without_secrets_and_filters_them() {
    let app = TestApp::spawn().await;
    app.call_in_region("DescribeImagePipelines", &[("Signature", "c2VjcmV0"), ("AccessKeyId", "1234567890123456")])
        .await;
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", "ip-nope")]).await;
    let (_, all) = app.admin("GET", "/requests", None).await;
    assert_eq!(all["count"], 2);
    let first = &all["requests"][0];
    assert_eq!(
        (text(first, "action"), text(first, "account"), text(first, "region")),
        ("DescribeImagePipelines".into(), "1234567890123456".into(), "cn-hangzhou".into())
    );
    assert!(first["params"].get("Signature").is_none(), "{first}");
    assert_eq!(first["params"]["AccessKeyId"], "1234567890123456");
    assert_eq!(first["requestId"].as_str().map(str::len), Some(36));

    let (_, errors) = app.admin("GET", "/requests?errors=true", None).await;
    assert_eq!(errors["count"], 1);
    assert_eq!(
        (text(&errors["requests"][0], "code"), errors["requests"][0]["status"].clone()),
        ("InvalidImagePipeline.NotFound".into(), json!(404))
    );
    let (_, by_action) = app.admin("GET", "/requests?action=DescribeImagePipelines&limit=5", None).await;
    assert_eq!(by_action["count"], 1);
    assert_eq!(app.admin("DELETE", "/requests", None).await.1["cleared"], 2);
    assert_eq!(app.admin("GET", "/requests", None).await.1["count"], 0);
}

/// Two builds of templates made with `options`: one run to its end in one tick (its steps run at
/// the times they were due), then one run phase by phase. Returns (at once, by phase).
async fn ticked_at_once_and_by_phase(app: &TestApp, options: &[(&str, &str)]) -> (String, String) {
    let at_once = app.start(&app.create_pipeline(options).await).await;
    app.advance(3_600_000).await;
    let by_phase = app.start(&app.create_pipeline(options).await).await;
    for _ in 0..100 {
        if app.advance(PHASE_MS).await == 0 {
            break;
        }
    }
    assert_eq!(app.status(&at_once).await, "SUCCESS");
    assert_eq!(app.status(&by_phase).await, "SUCCESS");
    (at_once, by_phase)
}

/// (status, milliseconds since the first event) of each event of an execution's timeline.
async fn timeline_offsets(app: &TestApp, id: &str) -> Vec<(String, i64)> {
    let (status, t) = app.admin("GET", &format!("/executions/{id}"), None).await;
    assert_eq!(status, 200, "{t}");
    let steps = t["timeline"].as_array().cloned().unwrap_or_default();
    let first = steps.first().and_then(|s| s["atMs"].as_i64()).unwrap_or_default();
    steps.iter().map(|s| (text(s, "status"), s["atMs"].as_i64().unwrap_or_default() - first)).collect()
}

#[tokio::test]
async fn the_steps_one_tick_applies_to_a_build_are_one_timeline_row_and_read_back_one_by_one() {
    let app = phased().await;
    let options = [("ToRegionId.1", "cn-beijing"), ("AddAccount.1", "1234567890123456")];
    let (at_once, by_phase) = ticked_at_once_and_by_phase(&app, &options).await;
    let timeline = timeline_offsets(&app, &at_once).await;
    assert_eq!(timeline, timeline_offsets(&app, &by_phase).await, "the same timeline, however it was ticked");
    assert!(timeline.len() > 5, "{timeline:?}");
    assert_eq!(timeline.last().map(|(_, at)| *at), Some(4 * PHASE_MS), "each event at the time it was due");
    let rows = |id: &str| format!("SELECT COUNT(*) FROM execution_events WHERE execution_id = '{id}'");
    // Start's event, then the tick's run (migration 0018).
    assert_eq!(app.raw_text(&rows(&at_once)).await, "2");
    let stepwise: usize = app.raw_text(&rows(&by_phase)).await.parse().expect("a count");
    assert!(stepwise > 2 && stepwise < timeline.len(), "one row per tick that applied steps: {stepwise}");
}

/// (kind, seconds from the build's first event to its creation and to its release, instance type)
/// of each transit resource of an execution, in the order the control plane lists them.
async fn transit_offsets(app: &TestApp, id: &str) -> Vec<(String, i64, Option<i64>, String)> {
    let (status, t) = app.admin("GET", &format!("/executions/{id}"), None).await;
    assert_eq!(status, 200, "{t}");
    let seconds = |v: &Value| {
        v.as_str().map(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .expect("an RFC 3339 time")
                .unix_timestamp()
        })
    };
    let first = seconds(&t["timeline"][0]["time"]).expect("a first event");
    let resources = t["transitResources"].as_array().cloned().unwrap_or_default();
    resources
        .iter()
        .map(|r| {
            (
                text(r, "kind"),
                seconds(&r["created"]).expect("created") - first,
                seconds(&r["released"]).map(|at| at - first),
                text(&r["detail"], "InstanceType"),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_transit_resources_one_tick_creates_and_releases_are_one_row_and_read_back_one_by_one() {
    let app = phased().await;
    // By phase, each resource is created in one tick and released in a later one.
    let (at_once, by_phase) = ticked_at_once_and_by_phase(&app, &[]).await;
    let resources = transit_offsets(&app, &at_once).await;
    assert_eq!(resources, transit_offsets(&app, &by_phase).await, "the same resources, however it was ticked");
    let kinds: Vec<&str> = resources.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(kinds, ["vpc", "vswitch", "instance"]);
    assert!(resources.iter().all(|(_, created, released, _)| released.is_some_and(|r| r > *created)), "{resources:?}");
    assert_eq!(resources[2].3, "ecs.g6.large", "the instance's detail reads back");
    // Their details, written with the run (at once) or with the resource's own row (by phase).
    for id in [&at_once, &by_phase] {
        let (_, t) = app.admin("GET", &format!("/executions/{id}"), None).await;
        let details: Vec<&Value> =
            t["transitResources"].as_array().expect("resources").iter().map(|r| &r["detail"]).collect();
        let (vpc, vswitch) = (text(details[0], "VpcId"), text(details[1], "VSwitchId"));
        assert!(vpc.starts_with("vpc-") && vswitch.starts_with("vsw-"), "{details:?}");
        assert_eq!(*details[0], json!({"VpcId": vpc, "temporary": true}));
        assert_eq!(*details[1], json!({"VSwitchId": vswitch, "VpcId": vpc, "temporary": true}));
        let keys: Vec<&String> = details[2].as_object().expect("an object").keys().collect();
        let expected = [
            "InstanceId",
            "Purpose",
            "InstanceType",
            "SystemDiskSize",
            "InternetMaxBandwidthOut",
            "VswitchId",
            "SourceImage",
        ];
        assert_eq!(keys, expected, "{}", details[2]);
        assert_eq!(details[2]["VswitchId"], vswitch.as_str());
    }
    let rows = |table: &str, id: &str| format!("SELECT COUNT(*) FROM {table} WHERE execution_id = '{id}'");
    // Migration 0021: the build ticked at once has one run and no row of its own…
    assert_eq!(app.raw_text(&rows("transit_resource_runs", &at_once)).await, "1");
    assert_eq!(app.raw_text(&rows("transit_resources", &at_once)).await, "0");
    // …the other a row per resource, each released by a later tick.
    assert_eq!(app.raw_text(&rows("transit_resource_runs", &by_phase)).await, "0");
    assert_eq!(app.raw_text(&rows("transit_resources", &by_phase)).await, "3");
}

#[tokio::test]
async fn a_build_from_before_builds_counted_their_rows_numbers_them_on_from_the_tables() {
    let app = phased().await;
    let pipeline = app.create_pipeline(&[("ToRegionId.1", "cn-beijing")]).await;
    let id = app.start(&pipeline).await;
    // Forgets the counts kept in the build's runtime state, as a build started by an older
    // emulator has none; the next tick reads them from the tables.
    let forget = match crate::test_db::backend() {
        crate::test_db::Backend::Sqlite => {
            format!("UPDATE executions SET runtime = json_remove(runtime, '$.row_seqs') WHERE id = '{id}'")
        }
        crate::test_db::Backend::Postgres(_) => {
            format!("UPDATE executions SET runtime = (runtime::jsonb - 'row_seqs')::text WHERE id = '{id}'")
        }
    };
    app.tick().await; // the VPC and vSwitch
    app.raw_sql(&forget).await;
    app.advance(PHASE_MS / 2).await; // the instance
    app.advance(PHASE_MS / 2).await; // the image
    app.raw_sql(&forget).await;
    app.run_builds_to_completion().await; // the copy
    assert_eq!(app.status(&id).await, "SUCCESS");
    let seqs =
        |table: &str| format!("SELECT COUNT(DISTINCT seq) || ' ' || MAX(seq) FROM {table} WHERE execution_id = '{id}'");
    assert_eq!(app.raw_text(&seqs("transit_resources")).await, "3 3", "one after another");
    assert_eq!(app.raw_text(&seqs("images")).await, "2 2", "one after another");
    let (_, t) = app.admin("GET", &format!("/executions/{id}"), None).await;
    let kinds: Vec<&str> = t["transitResources"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["vpc", "vswitch", "instance"]);
    assert_eq!(t["images"][1]["copiedFrom"], t["images"][0]["imageId"]);
}

#[tokio::test]
async fn an_execution_timeline_shows_transitions_resources_and_images() {
    let app = phased().await;
    let pipeline = app
        .create_pipeline(&[
            ("ToRegionId.1", "cn-beijing"),
            ("AddAccount.1", "1234567890123456"),
            ("ImageOptions.ImageName", "web"),
        ])
        .await;
    let id = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    let (status, t) = app.admin("GET", &format!("/executions/{id}"), None).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["status"], "SUCCESS");
    let steps = t["timeline"].as_array().cloned().unwrap_or_default();
    let statuses: Vec<&str> = steps.iter().filter_map(|s| s["status"].as_str()).collect();
    assert_eq!(statuses.first(), Some(&"PREPARING"));
    assert_eq!(statuses.last(), Some(&"SUCCESS"));
    assert!(statuses.contains(&"DISTRIBUTING") && statuses.contains(&"RELEASING"));
    let times: Vec<i64> = steps.iter().filter_map(|s| s["atMs"].as_i64()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert_eq!(times.last().map(|t| t - times[0]), Some(4 * PHASE_MS), "four timed phases");

    let kinds: Vec<&str> = t["transitResources"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["vpc", "vswitch", "instance"]);
    assert!(t["transitResources"].as_array().is_some_and(|r| r.iter().all(|x| x["released"].is_string())));
    assert_eq!(t["transitResources"][2]["detail"]["InstanceType"], "ecs.g6.large");

    let images = t["images"].as_array().cloned().unwrap_or_default();
    assert_eq!(images.len(), 2);
    assert_eq!((text(&images[0], "region"), images[0]["copiedFrom"].clone()), ("cn-hangzhou".into(), Value::Null));
    assert_eq!(text(&images[1], "region"), "cn-beijing");
    assert_eq!(images[1]["copiedFrom"], images[0]["imageId"]);
    assert_eq!(images[1]["sharedWith"], json!(["1234567890123456"]));
    assert_eq!(app.admin("GET", "/executions/exec-nope", None).await.0, 404);
}

#[tokio::test]
async fn snapshots_save_restore_export_and_import_the_whole_state() {
    let app = phased().await;
    let kept = app.create_pipeline(&[("Name", "kept")]).await;
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "one" }))).await.0, 201);
    let later = app.create_pipeline(&[("Name", "later")]).await;

    let (status, body) = app.admin("POST", "/snapshots/one/restore", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(app.describe_pipeline(&kept).await.is_some());
    assert!(app.describe_pipeline(&later).await.is_none(), "made after the snapshot");

    let exported =
        app.client.get(format!("{}/_emulator/snapshots/one/export", app.base_url)).send().await.expect("sent");
    assert_eq!(exported.status(), 200);
    let bytes = exported.bytes().await.expect("bytes");
    // The default format: an SQLite file on SQLite, a portable document on PostgreSQL.
    match crate::test_db::backend() {
        crate::test_db::Backend::Sqlite => assert!(bytes.starts_with(b"SQLite format 3\0")),
        crate::test_db::Backend::Postgres(_) => assert!(bytes.starts_with(b"{\"format\":")),
    }
    let imported =
        app.client.put(format!("{}/_emulator/snapshots/copy", app.base_url)).body(bytes.clone()).send().await;
    assert_eq!(imported.expect("sent").status(), 201);
    let (_, list) = app.admin("GET", "/snapshots", None).await;
    let names: Vec<&str> =
        list["snapshots"].as_array().map(|s| s.iter().filter_map(|x| x["name"].as_str()).collect()).unwrap_or_default();
    assert_eq!(names, ["copy", "one"]);

    assert_eq!(app.admin("POST", "/snapshots/missing/restore", None).await.0, 404);
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "../escape" }))).await.0, 400);
    let garbage = app.client.put(format!("{}/_emulator/snapshots/bad", app.base_url)).body("not a db").send().await;
    assert_eq!(garbage.expect("sent").status(), 400);
}

#[tokio::test]
async fn a_snapshot_from_a_newer_emulator_is_refused_and_an_older_one_is_migrated() {
    skip_on_postgres!("this test is about SQLite file snapshots (the portable format is tests/api/snapshots.rs)");
    use sqlx::Connection;
    let app = TestApp::spawn().await;
    app.create_pipeline(&[("Name", "old")]).await;
    app.admin("POST", "/snapshots", Some(json!({ "name": "base" }))).await;
    let dir = std::path::PathBuf::from(format!("{}.snapshots", app.config.db));

    // Newer: a schema version this build does not know.
    std::fs::copy(dir.join("base.db"), dir.join("newer.db")).expect("copy");
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.join("newer.db").display())).await.expect("open");
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99999999, 'future', 1, x'00', 0)")
        .execute(&mut conn)
        .await
        .expect("insert");
    conn.close().await.expect("close");
    let (status, body) = app.admin("POST", "/snapshots/newer/restore", None).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("newer emulator")), "{body}");

    // Older: a database made by an emulator that had only the first two migrations, holding one
    // template; restoring migrates it and the template is back, with everything newer working.
    let spec: (String,) = {
        let mut live =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", app.config.db)).await.expect("open live");
        sqlx::query_as("SELECT spec FROM image_pipelines LIMIT 1").fetch_one(&mut live).await.expect("spec")
    };
    let older = dir.join("older.db");
    let mut old_migrator = sqlx::migrate!("./migrations");
    old_migrator.migrations =
        std::borrow::Cow::Owned(old_migrator.iter().filter(|m| m.version <= 2).cloned().collect());
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&older).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("older db");
    old_migrator.run(&pool).await.expect("old schema");
    sqlx::query("INSERT INTO image_pipelines (id, account, region, name, resource_group_id, created_ms, spec) VALUES ('ip-fromanolderversion0', '1000000000000001', 'cn-hangzhou', 'old', NULL, 1, ?)")
        .bind(spec.0.replace(&spec.0[spec.0.find("ip-").unwrap_or(0)..spec.0.find("ip-").unwrap_or(0) + 23], "ip-fromanolderversion0"))
        .execute(&pool)
        .await
        .expect("insert");
    pool.close().await;
    let (status, body) = app.admin("POST", "/snapshots/older/restore", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(app.describe_pipeline("ip-fromanolderversion0").await.is_some());
    app.start("ip-fromanolderversion0").await;
    assert_eq!(
        app.admin("POST", "/outcomes", Some(json!({ "outcome": "TEST_FAILED" }))).await.0,
        201,
        "newer tables work"
    );
}

/// A file saved before migrations 16 and 17 (each build's plan in its execution row; image_counts
/// triggers with an upsert, which 17 replaced) restores: it is migrated, its build in flight
/// finishes, and the image counts are the snapshot's, not the live state's (the file copy fills
/// the tables whose triggers write derived tables first, then the derived tables).
#[tokio::test]
async fn a_snapshot_from_before_the_plans_table_restores_with_its_build_in_flight() {
    skip_on_postgres!("this test is about SQLite file snapshots (the portable format is tests/api/snapshots.rs)");
    let app = TestApp::spawn().await;
    let template = app.create_pipeline(&[]).await;
    let first = app.start(&template).await;
    app.start(&app.create_pipeline(&[]).await).await;
    app.run_builds_to_completion().await;
    let image = text(&app.execution(&first).await, "ImageId");
    let total = || async {
        let r = app.call_in_region("DescribeImages", &[("ImageOwnerAlias", "self"), ("PageSize", "1")]).await;
        r.assert_ok()["TotalCount"].as_i64().expect("TotalCount")
    };
    assert_eq!(total().await, 2);

    // The snapshot: schema 15, holding the first template, its image and a build in flight on it.
    let dir = std::path::PathBuf::from(format!("{}.snapshots", app.config.db));
    std::fs::create_dir_all(&dir).expect("snapshots dir");
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/plan-v1.json")).expect("fixture");
    let mut before = sqlx::migrate!("./migrations");
    before.migrations = std::borrow::Cow::Owned(before.iter().filter(|m| m.version <= 15).cloned().collect());
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("v15.db")).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("a schema-15 file");
    before.run(&pool).await.expect("migrations up to 15");
    let mut conn = pool.acquire().await.expect("connection");
    sqlx::query(&format!("ATTACH DATABASE '{}' AS live", app.config.db)).execute(&mut *conn).await.expect("attach");
    for (table, id) in [("image_pipelines", &template), ("images", &image)] {
        let copied = sqlx::query(&format!("INSERT INTO main.{table} SELECT * FROM live.{table} WHERE id = ?"))
            .bind(id)
            .execute(&mut *conn)
            .await
            .expect("copy a row");
        assert_eq!(copied.rows_affected(), 1, "{table}");
    }
    sqlx::query(
        "INSERT INTO executions (id, account, region, pipeline_id, status, message, created_ms, modified_ms, \
         next_due_ms, cursor, plan, runtime) SELECT 'exec-fromschema15000000', account, region, id, 'BUILDING', \
         'building', created_ms, created_ms, created_ms, 3, ?, ? FROM image_pipelines",
    )
    .bind(fixture["plan"].as_str().expect("plan"))
    .bind(fixture["runtime"].as_str().expect("runtime"))
    .execute(&mut *conn)
    .await
    .expect("a build in flight");
    drop(conn);
    pool.close().await;

    let (status, body) = app.admin("POST", "/snapshots/v15/restore", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(total().await, 1, "the snapshot's one image, counted once");
    assert_eq!(app.status("exec-fromschema15000000").await, "BUILDING");
    app.run_builds_to_completion().await;
    assert_eq!(app.status("exec-fromschema15000000").await, "SUCCESS");
    assert_eq!(total().await, 2, "and the image it built");
}

#[tokio::test]
async fn fixtures_declare_keys_catalog_additions_and_templates_loaded_idempotently() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(
        &path,
        r#"
access_keys:
  - { id: LTAI5tCiKey, secret: s3cret, account: "1234567812345678" }
images:
  - { id: m-golden00000000000001, name: golden, family: golden-family, platform: Ubuntu }
instance_types:
  - { id: ecs.g6.large, in_stock: false }
vswitches:
  - { id: vsw-ci0000000000000001, region: cn-hangzhou }
resource_groups: [rg-ci00000000000001]
templates:
  - name: web
    account: "1234567812345678"
    params:
      BaseImageType: IMAGE
      BaseImage: m-golden00000000000001
      Name: web
      VSwitchId: vsw-ci0000000000000001
      ResourceGroupId: rg-ci00000000000001
      SystemDiskSize: 60
"#,
    )
    .expect("write");
    let with_fixtures = |c: &mut Config| {
        c.fixtures = Some(path.clone());
        c.phase_duration = Some(PHASE_MS);
    };
    let app = TestApp::spawn_with(with_fixtures).await;
    let listed = app.call_in_region("DescribeImagePipelines", &[("AccessKeyId", "LTAI5tCiKey")]).await;
    let set = listed.assert_ok()["ImagePipeline"]["ImagePipelineSet"].clone();
    assert_eq!(set.as_array().map(Vec::len), Some(1), "{set}");
    assert_eq!((text(&set[0], "Name"), set[0]["SystemDiskSize"].clone()), ("web".into(), json!(60)));
    let pipeline = text(&set[0], "ImagePipelineId");

    // The key belongs to its account; the out-of-stock default type falls back.
    let started = app
        .call_in_region(
            "StartImagePipelineExecution",
            &[("ImagePipelineId", &pipeline), ("AccessKeyId", "1234567812345678")],
        )
        .await;
    let id = text(started.assert_ok(), "ExecutionId");
    app.run_builds_to_completion().await;
    let (_, t) = app.admin("GET", &format!("/executions/{id}"), None).await;
    assert_eq!(t["status"], "SUCCESS");
    assert_eq!(t["transitResources"][0]["detail"]["InstanceType"], "ecs.g6.xlarge");
    let public =
        app.call_in_region("DescribeImages", &[("ImageOwnerAlias", "system"), ("ImageFamily", "golden-family")]).await;
    assert_eq!(public.assert_ok()["TotalCount"], 1);

    // Loading the same file again creates nothing.
    let app = app.restart().await;
    let listed = app.call_in_region("DescribeImagePipelines", &[("AccessKeyId", "LTAI5tCiKey")]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 1);
}

#[tokio::test]
async fn a_bad_fixtures_file_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"templates": [{"name": "t", "params": {"BaseImageType": "IMAGE", "BaseImage": "nope"}}]}"#,
    )
    .expect("write");
    let mut config = Config::for_tests(dir.path().join("db").to_string_lossy().into_owned());
    config.fixtures = Some(path);
    let err = App::build(config).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("template fixture \"t\"") && err.contains("InvalidImage.NotFound"), "{err}");
}

#[tokio::test]
async fn an_id_seed_makes_ids_and_request_ids_reproducible_whatever_happens_in_between() {
    let run = |interleave: bool| async move {
        let app = TestApp::spawn_with(|c| c.id_seed = Some(42)).await;
        let mut seen = Vec::new();
        for i in 0..3 {
            if interleave {
                app.create_pipeline(&[("AccessKeyId", "9999999999999999")]).await;
                app.call_in_region("DescribeImagePipelines", &[("AccessKeyId", "9999999999999999")]).await;
            }
            let r = app.try_create(&[("AccessKeyId", "1234567890123456"), ("Name", &format!("p{i}"))]).await;
            seen.push(text(r.assert_ok(), "ImagePipelineId"));
            seen.push(text(&r.body, "RequestId"));
            let id = seen[seen.len() - 2].clone();
            let started = app
                .call_in_region(
                    "StartImagePipelineExecution",
                    &[("ImagePipelineId", &id), ("AccessKeyId", "1234567890123456")],
                )
                .await;
            seen.push(text(started.assert_ok(), "ExecutionId"));
        }
        seen
    };
    let plain = run(false).await;
    assert_eq!(plain, run(true).await);
    assert!(plain[0].starts_with("ip-") && plain[2].starts_with("exec-"));
}

fn wall_timestamp(offset_s: i64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0) + offset_s;
    ecs_imagebuilder_emulator::domain::time::format_ms(now * 1000)
}

/// A V1-signed DescribeImagePipelines as the official SDKs build it.
async fn signed_v1(app: &TestApp, key: &str, secret: &str, nonce: &str, timestamp: &str) -> crate::helpers::Reply {
    let mut params = Params::default();
    for (k, v) in [
        ("Action", "DescribeImagePipelines"),
        ("Version", "2014-05-26"),
        ("Format", "JSON"),
        ("RegionId", "cn-hangzhou"),
        ("AccessKeyId", key),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
    ] {
        params.insert(k, v);
    }
    let signature = auth::v1_signature(secret, &auth::v1_string_to_sign("GET", &params)).expect("sign");
    params.insert("Signature", signature);
    let pairs: Vec<(&str, &str)> = params.iter().collect();
    reply(app.client.get(&app.base_url).query(&pairs).send().await.expect("sent")).await
}

#[tokio::test]
async fn strict_auth_checks_signatures_keys_timestamps_and_nonces() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("keys.json");
    std::fs::write(
        &path,
        r#"{"access_keys": [{"id": "LTAIstrict", "secret": "right", "account": "5555555555555555"}]}"#,
    )
    .expect("write");
    let app = TestApp::spawn_with(|c| {
        c.fixtures = Some(path.clone());
        c.auth = AuthMode::Strict;
    })
    .await;
    let now = wall_timestamp(0);
    signed_v1(&app, "LTAIstrict", "right", "n1", &now).await.assert_ok();
    let wrong = signed_v1(&app, "LTAIstrict", "wrong", "n2", &now).await;
    wrong.assert_error(400, "SignatureDoesNotMatch");
    assert!(wrong.body["Message"].as_str().is_some_and(|m| m.starts_with(
        "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3DLTAIstrict"
    )));
    signed_v1(&app, "LTAIunknown", "right", "n3", &now).await.assert_error(404, "InvalidAccessKeyId.NotFound");
    signed_v1(&app, "LTAIstrict", "right", "n4", &wall_timestamp(-3600))
        .await
        .assert_error(400, "InvalidTimeStamp.Expired");
    signed_v1(&app, "LTAIstrict", "right", "n5", "yesterday").await.assert_error(400, "InvalidTimeStamp.Format");
    signed_v1(&app, "LTAIstrict", "right", "n1", &now).await.assert_error(400, "SignatureNonceUsed");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_error(400, "IncompleteSignature");
    let (_, health) = app.admin("GET", "/health", None).await;
    assert_eq!(health["auth"], "strict");

    // Strict mode needs keys.
    let mut config = Config::for_tests(dir.path().join("db2").to_string_lossy().into_owned());
    config.auth = AuthMode::Strict;
    assert!(App::build(config)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("--auth strict needs access keys"));
}

/// The CI scenario of the control-plane issue: fixtures + manual clock, a build scripted to fail at
/// BUILDING, snapshot, reset, restore, and the failed build found again with its timeline.
#[tokio::test]
async fn ci_scenario_scripted_failure_snapshot_reset_restore() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(
        &path,
        "templates:\n  - name: api\n    params: { BaseImageType: IMAGE, BaseImage: aliyun_3_x64_20G_alibase_20240819.vhd, Name: api }\n",
    )
    .expect("write");
    let app = TestApp::spawn_with(|c| {
        c.fixtures = Some(path.clone());
        c.phase_duration = Some(PHASE_MS);
    })
    .await;
    app.admin(
        "POST",
        "/outcomes",
        Some(json!({ "pipeline": "api", "outcome": "FAILED@BUILDING", "message": "apt mirror down" })),
    )
    .await;
    let listed = app.call_in_region("DescribeImagePipelines", &[("Name", "api")]).await;
    let pipeline = text(&listed.assert_ok()["ImagePipeline"]["ImagePipelineSet"][0], "ImagePipelineId");
    let id = app.start(&pipeline).await;
    app.admin("POST", "/clock/advance", Some(json!({ "seconds": 30 }))).await;
    assert_eq!(app.status(&id).await, "FAILED");

    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "after-failure" }))).await.0, 201);
    app.admin("POST", "/reset", None).await;
    assert_eq!(app.admin("GET", &format!("/executions/{id}"), None).await.0, 404);
    assert_eq!(app.admin("POST", "/snapshots/after-failure/restore", None).await.0, 200);

    let item = app.execution(&id).await;
    assert_eq!((text(&item, "Status"), text(&item, "ErrorInfo")), ("FAILED".into(), "apt mirror down".into()));
    let (_, t) = app.admin("GET", &format!("/executions/{id}"), None).await;
    let last = t["timeline"].as_array().and_then(|s| s.last().cloned()).unwrap_or_default();
    assert_eq!((text(&last, "status"), text(&last, "message")), ("FAILED".into(), "apt mirror down".into()));
}

/// Found by the schemathesis pass: huge values and unparsable input must be clear 400s, never a
/// panic, a wrapped clock or a plain-text answer.
#[tokio::test]
async fn hostile_control_plane_input_is_a_json_400() {
    let app = TestApp::spawn().await;
    let (_, before) = app.admin("GET", "/clock", None).await;
    for body in [json!({ "ms": i64::MAX }), json!({ "seconds": 1e300 }), json!({ "seconds": 5.06e256 })] {
        let (status, answer) = app.admin("POST", "/clock/advance", Some(body.clone())).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
    let (_, after) = app.admin("GET", "/clock", None).await;
    assert_eq!(after["nowMs"], before["nowMs"], "the clock did not move");

    for body in [
        json!({ "error": "InternalError", "forSeconds": 1e300 }),
        json!({ "error": "InternalError", "afterSeconds": -1 }),
    ] {
        assert_eq!(app.admin("POST", "/faults", Some(body.clone())).await.0, 400, "{body}");
    }
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
    assert_eq!(
        app.admin("POST", "/faults", Some(json!({ "error": "InternalError", "count": 1 }))).await.0,
        201,
        "rules still work"
    );

    for path in ["/requests?limit=-1", "/requests?status=null", "/executions/%FF"] {
        let response = app.client.get(format!("{}/_emulator{path}", app.base_url)).send().await.expect("sent");
        assert_eq!(response.status(), 400, "{path}");
        assert!(
            response.headers()["content-type"].to_str().unwrap_or_default().starts_with("application/json"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_time_scale_speeds_up_the_real_clock_and_is_refused_with_a_manual_one() {
    let dir = tempfile::tempdir().expect("dir");
    let mut config = Config::for_tests(dir.path().join("db").to_string_lossy().into_owned());
    config.clock = ClockMode::Manual;
    config.time_scale = Some(60.0);
    let err = App::build(config.clone()).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("--time-scale applies to the real clock"), "{err}");
    config.clock = ClockMode::Real;
    config.time_scale = Some(-1.0);
    assert!(App::build(config.clone()).await.is_err(), "a negative scale is refused");

    config.time_scale = Some(60.0);
    let app = App::build(config).await.expect("app");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    tokio::spawn(app.run(std::future::pending()));
    let health: Value =
        reqwest::get(format!("{base}/_emulator/health")).await.expect("sent").json().await.expect("json");
    assert_eq!(health["clock"], "scaled");
}

/// The provider's acceptance tests build `COMPONENT ic-bp122acttbs2sxdyq2ky`, a component of the
/// maintainers' account: a fixture component can take that ID.
#[tokio::test]
async fn a_fixture_component_can_take_a_chosen_id_kept_across_reloads() {
    const ID: &str = "ic-bp122acttbs2sxdyq2ky";
    const ME: &str = "1357924680135792";
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(
        &path,
        format!(
            "components:\n  - name: theirs\n    id: {ID}\n    account: \"{ME}\"\n    \
             params: {{ Name: theirs, Content: \"RUN echo hi\", Tag.1.Key: team, Tag.1.Value: infra }}\n"
        ),
    )
    .expect("write");
    let app = TestApp::spawn_with(|c| c.fixtures = Some(path.clone())).await;
    let mine = [("AccessKeyId", ME), ("Owner", "SELF")];
    let listed = app.call_in_region("DescribeImageComponents", &mine).await;
    let set = listed.assert_ok()["ImageComponent"]["ImageComponentSet"].clone();
    assert_eq!(set.as_array().map(Vec::len), Some(1), "{set}");
    assert_eq!(set[0]["ImageComponentId"], ID);
    assert_eq!(set[0]["Tags"]["Tag"], json!([{ "TagKey": "team", "TagValue": "infra" }]));
    let by_id = app.call_in_region("DescribeImageComponents", &[("AccessKeyId", ME), ("ImageComponentId.1", ID)]).await;
    assert_eq!(by_id.assert_ok()["TotalCount"], 1);
    // A template of that account builds it by ID.
    let template = app
        .call_in_region(
            "CreateImagePipeline",
            &[
                ("AccessKeyId", ME),
                ("BaseImageType", "IMAGE"),
                ("BaseImage", BASE_IMAGE),
                ("BuildContent", &format!("COMPONENT {ID}")),
            ],
        )
        .await;
    template.assert_ok();

    // Loading the file again (a restart) finds it: still one component, with that ID.
    let app = app.restart().await;
    let listed = app.call_in_region("DescribeImageComponents", &mine).await;
    let set = listed.assert_ok()["ImageComponent"]["ImageComponentSet"].clone();
    assert_eq!((set.as_array().map(Vec::len), set[0]["ImageComponentId"].as_str()), (Some(1), Some(ID)));

    // `id` must look like a component ID, and templates have none.
    for (bad, what) in [
        ("components:\n  - { name: cc, id: ic-SHORT, params: { Name: cc, Content: \"RUN x\" } }\n".to_string(), "component fixture \"cc\""),
        (format!("templates:\n  - {{ name: t, id: {ID}, params: {{ BaseImageType: IMAGE, BaseImage: {BASE_IMAGE} }} }}\n"), "template fixture \"t\""),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bad.yaml");
        std::fs::write(&path, bad).expect("write");
        let mut config = Config::for_tests(dir.path().join("db").to_string_lossy().into_owned());
        config.fixtures = Some(path);
        let err = App::build(config).await.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(what) && err.contains("`id` is for components only"), "{err}");
    }
}
