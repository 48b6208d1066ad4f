//! Error cases of `DeleteVpc` (`src/actions/delete_vpc.rs`).

use crate::helpers::TestApp;
use crate::vpc::{create_vpc, create_vswitch, network, vpc_call, PENDING_MS};

#[tokio::test]
async fn deleting_a_pending_network_is_refused() {
    let app = TestApp::spawn().await;
    let vpc = create_vpc(&app, "192.168.0.0/16").await;
    vpc_call(&app, "DeleteVpc", &[("VpcId", &vpc)]).await.assert_error(400, "IncorrectVpcStatus");
    app.advance(PENDING_MS).await;
    let vsw = create_vswitch(&app, &vpc, "192.168.1.0/24").await;
    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await.assert_error(400, "IncorrectVSwitchStatus");
    app.advance(PENDING_MS).await;
    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await.assert_ok();
}

#[tokio::test]
async fn a_vpc_with_vswitches_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let (vpc, vsw) = network(&app).await;
    vpc_call(&app, "DeleteVpc", &[("VpcId", &vpc)]).await.assert_error(400, "DependencyViolation.VSwitch");
    vpc_call(&app, "DeleteVpc", &[("VpcId", "vpc-cnhangzhou0001")])
        .await
        .assert_error(400, "DependencyViolation.VSwitch");
    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await.assert_ok();
    vpc_call(&app, "DeleteVpc", &[("VpcId", &vpc)]).await.assert_ok();
}
