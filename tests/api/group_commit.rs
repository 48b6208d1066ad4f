//! Group commit under concurrency: many writers share one transaction, each in its own savepoint,
//! and the single-writer rules still hold (one ClientToken, one template; one running build per
//! template; a refused write leaves nothing behind while its batch-mates commit).

use std::collections::HashSet;

use crate::helpers::{Reply, TestApp};
use serde_json::Value;

fn tags_of(item: &Value) -> HashSet<(String, String)> {
    item["Tags"]["Tag"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    (t["TagKey"].as_str().unwrap_or("").to_string(), t["TagValue"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pipelines(reply: &Reply) -> Vec<Value> {
    reply.assert_ok()["ImagePipeline"]["ImagePipelineSet"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_creates_with_one_client_token_and_tags_make_one_template_beside_plain_ones() {
    let app = TestApp::spawn().await;
    let app = &app;
    let token = [
        ("ClientToken", "group-token"),
        ("Name", "grouped"),
        ("Tag.1.Key", "a"),
        ("Tag.1.Value", "1"),
        ("Tag.2.Key", "b"),
        ("Tag.2.Value", "2"),
    ];
    let same = (0..64).map(|_| app.create_pipeline(&token));
    let plain = (0..16).map(|i| {
        let name = format!("plain-{i}");
        async move { app.create_pipeline(&[("Name", name.as_str())]).await }
    });
    let (same, plain) = futures::future::join(futures::future::join_all(same), futures::future::join_all(plain)).await;
    let ids: HashSet<String> = same.into_iter().collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(plain.iter().collect::<HashSet<_>>().len(), 16);
    let listed = app.call_in_region("DescribeImagePipelines", &[("MaxResults", "100")]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 17);
    let tokened = pipelines(&listed).into_iter().find(|p| p["Name"] == "grouped").expect("the token's template");
    let want: HashSet<(String, String)> =
        [("a", "1"), ("b", "2")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(tags_of(&tokened), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_starts_amid_creates_start_exactly_one_build() {
    let app = TestApp::spawn().await;
    let app = &app;
    let pipeline = app.create_pipeline(&[]).await;
    let params = [("ImagePipelineId", pipeline.as_str())];
    let starts = (0..64).map(|_| app.call_in_region("StartImagePipelineExecution", &params));
    let creates = (0..32).map(|i| {
        let name = format!("other-{i}");
        async move { app.create_pipeline(&[("Name", name.as_str()), ("Tag.1.Key", "k")]).await }
    });
    let (replies, created) =
        futures::future::join(futures::future::join_all(starts), futures::future::join_all(creates)).await;
    assert_eq!(created.len(), 32);
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status.as_u16() == 200).collect();
    assert_eq!(ok.len(), 1, "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    for r in replies.iter().filter(|r| r.status.as_u16() != 200) {
        r.assert_error(403, "InvalidImagePipeline.HasRunningExecution");
    }
    let listed = app.call_in_region("DescribeImagePipelineExecutions", &[("ImagePipelineId", &pipeline)]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 1);
}

/// With a quota of 20, 48 concurrent creates with tags: 20 commit, 28 are refused inside their
/// transaction (their savepoints roll back) and leave no template and no tag behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_writes_leave_nothing_behind_while_their_batch_mates_commit() {
    let app = TestApp::spawn_with(|c| c.pipeline_quota = Some(20)).await;
    let app = &app;
    let calls = (0..48).map(|i| {
        let name = format!("q-{i}");
        async move {
            (
                name.clone(),
                app.try_create(&[("Name", name.as_str()), ("Tag.1.Key", "owner"), ("Tag.1.Value", name.as_str())])
                    .await,
            )
        }
    });
    let replies = futures::future::join_all(calls).await;
    let mut committed = HashSet::new();
    for (name, reply) in &replies {
        if reply.status.as_u16() == 200 {
            committed.insert(name.clone());
        } else {
            reply.assert_error(400, "QuotaExceed.ImagePipeline");
        }
    }
    assert_eq!(committed.len(), 20);
    let listed = app.call_in_region("DescribeImagePipelines", &[("MaxResults", "100")]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 20);
    let names: HashSet<String> =
        pipelines(&listed).iter().map(|p| p["Name"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(names, committed);
    for p in pipelines(&listed) {
        let name = p["Name"].as_str().unwrap_or("").to_string();
        assert_eq!(tags_of(&p), HashSet::from([("owner".to_string(), name)]));
    }
    let tagged =
        app.call_in_region("ListTagResources", &[("ResourceType", "imagepipeline"), ("Tag.1.Key", "owner")]).await;
    assert_eq!(tagged.assert_ok()["TagResources"]["TagResource"].as_array().map(Vec::len), Some(20));
}
