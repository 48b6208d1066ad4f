//! Image components end to end (docs/reference.md §6.4–§6.6, §7.1–§7.3): create → describe → delete with
//! every parameter and documented error, version numbering, YAML parameters, filters and paging,
//! the system catalog, references from templates (by ID and by wildcard ARN, resolved again at each
//! build), builds that run the component, and the in-use refusal.

use ecs_imagebuilder_emulator::domain::component::{self, Component, ComponentType, Owner, SystemType, Version};
use ecs_imagebuilder_emulator::error::ApiError;
use ecs_imagebuilder_emulator::store::Store;
use serde_json::{json, Value};

use crate::helpers::{text, Reply, TestApp, REGION};

/// The account of calls without a 16-digit AccessKeyId.
const ACCOUNT: &str = "1000000000000001";
pub(crate) const OTHER_ACCOUNT: &str = "1234567890123456";
/// The ARN account of system components.
const SYSTEM_ACCOUNT: &str = "1000000000000000";
const TERMINAL: [&str; 5] = ["SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED"];

const YAML: &str = "Parameters:
  greeting:
    Type: String
    DefaultValue: hello
  count:
    Type: Number
  verbose:
    Type: Boolean
    DefaultValue: false
Tasks:
  - Name: Greet
    Action: RunShellCommand
    Properties:
      commandContent: echo {{ greeting }} {{ count }}
  - Name: Restart
    Action: Reboot
";

fn arn(name: &str, version: &str) -> String {
    format!("acs:ecs:{REGION}:{ACCOUNT}:imagecomponent/{name}/{version}")
}

pub(crate) async fn try_component(app: &TestApp, params: &[(&str, &str)]) -> Reply {
    app.call_in_region("CreateImageComponent", params).await
}

/// Creates a component; returns its ID.
pub(crate) async fn component(app: &TestApp, params: &[(&str, &str)]) -> String {
    text(try_component(app, params).await.assert_ok(), "ImageComponentId")
}

/// DescribeImageComponents with the given parameters; the set.
pub(crate) async fn describe(app: &TestApp, params: &[(&str, &str)]) -> Vec<Value> {
    let reply = app.call_in_region("DescribeImageComponents", params).await;
    reply.assert_ok()["ImageComponent"]["ImageComponentSet"].as_array().expect("set").clone()
}

async fn one(app: &TestApp, id: &str) -> Value {
    let set = describe(app, &[("ImageComponentId.1", id)]).await;
    assert_eq!(set.len(), 1, "{id}: {set:?}");
    set[0].clone()
}

fn field(set: &[Value], key: &str) -> Vec<String> {
    set.iter().map(|c| text(c, key)).collect()
}

/// An emulator whose build phases take 10 s each, so every step can be watched.
async fn spawn_phased() -> TestApp {
    TestApp::spawn_with(|c| c.phase_duration = Some(10_000)).await
}

/// Every distinct `Message` of a build from now until it ends, and its final item.
async fn watch(app: &TestApp, id: &str) -> (Vec<String>, Value) {
    let mut seen: Vec<String> = Vec::new();
    app.tick().await;
    for _ in 0..10_000 {
        let item = app.execution(id).await;
        let message = text(&item, "Message");
        if seen.last() != Some(&message) {
            seen.push(message);
        }
        if TERMINAL.contains(&text(&item, "Status").as_str()) {
            return (seen, item);
        }
        app.advance(50).await;
    }
    panic!("execution {id} did not end: {seen:?}");
}

