//! Error cases of `ModifyImageAttribute` (`src/actions/modify_image_attribute.rs`).

use crate::golden::{built_image, call_as, copy, image_as, owner, DEST, FRIEND, OWNER};
use crate::helpers::{text, TestApp};

#[tokio::test]
async fn modify_image_attribute_errors_have_their_documented_status() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    let other = built_image(&app, &[("ImageOptions.ImageName", "taken")]).await;
    let other_name = text(&image_as(&app, OWNER, &other).await.expect("other"), "ImageName");
    let modify = |extra: Vec<(&'static str, String)>| {
        let app = &app;
        let image = image.clone();
        async move {
            let mut params: Vec<(&str, &str)> = vec![("ImageId", image.as_str())];
            params.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
            owner(app, "ModifyImageAttribute", &params).await
        }
    };
    owner(&app, "ModifyImageAttribute", &[("ImageName", "x-name")]).await.assert_error(400, "MissingImageId");
    owner(&app, "ModifyImageAttribute", &[("ImageId", "m-nothere0000000000000")])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    call_as(&app, FRIEND, "ModifyImageAttribute", &[("ImageId", &image), ("ImageName", "mine")])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    modify(vec![("ImageName", "acs:bad".into())]).await.assert_error(400, "InvalidImageName.Malformed");
    modify(vec![("ImageName", other_name)]).await.assert_error(400, "InvalidImageName.Duplicated");
    modify(vec![("Description", "x".into())]).await.assert_error(400, "InvalidDescription.Malformed");
    modify(vec![("ImageFamily", "aliyun-fam".into())]).await.assert_error(400, "InvalidImageFamily.Malformed");
    modify(vec![("BootMode", "LEGACY".into())]).await.assert_error(400, "InvalidBootMode.NotSupport");
    modify(vec![("LicenseType", "Free".into())]).await.assert_error(400, "InvalidLicenseType.NotSupported");
    modify(vec![("Features.ImdsSupport", "v3".into())]).await.assert_error(400, "InvalidParameter.FeaturesImdsSupport");
    modify(vec![("Status", "Gone".into())]).await.assert_error(400, "InvalidParameter");
    modify(vec![("Status", "Available".into())]).await.assert_error(403, "ImageStatus.NotDeprecated");
    modify(vec![("Features.ImdsSupport", "v2".into())]).await.assert_ok();
    modify(vec![("Features.ImdsSupport", "v1".into())])
        .await
        .assert_error(403, "InvalidOperation.FeaturesImdsSupportNotMatch");
    // A shared image cannot be deprecated.
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", FRIEND)]).await.assert_ok();
    modify(vec![("Status", "Deprecated".into())]).await.assert_error(403, "ImageUseShared");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("RemoveAccount.1", FRIEND)]).await.assert_ok();
    modify(vec![("Status", "Deprecated".into())]).await.assert_ok();
    modify(vec![("Status", "Deprecated".into())]).await.assert_error(403, "ImageStatus.NotAvailable");
    // A copy in flight cannot be changed.
    let copy_id = text(copy(&app, &other, &[("DestinationImageName", "inflight")]).await.assert_ok(), "ImageId");
    let params = [("RegionId", DEST), ("AccessKeyId", OWNER), ("ImageId", copy_id.as_str()), ("ImageName", "later")];
    app.call("ModifyImageAttribute", &params).await.assert_error(403, "InvalidStatus.ImageIsCreating");
    // arm64 images cannot boot with BIOS.
    let arm = built_image(&app, &[("BaseImage", "aliyun_3_arm64_20G_alibase_20240819.vhd")]).await;
    owner(&app, "ModifyImageAttribute", &[("ImageId", &arm), ("BootMode", "BIOS")])
        .await
        .assert_error(400, "InvalidBootMode.NotSupport");
}
