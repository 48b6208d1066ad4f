//! The tag APIs (docs/reference.md §7.4) on image templates and components: TagResources, UntagResources and
//! ListTagResources with their limits, paging and errors, and `Tag.N` filters on every Describe
//! action seeing the tags they set.

use serde_json::{json, Value};

use crate::helpers::{Reply, TestApp, REGION};

const OTHER_ACCOUNT: &str = "1234567890123456";
const PIPELINE: &str = "imagepipeline";
const COMPONENT: &str = "imagecomponent";

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn call(app: &TestApp, action: &str, params: &[(String, String)]) -> Reply {
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call_in_region(action, &borrowed).await
}

/// `ResourceId.N` for each ID.
fn resource_ids(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter().enumerate().map(|(i, id)| (format!("ResourceId.{}", i + 1), id.to_string())).collect()
}

/// `Tag.N.Key` / `Tag.N.Value` for each pair.
fn tag_params(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    tags.iter()
        .enumerate()
        .flat_map(|(i, (k, v))| {
            [(format!("Tag.{}.Key", i + 1), k.to_string()), (format!("Tag.{}.Value", i + 1), v.to_string())]
        })
        .collect()
}

async fn tag(app: &TestApp, resource_type: &str, ids: &[&str], tags: &[(&str, &str)]) -> Reply {
    let mut params = owned(&[("ResourceType", resource_type)]);
    params.extend(resource_ids(ids));
    params.extend(tag_params(tags));
    call(app, "TagResources", &params).await
}

async fn untag(app: &TestApp, resource_type: &str, ids: &[&str], extra: &[(&str, &str)]) -> Reply {
    let mut params = owned(&[("ResourceType", resource_type)]);
    params.extend(resource_ids(ids));
    params.extend(owned(extra));
    call(app, "UntagResources", &params).await
}

/// ListTagResources; the (ResourceId, TagKey, TagValue) triples and the NextToken.
async fn list(
    app: &TestApp,
    resource_type: &str,
    params: Vec<(String, String)>,
) -> (Vec<(String, String, String)>, String) {
    let mut all = owned(&[("ResourceType", resource_type)]);
    all.extend(params);
    let reply = call(app, "ListTagResources", &all).await;
    let body = reply.assert_ok();
    let items = body["TagResources"]["TagResource"].as_array().expect("list");
    let triples = items
        .iter()
        .map(|i| {
            assert_eq!(i["ResourceType"], json!(resource_type));
            let s = |k: &str| i[k].as_str().expect("string").to_string();
            (s("ResourceId"), s("TagKey"), s("TagValue"))
        })
        .collect();
    (triples, body["NextToken"].as_str().expect("NextToken").to_string())
}

