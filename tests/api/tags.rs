//! The tag APIs (docs/reference.md §7.4) on image templates and components: TagResources, UntagResources and
//! ListTagResources with their limits, paging and errors, and `Tag.N` filters on every Describe
//! action seeing the tags they set.

use serde_json::{json, Value};

use crate::helpers::{Reply, TestApp, REGION};

const OTHER_ACCOUNT: &str = "1234567890123456";
pub(crate) const PIPELINE: &str = "imagepipeline";
pub(crate) const COMPONENT: &str = "imagecomponent";

pub(crate) fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub(crate) async fn call(app: &TestApp, action: &str, params: &[(String, String)]) -> Reply {
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call_in_region(action, &borrowed).await
}

/// `ResourceId.N` for each ID.
pub(crate) fn resource_ids(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter().enumerate().map(|(i, id)| (format!("ResourceId.{}", i + 1), id.to_string())).collect()
}

/// `Tag.N.Key` / `Tag.N.Value` for each pair.
pub(crate) fn tag_params(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    tags.iter()
        .enumerate()
        .flat_map(|(i, (k, v))| {
            [(format!("Tag.{}.Key", i + 1), k.to_string()), (format!("Tag.{}.Value", i + 1), v.to_string())]
        })
        .collect()
}

pub(crate) async fn tag(app: &TestApp, resource_type: &str, ids: &[&str], tags: &[(&str, &str)]) -> Reply {
    let mut params = owned(&[("ResourceType", resource_type)]);
    params.extend(resource_ids(ids));
    params.extend(tag_params(tags));
    call(app, "TagResources", &params).await
}

pub(crate) async fn untag(app: &TestApp, resource_type: &str, ids: &[&str], extra: &[(&str, &str)]) -> Reply {
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

/// Every page of a ListTagResources by template ID, joined.
async fn all_pages(app: &TestApp, ids: &[&str]) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let mut params = resource_ids(ids);
        if !token.is_empty() {
            params.push(("NextToken".into(), token.clone()));
        }
        let (page, next) = list(app, PIPELINE, params).await;
        all.extend(page);
        if next.is_empty() {
            return all;
        }
        token = next;
    }
}

/// DescribeImagePipelines by these IDs (which caches the templates).
async fn describe_by_id(app: &TestApp, ids: &[&str]) {
    let params: Vec<(String, String)> =
        ids.iter().enumerate().map(|(i, id)| (format!("ImagePipelineId.{}", i + 1), id.to_string())).collect();
    call(app, "DescribeImagePipelines", &params).await.assert_ok();
}

/// Templates described by ID are cached, and ListTagResources by their IDs is then answered from
/// that cache: the same pairs in the same order and pages as from SQL, and a tag write shows at once.
#[tokio::test]
async fn list_tag_resources_by_id_answers_the_same_once_the_templates_are_cached() {
    let app = TestApp::spawn().await;
    // Keys given in descending order, so their stored order is not the listing's order.
    let keys: Vec<String> = (1..=20).rev().map(|i| format!("key{i:02}")).collect();
    let twenty: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = app.create_pipeline(&[]).await;
        tag(&app, PIPELINE, &[&id], &twenty).await.assert_ok();
        ids.push(id);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let from_sql = all_pages(&app, &refs).await;
    assert_eq!(from_sql.len(), 60);
    describe_by_id(&app, &refs).await;
    assert_eq!(all_pages(&app, &refs).await, from_sql, "cached: the same pairs, order and pages");
    let twice = [refs[1], refs[0], refs[1], refs[2]];
    assert_eq!(all_pages(&app, &twice).await, from_sql, "an ID asked twice is listed once");

    tag(&app, PIPELINE, &[refs[0]], &[("key01", "changed")]).await.assert_ok();
    untag(&app, PIPELINE, &[refs[1]], &[("TagKey.1", "key05")]).await.assert_ok();
    describe_by_id(&app, &refs).await;
    let after = all_pages(&app, &refs).await;
    assert_eq!(after.len(), 59);
    assert!(after.contains(&(ids[0].clone(), "key01".into(), "changed".into())));
    assert!(!after.iter().any(|(id, k, _)| *id == ids[1] && k == "key05"));
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
