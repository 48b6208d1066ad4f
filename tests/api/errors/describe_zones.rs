//! Error cases of `DescribeZones` (`src/actions/describe_zones.rs`).

use crate::helpers::TestApp;

#[tokio::test]
async fn describe_zones_errors_one_by_one() {
    let app = TestApp::spawn().await;
    app.call("DescribeZones", &[]).await.assert_error(400, "MissingRegionId");
    app.call("DescribeZones", &[("RegionId", "mars-north-1")]).await.assert_error(404, "InvalidRegionId.NotFound");
    app.call_in_region("DescribeZones", &[("InstanceChargeType", "Free")]).await.assert_error(400, "InvalidParameter");
    app.call_in_region("DescribeZones", &[("SpotStrategy", "Cheap")]).await.assert_error(400, "InvalidParameter");
    app.call_in_region("DescribeZones", &[("Verbose", "maybe")]).await.assert_error(400, "InvalidParameter");
}
