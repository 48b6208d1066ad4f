//! Image templates end to end: create → describe → delete, filters, paging, ClientToken
//! idempotency, tenancy and persistence across restarts.

use std::collections::HashSet;

use crate::helpers::{TestApp, BASE_IMAGE};
use serde_json::{json, Value};

#[tokio::test]
async fn a_template_round_trips_every_parameter() {
    let app = TestApp::spawn().await;
    let id = app
        .create_pipeline(&[
            ("Name", "full-template"),
            ("Description", "every parameter"),
            ("InstanceType", "ecs.g6.large"),
            ("VSwitchId", "vsw-cnhangzhoua0001"),
            ("SystemDiskSize", "60"),
            ("InternetMaxBandwidthOut", "10"),
            ("DeleteInstanceOnFailure", "false"),
            ("ResourceGroupId", "rg-acfmdev0000000001"),
            ("BuildContent", "RUN echo hello\nENV a=\"1\" b=\"2\"\nRESTART"),
            ("TestContent", "RUN test -f /etc/os-release"),
            ("ToRegionId.1", "cn-beijing"),
            ("AddAccount.1", "1234567890123456"),
            ("RepairMode", "Customized"),
            ("RepairItem.1", "grub"),
            ("RepairItem.2", "fstab"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "ci"),
            ("ImageOptions.ImageName", "web"),
            ("ImageOptions.ImageFamily", "web-family"),
            ("ImageOptions.Description", "the web image"),
            ("ImageOptions.ImageFeatures.NvmeSupport", "auto"),
            ("ImageOptions.ImageTags.1.Key", "team"),
            ("ImageOptions.ImageTags.1.Value", "web"),
            ("AdvancedOptions.RetainCloudAssistant", "True"),
            ("AdvancedOptions.ImageNameSuffix", "disable"),
            ("ImageSecurityOptions.SecurityScanMode", "NONE"),
        ])
        .await;
    let item = app.describe_pipeline(&id).await.expect("found");
    let expected = json!({
        "ImagePipelineId": id,
        "Name": "full-template",
        "Description": "every parameter",
        "CreationTime": "2023-11-14T22:13:20Z",
        "BaseImageType": "IMAGE",
        "BaseImage": BASE_IMAGE,
        "BuildContent": "RUN echo hello\nENV a=\"1\" b=\"2\"\nRESTART",
        "TestContent": "RUN test -f /etc/os-release",
        "ImageName": "web",
        "ImageFamily": "web-family",
        "NvmeSupport": "auto",
        "VSwitchId": "vsw-cnhangzhoua0001",
        "InstanceType": "ecs.g6.large",
        "SystemDiskSize": 60,
        "InternetMaxBandwidthOut": 10,
        "DeleteInstanceOnFailure": false,
        "ResourceGroupId": "rg-acfmdev0000000001",
        "RepairMode": "Customized",
        "RepairItems": {"RepairItem": ["grub", "fstab"]},
        "ToRegionIds": {"ToRegionId": ["cn-beijing"]},
        "AddAccounts": {"AddAccount": ["1234567890123456"]},
        "Tags": {"Tag": [{"TagKey": "env", "TagValue": "ci"}]},
        "ImageOptions": {
            "ImageName": "web", "ImageFamily": "web-family", "Description": "the web image",
            "ImageFeatures": {"NvmeSupport": "auto"},
            "ImageTags": {"ImageTag": [{"TagKey": "team", "TagValue": "web"}]}
        },
        "AdvancedOptions": {"RetainCloudAssistant": true, "ImageNameSuffix": "disable"},
        "ImageSecurityOptions": {"SecurityScanMode": "NONE"}
    });
    assert_eq!(item, expected);
}

#[tokio::test]
async fn defaults_apply_and_the_name_defaults_to_the_id() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[]).await;
    let item = app.describe_pipeline(&id).await.expect("found");
    assert_eq!(item["Name"], id.as_str());
    assert_eq!(item["SystemDiskSize"], 40);
    assert_eq!(item["InternetMaxBandwidthOut"], 0);
    assert_eq!(item["DeleteInstanceOnFailure"], true);
    assert_eq!(item["AdvancedOptions"]["RetainCloudAssistant"], false);
    assert_eq!(item["AddAccounts"], json!({"AddAccount": []}));
    assert!(item.get("Description").is_none() && item.get("ImportImageOptions").is_none());
}

