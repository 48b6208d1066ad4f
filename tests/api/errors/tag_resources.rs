//! Error cases of `TagResources` (`src/actions/tag_resources.rs`), and in the same test those of
//! `UntagResources` and `ListTagResources`, which share its codes (docs/reference.md §7.4).

use crate::helpers::TestApp;
use crate::tags::{call, owned, resource_ids, tag, tag_params, untag, COMPONENT, PIPELINE};

#[tokio::test]
async fn every_documented_tag_api_error_has_its_code() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[]).await;
    let ids = resource_ids(&[&id]);
    let with = |base: &[(&str, &str)], more: Vec<(String, String)>| {
        let mut p = owned(base);
        p.extend(more);
        p
    };
    let tags = tag_params(&[("k", "v")]);

    // Missing pieces: the tag API docs give 404 codes.
    let no_region =
        owned(&[("Action", "TagResources"), ("Version", "2014-05-26"), ("Format", "JSON"), ("ResourceType", PIPELINE)]);
    let borrowed: Vec<(&str, &str)> = no_region.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.client.get(&app.base_url).query(&borrowed).send().await.expect("sent");
    crate::helpers::reply(response).await.assert_error(404, "MissingParameter.RegionId");
    call(&app, "TagResources", &with(&[], [ids.clone(), tags.clone()].concat()))
        .await
        .assert_error(404, "MissingParameter.ResourceType");
    call(&app, "TagResources", &with(&[("ResourceType", PIPELINE)], tags.clone()))
        .await
        .assert_error(404, "MissingParameter.ResourceIds");
    call(&app, "TagResources", &with(&[("ResourceType", PIPELINE)], ids.clone()))
        .await
        .assert_error(404, "MissingParameter.Tags");
    call(&app, "UntagResources", &with(&[("ResourceType", PIPELINE), ("All", "true")], vec![]))
        .await
        .assert_error(404, "MissingParameter.ResourceIds");
    call(&app, "ListTagResources", &owned(&[("ResourceType", PIPELINE)]))
        .await
        .assert_error(404, "MissingParameter.ResourceIds");

    // Resource types and regions.
    for bad in ["imagepipelineexecution", "instance", "ImagePipeline"] {
        for action in ["TagResources", "UntagResources", "ListTagResources"] {
            call(&app, action, &with(&[("ResourceType", bad)], [ids.clone(), tags.clone()].concat()))
                .await
                .assert_error(404, "InvalidResourceType.NotFound");
        }
    }
    call(
        &app,
        "TagResources",
        &with(&[("ResourceType", PIPELINE), ("RegionId", "mars-1")], [ids.clone(), tags.clone()].concat()),
    )
    .await
    .assert_error(404, "InvalidRegionId.NotFound");

    // Limits.
    let fifty: Vec<String> = (0..50).map(|i| format!("ip-{i}")).collect();
    let fifty: Vec<&str> = fifty.iter().map(String::as_str).collect();
    let mut fifty_one = fifty.clone();
    fifty_one.push("ip-51");
    call(&app, "ListTagResources", &with(&[("ResourceType", PIPELINE)], resource_ids(&fifty))).await.assert_ok();
    call(&app, "TagResources", &with(&[("ResourceType", PIPELINE)], [resource_ids(&fifty_one), tags.clone()].concat()))
        .await
        .assert_error(400, "NumberExceed.ResourceIds");
    let keys: Vec<String> = (1..=21).map(|i| format!("k{i}")).collect();
    let twenty_one: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
    tag(&app, PIPELINE, &[&id], &twenty_one).await.assert_error(400, "NumberExceed.Tags");
    let key_list: Vec<(String, String)> =
        keys.iter().enumerate().map(|(i, k)| (format!("TagKey.{}", i + 1), k.clone())).collect();
    call(&app, "UntagResources", &with(&[("ResourceType", PIPELINE)], [ids.clone(), key_list].concat()))
        .await
        .assert_error(400, "NumberExceed.Tags");
    let six_filters: Vec<(String, String)> =
        (1..=6).map(|i| (format!("TagFilter.{i}.TagKey"), format!("k{i}"))).collect();
    call(&app, "ListTagResources", &with(&[("ResourceType", PIPELINE)], six_filters))
        .await
        .assert_error(400, "InvalidTagCount");
    let six_values: Vec<(String, String)> =
        (1..=6).map(|i| (format!("TagFilter.1.TagValues.{i}"), format!("v{i}"))).collect();
    call(&app, "ListTagResources", &with(&[("ResourceType", PIPELINE), ("TagFilter.1.TagKey", "k")], six_values))
        .await
        .assert_error(400, "InvalidTagCount");
    call(
        &app,
        "ListTagResources",
        &with(&[("ResourceType", PIPELINE), ("Tag.1.Key", "a"), ("TagFilter.1.TagKey", "b")], vec![]),
    )
    .await
    .assert_error(400, "InvalidParameterCombination");

    // The shared tag rules.
    tag(&app, PIPELINE, &[&id], &[("aliyun-key", "v")]).await.assert_error(400, "InvalidTagKey.Malformed");
    tag(&app, PIPELINE, &[&id], &[("k", "https://x")]).await.assert_error(400, "InvalidTagValue.Malformed");
    tag(&app, PIPELINE, &[&id], &[("k", "1"), ("k", "2")]).await.assert_error(400, "Duplicate.TagKey");
    call(&app, "ListTagResources", &with(&[("ResourceType", PIPELINE), ("TagFilter.1.TagValues.1", "v")], vec![]))
        .await
        .assert_error(400, "InvalidTagKey.Malformed");

    // Existence and system components.
    tag(&app, PIPELINE, &["ip-unknown"], &[("k", "v")]).await.assert_error(404, "InvalidResourceId.NotFound");
    tag(&app, COMPONENT, &["ic-aliyuntimezone1000000"], &[("k", "v")])
        .await
        .assert_error(403, "InvalidResourceId.NotSupported");
    untag(&app, COMPONENT, &["ic-aliyuntimezone1000000"], &[("All", "true")])
        .await
        .assert_error(403, "InvalidResourceId.NotSupported");
}
