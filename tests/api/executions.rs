//! Build executions end to end (docs/reference.md §4–§5): the phases a build walks through on the manual
//! clock, failures and partial successes, cancellation rules, one running build per template,
//! ClientToken and tags on Start, the Describe filters and paging, restarts, image naming, built
//! images as bases, and one run of the real scheduler on the wall clock.

use std::collections::HashSet;
use std::time::Duration;

use ecs_imagebuilder_emulator::app::App;
use ecs_imagebuilder_emulator::clock::SystemClock;
use ecs_imagebuilder_emulator::config::Config;
use serde_json::{json, Value};

use crate::helpers::{reply, text, Reply, TestApp, BASE_IMAGE, REGION};

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The account of calls without a 16-digit AccessKeyId.
const DEFAULT_ACCOUNT: &str = "1000000000000001";
pub(crate) const OTHER_ACCOUNT: &str = "1234567890123456";
const TERMINAL: [&str; 5] = ["SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED"];
/// Simulated milliseconds per phase in the phase-by-phase tests.
const PHASE_MS: i64 = 1_000;
/// How far the clock moves between two looks while observing a build (several looks per phase).
const LOOK_MS: i64 = 100;

/// An emulator whose every build phase takes exactly [`PHASE_MS`].
pub(crate) async fn spawn_phased() -> TestApp {
    TestApp::spawn_with(|c| c.phase_duration = Some(PHASE_MS)).await
}

pub(crate) fn executions_of(reply: &Reply) -> Vec<Value> {
    reply.assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"].as_array().expect("set").clone()
}

fn ids_of(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| text(i, "ExecutionId")).collect()
}

/// StartImagePipelineExecution as `account`; returns the ExecutionId.
async fn start_as(app: &TestApp, account: &str, pipeline_id: &str) -> String {
    let r = app
        .call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", pipeline_id), ("AccessKeyId", account)])
        .await;
    text(r.assert_ok(), "ExecutionId")
}

/// The execution's item as `account` sees it.
async fn item_as(app: &TestApp, account: &str, id: &str) -> Value {
    let r =
        app.call_in_region("DescribeImagePipelineExecutions", &[("ExecutionId", id), ("AccessKeyId", account)]).await;
    let set = executions_of(&r);
    assert_eq!(set.len(), 1, "execution {id} as {account}: {}", r.body);
    set[0].clone()
}

pub(crate) async fn cancel(app: &TestApp, id: &str) -> Reply {
    app.call_in_region("CancelImagePipelineExecution", &[("ExecutionId", id)]).await
}

/// Every distinct (status, message) of a build from now until it ends, looking every [`LOOK_MS`]
/// of simulated time (the first look is after a tick at the current time).
async fn observe_as(app: &TestApp, account: &str, id: &str) -> Vec<(String, String)> {
    let mut seen: Vec<(String, String)> = Vec::new();
    app.tick().await;
    for _ in 0..10_000 {
        let item = item_as(app, account, id).await;
        let now = (text(&item, "Status"), text(&item, "Message"));
        if seen.last() != Some(&now) {
            seen.push(now.clone());
        }
        if TERMINAL.contains(&now.0.as_str()) {
            return seen;
        }
        app.advance(LOOK_MS).await;
    }
    panic!("execution {id} did not end: {seen:?}");
}

async fn observe(app: &TestApp, id: &str) -> Vec<(String, String)> {
    observe_as(app, DEFAULT_ACCOUNT, id).await
}

/// The statuses of an observation, consecutive repeats removed.
fn phases(seen: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (status, _) in seen {
        if out.last() != Some(status) {
            out.push(status.clone());
        }
    }
    out
}

/// Moves time on (a look every [`LOOK_MS`]) until the execution is in `wanted`; returns its item.
pub(crate) async fn advance_to(app: &TestApp, id: &str, wanted: &str) -> Value {
    app.tick().await;
    for _ in 0..10_000 {
        let item = app.execution(id).await;
        let status = text(&item, "Status");
        if status == wanted {
            return item;
        }
        assert!(!TERMINAL.contains(&status.as_str()), "execution {id} ended in {status} before reaching {wanted}");
        app.advance(LOOK_MS).await;
    }
    panic!("execution {id} never reached {wanted}");
}

/// DescribeImages in `region` as `account` with extra filters; the image list.
async fn images_as(app: &TestApp, account: &str, region: &str, extra: &[(&str, &str)]) -> Vec<Value> {
    let mut params = vec![("RegionId", region), ("AccessKeyId", account)];
    params.extend_from_slice(extra);
    let r = app.call("DescribeImages", &params).await;
    r.assert_ok()["Images"]["Image"].as_array().expect("images").clone()
}

