//! Error cases of `DeleteImageComponent` (`src/actions/delete_image_component.rs`).

use crate::components::{describe, try_component, OTHER_ACCOUNT};
use crate::helpers::{text, TestApp};

#[tokio::test]
async fn deleting_a_system_unknown_or_foreign_component_is_not_found() {
    let app = TestApp::spawn().await;
    let foreign = text(
        try_component(&app, &[("Content", "RUN a"), ("AccessKeyId", OTHER_ACCOUNT)]).await.assert_ok(),
        "ImageComponentId",
    );
    for id in ["ic-aliyuntimezone1000000", "ic-doesnotexist", foreign.as_str()] {
        app.call_in_region("DeleteImageComponent", &[("ImageComponentId", id)])
            .await
            .assert_error(404, "InvalidImageComponent.NotFound");
    }
    app.call_in_region("DeleteImageComponent", &[]).await.assert_error(400, "MissingImageComponentId");
    assert_eq!(describe(&app, &[("Name", "timezone")]).await.len(), 1);
}
