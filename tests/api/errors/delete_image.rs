//! Error cases of `DeleteImage` (`src/actions/delete_image.rs`).

use crate::helpers::{call_as, text, TestApp, BASE_IMAGE, REGION};
use crate::images::{build_as, distributed_image, images_as, OWNER, SHARED, TARGET_REGION, THIRD};

#[tokio::test]
async fn delete_image_refuses_unknown_foreign_and_misplaced_images_and_deletes_unshared_ones() {
    let app = TestApp::spawn().await;
    call_as(&app, OWNER, REGION, "DeleteImage", &[("ImageId", "m-00000000000000000000")])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    call_as(&app, OWNER, REGION, "DeleteImage", &[("ImageId", BASE_IMAGE)])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    let (image_id, _) = distributed_image(&app).await;
    for (account, region) in [(SHARED, REGION), (THIRD, REGION), (OWNER, TARGET_REGION)] {
        call_as(&app, account, region, "DeleteImage", &[("ImageId", &image_id), ("Force", "true")])
            .await
            .assert_error(404, "InvalidImageId.NotFound");
    }
    assert_eq!(images_as(&app, OWNER, REGION, &[("ImageId", &image_id)]).await.len(), 1, "still there");

    let unshared = text(&build_as(&app, OWNER, &[]).await, "ImageId");
    call_as(&app, OWNER, REGION, "DeleteImage", &[("ImageId", &unshared)]).await.assert_ok();
    assert!(images_as(&app, OWNER, REGION, &[("ImageId", &unshared)]).await.is_empty());
}