/// Runs one build of `pipeline_id` to its end and returns the final item.
pub(crate) async fn build(app: &TestApp, pipeline_id: &str) -> Value {
    let id = app.start(pipeline_id).await;
    app.run_builds_to_completion().await;
    app.execution(&id).await
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_plain_build_walks_preparing_building_releasing_to_success_and_makes_the_image() {
    let app = spawn_phased().await;
    let pipeline = app
        .create_pipeline(&[
            ("BuildContent", "RUN echo hello"),
            ("ImageOptions.ImageName", "web"),
            ("ImageOptions.ImageFamily", "web-family"),
            ("ImageOptions.Description", "the web image"),
            ("ImageOptions.ImageFeatures.NvmeSupport", "supported"),
            ("ImageOptions.ImageTags.1.Key", "team"),
            ("ImageOptions.ImageTags.1.Value", "web"),
        ])
        .await;
    let id = app.start(&pipeline).await;

    // Recorded at once: PREPARING, nothing built yet.
    let started = app.execution(&id).await;
    assert_eq!(text(&started, "Status"), "PREPARING");
    assert_eq!(text(&started, "ImagePipelineId"), pipeline);
    assert_eq!(text(&started, "CreationTime"), "2023-11-14T22:13:20Z");
    assert_eq!(started["ModifiedTime"], started["CreationTime"]);
    assert!(started.get("ImageId").is_none() && started.get("ErrorCode").is_none());

    // The first step (the transit network) is due at once.
    app.tick().await;
    let preparing = app.execution(&id).await;
    assert_eq!(text(&preparing, "Status"), "PREPARING");
    assert!(text(&preparing, "Message").starts_with("Create transition vpc \"vpc-"), "{preparing}");

    // BUILDING: the command runs first, the image comes at the end of the phase.
    app.advance(PHASE_MS).await;
    let building = app.execution(&id).await;
    assert_eq!(text(&building, "Status"), "BUILDING");
    assert!(building.get("ImageId").is_none(), "no image before it is created: {building}");
    assert!(text(&building, "Message").contains("RUN echo hello"), "{building}");
    assert!(text(&building, "ModifiedTime") > text(&preparing, "ModifiedTime"));

    app.advance(PHASE_MS / 2).await;
    let imaged = app.execution(&id).await;
    assert_eq!(text(&imaged, "Status"), "BUILDING");
    let image_id = text(&imaged, "ImageId");
    assert!(image_id.starts_with("m-"), "{imaged}");
    assert!(text(&imaged, "Message").contains(&image_id));

    app.advance(PHASE_MS / 2).await;
    let releasing = app.execution(&id).await;
    assert_eq!(text(&releasing, "Status"), "RELEASING");
    assert!(text(&releasing, "Message").starts_with("Release transition instance \"i-"), "{releasing}");
    assert_eq!(text(&releasing, "ImageId"), image_id);

    app.advance(PHASE_MS).await;
    let done = app.execution(&id).await;
    assert_eq!(text(&done, "Status"), "SUCCESS");
    assert_eq!(text(&done, "ImageId"), image_id);
    assert!(text(&done, "Message").contains(&image_id), "{done}");
    assert!(text(&done, "ModifiedTime") > text(&releasing, "ModifiedTime"));
    assert_eq!(done["CreationTime"], started["CreationTime"]);
    assert!(done.get("ErrorCode").is_none() && done.get("ErrorInfo").is_none());
    assert_eq!(app.advance(600_000).await, 0, "nothing is due after the end");

    let images = images_as(&app, DEFAULT_ACCOUNT, REGION, &[("ImageOwnerAlias", "self")]).await;
    assert_eq!(images.len(), 1, "{images:?}");
    let image = &images[0];
    assert_eq!(text(image, "ImageId"), image_id);
    assert_eq!(text(image, "ImageName"), format!("web_{id}"));
    assert_eq!(image["ImageFamily"], "web-family");
    assert_eq!(image["Description"], "the web image");
    assert_eq!(image["Features"]["NvmeSupport"], "supported");
    assert_eq!(image["Status"], "Available");
    assert_eq!(image["ImageOwnerAlias"], "self");
    assert_eq!(image["Tags"], json!({"Tag": [{"TagKey": "team", "TagValue": "web"}]}));
}

#[tokio::test]
async fn a_full_template_walks_every_phase_in_order() {
    let app = spawn_phased().await;
    let pipeline = app
        .create_pipeline(&[
            ("RepairMode", "Standard"),
            ("BuildContent", "RUN echo build\nRESTART"),
            ("TestContent", "RUN test -f /etc/os-release"),
            ("ToRegionId.1", "cn-beijing"),
            ("AddAccount.1", OTHER_ACCOUNT),
        ])
        .await;
    let id = app.start(&pipeline).await;
    let seen = observe(&app, &id).await;
    assert_eq!(
        phases(&seen),
        ["PREPARING", "REPAIRING", "BUILDING", "TESTING", "DISTRIBUTING", "RELEASING", "SUCCESS"],
        "{seen:?}"
    );
    let messages: Vec<&str> = seen.iter().map(|(_, m)| m.as_str()).collect();
    let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
    assert!(has("Create transition instance \"i-"), "{messages:?}");
    assert!(has(&format!("Repair source image \"{BASE_IMAGE}\" in Standard mode")), "{messages:?}");
    assert!(has("Create test instance \"i-"), "{messages:?}");
    assert!(has("to region \"cn-beijing\""), "{messages:?}");
    assert!(has(&format!("with account \"{OTHER_ACCOUNT}\" success")), "{messages:?}");
    let done = app.execution(&id).await;
    assert!(done.get("ErrorCode").is_none(), "{done}");
    assert!(text(&done, "ImageId").starts_with("m-"));
}

#[tokio::test]
async fn a_failing_command_fails_the_build_and_releases_the_instance_only_when_asked_to() {
    let app = spawn_phased().await;

    // DeleteInstanceOnFailure=true (the default): RELEASING, then FAILED.
    let released = app.create_pipeline(&[("BuildContent", "RUN echo one\nRUN false\nRUN echo never")]).await;
    let id = app.start(&released).await;
    let seen = observe(&app, &id).await;
    assert_eq!(phases(&seen), ["PREPARING", "BUILDING", "RELEASING", "FAILED"], "{seen:?}");
    assert!(seen.iter().any(|(_, m)| m.starts_with("Release transition instance \"i-")), "{seen:?}");
    assert!(!seen.iter().any(|(_, m)| m.contains("RUN echo never")), "later commands never run: {seen:?}");
    let failed = app.execution(&id).await;
    assert_eq!(failed["ErrorCode"], "CommandExecutionFailed");
    let info = text(&failed, "ErrorInfo");
    assert!(info.contains("Line 2") && info.contains("RUN false"), "{info}");
    assert!(failed.get("ImageId").is_none(), "no image was made: {failed}");

    // DeleteInstanceOnFailure=false: straight to FAILED, the instance is kept.
    let kept =
        app.create_pipeline(&[("BuildContent", "RUN echo one\nRUN false"), ("DeleteInstanceOnFailure", "false")]).await;
    let id = app.start(&kept).await;
    let seen = observe(&app, &id).await;
    assert_eq!(phases(&seen), ["PREPARING", "BUILDING", "FAILED"], "{seen:?}");
    assert!(!seen.iter().any(|(_, m)| m.contains("Release transition")), "{seen:?}");
    let failed = app.execution(&id).await;
    assert_eq!(failed["ErrorCode"], "CommandExecutionFailed");
    assert!(text(&failed, "ErrorInfo").contains("Line 2"), "{failed}");
}

#[tokio::test]
async fn a_public_download_fails_without_public_bandwidth_and_succeeds_with_it() {
    let app = TestApp::spawn().await;
    let script = "RUN curl -fsSL https://get.example.com/install.sh -o /tmp/i.sh";
    let offline = app.create_pipeline(&[("BuildContent", script)]).await;
    let done = build(&app, &offline).await;
    assert_eq!(done["Status"], "FAILED", "{done}");
    assert_eq!(done["ErrorCode"], "CommandExecutionFailed");
    let info = text(&done, "ErrorInfo");
    assert!(info.contains("Line 1") && info.contains("InternetMaxBandwidthOut=0"), "{info}");
    assert!(info.contains("\"curl\"") && info.contains("get.example.com"), "names the command and host: {info}");

    let online = app.create_pipeline(&[("BuildContent", script), ("InternetMaxBandwidthOut", "5")]).await;
    let done = build(&app, &online).await;
    assert_eq!(done["Status"], "SUCCESS", "{done}");
    assert!(done.get("ErrorCode").is_none());
}

#[tokio::test]
async fn package_managers_use_the_internal_mirrors_without_public_bandwidth() {
    let app = TestApp::spawn().await;
    // The README's first example, as it is written there (default InternetMaxBandwidthOut=0).
    let readme = app.create_pipeline(&[("BuildContent", "RUN yum install -y nginx")]).await;
    assert_eq!(build(&app, &readme).await["Status"], "SUCCESS");
    let internal = "RUN apt-get update && apt-get install -y nginx\nRUN pip3 install flask\n\
                    RUN wget -q https://bucket.oss-cn-hangzhou-internal.aliyuncs.com/app.tgz";
    let pipeline = app.create_pipeline(&[("BuildContent", internal)]).await;
    assert_eq!(build(&app, &pipeline).await["Status"], "SUCCESS");
}

#[tokio::test]
async fn a_failing_test_command_is_test_failed_and_the_image_still_exists() {
    let app = spawn_phased().await;
    let pipeline = app.create_pipeline(&[("BuildContent", "RUN echo ok"), ("TestContent", "RUN false")]).await;
    let id = app.start(&pipeline).await;
    let seen = observe(&app, &id).await;
    assert_eq!(phases(&seen), ["PREPARING", "BUILDING", "TESTING", "RELEASING", "TEST_FAILED"], "{seen:?}");
    let done = app.execution(&id).await;
    assert_eq!(done["ErrorCode"], "TestCommandFailed");
    assert!(text(&done, "ErrorInfo").contains("Line 1"), "{done}");
    let image_id = text(&done, "ImageId");
    let found = images_as(&app, DEFAULT_ACCOUNT, REGION, &[("ImageId", &image_id)]).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["ImageOwnerAlias"], "self");
    cancel(&app, &id).await.assert_error(400, "InvalidStatus.CancelFailed");
}

