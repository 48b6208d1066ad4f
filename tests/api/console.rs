//! The web console (`/_emulator/console/`): its pages and assets are served with the right content
//! types, and its data endpoints show exactly the state the API serves, without writing to the
//! request journal or tripping injected faults.

use serde_json::{json, Value};

use crate::helpers::TestApp;

const ACCOUNT: &str = "1234567890123456";
const SHARE: &str = "2234567890123456";
const PHASE_MS: i64 = 1_000;

/// GET on the console: status, content type, body (JSON when it parses).
async fn get(app: &TestApp, path: &str) -> (u16, String, Value, reqwest::header::HeaderMap) {
    let response = app.client.get(format!("{}/_emulator/console{path}", app.base_url)).send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, body, headers)
}

/// Creates the tour's template as ACCOUNT and runs one build of it to completion.
async fn built(app: &TestApp) -> (String, String) {
    let pipeline = app
        .create_pipeline(&[
            ("AccessKeyId", ACCOUNT),
            ("Name", "web"),
            ("ImageOptions.ImageName", "web"),
            ("ToRegionId.1", "cn-beijing"),
            ("AddAccount.1", SHARE),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "web"),
            ("BuildContent", "RUN echo hi\nRUN echo there"),
        ])
        .await;
    let reply = app
        .call_in_region("StartImagePipelineExecution", &[("AccessKeyId", ACCOUNT), ("ImagePipelineId", &pipeline)])
        .await;
    let execution = reply.assert_ok()["ExecutionId"].as_str().expect("ExecutionId").to_string();
    app.run_builds_to_completion().await;
    (pipeline, execution)
}

