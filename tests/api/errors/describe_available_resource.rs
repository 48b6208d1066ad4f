//! Error cases of `DescribeAvailableResource` (`src/actions/describe_available_resource.rs`).

use crate::helpers::TestApp;

#[tokio::test]
async fn describe_available_resource_errors_one_by_one() {
    let app = TestApp::spawn().await;
    let dar = "DescribeAvailableResource";
    app.call(dar, &[("DestinationResource", "Zone")]).await.assert_error(400, "MissingRegionId");
    app.call(dar, &[("RegionId", "mars-north-1"), ("DestinationResource", "Zone")])
        .await
        .assert_error(404, "InvalidRegionId.NotFound");
    app.call_in_region(dar, &[]).await.assert_error(400, "MissingDestinationResource");
    app.call_in_region(dar, &[("DestinationResource", "Planet")]).await.assert_error(400, "InvalidParameter");
    app.call_in_region(dar, &[("DestinationResource", "SystemDisk")]).await.assert_error(400, "MissingInstanceType");
    app.call_in_region(dar, &[("DestinationResource", "Zone"), ("ZoneId", "cn-beijing-h")])
        .await
        .assert_error(404, "InvalidZoneId.NotFound");
    app.call_in_region(dar, &[("DestinationResource", "Zone"), ("IoOptimized", "maybe")])
        .await
        .assert_error(400, "InvalidParameter");
    app.call_in_region(dar, &[("DestinationResource", "Zone"), ("InstanceChargeType", "Free")])
        .await
        .assert_error(400, "InvalidParameter");
}