#[tokio::test]
async fn a_copy_to_the_own_region_or_a_share_with_the_owner_is_a_partition_success() {
    let app = TestApp::spawn().await;
    let own_region = app.create_pipeline(&[("ToRegionId.1", REGION)]).await;
    let done = build(&app, &own_region).await;
    assert_eq!(done["Status"], "PARTITION_SUCCESS", "{done}");
    assert_eq!(done["ErrorCode"], "CopyImageFailed");
    assert!(text(&done, "ErrorInfo").contains(REGION), "{done}");
    assert!(text(&done, "ImageId").starts_with("m-"), "the image was built: {done}");
    cancel(&app, &text(&done, "ExecutionId")).await.assert_error(400, "InvalidStatus.CancelFailed");

    let self_share = app.create_pipeline(&[("AccessKeyId", OTHER_ACCOUNT), ("AddAccount.1", OTHER_ACCOUNT)]).await;
    let id = start_as(&app, OTHER_ACCOUNT, &self_share).await;
    app.run_builds_to_completion().await;
    let done = item_as(&app, OTHER_ACCOUNT, &id).await;
    assert_eq!(done["Status"], "PARTITION_SUCCESS", "{done}");
    assert_eq!(done["ErrorCode"], "ShareImageFailed");
    let image_id = text(&done, "ImageId");
    let mine = images_as(&app, OTHER_ACCOUNT, REGION, &[("ImageId", &image_id)]).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["IsSelfShared"], "False", "nothing was shared: {mine:?}");
}

