//! Error cases of `DeleteImagePipeline` (`src/actions/delete_image_pipeline.rs`; docs/reference.md §3.3).

use super::OTHER_ACCOUNT;
use crate::helpers::{TestApp, REGION};

// ---------------------------------------------------------------------------------------------
// DeleteImagePipeline (docs/reference.md §3.3)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_without_image_pipeline_id_is_400_missing_image_pipeline_id() {
    let app = TestApp::spawn().await;
    app.call_in_region("DeleteImagePipeline", &[]).await.assert_error(400, "MissingImagePipelineId");
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", "")])
        .await
        .assert_error(400, "MissingImagePipelineId");
    let id = app.create_pipeline(&[]).await;
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", id.as_str())]).await.assert_ok();
}

#[tokio::test]
async fn delete_without_region_id_is_400_missing_region_id() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[]).await;
    app.call("DeleteImagePipeline", &[("ImagePipelineId", id.as_str())]).await.assert_error(400, "MissingRegionId");
    app.call("DeleteImagePipeline", &[("ImagePipelineId", id.as_str()), ("RegionId", REGION)]).await.assert_ok();
}

#[tokio::test]
async fn delete_of_an_unknown_or_foreign_template_is_404_invalid_image_pipeline_not_found() {
    let app = TestApp::spawn().await;
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", "ip-doesnotexist000001")])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");

    // Another account's template is invisible to the default account.
    let reply = app.try_create(&[("AccessKeyId", OTHER_ACCOUNT)]).await;
    let foreign = reply.assert_ok()["ImagePipelineId"].as_str().expect("ImagePipelineId").to_string();
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", foreign.as_str())])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");

    // A template of another region is not found here either.
    let elsewhere = app.create_pipeline(&[("RegionId", "cn-beijing")]).await;
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", elsewhere.as_str())])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");

    // Its owner can delete it, once.
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", foreign.as_str()), ("AccessKeyId", OTHER_ACCOUNT)])
        .await
        .assert_ok();
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", foreign.as_str()), ("AccessKeyId", OTHER_ACCOUNT)])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");
}
