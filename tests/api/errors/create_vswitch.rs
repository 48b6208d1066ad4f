//! Error cases of `CreateVswitch` (`src/actions/create_vswitch.rs`).

use crate::helpers::{TestApp, REGION};
use crate::vpc::{create_vpc, create_vswitch, vpc_call};

#[tokio::test]
async fn a_vswitch_block_must_be_inside_its_vpc_within_mask_bounds_and_not_overlap() {
    let app = TestApp::spawn().await;
    let vpc = create_vpc(&app, "192.168.0.0/16").await;
    create_vswitch(&app, &vpc, "192.168.0.0/24").await;
    let zone = format!("{REGION}-h");
    let try_block = |cidr: &'static str| {
        let (app, vpc, zone) = (&app, vpc.clone(), zone.clone());
        async move { vpc_call(app, "CreateVSwitch", &[("VpcId", &vpc), ("ZoneId", &zone), ("CidrBlock", cidr)]).await }
    };
    try_block("10.0.0.0/24").await.assert_error(400, "InvalidParameter");
    try_block("192.168.1.0/30").await.assert_error(400, "InvalidParameter");
    try_block("192.168.0.0/15").await.assert_error(400, "InvalidParameter");
    try_block("192.168.0.128/25").await.assert_error(400, "InvalidCidrBlock.Overlapped");
    try_block("192.168.0.0/23").await.assert_error(400, "InvalidCidrBlock.Overlapped");
    try_block("192.168.1.0/29").await.assert_ok();

    let other_zone = [("VpcId", vpc.as_str()), ("ZoneId", "cn-hangzhou-z"), ("CidrBlock", "192.168.2.0/24")];
    vpc_call(&app, "CreateVSwitch", &other_zone).await.assert_error(400, "ResourceNotAvailable");
    let no_vpc = [("VpcId", "vpc-nosuch"), ("ZoneId", zone.as_str()), ("CidrBlock", "192.168.2.0/24")];
    vpc_call(&app, "CreateVSwitch", &no_vpc).await.assert_error(404, "InvalidVpcId.NotFound");
    let no_block = [("VpcId", vpc.as_str()), ("ZoneId", zone.as_str())];
    vpc_call(&app, "CreateVSwitch", &no_block).await.assert_error(400, "MissingCidrBlock");
    vpc_call(&app, "CreateVSwitch", &[("ZoneId", zone.as_str())]).await.assert_error(400, "MissingVpcId");
    let bad_name =
        [("VpcId", vpc.as_str()), ("ZoneId", zone.as_str()), ("CidrMask", "24"), ("VSwitchName", "http://x")];
    vpc_call(&app, "CreateVSwitch", &bad_name).await.assert_error(400, "InvalidVSwitchName.Malformed");
    vpc_call(&app, "CreateVpc", &[("VpcName", "https://x")]).await.assert_error(400, "InvalidVpcName.Malformed");
}