#[tokio::test]
async fn an_oss_template_echoes_its_import_options_with_defaults() {
    let app = TestApp::spawn().await;
    let r = app
        .call_in_region(
            "CreateImagePipeline",
            &[
                ("BaseImageType", "OSS"),
                ("ImportImageOptions.DiskDeviceMappings.1.OSSBucket", "my-bucket"),
                ("ImportImageOptions.DiskDeviceMappings.1.OSSObject", "images/base.qcow2"),
                ("ImportImageOptions.DiskDeviceMappings.1.Format", "QCOW2"),
                ("ImportImageOptions.DiskDeviceMappings.1.DiskImageSize", "40"),
                ("ImportImageOptions.ImportImageTags.1.Key", "src"),
                ("ImportImageOptions.ImportImageTags.1.Value", "oss"),
            ],
        )
        .await;
    let id = r.assert_ok()["ImagePipelineId"].as_str().expect("id").to_string();
    let item = app.describe_pipeline(&id).await.expect("found");
    assert_eq!(item["BaseImageType"], "OSS");
    assert_eq!(
        item["ImportImageOptions"],
        json!({
            "Architecture": "x86_64", "OSType": "linux", "Platform": "Others Linux", "BootMode": "BIOS",
            "LicenseType": "Auto",
            "DiskDeviceMappings": {"DiskDeviceMapping": [
                {"OSSBucket": "my-bucket", "OSSObject": "images/base.qcow2", "Format": "QCOW2", "DiskImageSize": 40}
            ]},
            "Features": {"NvmeSupport": "unsupported"},
            "ImportImageTags": {"ImportImageTag": [{"Key": "src", "Value": "oss"}]}
        })
    );
}

#[tokio::test]
async fn an_image_family_base_is_accepted() {
    let app = TestApp::spawn().await;
    let r = app
        .call_in_region(
            "CreateImagePipeline",
            &[("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", "acs:alibaba_cloud_linux_3_2104_lts_x64")],
        )
        .await;
    let id = r.assert_ok()["ImagePipelineId"].as_str().expect("id").to_string();
    assert_eq!(app.describe_pipeline(&id).await.expect("found")["BaseImageType"], "IMAGE_FAMILY");
}

#[tokio::test]
async fn delete_removes_the_template_and_its_tags() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[("Tag.1.Key", "gone")]).await;
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &id)]).await.assert_ok();
    assert!(app.describe_pipeline(&id).await.is_none());
    let by_tag = app.call_in_region("DescribeImagePipelines", &[("Tag.1.Key", "gone")]).await;
    assert_eq!(by_tag.assert_ok()["TotalCount"], 0);
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &id)])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");
}

async fn ids_of(body: &Value) -> Vec<String> {
    body["ImagePipeline"]["ImagePipelineSet"]
        .as_array()
        .map(|set| set.iter().filter_map(|p| p["ImagePipelineId"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn paging_walks_every_template_exactly_once_newest_first() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(app.create_pipeline(&[("Name", &format!("page{i}"))]).await);
        app.clock.advance(1_000);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let mut params = vec![("MaxResults", "3")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let r = app.call_in_region("DescribeImagePipelines", &params).await;
        let body = r.assert_ok().clone();
        assert_eq!(body["TotalCount"], 7);
        assert_eq!(body["MaxResults"], 3);
        seen.extend(ids_of(&body).await);
        pages += 1;
        token = body["NextToken"].as_str().expect("NextToken is a string").to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages, 3);
    created.reverse();
    assert_eq!(seen, created, "newest first, each once");
}

#[tokio::test]
async fn filters_by_id_name_resource_group_and_tags_combine() {
    let app = TestApp::spawn().await;
    let a = app
        .create_pipeline(&[("Name", "alpha"), ("Tag.1.Key", "env"), ("Tag.1.Value", "prod"), ("Tag.2.Key", "team")])
        .await;
    let b = app
        .create_pipeline(&[
            ("Name", "beta"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "dev"),
            ("ResourceGroupId", "rg-acfmprod000000001"),
        ])
        .await;
    let c = app.create_pipeline(&[("Name", "alpha")]).await;

    let query = |params: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.call_in_region("DescribeImagePipelines", &borrowed).await;
            let mut ids = ids_of(r.assert_ok()).await;
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        query(vec![("ImagePipelineId.1", a.clone()), ("ImagePipelineId.2", b.clone())]).await,
        sorted(vec![a.clone(), b.clone()])
    );
    assert_eq!(query(vec![("Name", "alpha".into())]).await, sorted(vec![a.clone(), c.clone()]));
    assert_eq!(query(vec![("ResourceGroupId", "rg-acfmprod000000001".into())]).await, vec![b.clone()]);
    assert_eq!(query(vec![("Tag.1.Key", "env".into())]).await, sorted(vec![a.clone(), b.clone()]));
    assert_eq!(query(vec![("Tag.1.Key", "env".into()), ("Tag.1.Value", "prod".into())]).await, vec![a.clone()]);
    assert_eq!(query(vec![("Tag.1.Key", "env".into()), ("Tag.2.Key", "team".into())]).await, vec![a.clone()]);
    assert_eq!(query(vec![("Name", "alpha".into()), ("Tag.1.Key", "env".into())]).await, vec![a.clone()]);
    assert_eq!(query(vec![("ImagePipelineId.1", "ip-unknown000000000000".into())]).await, Vec::<String>::new());
}

#[tokio::test]
async fn accounts_and_regions_are_isolated() {
    let app = TestApp::spawn().await;
    let mine = app.create_pipeline(&[("AccessKeyId", "1111111111111111")]).await;
    let theirs = app.create_pipeline(&[("AccessKeyId", "2222222222222222")]).await;
    let listed = app.call_in_region("DescribeImagePipelines", &[("AccessKeyId", "1111111111111111")]).await;
    assert_eq!(ids_of(listed.assert_ok()).await, vec![mine.clone()]);
    let other_region =
        app.call("DescribeImagePipelines", &[("RegionId", "cn-beijing"), ("AccessKeyId", "1111111111111111")]).await;
    assert_eq!(other_region.assert_ok()["TotalCount"], 0);
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &theirs), ("AccessKeyId", "1111111111111111")])
        .await
        .assert_error(404, "InvalidImagePipeline.NotFound");
    assert!(app.describe_pipeline(&mine).await.is_none(), "the default account sees neither");
}

