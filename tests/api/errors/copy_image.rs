//! Error cases of `CopyImage` (`src/actions/copy_image.rs`).

use crate::golden::{built_image, call_as, copy, image_in, owner, DEST, FRIEND, OWNER};
use crate::helpers::{text, TestApp, REGION};

#[tokio::test]
async fn copy_image_errors_have_their_documented_status() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    let with = |extra: Vec<(&'static str, &'static str)>| extra;
    owner(&app, "CopyImage", &[("DestinationRegionId", DEST)]).await.assert_error(400, "MissingImageId");
    owner(&app, "CopyImage", &[("ImageId", &image)]).await.assert_error(400, "MissingDestinationRegionId");
    let params = [
        ("RegionId", "cn-atlantis"),
        ("AccessKeyId", OWNER),
        ("ImageId", image.as_str()),
        ("DestinationRegionId", DEST),
    ];
    app.call("CopyImage", &params).await.assert_error(400, "SourceRegion.NotFound");
    copy(&app, &image, &with(vec![("DestinationRegionId", "cn-atlantis")]))
        .await
        .assert_error(400, "DestinationRegion.NotFound");
    copy(&app, &image, &[("DestinationImageName", "aliyun-x")]).await.assert_error(400, "InvalidImageName.Malformed");
    copy(&app, &image, &[("DestinationDescription", "http://x")])
        .await
        .assert_error(400, "InvalidDescription.Malformed");
    copy(&app, &image, &[("KMSKeyId", "key-1")]).await.assert_error(400, "InvalidEncrypted.NotMatchKmsKeyId");
    copy(&app, &image, &[("ResourceGroupId", "rg-nothere")]).await.assert_error(404, "InvalidResourceGroup.NotFound");
    copy(&app, &image, &[("Tag.1.Key", "a"), ("Tag.2.Key", "A")]).await.assert_error(403, "TagKey.Duplication");
    copy(&app, "m-nothere0000000000000", &[]).await.assert_error(404, "InvalidImageId.NotFound");
    copy(&app, "aliyun_3_x64_20G_alibase_20240819.vhd", &[]).await.assert_error(404, "InvalidImageId.NotFound");
    // DryRun: checked, nothing made.
    copy(&app, &image, &[("DestinationImageName", "dry"), ("DryRun", "true")])
        .await
        .assert_error(400, "DryRunOperation");
    let mine = [("RegionId", DEST), ("AccessKeyId", OWNER), ("Status", "ALL"), ("ImageOwnerAlias", "self")];
    assert_eq!(app.call("DescribeImages", &mine).await.assert_ok()["TotalCount"], 0);

    let first = text(copy(&app, &image, &[("DestinationImageName", "c1")]).await.assert_ok(), "ImageId");
    copy(&app, &image, &[("DestinationImageName", "c2")]).await.assert_error(400, "OperationDenied.ImageCopyConflict");
    // Copying the copy while it is in flight.
    let params = [
        ("RegionId", DEST),
        ("AccessKeyId", OWNER),
        ("ImageId", first.as_str()),
        ("DestinationRegionId", "cn-beijing"),
    ];
    app.call("CopyImage", &params).await.assert_error(403, "OperationDenied.ImageCopying");
    app.advance(120_000).await;
    copy(&app, &image, &[("DestinationImageName", "c1")]).await.assert_error(400, "InvalidImageName.Duplicated");

    // An encrypted copy cannot be copied to a non-encrypted one, nor (service key) shared.
    let encrypted = text(
        copy(&app, &image, &[("DestinationImageName", "enc"), ("Encrypted", "true")]).await.assert_ok(),
        "ImageId",
    );
    app.advance(120_000).await;
    let params = [
        ("RegionId", DEST),
        ("AccessKeyId", OWNER),
        ("ImageId", encrypted.as_str()),
        ("DestinationRegionId", "cn-beijing"),
        ("Encrypted", "false"),
    ];
    app.call("CopyImage", &params).await.assert_error(403, "OperationDeined.EncryptedSnapshot");
    let params =
        [("RegionId", DEST), ("AccessKeyId", OWNER), ("ImageId", encrypted.as_str()), ("AddAccount.1", FRIEND)];
    app.call("ModifyImageSharePermission", &params)
        .await
        .assert_error(403, "InvalidOperation.ServiceKeyEncryptedImageUnsupported");

    // A shared image may be copied only within its region.
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", FRIEND)]).await.assert_ok();
    call_as(&app, FRIEND, "CopyImage", &[("ImageId", &image), ("DestinationRegionId", DEST)])
        .await
        .assert_error(403, "OperationDenied.SameRegionOnly");
    let mine = call_as(
        &app,
        FRIEND,
        "CopyImage",
        &[("ImageId", &image), ("DestinationRegionId", REGION), ("DestinationImageName", "mine")],
    )
    .await;
    let mine = text(mine.assert_ok(), "ImageId");
    assert_eq!(text(&image_in(&app, FRIEND, REGION, &mine).await.expect("own copy"), "ImageOwnerAlias"), "self");

    // A community image cannot be copied.
    let community = built_image(&app, &[]).await;
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &community), ("IsPublic", "true")]).await.assert_ok();
    copy(&app, &community, &[("DestinationImageName", "cc")]).await.assert_error(400, "OperationDenied.CommunityImage");
}
