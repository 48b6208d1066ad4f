//! Error cases of `DescribeInstanceTypes` (`src/actions/describe_instance_types.rs`).

use crate::helpers::TestApp;

#[tokio::test]
async fn describe_instance_types_errors_one_by_one() {
    let app = TestApp::spawn().await;
    let dit = "DescribeInstanceTypes";
    app.call(dit, &[("MaxResults", "0")]).await.assert_error(400, "InvalidParameter");
    app.call(dit, &[("MaxResults", "1601")]).await.assert_error(400, "InvalidParameter");
    app.call(dit, &[("MinimumMemorySize", "lots")]).await.assert_error(400, "InvalidParameter");
    app.call(dit, &[("CpuArchitecture", "RISCV")]).await.assert_error(400, "InvalidParameter");
    let eleven: Vec<(String, String)> =
        (1..=11).map(|i| (format!("InstanceTypes.{i}"), "ecs.g6.large".to_string())).collect();
    let eleven: Vec<(&str, &str)> = eleven.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(dit, &eleven).await.assert_error(400, "InvalidParameter");
    app.call(dit, &[("NextToken", "garbage")]).await.assert_error(403, "Invalid.NextToken");
    app.call(dit, &[("RegionId", "mars-north-1")]).await.assert_error(404, "InvalidRegionId.NotFound");
}
