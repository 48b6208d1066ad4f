//! Error cases of `DescribeImageComponents` (`src/actions/describe_image_components.rs`).

use crate::helpers::TestApp;

#[tokio::test]
async fn every_documented_describe_error_has_its_code() {
    let app = TestApp::spawn().await;
    let app = &app;
    let call = |params: Vec<(String, String)>| async move {
        let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        app.call_in_region("DescribeImageComponents", &borrowed).await
    };
    let one = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    call(one("Owner", "self")).await.assert_error(400, "InvalidParameter.Owner");
    call(one("SystemType", "Mac")).await.assert_error(400, "InvalidSystemType.NotSupportedValue");
    call(one("ComponentType", "build")).await.assert_error(400, "InvalidComponentType.NotSupportedValue");
    for bad in ["1.*.*", "1.x.0", "1.0"] {
        let mut params = one("Name", "web");
        params.extend(one("ComponentVersion", bad));
        call(params).await.assert_error(400, "InvalidParameter.ComponentVersion");
    }
    call(one("NextToken", "bogus")).await.assert_error(403, "Invalid.NextToken");
    call(one("MaxResults", "501")).await.assert_error(400, "InvalidParameter");
    let ids: Vec<(String, String)> = (1..=21).map(|i| (format!("ImageComponentId.{i}"), format!("ic-{i}"))).collect();
    call(ids[..20].to_vec()).await.assert_ok();
    call(ids).await.assert_error(400, "InvalidImageComponentIdSize.ExceededMaxNumber");
}