// ---------------------------------------------------------------------------------------------
// Create and describe
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_component_round_trips_every_parameter_with_its_yaml_parameters() {
    let app = TestApp::spawn().await;
    let id = component(
        &app,
        &[
            ("Name", "greeter"),
            ("Description", "says hello"),
            ("SystemType", "Linux"),
            ("ComponentType", "Build"),
            ("ComponentVersion", "2.1.3"),
            ("Content", YAML),
            ("ResourceGroupId", "rg-acfmdev0000000001"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "web"),
        ],
    )
    .await;
    assert!(id.starts_with("ic-") && id.len() == 23, "{id}");
    let expected = json!({
        "ImageComponentId": id,
        "Name": "greeter",
        "Description": "says hello",
        "CreationTime": "2023-11-14T22:13:20Z",
        "SystemType": "Linux",
        "ComponentType": "Build",
        "ComponentVersion": "2.1.3",
        "Content": YAML,
        "Owner": "SELF",
        "ResourceGroupId": "rg-acfmdev0000000001",
        "Tags": {"Tag": [{"TagKey": "team", "TagValue": "web"}]},
        "Parameters": {"Parameter": [
            {"Name": "greeting", "Type": "String", "DefaultValue": "hello"},
            {"Name": "count", "Type": "Number"},
            {"Name": "verbose", "Type": "Boolean", "DefaultValue": "false"}
        ]}
    });
    assert_eq!(one(&app, &id).await, expected);
}

#[tokio::test]
async fn defaults_apply_and_the_name_defaults_to_the_id() {
    let app = TestApp::spawn().await;
    let id = component(&app, &[("Content", "RUN echo hi\nRESTART")]).await;
    let item = one(&app, &id).await;
    assert_eq!(text(&item, "Name"), id);
    assert_eq!(text(&item, "ComponentVersion"), "1.0.0");
    assert_eq!((text(&item, "SystemType"), text(&item, "ComponentType")), ("Linux".into(), "Build".into()));
    assert_eq!(item["Parameters"], json!({"Parameter": []}));
    assert!(item.get("Description").is_none() && item.get("ResourceGroupId").is_none());
}

#[tokio::test]
async fn versions_default_to_the_next_major_version_of_the_name() {
    let app = TestApp::spawn().await;
    let version = |item: Value| text(&item, "ComponentVersion");
    let first = component(&app, &[("Name", "web"), ("Content", "RUN a")]).await;
    assert_eq!(version(one(&app, &first).await), "1.0.0");
    component(&app, &[("Name", "web"), ("Content", "RUN a"), ("ComponentVersion", "3.4.5")]).await;
    component(&app, &[("Name", "web"), ("Content", "RUN a"), ("ComponentVersion", "1.9.0")]).await;
    let next = component(&app, &[("Name", "web"), ("Content", "RUN a")]).await;
    assert_eq!(version(one(&app, &next).await), "4.0.0");
    let other = component(&app, &[("Name", "api"), ("Content", "RUN a")]).await;
    assert_eq!(version(one(&app, &other).await), "1.0.0");
    // Another account numbers its own versions.
    let foreign = text(
        try_component(&app, &[("Name", "web"), ("Content", "RUN a"), ("AccessKeyId", OTHER_ACCOUNT)]).await.assert_ok(),
        "ImageComponentId",
    );
    let set = describe(&app, &[("ImageComponentId.1", &foreign), ("AccessKeyId", OTHER_ACCOUNT)]).await;
    assert_eq!(field(&set, "ComponentVersion"), ["1.0.0"]);
}

#[tokio::test]
async fn a_client_token_replays_the_first_component_and_refuses_changed_parameters() {
    let app = TestApp::spawn().await;
    let params = [("Name", "web"), ("Content", "RUN a"), ("ClientToken", "token-1")];
    let first = component(&app, &params).await;
    assert_eq!(component(&app, &params).await, first);
    assert_eq!(describe(&app, &[("Name", "web")]).await.len(), 1);
    try_component(&app, &[("Name", "web"), ("Content", "RUN b"), ("ClientToken", "token-1")])
        .await
        .assert_error(400, "IdempotentParameterMismatch");
}