#[tokio::test]
async fn pages_and_assets_are_served_with_their_content_types_and_a_same_origin_policy() {
    let app = TestApp::spawn().await;
    for page in ["", "/", "/templates", "/builds", "/builds/exec-x", "/images", "/components", "/requests", "/emulator"]
    {
        let (status, content_type, body, headers) = get(&app, page).await;
        assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"), "page {page:?}");
        assert!(body.as_str().is_some_and(|html| html.contains("<main id=\"main\"")), "page {page:?}");
        let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("default-src 'self'"), "{csp}");
    }
    let (status, content_type, css, _) = get(&app, "/assets/console.css").await;
    assert_eq!((status, content_type.as_str()), (200, "text/css; charset=utf-8"));
    assert!(css.as_str().is_some_and(|c| c.contains(".tl-chart")));
    let (status, content_type, js, _) = get(&app, "/assets/console.js").await;
    assert_eq!((status, content_type.as_str()), (200, "text/javascript; charset=utf-8"));
    assert!(js.as_str().is_some_and(|j| j.contains("/_emulator/console/api") || j.contains("BASE + '/api'")));

    let (status, content_type, _, _) = get(&app, "/no/such/page").await;
    assert_eq!((status, content_type.as_str()), (404, "text/html; charset=utf-8"));
    let (status, content_type, body, _) = get(&app, "/api/nothing").await;
    assert_eq!((status, content_type.as_str(), &body["error"]), (404, "application/json", &json!("Not Found")));
    let (status, _, body, _) = get(&app, "/api/templates?region=mars-1").await;
    assert_eq!(status, 400, "{body}");
    let (status, _, body, _) = get(&app, "/api/builds?status=DONE").await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn data_endpoints_show_the_state_the_api_serves() {
    let app = TestApp::spawn_with(|c| c.phase_duration = Some(PHASE_MS)).await;
    let (pipeline, execution) = built(&app).await;

    // Scope: the owner in both regions, the share account where the images are.
    let (_, _, scope, _) = get(&app, "/api/scope").await;
    let pairs: Vec<(String, String)> = scope["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .map(|s| (s["account"].as_str().unwrap_or("").into(), s["region"].as_str().unwrap_or("").into()))
        .collect();
    for pair in [(ACCOUNT, "cn-hangzhou"), (ACCOUNT, "cn-beijing"), (SHARE, "cn-hangzhou"), (SHARE, "cn-beijing")] {
        assert!(pairs.contains(&(pair.0.to_string(), pair.1.to_string())), "{pair:?} missing from {pairs:?}");
    }

    // Templates: the very item DescribeImagePipelines returns, plus the last build.
    let described = app
        .call_in_region("DescribeImagePipelines", &[("AccessKeyId", ACCOUNT), ("ImagePipelineId.1", &pipeline)])
        .await
        .assert_ok()["ImagePipeline"]["ImagePipelineSet"][0]
        .clone();
    let (status, content_type, templates, _) = get(&app, &format!("/api/templates?account={ACCOUNT}")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(templates["templates"][0]["template"], described);
    assert_eq!(templates["templates"][0]["lastBuild"]["executionId"], json!(execution));
    assert_eq!(templates["templates"][0]["lastBuild"]["status"], "SUCCESS");
    let (_, _, other, _) = get(&app, "/api/templates?account=9999999999999999").await;
    assert_eq!(other["templates"], json!([]), "another account sees nothing");

    // Builds: the list, its filters, and the status DescribeImagePipelineExecutions reports.
    let api_status = app
        .call_in_region("DescribeImagePipelineExecutions", &[("AccessKeyId", ACCOUNT), ("ExecutionId", &execution)])
        .await
        .assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0]["Status"]
        .clone();
    let (_, _, builds, _) = get(&app, &format!("/api/builds?account={ACCOUNT}")).await;
    let row = &builds["builds"][0];
    assert_eq!(
        (&row["executionId"], &row["status"], &row["pipelineName"]),
        (&json!(execution), &api_status, &json!("web"))
    );
    assert_eq!(row["stepsDone"], row["stepsTotal"]);
    for (filter, count) in [("SUCCESS", 1), ("FAILED,TEST_FAILED", 0), ("RUNNING", 0)] {
        let (_, _, filtered, _) = get(&app, &format!("/api/builds?account={ACCOUNT}&status={filter}")).await;
        assert_eq!(filtered["total"], count, "status={filter}: {filtered}");
    }

    // One build: the same events as the control plane's timeline, phases, resources, images.
    let (_, timeline) = app.admin("GET", &format!("/executions/{execution}"), None).await;
    let (_, _, build, _) = get(&app, &format!("/api/builds/{execution}")).await;
    let messages = |v: &Value, key: &str| -> Vec<Value> {
        v[key].as_array().expect("events").iter().map(|e| e["message"].clone()).collect()
    };
    assert_eq!(messages(&build, "events"), messages(&timeline, "timeline"));
    let phases: Vec<&str> =
        build["phases"].as_array().expect("phases").iter().filter_map(|p| p["phase"].as_str()).collect();
    assert_eq!(phases, ["PREPARING", "BUILDING", "DISTRIBUTING", "RELEASING"]);
    assert!(build["phases"].as_array().expect("phases").iter().all(|p| p["endMs"].is_i64()));
    assert_eq!(build["planned"], json!([]));
    assert!(build["resources"].as_array().expect("resources").iter().all(|r| r["releasedMs"].is_i64()));
    let copy = build["images"].as_array().expect("images").iter().find(|i| i["region"] == "cn-beijing").cloned();
    let copy = copy.expect("a copy in cn-beijing");
    assert_eq!(copy["sharedWith"], json!([SHARE]));

    // Images: the copy in the target region, for its owner and as shared with the share account.
    let listed = app
        .call("DescribeImages", &[("AccessKeyId", ACCOUNT), ("RegionId", "cn-beijing"), ("ImageOwnerAlias", "self")])
        .await;
    let api_ids: Vec<Value> = listed.assert_ok()["Images"]["Image"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i["ImageId"].clone())
        .collect();
    let (_, _, images, _) = get(&app, &format!("/api/images?account={ACCOUNT}&region=cn-beijing")).await;
    let console_ids: Vec<Value> =
        images["images"].as_array().expect("images").iter().map(|i| i["imageId"].clone()).collect();
    assert_eq!(console_ids, api_ids);
    assert_eq!(images["images"][0]["executionId"], json!(execution));
    let (_, _, shared, _) = get(&app, &format!("/api/images?account={SHARE}&region=cn-beijing")).await;
    assert_eq!(shared["images"][0]["imageId"], copy["imageId"]);
    assert_eq!(shared["images"][0]["account"], ACCOUNT);

    // Components: the API's list (system components included).
    let (_, _, components, _) = get(&app, &format!("/api/components?account={ACCOUNT}")).await;
    let names: Vec<&str> =
        components["components"].as_array().expect("list").iter().filter_map(|c| c["Name"].as_str()).collect();
    assert!(names.contains(&"cloudmonitor-agent"), "{names:?}");
}

#[tokio::test]
async fn a_running_build_has_a_plan_and_the_console_leaves_the_journal_and_faults_alone() {
    let app = TestApp::spawn_with(|c| c.phase_duration = Some(PHASE_MS)).await;
    let pipeline = app.create_pipeline(&[("AccessKeyId", ACCOUNT), ("BuildContent", "RUN echo 1\nRUN echo 2")]).await;
    let reply = app
        .call_in_region("StartImagePipelineExecution", &[("AccessKeyId", ACCOUNT), ("ImagePipelineId", &pipeline)])
        .await;
    let execution = reply.assert_ok()["ExecutionId"].as_str().expect("ExecutionId").to_string();
    app.tick().await;
    app.advance(PHASE_MS + PHASE_MS / 2).await;

    let (status, fault) = app
        .admin("POST", "/faults", Some(json!({ "action": "DescribeImagePipelines", "error": "InternalError" })))
        .await;
    assert_eq!(status, 201, "{fault}");
    let (_, before) = app.admin("GET", "/requests?limit=10000", None).await;

    let (_, _, build, _) = get(&app, &format!("/api/builds/{execution}")).await;
    assert_eq!(build["status"], "BUILDING", "{build}");
    assert_eq!(build["terminal"], false);
    let open = build["phases"].as_array().and_then(|p| p.last()).cloned().unwrap_or_default();
    assert_eq!((open["phase"].as_str(), open["endMs"].is_null()), (Some("BUILDING"), true));
    let planned: Vec<&str> =
        build["planned"].as_array().expect("planned").iter().filter_map(|p| p["phase"].as_str()).collect();
    assert_eq!(planned.last(), Some(&"RELEASING"), "{planned:?}");
    assert!(build["expectedEndMs"].as_i64() > build["nowMs"].as_i64());
    let (_, _, builds, _) = get(&app, &format!("/api/builds?account={ACCOUNT}&status=RUNNING")).await;
    assert_eq!(builds["total"], 1);
    let (status, _, templates, _) = get(&app, &format!("/api/templates?account={ACCOUNT}")).await;
    assert_eq!(status, 200, "faults apply to API calls, not to the console: {templates}");
    assert_eq!(templates["templates"][0]["lastBuild"]["status"], "BUILDING");

    let (_, after) = app.admin("GET", "/requests?limit=10000", None).await;
    assert_eq!(after["count"], before["count"], "the console does not write to the journal");

    // A failed call: its journal entry with what its code means.
    let failed = app.call_in_region("DescribeImagePipelines", &[("AccessKeyId", ACCOUNT)]).await;
    failed.assert_error(500, "InternalError");
    let request_id = failed.body["RequestId"].as_str().expect("RequestId");
    let (status, _, entry, _) = get(&app, &format!("/api/requests/{request_id}")).await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["request"]["action"], "DescribeImagePipelines");
    assert_eq!((&entry["error"]["code"], &entry["error"]["httpStatus"]), (&json!("InternalError"), &json!(500)));
    let (status, _, _, _) = get(&app, "/api/requests/no-such-request").await;
    assert_eq!(status, 404);
}
