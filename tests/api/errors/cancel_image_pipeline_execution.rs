//! Error cases of `CancelImagePipelineExecution` (`src/actions/cancel_image_pipeline_execution.rs`).

use crate::executions::{advance_to, build, cancel, executions_of, spawn_phased, OTHER_ACCOUNT};
use crate::helpers::{text, TestApp};

#[tokio::test]
async fn cancel_is_refused_once_testing_distributing_releasing_or_finished() {
    let app = spawn_phased().await;
    let pipeline = app.create_pipeline(&[("TestContent", "RUN echo test"), ("ToRegionId.1", "cn-beijing")]).await;
    let id = app.start(&pipeline).await;
    for phase in ["TESTING", "DISTRIBUTING", "RELEASING"] {
        advance_to(&app, &id, phase).await;
        cancel(&app, &id).await.assert_error(403, "InvalidStatus.ImagePipelineExecution");
        assert_eq!(app.status(&id).await, phase, "a refused cancel changes nothing");
    }
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&id).await, "SUCCESS");
    cancel(&app, &id).await.assert_error(400, "InvalidStatus.CancelFailed");

    let failing = app.create_pipeline(&[("BuildContent", "RUN false")]).await;
    let failed = build(&app, &failing).await;
    assert_eq!(failed["Status"], "FAILED");
    cancel(&app, &text(&failed, "ExecutionId")).await.assert_error(400, "InvalidStatus.CancelFailed");

    let cancelled_pipeline = app.create_pipeline(&[]).await;
    let cancelled = app.start(&cancelled_pipeline).await;
    cancel(&app, &cancelled).await.assert_ok();
    app.run_builds_to_completion().await;
    assert_eq!(app.status(&cancelled).await, "CANCELLED");
    cancel(&app, &cancelled).await.assert_error(400, "InvalidStatus.CancelFailed");
}

#[tokio::test]
async fn cancel_of_an_unknown_or_foreign_execution_is_not_found() {
    let app = TestApp::spawn().await;
    cancel(&app, "exec-00000000000000000000").await.assert_error(404, "InvalidImagePipelineExecutionId.NotFound");
    let pipeline = app.create_pipeline(&[]).await;
    let id = app.start(&pipeline).await;
    app.call_in_region("CancelImagePipelineExecution", &[("ExecutionId", &id), ("AccessKeyId", OTHER_ACCOUNT)])
        .await
        .assert_error(404, "InvalidImagePipelineExecutionId.NotFound");
    app.call("CancelImagePipelineExecution", &[("RegionId", "cn-beijing"), ("ExecutionId", &id)])
        .await
        .assert_error(404, "InvalidImagePipelineExecutionId.NotFound");
    assert_eq!(app.status(&id).await, "PREPARING", "the owner's build is untouched");
    let foreign = app
        .call_in_region("DescribeImagePipelineExecutions", &[("ExecutionId", &id), ("AccessKeyId", OTHER_ACCOUNT)])
        .await;
    assert!(executions_of(&foreign).is_empty(), "{}", foreign.body);
}