#[tokio::test]
async fn the_component_quota_counts_the_stored_components() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("q.db").to_string_lossy()).await.expect("store");
    let make = |id: &str| Component {
        id: id.into(),
        account: ACCOUNT.into(),
        region: REGION.into(),
        name: id.into(),
        description: None,
        system_type: SystemType::Linux,
        component_type: ComponentType::Build,
        version: Version::FIRST,
        content: "RUN a".into(),
        parameters: vec![],
        owner: Owner::Custom,
        resource_group_id: None,
        created_ms: 1,
    };
    let mut tx = store.write().await.expect("write");
    component::check_quota(tx.component_count(ACCOUNT, REGION).await.expect("count"), Some(1)).expect("first fits");
    tx.insert_component(&make("ic-a"), &[]).await.expect("insert");
    tx.commit().await.expect("commit");
    let mut tx = store.write().await.expect("write");
    let count = tx.component_count(ACCOUNT, REGION).await.expect("count");
    let err = ApiError::from(component::check_quota(count, Some(1)).expect_err("full"));
    drop(tx);
    assert_eq!((err.code_str(), err.status().as_u16()), ("QuotaExceed.ImageComponent", 400));
    store.close().await;
}

// ---------------------------------------------------------------------------------------------
// Filters, paging, the system catalog
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn describe_filters_by_id_name_version_owner_types_group_and_tags() {
    let app = TestApp::spawn().await;
    let later = |params: &'static [(&'static str, &'static str)]| {
        app.clock.advance(1_000);
        component(&app, params)
    };
    let v100 = later(&[("Name", "web"), ("Content", "RUN a"), ("Tag.1.Key", "env"), ("Tag.1.Value", "ci")]).await;
    let v120 = later(&[("Name", "web"), ("Content", "RUN a"), ("ComponentVersion", "1.2.0")]).await;
    let v200 = later(&[("Name", "web"), ("Content", "RUN a"), ("ResourceGroupId", "rg-acfmprod000000001")]).await;
    let test = later(&[("Name", "check"), ("Content", "RUN a"), ("ComponentType", "Test")]).await;
    let ids = |set: Vec<Value>| field(&set, "ImageComponentId");

    assert_eq!(
        ids(describe(&app, &[("Name", "web"), ("Owner", "SELF")]).await),
        [v200.as_str(), v120.as_str(), v100.as_str()]
    );
    assert_eq!(ids(describe(&app, &[("Name", "we")]).await), Vec::<String>::new());
    assert_eq!(
        ids(describe(&app, &[("Name", "web"), ("ComponentVersion", "1.*.0")]).await),
        [v120.as_str(), v100.as_str()]
    );
    assert_eq!(
        ids(describe(&app, &[("Name", "web"), ("ComponentVersion", "*.0.0")]).await),
        [v200.as_str(), v100.as_str()]
    );
    assert_eq!(ids(describe(&app, &[("Name", "web"), ("ComponentVersion", "1.2.0")]).await), [v120.as_str()]);
    // Without Name, ComponentVersion has no effect.
    assert_eq!(describe(&app, &[("ComponentVersion", "9.9.9"), ("Owner", "SELF")]).await.len(), 4);
    assert_eq!(
        ids(describe(&app, &[("ImageComponentId.1", &v100), ("ImageComponentId.2", &test)]).await),
        [test.as_str(), v100.as_str()]
    );
    assert_eq!(ids(describe(&app, &[("ComponentType", "Test"), ("Owner", "SELF")]).await), [test.as_str()]);
    assert_eq!(ids(describe(&app, &[("ResourceGroupId", "rg-acfmprod000000001")]).await), [v200.as_str()]);
    assert_eq!(ids(describe(&app, &[("Tag.1.Key", "env")]).await), [v100.as_str()]);
    assert_eq!(ids(describe(&app, &[("Tag.1.Key", "env"), ("Tag.1.Value", "ci")]).await), [v100.as_str()]);
    assert!(describe(&app, &[("Tag.1.Key", "env"), ("Tag.1.Value", "prod")]).await.is_empty());
    assert!(describe(&app, &[("SystemType", "Windows"), ("Owner", "SELF")]).await.is_empty());
    assert!(describe(&app, &[("ImageComponentId.1", "ic-unknown")]).await.is_empty());
    // Tenancy: another account sees none of them.
    assert!(describe(&app, &[("Owner", "SELF"), ("AccessKeyId", OTHER_ACCOUNT)]).await.is_empty());
}

