//! Error cases of `CreateVpc` (`src/actions/create_vpc.rs`).

use crate::helpers::TestApp;
use crate::vpc::vpc_call;

#[tokio::test]
async fn a_vpc_block_must_be_well_formed_with_a_16_to_28_bit_mask_outside_reserved_ranges() {
    let app = TestApp::spawn().await;
    for bad in ["10.0.0.0", "10.0.0.1/16", "10.0.0.0/8", "10.0.0.0/29", "100.64.0.0/16", "127.0.0.0/16", "300.0.0.0/16"]
    {
        let r = vpc_call(&app, "CreateVpc", &[("CidrBlock", bad)]).await;
        r.assert_error(400, "InvalidParameter");
    }
    for good in ["192.168.0.0/16", "10.9.9.0/28", "47.100.0.0/16"] {
        vpc_call(&app, "CreateVpc", &[("CidrBlock", good)]).await.assert_ok();
    }
}