// ---------------------------------------------------------------------------------------------
// Cancel
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_build_can_be_cancelled_while_preparing_repairing_or_building() {
    let app = spawn_phased().await;
    for phase in ["PREPARING", "REPAIRING", "BUILDING"] {
        let pipeline =
            app.create_pipeline(&[("RepairMode", "Standard"), ("BuildContent", "RUN echo a\nRUN echo b")]).await;
        let id = app.start(&pipeline).await;
        advance_to(&app, &id, phase).await;
        cancel(&app, &id).await.assert_ok();
        assert_eq!(app.status(&id).await, "CANCELLING", "cancelled in {phase}");
        cancel(&app, &id).await.assert_ok();
        assert_eq!(app.status(&id).await, "CANCELLING", "a repeated cancel in {phase}");
        app.tick().await;
        assert_eq!(app.status(&id).await, "CANCELLING", "releasing after a cancel in {phase}");
        cancel(&app, &id).await.assert_ok();
        let seen = observe(&app, &id).await;
        assert_eq!(phases(&seen), ["CANCELLING", "CANCELLED"], "after a cancel in {phase}: {seen:?}");
        let done = app.execution(&id).await;
        assert!(done.get("ErrorCode").is_none(), "{done}");
        if phase != "BUILDING" {
            assert!(done.get("ImageId").is_none(), "{done}");
        }
        cancel(&app, &id).await.assert_error(400, "InvalidStatus.CancelFailed");
        // The template is free again.
        app.start(&pipeline).await;
    }
}

// ---------------------------------------------------------------------------------------------
// One running build per template
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_template_runs_one_build_at_a_time_and_cannot_be_deleted_meanwhile() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[]).await;
    let first = app.start(&pipeline).await;
    app.call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", &pipeline)])
        .await
        .assert_error(403, "InvalidImagePipeline.HasRunningExecution");
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &pipeline)])
        .await
        .assert_error(403, "InvalidImagePipeline.HasRunningExecution");
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&first).await, "SUCCESS");

    let second = app.start(&pipeline).await;
    assert_ne!(second, first);
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&second).await, "SUCCESS");
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &pipeline)]).await.assert_ok();
    app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &pipeline)])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");
}