#[tokio::test]
async fn system_components_are_listed_read_only_and_with_their_parameters() {
    let app = TestApp::spawn().await;
    let system = describe(&app, &[("Owner", "ALIYUN")]).await;
    assert!(system.len() >= 5, "{system:?}");
    assert!(system.iter().all(|c| c["Owner"] == "ALIYUN"));
    let tz: Vec<&Value> = system.iter().filter(|c| c["Name"] == "timezone").collect();
    assert_eq!(
        tz[0]["Parameters"]["Parameter"][0],
        json!({"Name": "TimeZone", "Type": "String", "DefaultValue": "Asia/Shanghai"})
    );
    app.clock.advance(2 * 365 * 86_400_000); // into 2025, after the catalog's publication dates
    let mine = component(&app, &[("Content", "RUN a")]).await;
    let everything = describe(&app, &[("MaxResults", "100")]).await;
    assert_eq!(everything.len(), system.len() + 1);
    assert_eq!(text(&everything[0], "ImageComponentId"), mine, "newest first");
    let monitor = describe(&app, &[("Name", "cloudmonitor-agent"), ("ComponentVersion", "1.1.*")]).await;
    assert_eq!(field(&monitor, "ComponentVersion"), ["1.1.0"]);
    let windows = describe(&app, &[("SystemType", "Windows")]).await;
    assert_eq!(field(&windows, "Name"), ["windows-update"]);
    let tests = describe(&app, &[("ComponentType", "Test"), ("Owner", "ALIYUN")]).await;
    assert!(tests.len() >= 2 && tests.iter().all(|c| c["ComponentType"] == "Test"));
}

#[tokio::test]
async fn components_page_newest_first_across_custom_and_system_ones() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.clock.advance(1_000);
        component(&app, &[("Name", format!("c{i}").as_str()), ("Content", "RUN a")]).await;
    }
    let all = describe(&app, &[("MaxResults", "500")]).await;
    let mut token = String::new();
    let mut paged: Vec<String> = Vec::new();
    for _ in 0..100 {
        let mut params = vec![("MaxResults", "3")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let reply = app.call_in_region("DescribeImageComponents", &params).await;
        let body = reply.assert_ok();
        assert_eq!(body["TotalCount"], json!(all.len()));
        assert_eq!(body["MaxResults"], json!(3));
        paged.extend(field(body["ImageComponent"]["ImageComponentSet"].as_array().expect("set"), "ImageComponentId"));
        token = text(body, "NextToken");
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(paged, field(&all, "ImageComponentId"));
    let custom = field(&describe(&app, &[("Owner", "SELF")]).await, "ImageComponentId");
    assert_eq!(custom.len(), 5);
    assert!(custom.iter().all(|id| paged.contains(id)));
    let times = field(&all, "CreationTime");
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
}

// ---------------------------------------------------------------------------------------------
// References from templates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn templates_reference_components_by_id_and_by_arn_with_wildcards() {
    let app = TestApp::spawn().await;
    let id = component(&app, &[("Name", "web"), ("Content", "RUN a")]).await;
    let test_id = component(&app, &[("Name", "check"), ("Content", "RUN a"), ("ComponentType", "Test")]).await;
    let build = format!("COMPONENT {id}\nCOMPONENT {}\nCOMPONENT {}", arn("web", "1.*.*"), arn("web", "*.*.*"));
    let test = format!("COMPONENT {test_id}\nCOMPONENT {}", arn("check", "1.0.0"));
    app.create_pipeline(&[("BuildContent", &build), ("TestContent", &test)]).await;
    let system = format!(
        "COMPONENT ic-aliyuntimezone1000000 --TimeZone UTC\nCOMPONENT acs:ecs:{REGION}:{SYSTEM_ACCOUNT}:imagecomponent/cloudmonitor-agent/1.*.*"
    );
    app.create_pipeline(&[("BuildContent", &system)]).await;
}

