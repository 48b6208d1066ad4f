//! Error cases of `StartImagePipelineExecution` (`src/actions/start_image_pipeline_execution.rs`).

use crate::executions::OTHER_ACCOUNT;
use crate::helpers::TestApp;

#[tokio::test]
async fn start_refuses_an_unknown_or_missing_template() {
    let app = TestApp::spawn().await;
    app.call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", "ip-00000000000000000000")])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");
    app.call_in_region("StartImagePipelineExecution", &[]).await.assert_error(400, "MissingImagePipelineId");
    let foreign = app.create_pipeline(&[("AccessKeyId", OTHER_ACCOUNT)]).await;
    app.call_in_region("StartImagePipelineExecution", &[("ImagePipelineId", &foreign)])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");
}

#[tokio::test]
async fn invalid_execution_tags_are_refused_with_the_tag_codes() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[]).await;
    let start = |tags: Vec<(&'static str, &'static str)>| {
        let mut params = vec![("ImagePipelineId", pipeline.as_str())];
        params.extend(tags);
        let app = &app;
        async move { app.call_in_region("StartImagePipelineExecution", &params).await }
    };
    start(vec![("Tag.1.Key", "aliyun-env")]).await.assert_error(400, "InvalidTagKey.Malformed");
    start(vec![("Tag.1.Key", "acs:env")]).await.assert_error(400, "InvalidTagKey.Malformed");
    start(vec![("Tag.1.Key", "http://x")]).await.assert_error(400, "InvalidTagKey.Malformed");
    start(vec![("Tag.1.Key", "env"), ("Tag.1.Value", "https://x")])
        .await
        .assert_error(400, "InvalidTagValue.Malformed");
    start(vec![("Tag.1.Key", "env"), ("Tag.2.Key", "env")]).await.assert_error(400, "Duplicate.TagKey");
    let listed = app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &pipeline)]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 0, "refused starts record nothing");
    start(vec![("Tag.1.Key", "env"), ("Tag.1.Value", "ok")]).await.assert_ok();
}