async fn tags_of(app: &TestApp, resource_type: &str, id: &str) -> Vec<(String, String)> {
    let (triples, _) = list(app, resource_type, resource_ids(&[id])).await;
    triples.into_iter().map(|(_, k, v)| (k, v)).collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn new_component(app: &TestApp) -> String {
    let reply = app.call_in_region("CreateImageComponent", &[("Content", "RUN a")]).await;
    reply.assert_ok()["ImageComponentId"].as_str().expect("id").to_string()
}

fn set_ids(body: &Value, list: &str, set: &str, id: &str) -> Vec<String> {
    body[list][set].as_array().expect("set").iter().map(|i| i[id].as_str().expect("id").to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tags_are_added_overwritten_listed_and_removed_on_templates_and_components() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[("Tag.1.Key", "team"), ("Tag.1.Value", "web")]).await;
    let component = new_component(&app).await;
    for (resource_type, id) in [(PIPELINE, pipeline.as_str()), (COMPONENT, component.as_str())] {
        tag(&app, resource_type, &[id], &[("env", "ci"), ("owner", "")]).await.assert_ok();
        tag(&app, resource_type, &[id], &[("env", "prod")]).await.assert_ok();
        let expected = if resource_type == PIPELINE {
            pairs(&[("env", "prod"), ("owner", ""), ("team", "web")])
        } else {
            pairs(&[("env", "prod"), ("owner", "")])
        };
        assert_eq!(tags_of(&app, resource_type, id).await, expected);
        untag(&app, resource_type, &[id], &[("TagKey.1", "env"), ("TagKey.2", "absent")]).await.assert_ok();
        assert!(!tags_of(&app, resource_type, id).await.iter().any(|(k, _)| k == "env"));
        untag(&app, resource_type, &[id], &[]).await.assert_ok();
        assert!(!tags_of(&app, resource_type, id).await.is_empty(), "without TagKey.N or All nothing is removed");
        untag(&app, resource_type, &[id], &[("All", "true")]).await.assert_ok();
        assert!(tags_of(&app, resource_type, id).await.is_empty());
    }
    // The Describe actions return the tags the tag APIs set.
    tag(&app, PIPELINE, &[&pipeline], &[("stage", "blue")]).await.assert_ok();
    let item = app.describe_pipeline(&pipeline).await.expect("found");
    assert_eq!(item["Tags"], json!({"Tag": [{"TagKey": "stage", "TagValue": "blue"}]}));
    tag(&app, COMPONENT, &[&component], &[("stage", "green")]).await.assert_ok();
    let reply = app.call_in_region("DescribeImageComponents", &[("ImageComponentId.1", &component)]).await;
    assert_eq!(
        reply.assert_ok()["ImageComponent"]["ImageComponentSet"][0]["Tags"],
        json!({"Tag": [{"TagKey": "stage", "TagValue": "green"}]})
    );
}

#[tokio::test]
async fn one_call_tags_many_resources_and_all_must_exist() {
    let app = TestApp::spawn().await;
    let a = app.create_pipeline(&[]).await;
    let b = app.create_pipeline(&[]).await;
    tag(&app, PIPELINE, &[&a, &b], &[("k", "v")]).await.assert_ok();
    let (triples, token) = list(&app, PIPELINE, resource_ids(&[&a, &b])).await;
    assert_eq!(triples.len(), 2);
    assert_eq!(token, "");
    let reply = tag(&app, PIPELINE, &[&a, "ip-doesnotexist"], &[("x", "1")]).await;
    reply.assert_error(404, "InvalidResourceId.NotFound");
    assert!(reply.body["Message"].as_str().expect("message").contains("ip-doesnotexist"));
    assert!(!tags_of(&app, PIPELINE, &a).await.iter().any(|(k, _)| k == "x"), "all or nothing");
    // A template is not a component, and another account's template is not found.
    tag(&app, COMPONENT, &[&a], &[("x", "1")]).await.assert_error(404, "InvalidResourceId.NotFound");
    let mut foreign = owned(&[("ResourceType", PIPELINE), ("AccessKeyId", OTHER_ACCOUNT)]);
    foreign.extend(resource_ids(&[&a]));
    foreign.extend(tag_params(&[("x", "1")]));
    call(&app, "TagResources", &foreign).await.assert_error(404, "InvalidResourceId.NotFound");
    untag(&app, PIPELINE, &["ip-doesnotexist"], &[("All", "true")])
        .await
        .assert_error(404, "InvalidResourceId.NotFound");
}

#[tokio::test]
async fn a_resource_carries_at_most_twenty_tags() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[]).await;
    let keys: Vec<String> = (1..=20).map(|i| format!("k{i}")).collect();
    let twenty: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
    tag(&app, PIPELINE, &[&id], &twenty).await.assert_ok();
    tag(&app, PIPELINE, &[&id], &[("k1", "overwrite")]).await.assert_ok();
    tag(&app, PIPELINE, &[&id], &[("k21", "v")]).await.assert_error(400, "OperationDenied.QuotaExceed");
    assert_eq!(tags_of(&app, PIPELINE, &id).await.len(), 20);
}