#[tokio::test]
async fn sixty_four_concurrent_starts_on_one_template_make_exactly_one_execution() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[]).await;
    let params = [("ImagePipelineId", pipeline.as_str())];
    let calls = (0..64).map(|_| app.call_in_region("StartImagePipelineExecution", &params));
    let replies = futures::future::join_all(calls).await;
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status.as_u16() == 200).collect();
    assert_eq!(ok.len(), 1, "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    for r in replies.iter().filter(|r| r.status.as_u16() != 200) {
        r.assert_error(403, "InvalidImagePipeline.HasRunningExecution");
    }
    let listed = app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &pipeline)]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 1);
    assert_eq!(ids_of(&executions_of(&listed)), [text(&ok[0].body, "ExecutionId")]);
}

// ---------------------------------------------------------------------------------------------
// StartImagePipelineExecution parameters
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_same_client_token_returns_the_same_execution_even_after_it_finished() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[]).await;
    let params = [("ImagePipelineId", pipeline.as_str()), ("ClientToken", "start-once")];
    let first = text(app.call_in_region("StartImagePipelineExecution", &params).await.assert_ok(), "ExecutionId");
    let again = text(app.call_in_region("StartImagePipelineExecution", &params).await.assert_ok(), "ExecutionId");
    assert_eq!(again, first, "a replay while running");
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&first).await, "SUCCESS");
    let after = text(app.call_in_region("StartImagePipelineExecution", &params).await.assert_ok(), "ExecutionId");
    assert_eq!(after, first, "a replay after the end");
    let listed = app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &pipeline)]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 1, "no second build");
    assert_eq!(app.advance(600_000).await, 0);

    // A new token starts a new build.
    let other = text(
        app.call_in_region(
            "StartImagePipelineExecution",
            &[("ImagePipelineId", &pipeline), ("ClientToken", "start-twice")],
        )
        .await
        .assert_ok(),
        "ExecutionId",
    );
    assert_ne!(other, first);
}

#[tokio::test]
async fn execution_tags_are_stored_returned_and_filterable() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[]).await;
    let tagged = text(
        app.call_in_region(
            "StartImagePipelineExecution",
            &[
                ("ImagePipelineId", &pipeline),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "ci"),
                ("Tag.2.Key", "owner"),
                ("Tag.2.Value", ""),
            ],
        )
        .await
        .assert_ok(),
        "ExecutionId",
    );
    let item = app.execution(&tagged).await;
    assert_eq!(
        item["Tags"],
        json!({"Tag": [{"TagKey": "env", "TagValue": "ci"}, {"TagKey": "owner", "TagValue": ""}]})
    );
    app.run_builds_to_completion().await;
    let untagged = app.start(&pipeline).await;
    assert_eq!(app.execution(&untagged).await["Tags"], json!({"Tag": []}));

    let by = |filters: Vec<(&'static str, &'static str)>| {
        let mut params = vec![("ImagePipelineId", pipeline.as_str())];
        params.extend(filters);
        let app = &app;
        async move { ids_of(&executions_of(&app.call_in_region("DescribeImagePipelineExecutions", &params).await)) }
    };
    assert_eq!(by(vec![("Tag.1.Key", "env")]).await, [tagged.as_str()]);
    assert_eq!(by(vec![("Tag.1.Key", "env"), ("Tag.1.Value", "ci")]).await, [tagged.as_str()]);
    assert!(by(vec![("Tag.1.Key", "env"), ("Tag.1.Value", "prod")]).await.is_empty());
    assert_eq!(by(vec![("Tag.1.Key", "env"), ("Tag.2.Key", "owner")]).await, [tagged.as_str()]);
    assert!(by(vec![("Tag.1.Key", "missing")]).await.is_empty());
    assert_eq!(by(vec![]).await, [untagged, tagged]);
}

// ---------------------------------------------------------------------------------------------
// DescribeImagePipelineExecutions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn executions_filter_by_a_comma_separated_status_list() {
    let app = TestApp::spawn().await;
    let succeeding = app.create_pipeline(&[]).await;
    let failing = app.create_pipeline(&[("BuildContent", "RUN false")]).await;
    let success = build(&app, &succeeding).await;
    let failed = build(&app, &failing).await;
    let running_pipeline = app.create_pipeline(&[]).await;
    let running = app.start(&running_pipeline).await;
    let all = [text(&success, "ExecutionId"), text(&failed, "ExecutionId"), running.clone()].join(",");

    let by_status = |status: &'static str| {
        let params = [("ExecutionId", all.as_str()), ("Status", status)];
        let app = &app;
        async move {
            let mut statuses: Vec<String> =
                executions_of(&app.call_in_region("DescribeImagePipelineExecutions", &params).await)
                    .iter()
                    .map(|i| text(i, "Status"))
                    .collect();
            statuses.sort();
            statuses
        }
    };
    assert_eq!(by_status("SUCCESS,FAILED").await, ["FAILED", "SUCCESS"]);
    assert_eq!(by_status("PREPARING, BUILDING").await, ["PREPARING"]);
    assert_eq!(by_status("TEST_FAILED").await, Vec::<String>::new());
    let everything = app.call_in_region("DescribeImagePipelineExecutions", &[("ExecutionId", &all)]).await;
    assert_eq!(everything.assert_ok()["TotalCount"], 3);

    for bad in ["DONE", "SUCCESS,nope", "success"] {
        app.call_in_region("DescribeImagePipelineExecutions", &[("ExecutionId", &all), ("Status", bad)])
            .await
            .assert_error(400, "InvalidParameter.Status");
    }
}

