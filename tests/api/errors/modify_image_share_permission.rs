//! Error cases of `ModifyImageSharePermission` (`src/actions/modify_image_share_permission.rs`).

use crate::golden::{built_image, call_as, owner, shared_with, FRIEND, OWNER};
use crate::helpers::TestApp;

#[tokio::test]
async fn modify_image_share_permission_errors_have_their_documented_status() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    owner(&app, "ModifyImageSharePermission", &[("AddAccount.1", FRIEND)]).await.assert_error(400, "MissingImageId");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", "m-nothere0000000000000"), ("AddAccount.1", FRIEND)])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    call_as(&app, FRIEND, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", "4000000000000123")])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", "not-an-account")])
        .await
        .assert_error(404, "InvalidAccount.NotFound");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", OWNER)])
        .await
        .assert_error(404, "InvalidAccount.Forbbiden");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("IsPublic", "false")])
        .await
        .assert_error(403, "Image.NotPublic");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("IsPublic", "true"), ("AddAccount.1", FRIEND)])
        .await
        .assert_error(403, "InvalidParameter.IsPublic");
    // 50 accounts at most.
    for batch in 0..5 {
        let accounts: Vec<(String, String)> = (0..10)
            .map(|i| (format!("AddAccount.{}", i + 1), format!("42000000000000{:02}", batch * 10 + i)))
            .collect();
        let mut params: Vec<(&str, &str)> = vec![("ImageId", image.as_str())];
        params.extend(accounts.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        owner(&app, "ModifyImageSharePermission", &params).await.assert_ok();
    }
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", FRIEND)])
        .await
        .assert_error(403, "QuotaExceed.ShareImageUser");
    assert_eq!(shared_with(&app, &image).await.len(), 50, "the refused call shared with nobody");
}