#[tokio::test]
async fn unknown_references_are_not_found_and_wrong_kinds_are_not_supported() {
    let app = TestApp::spawn().await;
    let app = &app;
    let build_id = component(app, &[("Name", "web"), ("Content", "RUN a")]).await;
    let test_id = component(app, &[("Name", "check"), ("Content", "RUN a"), ("ComponentType", "Test")]).await;
    let foreign = text(
        try_component(app, &[("Name", "web"), ("Content", "RUN a"), ("AccessKeyId", OTHER_ACCOUNT)]).await.assert_ok(),
        "ImageComponentId",
    );
    let build = |content: String| async move { app.try_create(&[("BuildContent", content.as_str())]).await };
    for missing in [
        "COMPONENT ic-doesnotexist".to_string(),
        format!("COMPONENT {foreign}"),
        format!("COMPONENT {}", arn("web", "2.*.*")),
        format!("COMPONENT {}", arn("nope", "*.*.*")),
        format!("COMPONENT acs:ecs:cn-beijing:{ACCOUNT}:imagecomponent/web/1.0.0"),
        format!("COMPONENT acs:ecs:{REGION}:{OTHER_ACCOUNT}:imagecomponent/web/1.0.0"),
        format!("COMPONENT acs:ecs:{REGION}:{ACCOUNT}:imagecomponent/timezone/1.0.0"),
    ] {
        let reply = build(missing.clone()).await;
        reply.assert_error(404, "ImageComponent.NotFound");
        assert!(text(&reply.body, "Message").contains("BuildContent line 1"), "{missing}: {}", reply.body);
    }
    build(format!("COMPONENT {test_id}")).await.assert_error(400, "InvalidImageComponent.NotSupported");
    build("COMPONENT ic-aliyunwinupdate100000".into()).await.assert_error(400, "InvalidImageComponent.NotSupported");
    app.try_create(&[("TestContent", &format!("COMPONENT {build_id}"))])
        .await
        .assert_error(400, "InvalidImageComponent.NotSupported");
    app.try_create(&[("TestContent", "COMPONENT ic-aliyunsshdcheck100000")]).await.assert_ok();
}

#[tokio::test]
async fn component_arguments_are_checked_against_its_parameters() {
    let app = TestApp::spawn().await;
    let app = &app;
    let id = component(app, &[("Name", "greeter"), ("Content", YAML)]).await;
    let build = |args: &'static str| {
        let content = format!("COMPONENT {id} {args}");
        async move { app.try_create(&[("BuildContent", content.as_str())]).await }
    };
    build("--count 3").await.assert_ok();
    build("--count 3 --greeting hi --verbose TRUE").await.assert_ok();
    for bad in ["", "--greeting hi", "--count three", "--count 1 --verbose maybe", "--count 1 --colour red"] {
        let reply = build(bad).await;
        reply.assert_error(400, "InvalidParameter.BuildContent");
        assert!(text(&reply.body, "Message").contains("greeter"), "{}", reply.body);
    }
    let plain = component(app, &[("Content", "RUN a")]).await;
    app.try_create(&[("BuildContent", &format!("COMPONENT {plain} --x 1"))])
        .await
        .assert_error(400, "InvalidParameter.BuildContent");
}