#[tokio::test]
async fn describe_executions_refuses_missing_unknown_and_oversized_filters() {
    let app = TestApp::spawn().await;
    app.call_in_region("DescribeImagePipelineExecutions", &[])
        .await
        .assert_error(400, "MissingParameter.ImagePipelineId");
    app.call_in_region("DescribeImagePipelineExecutions", &[("Status", "SUCCESS")])
        .await
        .assert_error(400, "MissingParameter.ImagePipelineId");
    app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", "ip-00000000000000000000")])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");
    let foreign = app.create_pipeline(&[("AccessKeyId", OTHER_ACCOUNT)]).await;
    app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &foreign)])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");

    let ids = |n: usize| (1..=n).map(|i| format!("exec-{i:020x}")).collect::<Vec<_>>().join(",");
    let twenty_one = ids(21);
    app.call_in_region("DescribeImagePipelineExecutions", &[("ExecutionId", &twenty_one)])
        .await
        .assert_error(400, "InvalidExecutionId.SizeExceeded");
    let twenty = ids(20);
    let r = app.call_in_region("DescribeImagePipelineExecutions", &[("ExecutionId", &twenty)]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 0, "20 IDs are accepted");

    let pipeline = app.create_pipeline(&[]).await;
    app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &pipeline), ("NextToken", "garbage")])
        .await
        .assert_error(403, "Invalid.NextToken");
}