#[tokio::test]
async fn the_same_client_token_returns_the_same_template_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let first = app.create_pipeline(&[("ClientToken", "tok-1"), ("Name", "idem")]).await;
    let second = app.create_pipeline(&[("ClientToken", "tok-1"), ("Name", "idem")]).await;
    assert_eq!(first, second);
    let r = app.call_in_region("DescribeImagePipelines", &[]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 1);
    app.try_create(&[("ClientToken", "tok-1"), ("Name", "changed")])
        .await
        .assert_error(400, "IdempotentParameterMismatch");
    // Tokens are scoped per account: another account may reuse the string.
    let other =
        app.create_pipeline(&[("ClientToken", "tok-1"), ("Name", "idem"), ("AccessKeyId", "3333333333333333")]).await;
    assert_ne!(other, first);
}

#[tokio::test]
async fn a_failed_first_call_does_not_consume_the_token() {
    let app = TestApp::spawn().await;
    app.try_create(&[("ClientToken", "tok-x"), ("SystemDiskSize", "5")])
        .await
        .assert_error(400, "InvalidSystemDiskSize.NotSupportedValue");
    app.create_pipeline(&[("ClientToken", "tok-x"), ("SystemDiskSize", "50")]).await;
}

/// With the quota used up, a replay still gets the first answer (the token is checked before the
/// quota), and a call the quota refuses leaves its token free for later.
#[tokio::test]
async fn the_token_is_answered_before_the_quota_and_a_refused_call_leaves_it_free() {
    let app = TestApp::spawn_with(|c| c.pipeline_quota = Some(1)).await;
    let first = app.create_pipeline(&[("ClientToken", "tok-q"), ("Name", "quota"), ("Tag.1.Key", "k")]).await;
    let replayed = app.create_pipeline(&[("ClientToken", "tok-q"), ("Name", "quota"), ("Tag.1.Key", "k")]).await;
    assert_eq!(replayed, first);
    app.try_create(&[("ClientToken", "tok-q"), ("Name", "other")])
        .await
        .assert_error(400, "IdempotentParameterMismatch");
    app.try_create(&[("ClientToken", "tok-r"), ("Name", "second")])
        .await
        .assert_error(400, "QuotaExceed.ImagePipeline");
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", first.as_str())]).await.assert_ok();
    let second = app.create_pipeline(&[("ClientToken", "tok-r"), ("Name", "second")]).await;
    assert_ne!(second, first);
    let r = app.call_in_region("DescribeImagePipelines", &[]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 1);
}

#[tokio::test]
async fn sixteen_concurrent_identical_creates_yield_one_template() {
    let app = TestApp::spawn().await;
    let calls = (0..16).map(|_| app.create_pipeline(&[("ClientToken", "concurrent"), ("Name", "race")]));
    let ids: HashSet<String> = futures::future::join_all(calls).await.into_iter().collect();
    assert_eq!(ids.len(), 1);
    let r = app.call_in_region("DescribeImagePipelines", &[]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 1);
}