// ---------------------------------------------------------------------------------------------
// Builds run components
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_build_runs_each_command_and_task_of_its_components_naming_them() {
    let app = spawn_phased().await;
    let yaml = component(&app, &[("Name", "greeter"), ("Content", YAML)]).await;
    let commands = component(&app, &[("Name", "setup"), ("Content", "RUN useradd web\nUSER web\nRESTART")]).await;
    let build =
        format!("RUN echo before\nCOMPONENT {yaml} --count 2 --greeting hey\nCOMPONENT {commands}\nRUN echo after");
    let pipeline = app.create_pipeline(&[("BuildContent", &build)]).await;
    let execution = app.start(&pipeline).await;
    let (messages, done) = watch(&app, &execution).await;
    assert_eq!(text(&done, "Status"), "SUCCESS", "{messages:#?}");
    let building: Vec<&String> = messages.iter().filter(|m| m.starts_with("Run command")).collect();
    let expected = [
        "Run command 1/4 (line 1): RUN echo before success!".to_string(),
        format!("Run command 2/4 (line 2): component \"greeter\" 1.0.0 ({yaml}) step 1/2 (task \"Greet\" (RunShellCommand)): RUN echo hey 2 success!"),
        format!("Run command 2/4 (line 2): component \"greeter\" 1.0.0 ({yaml}) step 2/2 (task \"Restart\" (Reboot)): restart instance"),
        format!("Run command 3/4 (line 3): component \"setup\" 1.0.0 ({commands}) step 1/3 (line 1): RUN useradd web success!"),
        format!("Run command 3/4 (line 3): component \"setup\" 1.0.0 ({commands}) step 2/3 (line 2): USER web success!"),
        format!("Run command 3/4 (line 3): component \"setup\" 1.0.0 ({commands}) step 3/3 (line 3): restart instance"),
        "Run command 4/4 (line 4): RUN echo after success!".to_string(),
    ];
    assert_eq!(building.len(), expected.len(), "{building:#?}");
    for (seen, wanted) in building.iter().zip(expected.iter()) {
        assert!(seen.starts_with(wanted.as_str()), "{seen}\n  does not start with\n{wanted}");
    }
}

#[tokio::test]
async fn a_component_step_that_downloads_without_bandwidth_fails_the_build_naming_the_component() {
    let app = TestApp::spawn().await;
    let web = "Tasks:\n  - Name: Fetch\n    Action: WebDownload\n    Properties:\n      sourcePath: https://example.com/app.tgz\n      destinationDir: /opt\n";
    let id = component(&app, &[("Name", "fetcher"), ("Content", web)]).await;
    let offline = app.create_pipeline(&[("BuildContent", &format!("COMPONENT {id}"))]).await;
    let execution = app.start(&offline).await;
    app.run_builds_to_completion().await;
    let item = app.execution(&execution).await;
    assert_eq!((text(&item, "Status"), text(&item, "ErrorCode")), ("FAILED".into(), "CommandExecutionFailed".into()));
    let info = text(&item, "ErrorInfo");
    assert!(info.contains("\"fetcher\" 1.0.0") && info.contains("InternetMaxBandwidthOut=0"), "{info}");

    let online =
        app.create_pipeline(&[("BuildContent", &format!("COMPONENT {id}")), ("InternetMaxBandwidthOut", "5")]).await;
    let execution = app.start(&online).await;
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&execution).await, "SUCCESS");

    let system = "COMPONENT ic-aliyundockerce1000000";
    let docker = app.create_pipeline(&[("BuildContent", system)]).await;
    let execution = app.start(&docker).await;
    app.run_builds_to_completion().await;
    assert!(text(&app.execution(&execution).await, "ErrorInfo").contains("\"docker-ce\" 1.0.0"));
}

#[tokio::test]
async fn a_failing_test_component_ends_the_build_test_failed() {
    let app = TestApp::spawn().await;
    let id = component(&app, &[("Name", "gate"), ("Content", "RUN exit 3"), ("ComponentType", "Test")]).await;
    let pipeline = app.create_pipeline(&[("TestContent", &format!("COMPONENT {id}"))]).await;
    let execution = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    let item = app.execution(&execution).await;
    assert_eq!(text(&item, "Status"), "TEST_FAILED");
    assert!(text(&item, "ErrorInfo").contains("\"gate\" 1.0.0"), "{item}");
}