#[tokio::test]
async fn executions_page_newest_first_with_next_token_until_it_is_empty() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[]).await;
    let mut started = Vec::new();
    for _ in 0..5 {
        started.push(app.start(&pipeline).await);
        app.run_builds_to_completion().await;
    }
    started.reverse();

    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut token = String::new();
    for _ in 0..10 {
        let mut params = vec![("ImagePipelineId", pipeline.as_str()), ("MaxResults", "2")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let r = app.call_in_region("DescribeImagePipelineExecutions", &params).await;
        let body = r.assert_ok();
        assert_eq!(body["TotalCount"], 5);
        assert_eq!(body["MaxResults"], 2);
        let page = ids_of(&executions_of(&r));
        sizes.push(page.len());
        seen.extend(page);
        token = text(&r.body, "NextToken");
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen, started, "every execution once, newest first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5);
}

// ---------------------------------------------------------------------------------------------
// Persistence, naming, built images as bases
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_build_resumes_after_a_restart() {
    let app = spawn_phased().await;
    let pipeline = app.create_pipeline(&[("BuildContent", "RUN echo a\nRUN echo b")]).await;
    let id = app.start(&pipeline).await;
    let building = advance_to(&app, &id, "BUILDING").await;
    let app = app.restart().await;
    let after = app.execution(&id).await;
    assert_eq!(after, building, "the restart changes nothing by itself");
    app.run_builds_to_completion().await;
    let done = app.execution(&id).await;
    assert_eq!(done["Status"], "SUCCESS", "{done}");
    let image_id = text(&done, "ImageId");
    assert_eq!(images_as(&app, DEFAULT_ACCOUNT, REGION, &[("ImageId", &image_id)]).await.len(), 1);
}

#[tokio::test]
async fn with_the_name_suffix_disabled_the_image_takes_the_bare_prefix_which_then_is_taken() {
    let app = TestApp::spawn().await;
    let fixed = [("ImageOptions.ImageName", "golden"), ("AdvancedOptions.ImageNameSuffix", "disable")];
    let pipeline = app.create_pipeline(&fixed).await;
    let first = build(&app, &pipeline).await;
    assert_eq!(first["Status"], "SUCCESS", "{first}");
    let image_id = text(&first, "ImageId");
    let image = images_as(&app, DEFAULT_ACCOUNT, REGION, &[("ImageId", &image_id)]).await;
    assert_eq!(image[0]["ImageName"], "golden");

    let second = build(&app, &pipeline).await;
    assert_eq!(second["Status"], "FAILED", "{second}");
    assert_eq!(second["ErrorCode"], "InvalidImageName.Duplicated");
    assert!(text(&second, "ErrorInfo").contains("golden"), "{second}");
    assert!(second.get("ImageId").is_none(), "{second}");
    assert_eq!(images_as(&app, DEFAULT_ACCOUNT, REGION, &[("ImageName", "golden")]).await.len(), 1);

    app.try_create(&fixed).await.assert_error(400, "InvalidImageName.Duplicated");
    app.try_create(&[("ImageOptions.ImageName", "golden")]).await.assert_ok();
    app.try_create(&[("ImageOptions.ImageName", "golden"), ("AccessKeyId", OTHER_ACCOUNT), fixed[1]]).await.assert_ok();
}

/// Builds that finish in the same tick (the engine works them in one chunk, in memory) still see
/// each other's images: of two templates naming their image alike, one build makes it and the
/// other fails as when they run apart; a copy into a region where another build of the same tick
/// made that name is a distribution error, or the other build fails, whichever ran first.
#[tokio::test]
async fn builds_of_one_tick_see_the_image_names_the_others_took() {
    let app = TestApp::spawn().await;
    let fixed = [("ImageOptions.ImageName", "twin"), ("AdvancedOptions.ImageNameSuffix", "disable")];
    let first = app.create_pipeline(&fixed).await;
    let second = app.create_pipeline(&fixed).await;
    let copying = app
        .create_pipeline(&[
            ("ImageOptions.ImageName", "spread"),
            ("AdvancedOptions.ImageNameSuffix", "disable"),
            ("ToRegionId.1", "cn-beijing"),
        ])
        .await;
    let in_beijing = app
        .call(
            "CreateImagePipeline",
            &[
                ("RegionId", "cn-beijing"),
                ("BaseImageType", "IMAGE"),
                ("BaseImage", BASE_IMAGE),
                ("ImageOptions.ImageName", "spread"),
                ("AdvancedOptions.ImageNameSuffix", "disable"),
            ],
        )
        .await;
    let in_beijing = text(in_beijing.assert_ok(), "ImagePipelineId");
    let ids = [app.start(&first).await, app.start(&second).await, app.start(&copying).await];
    let beijing =
        app.call("StartImagePipelineExecution", &[("RegionId", "cn-beijing"), ("ImagePipelineId", &in_beijing)]).await;
    let beijing_id = text(beijing.assert_ok(), "ExecutionId");
    // Realistic durations: every build's remaining steps are applied by this one tick.
    app.advance(24 * 3_600_000).await;

    let mut twins: Vec<Value> = Vec::new();
    for id in &ids[..2] {
        twins.push(app.execution(id).await);
    }
    let statuses: Vec<&str> = twins.iter().map(|e| e["Status"].as_str().unwrap_or_default()).collect();
    assert!(statuses.contains(&"SUCCESS") && statuses.contains(&"FAILED"), "{twins:?}");
    let failed = twins.iter().find(|e| e["Status"] == "FAILED").cloned().unwrap_or_default();
    assert_eq!(failed["ErrorCode"], "InvalidImageName.Duplicated", "{failed}");
    assert_eq!(images_as(&app, DEFAULT_ACCOUNT, REGION, &[("ImageName", "twin")]).await.len(), 1);

    let copied = app.execution(&ids[2]).await;
    let reply =
        app.call("DescribeImagePipelineExecutions", &[("RegionId", "cn-beijing"), ("ExecutionId", &beijing_id)]).await;
    let other = reply.assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0].clone();
    match (copied["Status"].as_str(), other["Status"].as_str()) {
        (Some("SUCCESS"), Some("FAILED")) => assert_eq!(other["ErrorCode"], "InvalidImageName.Duplicated"),
        (Some("PARTITION_SUCCESS"), Some("SUCCESS")) => {
            assert!(text(&copied, "ErrorInfo").contains("already in use"), "{copied}")
        }
        outcome => panic!("one of the two must lose the name in cn-beijing: {outcome:?}\n{copied}\n{other}"),
    }
    assert_eq!(images_as(&app, DEFAULT_ACCOUNT, "cn-beijing", &[("ImageName", "spread")]).await.len(), 1);
    assert_eq!(images_as(&app, DEFAULT_ACCOUNT, REGION, &[("ImageName", "spread")]).await.len(), 1);
}

