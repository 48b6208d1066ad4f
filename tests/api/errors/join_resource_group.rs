//! Error cases of `JoinResourceGroup` (`src/actions/join_resource_group.rs`).

use crate::golden::{call_as, owner, FRIEND, OWNER};
use crate::helpers::TestApp;

#[tokio::test]
async fn join_resource_group_errors_have_their_documented_status() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[("AccessKeyId", OWNER)]).await;
    let ok = [
        ("ResourceType", "imagepipeline"),
        ("ResourceId", pipeline.as_str()),
        ("ResourceGroupId", "rg-acfmdev0000000001"),
    ];
    for missing in ["ResourceId", "ResourceGroupId"] {
        let params: Vec<(&str, &str)> = ok.iter().copied().filter(|(k, _)| *k != missing).collect();
        owner(&app, "JoinResourceGroup", &params).await.assert_error(403, "MissingParameter");
    }
    let mut no_region = vec![("AccessKeyId", OWNER)];
    no_region.extend_from_slice(&ok);
    app.call("JoinResourceGroup", &no_region).await.assert_error(403, "MissingParameter");
    let mut bad_region = vec![("AccessKeyId", OWNER), ("RegionId", "cn-atlantis")];
    bad_region.extend_from_slice(&ok);
    app.call("JoinResourceGroup", &bad_region).await.assert_error(404, "InvalidRegionId.NotFound");
    owner(&app, "JoinResourceGroup", &[ok[1], ok[2], ("ResourceType", "instance")])
        .await
        .assert_error(404, "InvalidResourceType.NotFound");
    owner(&app, "JoinResourceGroup", &[ok[0], ok[1], ("ResourceGroupId", "rg-nothere")])
        .await
        .assert_error(404, "InvalidResourceGroup.NotFound");
    owner(&app, "JoinResourceGroup", &[ok[0], ok[2], ("ResourceId", "ip-doesnotexist000000")])
        .await
        .assert_error(404, "InvalidResourceId.NotFound");
    // Another account's template is not found either.
    call_as(&app, FRIEND, "JoinResourceGroup", &ok).await.assert_error(404, "InvalidResourceId.NotFound");
    owner(&app, "JoinResourceGroup", &ok).await.assert_ok();
    owner(&app, "JoinResourceGroup", &ok).await.assert_error(403, "InvalidResourceGroup.Duplicate");
    // A resource never moved is in the default group.
    let other = app.create_pipeline(&[("AccessKeyId", OWNER)]).await;
    owner(&app, "JoinResourceGroup", &[ok[0], ("ResourceId", &other), ("ResourceGroupId", "rg-acfmdefault000001")])
        .await
        .assert_error(403, "InvalidResourceGroup.Duplicate");
}
