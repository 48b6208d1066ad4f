//! Errors the gateway answers before any action runs (docs/reference.md §2.7): a missing action
//! or version, another API version, an unknown action, an unsupported HTTP method. Mirrors `src/rpc/`.

use super::message;
use crate::helpers::{reply, TestApp, REGION};

// ---------------------------------------------------------------------------------------------
// Gateway (docs/reference.md §2.7)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_without_action_is_400_missing_parameter() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(&app.base_url)
        .query(&[("Version", "2014-05-26"), ("Format", "JSON"), ("RegionId", REGION)])
        .send()
        .await
        .expect("request sent");
    let reply = reply(response).await;
    reply.assert_error(400, "MissingParameter");
    assert!(message(&reply).contains("Action"), "{}", reply.body);
}

#[tokio::test]
async fn request_without_version_is_400_missing_parameter() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(&app.base_url)
        .query(&[("Action", "DescribeImagePipelines"), ("Format", "JSON"), ("RegionId", REGION)])
        .send()
        .await
        .expect("request sent");
    let reply = reply(response).await;
    reply.assert_error(400, "MissingParameter");
    assert!(message(&reply).contains("Version"), "{}", reply.body);
}

#[tokio::test]
async fn request_for_another_api_version_is_400_invalid_version() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(&app.base_url)
        .query(&[
            ("Action", "DescribeImagePipelines"),
            ("Version", "2099-01-01"),
            ("Format", "JSON"),
            ("RegionId", REGION),
        ])
        .send()
        .await
        .expect("request sent");
    reply(response).await.assert_error(400, "InvalidVersion");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
}

#[tokio::test]
async fn unknown_action_is_404_invalid_action_not_found() {
    let app = TestApp::spawn().await;
    app.call_in_region("DescribeImagePipeline", &[]).await.assert_error(404, "InvalidAction.NotFound");
    app.call_in_region("describeimagepipelines", &[]).await.assert_error(404, "InvalidAction.NotFound");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
}

#[tokio::test]
async fn put_request_is_403_unsupported_http_method() {
    let app = TestApp::spawn().await;
    let query =
        [("Action", "DescribeImagePipelines"), ("Version", "2014-05-26"), ("Format", "JSON"), ("RegionId", REGION)];
    let put = app.client.put(&app.base_url).query(&query).send().await.expect("request sent");
    reply(put).await.assert_error(403, "UnsupportedHTTPMethod");
    let post = app.client.post(&app.base_url).query(&query).send().await.expect("request sent");
    reply(post).await.assert_ok();
}