#[tokio::test]
async fn a_built_image_and_its_family_serve_as_base_images_until_deleted() {
    let app = spawn_phased().await;
    let family = [("ImageOptions.ImageName", "web"), ("ImageOptions.ImageFamily", "web-family")];
    let source = app.create_pipeline(&family).await;
    let older = text(&build(&app, &source).await, "ImageId");
    let newer = text(&build(&app, &source).await, "ImageId");
    assert_ne!(older, newer);

    // An image ID as the base.
    let from_image =
        app.call_in_region("CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", &older)]).await;
    let from_image = text(from_image.assert_ok(), "ImagePipelineId");
    let built = build(&app, &from_image).await;
    assert_eq!(built["Status"], "SUCCESS", "{built}");

    // A family as the base: the newest image of the family (named in the repair message).
    let from_family = app
        .call_in_region(
            "CreateImagePipeline",
            &[("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", "web-family"), ("RepairMode", "Standard")],
        )
        .await;
    let from_family = text(from_family.assert_ok(), "ImagePipelineId");
    let id = app.start(&from_family).await;
    let seen = observe(&app, &id).await;
    assert_eq!(phases(&seen).last().map(String::as_str), Some("SUCCESS"), "{seen:?}");
    let repair = seen.iter().find(|(s, _)| s == "REPAIRING").map(|(_, m)| m.clone()).expect("a REPAIRING phase");
    assert!(repair.contains(&format!("\"{newer}\"")), "{repair}");

    // Once the base is gone, its template cannot start.
    app.call_in_region("DeleteImage", &[("ImageId", &older)]).await.assert_ok();
    app.call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", &from_image)])
        .await
        .assert_error(404, "InvalidImagePipeline.BaseImageNotFound");
    app.call_in_region("CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", &older)])
        .await
        .assert_error(404, "InvalidImage.NotFound");
    app.call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", &from_family)]).await.assert_ok();
}

#[tokio::test]
async fn a_client_token_retry_gets_its_first_answer_even_after_the_base_image_is_gone() {
    let app = spawn_phased().await;
    let source = app.create_pipeline(&[("ImageOptions.ImageName", "base")]).await;
    let base = text(&build(&app, &source).await, "ImageId");
    let create = [("BaseImageType", "IMAGE"), ("BaseImage", base.as_str()), ("ClientToken", "create-once")];
    let pipeline = text(app.call_in_region("CreateImagePipeline", &create).await.assert_ok(), "ImagePipelineId");
    let start = [("ImagePipelineId", pipeline.as_str()), ("ClientToken", "start-once")];
    let execution = text(app.call_in_region("StartImagePipelineExecution", &start).await.assert_ok(), "ExecutionId");
    app.run_builds_to_completion().await;

    app.call_in_region("DeleteImage", &[("ImageId", &base)]).await.assert_ok();

    let replayed_create = app.call_in_region("CreateImagePipeline", &create).await;
    assert_eq!(text(replayed_create.assert_ok(), "ImagePipelineId"), pipeline);
    let replayed_start = app.call_in_region("StartImagePipelineExecution", &start).await;
    assert_eq!(text(replayed_start.assert_ok(), "ExecutionId"), execution);
    // Without the token the world has changed: the base is gone.
    app.call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", &pipeline)])
        .await
        .assert_error(404, "InvalidImagePipeline.BaseImageNotFound");
}

// ---------------------------------------------------------------------------------------------
// The real scheduler
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_real_scheduler_runs_a_build_to_success_on_the_wall_clock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(dir.path().join("scheduler.db").to_string_lossy().into_owned());
    config.run_scheduler = true;
    config.phase_duration = Some(5);
    let app = App::build_with_clock(config, SystemClock).await.expect("app builds");
    let base_url = format!("http://{}", app.local_addr().expect("bound"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let call = |action: &'static str, params: Vec<(&'static str, String)>| {
        let client = client.clone();
        let base_url = base_url.clone();
        async move {
            let mut query: Vec<(&str, String)> = vec![
                ("Action", action.to_string()),
                ("Version", "2014-05-26".to_string()),
                ("Format", "JSON".to_string()),
                ("RegionId", REGION.to_string()),
            ];
            query.extend(params);
            reply(client.get(&base_url).query(&query).send().await.expect("request sent")).await
        }
    };

    let created = call(
        "CreateImagePipeline",
        vec![
            ("BaseImageType", "IMAGE".into()),
            ("BaseImage", BASE_IMAGE.into()),
            ("BuildContent", "RUN echo hello".into()),
            ("TestContent", "RUN echo test".into()),
        ],
    )
    .await;
    let pipeline = text(created.assert_ok(), "ImagePipelineId");
    let started = call("StartImagePipelineExecution", vec![("ImagePipelineId", pipeline.clone())]).await;
    let id = text(started.assert_ok(), "ExecutionId");

    let mut last = Value::Null;
    for _ in 0..500 {
        let r = call("DescribeImagePipelineExecutions", vec![("ExecutionId", id.clone())]).await;
        last = executions_of(&r)[0].clone();
        if TERMINAL.contains(&text(&last, "Status").as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(last["Status"], "SUCCESS", "{last}");
    assert!(text(&last, "ImageId").starts_with("m-"), "{last}");

    let _ = stop.send(());
    server.await.expect("server task").expect("server ran");
}