// ---------------------------------------------------------------------------------------------
// ListTagResources
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_tag_resources_pages_fifty_pairs_at_a_time() {
    let app = TestApp::spawn().await;
    let keys: Vec<String> = (1..=20).map(|i| format!("key{i:02}")).collect();
    let twenty: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = app.create_pipeline(&[]).await;
        tag(&app, PIPELINE, &[&id], &twenty).await.assert_ok();
        ids.push(id);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (first, token) = list(&app, PIPELINE, resource_ids(&refs)).await;
    assert_eq!(first.len(), 50);
    assert!(!token.is_empty());
    let mut next = resource_ids(&refs);
    next.push(("NextToken".into(), token));
    let (second, token) = list(&app, PIPELINE, next).await;
    assert_eq!(second.len(), 10);
    assert_eq!(token, "");
    let mut all = first;
    all.extend(second);
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(all, sorted, "ordered by resource and key, no pair twice");
    let mut bad = resource_ids(&refs);
    bad.push(("NextToken".into(), "AAAAAdDWBF2".into()));
    let mut params = owned(&[("ResourceType", PIPELINE)]);
    params.extend(bad);
    call(&app, "ListTagResources", &params).await.assert_error(403, "Invalid.NextToken");
}

#[tokio::test]
async fn list_tag_resources_selects_by_tag_or_by_fuzzy_tag_filter() {
    let app = TestApp::spawn().await;
    let prod = new_component(&app).await;
    let preprod = new_component(&app).await;
    let dev = new_component(&app).await;
    tag(&app, COMPONENT, &[&prod], &[("env", "prod"), ("team", "a")]).await.assert_ok();
    tag(&app, COMPONENT, &[&preprod], &[("env", "preprod")]).await.assert_ok();
    tag(&app, COMPONENT, &[&dev], &[("env", "dev"), ("team", "a")]).await.assert_ok();
    let resources = |triples: Vec<(String, String, String)>| {
        let mut ids: Vec<String> = triples.into_iter().map(|(id, _, _)| id).collect();
        ids.dedup();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // Tag.N: exact, all must match; every tag of a matching resource is listed.
    let (triples, _) = list(&app, COMPONENT, tag_params(&[("env", "prod")])).await;
    assert_eq!(triples.len(), 2);
    assert_eq!(resources(triples), [prod.as_str()]);
    let (triples, _) = list(&app, COMPONENT, owned(&[("Tag.1.Key", "team")])).await;
    assert_eq!(sorted(resources(triples)), sorted(vec![prod.clone(), dev.clone()]));
    // TagFilter.N: values match exactly or by prefix with a trailing *.
    let (triples, _) =
        list(&app, COMPONENT, owned(&[("TagFilter.1.TagKey", "env"), ("TagFilter.1.TagValues.1", "pro*")])).await;
    assert_eq!(sorted(resources(triples)), sorted(vec![prod.clone()]));
    let (triples, _) = list(
        &app,
        COMPONENT,
        owned(&[
            ("TagFilter.1.TagKey", "env"),
            ("TagFilter.1.TagValues.1", "dev"),
            ("TagFilter.1.TagValues.2", "pre*"),
        ]),
    )
    .await;
    assert_eq!(sorted(resources(triples)), sorted(vec![preprod.clone(), dev.clone()]));
    let (triples, _) = list(&app, COMPONENT, owned(&[("TagFilter.1.TagKey", "env")])).await;
    assert_eq!(resources(triples).len(), 3);
    // IDs and tags together; unknown IDs match nothing.
    let mut both = resource_ids(&[&prod, &dev]);
    both.extend(tag_params(&[("env", "dev")]));
    assert_eq!(resources(list(&app, COMPONENT, both).await.0), [dev.as_str()]);
    assert!(list(&app, COMPONENT, resource_ids(&["ic-unknown"])).await.0.is_empty());
    // System components have no tags.
    assert!(list(&app, COMPONENT, resource_ids(&["ic-aliyuntimezone1000000"])).await.0.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Tag filters on every Describe action
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_describe_action_filters_by_tags() {
    let app = TestApp::spawn().await;
    let tagged = app
        .create_pipeline(&[("ImageOptions.ImageTags.1.Key", "app"), ("ImageOptions.ImageTags.1.Value", "web")])
        .await;
    let plain = app.create_pipeline(&[]).await;
    tag(&app, PIPELINE, &[&tagged], &[("env", "prod")]).await.assert_ok();
    let component = new_component(&app).await;
    new_component(&app).await;
    tag(&app, COMPONENT, &[&component], &[("env", "prod")]).await.assert_ok();
    let execution = app
        .call_in_region(
            "StartImagePipelineExecution",
            &[("ImagePipelineId", &tagged), ("Tag.1.Key", "run"), ("Tag.1.Value", "1")],
        )
        .await
        .assert_ok()["ExecutionId"]
        .as_str()
        .expect("id")
        .to_string();
    app.start(&plain).await;
    app.run_builds_to_completion().await;

    let filter = |k: &'static str, v: &'static str| [("Tag.1.Key", k), ("Tag.1.Value", v)];
    let body = |r: Reply| r.assert_ok().clone();

    let r = body(app.call_in_region("DescribeImagePipelines", &filter("env", "prod")).await);
    assert_eq!(set_ids(&r, "ImagePipeline", "ImagePipelineSet", "ImagePipelineId"), [tagged.as_str()]);
    let r = body(app.call_in_region("DescribeImagePipelines", &filter("env", "dev")).await);
    assert!(set_ids(&r, "ImagePipeline", "ImagePipelineSet", "ImagePipelineId").is_empty());

    let r = body(app.call_in_region("DescribeImageComponents", &filter("env", "prod")).await);
    assert_eq!(set_ids(&r, "ImageComponent", "ImageComponentSet", "ImageComponentId"), [component.as_str()]);

    let executions = |v: &'static str| [("ImagePipelineId", tagged.as_str()), ("Tag.1.Key", "run"), ("Tag.1.Value", v)];
    let r = body(app.call_in_region("DescribeImagePipelineExecutions", &executions("1")).await);
    assert_eq!(set_ids(&r, "ImagePipelineExecution", "ImagePipelineExecutionSet", "ExecutionId"), [execution.as_str()]);
    let r = body(app.call_in_region("DescribeImagePipelineExecutions", &executions("2")).await);
    assert!(set_ids(&r, "ImagePipelineExecution", "ImagePipelineExecutionSet", "ExecutionId").is_empty());

    let r = body(
        app.call(
            "DescribeImages",
            &[("RegionId", REGION), ("ImageOwnerAlias", "self"), ("Tag.1.Key", "app"), ("Tag.1.Value", "web")],
        )
        .await,
    );
    let images = r["Images"]["Image"].as_array().expect("images");
    assert_eq!(images.len(), 1, "{r}");

    // Untagging makes the template drop out of the filter.
    untag(&app, PIPELINE, &[&tagged], &[("TagKey.1", "env")]).await.assert_ok();
    let r = body(app.call_in_region("DescribeImagePipelines", &filter("env", "prod")).await);
    assert!(set_ids(&r, "ImagePipeline", "ImagePipelineSet", "ImagePipelineId").is_empty());
}

#[tokio::test]
async fn deleting_a_resource_deletes_its_tags() {
    let app = TestApp::spawn().await;
    let component = new_component(&app).await;
    tag(&app, COMPONENT, &[&component], &[("env", "prod")]).await.assert_ok();
    app.call_in_region("DeleteImageComponent", &[("ImageComponentId", &component)]).await.assert_ok();
    assert!(list(&app, COMPONENT, owned(&[("Tag.1.Key", "env")])).await.0.is_empty());
    let pipeline = app.create_pipeline(&[]).await;
    tag(&app, PIPELINE, &[&pipeline], &[("env", "prod")]).await.assert_ok();
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &pipeline)]).await.assert_ok();
    assert!(list(&app, PIPELINE, owned(&[("Tag.1.Key", "env")])).await.0.is_empty());
}