#[tokio::test]
async fn templates_survive_a_restart() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[("Name", "durable"), ("Tag.1.Key", "keep")]).await;
    let app = app.restart().await;
    let item = app.describe_pipeline(&id).await.expect("still there");
    assert_eq!(item["Name"], "durable");
    assert_eq!(item["Tags"]["Tag"][0]["TagKey"], "keep");
}

#[tokio::test]
async fn the_unfiltered_total_count_stays_exact_through_deletes_resets_and_restores() {
    let app = TestApp::spawn().await;
    // MaxResults=2 with more than two templates takes the counted path (not a short first page).
    let total = |ak: &'static str| {
        let app = &app;
        async move {
            let r = app.call_in_region("DescribeImagePipelines", &[("MaxResults", "2"), ("AccessKeyId", ak)]).await;
            r.assert_ok()["TotalCount"].as_i64().unwrap_or(-1)
        }
    };
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.create_pipeline(&[("AccessKeyId", "1111111111111111")]).await);
    }
    for _ in 0..3 {
        app.create_pipeline(&[("AccessKeyId", "2222222222222222")]).await;
    }
    assert_eq!((total("1111111111111111").await, total("2222222222222222").await), (5, 3));
    for id in &ids[..2] {
        app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", id), ("AccessKeyId", "1111111111111111")])
            .await
            .assert_ok();
    }
    assert_eq!(total("1111111111111111").await, 3);
    app.admin("POST", "/snapshots", Some(json!({ "name": "three" }))).await;
    app.admin("POST", "/reset", Some(json!({ "account": "2222222222222222" }))).await;
    assert_eq!((total("1111111111111111").await, total("2222222222222222").await), (3, 0));
    app.admin("POST", "/snapshots/three/restore", None).await;
    assert_eq!((total("1111111111111111").await, total("2222222222222222").await), (3, 3));
    app.admin("POST", "/reset", None).await;
    app.create_pipeline(&[("AccessKeyId", "1111111111111111")]).await;
    app.create_pipeline(&[("AccessKeyId", "1111111111111111")]).await;
    app.create_pipeline(&[("AccessKeyId", "1111111111111111")]).await;
    assert_eq!(total("1111111111111111").await, 3);
}

#[tokio::test]
async fn describe_by_id_sees_every_change_to_tags_and_existence() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[("Tag.1.Key", "a"), ("Tag.1.Value", "1")]).await;
    let tags_of = |id: String| {
        let app = &app;
        async move { app.describe_pipeline(&id).await.map(|item| item["Tags"]["Tag"].clone()) }
    };
    // Twice: the second read can come from the cache.
    assert_eq!(tags_of(id.clone()).await, Some(json!([{"TagKey": "a", "TagValue": "1"}])));
    assert_eq!(tags_of(id.clone()).await, Some(json!([{"TagKey": "a", "TagValue": "1"}])));

    let tag =
        [("ResourceType", "imagepipeline"), ("ResourceId.1", id.as_str()), ("Tag.1.Key", "b"), ("Tag.1.Value", "2")];
    app.call_in_region("TagResources", &tag).await.assert_ok();
    assert_eq!(
        tags_of(id.clone()).await,
        Some(json!([{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}]))
    );
    let untag = [("ResourceType", "imagepipeline"), ("ResourceId.1", id.as_str()), ("TagKey.1", "a")];
    app.call_in_region("UntagResources", &untag).await.assert_ok();
    assert_eq!(tags_of(id.clone()).await, Some(json!([{"TagKey": "b", "TagValue": "2"}])));

    app.admin("POST", "/snapshots", Some(json!({ "name": "with-b" }))).await;
    app.admin("POST", "/reset", None).await;
    assert_eq!(tags_of(id.clone()).await, None, "gone after a reset");
    app.admin("POST", "/snapshots/with-b/restore", None).await;
    assert_eq!(tags_of(id.clone()).await, Some(json!([{"TagKey": "b", "TagValue": "2"}])), "back after a restore");
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &id)]).await.assert_ok();
    assert_eq!(tags_of(id.clone()).await, None, "gone after a delete");
    // Another tenant never sees it through the cache.
    let other = app.create_pipeline(&[]).await;
    assert!(app.describe_pipeline(&other).await.is_some());
    let foreign = app
        .call_in_region("DescribeImagePipelines", &[("ImagePipelineId.1", &other), ("AccessKeyId", "4444444444444444")])
        .await;
    assert_eq!(foreign.assert_ok()["TotalCount"], 0);
}