#[tokio::test]
async fn a_wildcard_picks_up_a_version_published_between_two_builds() {
    let app = spawn_phased().await;
    component(&app, &[("Name", "web"), ("Content", "RUN echo one"), ("ComponentVersion", "1.0.0")]).await;
    let reference = arn("web", "1.*.*");
    let pipeline = app.create_pipeline(&[("BuildContent", &format!("COMPONENT {reference}"))]).await;

    let first = app.start(&pipeline).await;
    let (messages, done) = watch(&app, &first).await;
    assert_eq!(text(&done, "Status"), "SUCCESS");
    assert!(messages.iter().any(|m| m.contains("\"web\" 1.0.0") && m.contains("RUN echo one")), "{messages:#?}");

    let newer = component(&app, &[("Name", "web"), ("Content", "RUN echo two"), ("ComponentVersion", "1.10.0")]).await;
    component(&app, &[("Name", "web"), ("Content", "RUN echo three"), ("ComponentVersion", "1.9.0")]).await;
    component(&app, &[("Name", "web"), ("Content", "RUN echo major"), ("ComponentVersion", "2.0.0")]).await;
    let second = app.start(&pipeline).await;
    let (messages, done) = watch(&app, &second).await;
    assert_eq!(text(&done, "Status"), "SUCCESS");
    let wanted = format!("\"web\" 1.10.0 ({newer})");
    assert!(messages.iter().any(|m| m.contains(&wanted) && m.contains("RUN echo two")), "{messages:#?}");
    assert!(!messages.iter().any(|m| m.contains("echo one") || m.contains("echo major")), "{messages:#?}");
}

// ---------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_component_in_use_by_a_template_cannot_be_deleted_until_the_template_is() {
    let app = TestApp::spawn().await;
    let app = &app;
    let by_id = component(app, &[("Name", "by-id"), ("Content", "RUN a")]).await;
    let by_arn = component(app, &[("Name", "by-arn"), ("Content", "RUN a"), ("ComponentVersion", "1.4.0")]).await;
    let unused = component(app, &[("Name", "by-arn"), ("Content", "RUN a"), ("ComponentVersion", "2.0.0")]).await;
    let test = component(app, &[("Name", "tester"), ("Content", "RUN a"), ("ComponentType", "Test")]).await;
    let pipeline = app
        .create_pipeline(&[
            ("BuildContent", &format!("COMPONENT {by_id}\nCOMPONENT {}", arn("by-arn", "1.*.*"))),
            ("TestContent", &format!("COMPONENT {test}")),
        ])
        .await;
    let delete = |id: String| async move {
        app.call_in_region("DeleteImageComponent", &[("ImageComponentId", id.as_str())]).await
    };
    for used in [&by_id, &by_arn, &test] {
        let reply = delete(used.clone()).await;
        reply.assert_error(403, "InvalidImageComponent.InUse");
        assert!(text(&reply.body, "Message").contains(&pipeline), "{}", reply.body);
    }
    delete(unused.clone()).await.assert_ok();
    assert!(describe(app, &[("ImageComponentId.1", &unused)]).await.is_empty());
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &pipeline)]).await.assert_ok();
    for freed in [by_id, by_arn, test] {
        delete(freed).await.assert_ok();
    }
}

#[tokio::test]
async fn the_component_quota_flag_limits_components_per_account_and_region() {
    let app = TestApp::spawn_with(|c| c.component_quota = Some(1)).await;
    component(&app, &[("Name", "first"), ("Content", "RUN echo one")]).await;
    try_component(&app, &[("Name", "second"), ("Content", "RUN echo two")])
        .await
        .assert_error(400, "QuotaExceed.ImageComponent");
    // Another account has its own quota.
    component(&app, &[("Name", "first"), ("Content", "RUN echo one"), ("AccessKeyId", "1234567890123456")]).await;
}
