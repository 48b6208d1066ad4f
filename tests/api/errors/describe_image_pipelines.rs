//! Error cases of `DescribeImagePipelines` (`src/actions/describe_image_pipelines.rs`;
//! docs/reference.md §3.2).

use super::{borrowed, message, numbered};
use crate::helpers::TestApp;

// ---------------------------------------------------------------------------------------------
// DescribeImagePipelines (docs/reference.md §3.2)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn describe_with_21_ids_is_400_invalid_image_pipeline_id_size_exceeded_max_number() {
    let app = TestApp::spawn().await;
    let ids = numbered("ImagePipelineId", 21, |i| format!("ip-unknown{i:010}"));
    app.call_in_region("DescribeImagePipelines", &borrowed(&ids))
        .await
        .assert_error(400, "InvalidImagePipelineIdSize.ExceededMaxNumber");
    let reply = app.call_in_region("DescribeImagePipelines", &borrowed(&ids[..20])).await;
    assert_eq!(reply.assert_ok()["TotalCount"], 0);
}

#[tokio::test]
async fn describe_with_a_name_over_128_chars_is_400_invalid_name_malformed() {
    let app = TestApp::spawn().await;
    let too_long = "n".repeat(129);
    app.call_in_region("DescribeImagePipelines", &[("Name", too_long.as_str())])
        .await
        .assert_error(400, "InvalidName.Malformed");
    let longest = "n".repeat(128);
    app.create_pipeline(&[("Name", longest.as_str())]).await;
    let reply = app.call_in_region("DescribeImagePipelines", &[("Name", longest.as_str())]).await;
    assert_eq!(reply.assert_ok()["TotalCount"], 1);
}

#[tokio::test]
async fn describe_with_a_name_breaking_the_name_rules_is_400_invalid_name_malformed() {
    let app = TestApp::spawn().await;
    for bad in ["a", "1template", "http://template"] {
        app.call_in_region("DescribeImagePipelines", &[("Name", bad)]).await.assert_error(400, "InvalidName.Malformed");
    }
    app.call_in_region("DescribeImagePipelines", &[("Name", "ab")]).await.assert_ok();
}

#[tokio::test]
async fn describe_with_a_foreign_next_token_is_403_invalid_next_token() {
    let app = TestApp::spawn().await;
    for bad in ["garbage", "AAAAAdDWBF2****", "YzE6eDppcC0x"] {
        app.call_in_region("DescribeImagePipelines", &[("NextToken", bad)])
            .await
            .assert_error(403, "Invalid.NextToken");
    }
    app.create_pipeline(&[]).await;
    app.create_pipeline(&[]).await;
    let first = app.call_in_region("DescribeImagePipelines", &[("MaxResults", "1")]).await;
    let token = first.assert_ok()["NextToken"].as_str().expect("NextToken").to_string();
    assert!(!token.is_empty(), "{}", first.body);
    let second =
        app.call_in_region("DescribeImagePipelines", &[("MaxResults", "1"), ("NextToken", token.as_str())]).await;
    assert_eq!(second.assert_ok()["ImagePipeline"]["ImagePipelineSet"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn describe_with_max_results_out_of_range_is_400_invalid_parameter() {
    let app = TestApp::spawn().await;
    for bad in ["0", "501", "-1", "abc"] {
        let reply = app.call_in_region("DescribeImagePipelines", &[("MaxResults", bad)]).await;
        reply.assert_error(400, "InvalidParameter");
        assert!(message(&reply).contains("MaxResults"), "{}", reply.body);
    }
    for good in ["1", "500"] {
        let reply = app.call_in_region("DescribeImagePipelines", &[("MaxResults", good)]).await;
        assert_eq!(reply.assert_ok()["MaxResults"].to_string(), good);
    }
}

#[tokio::test]
async fn describe_without_region_id_is_400_missing_region_id() {
    let app = TestApp::spawn().await;
    app.call("DescribeImagePipelines", &[]).await.assert_error(400, "MissingRegionId");
    app.call("DescribeImagePipelines", &[("RegionId", "")]).await.assert_error(400, "MissingRegionId");
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
}

#[tokio::test]
async fn describe_or_delete_in_an_unknown_region_is_404_invalid_region_id_not_found() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[]).await;
    app.call("DescribeImagePipelines", &[("RegionId", "xx-nowhere-1")])
        .await
        .assert_error(404, "InvalidRegionId.NotFound");
    app.call("DeleteImagePipeline", &[("RegionId", "xx-nowhere-1"), ("ImagePipelineId", id.as_str())])
        .await
        .assert_error(404, "InvalidRegionId.NotFound");
    app.call("DescribeImagePipelines", &[("RegionId", "cn-beijing")]).await.assert_ok();
}
