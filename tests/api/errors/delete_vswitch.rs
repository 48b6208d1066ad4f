//! Error cases of `DeleteVswitch` (`src/actions/delete_vswitch.rs`).

use crate::helpers::TestApp;
use crate::vpc::vpc_call;

#[tokio::test]
async fn unknown_or_built_in_vswitches_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", "vsw-nosuch")])
        .await
        .assert_error(404, "InvalidVSwitchId.NotFound");
    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", "vsw-cnhangzhoua0001")])
        .await
        .assert_error(400, "DependencyViolation");
    vpc_call(&app, "DescribeVpcAttribute", &[]).await.assert_error(400, "MissingVpcId");
}
