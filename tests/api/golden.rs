//! The ECS image lifecycle around builds (issue 17): image tags and DescribeTags, JoinResourceGroup,
//! share permissions, copies, attributes, image families and DryRun — each documented error code
//! with its HTTP status.

use serde_json::Value;

use crate::helpers::{self, text, Reply, TestApp, REGION};

pub(crate) const OWNER: &str = "4000000000000004";
pub(crate) const FRIEND: &str = "4000000000000005";

/// An action in the default region as `account`.
pub(crate) async fn call_as(app: &TestApp, account: &str, action: &str, extra: &[(&str, &str)]) -> Reply {
    helpers::call_as(app, account, REGION, action, extra).await
}

pub(crate) async fn owner(app: &TestApp, action: &str, extra: &[(&str, &str)]) -> Reply {
    call_as(app, OWNER, action, extra).await
}

/// Builds an image as [`OWNER`] (template extras given) and returns its ID.
pub(crate) async fn built_image(app: &TestApp, extra: &[(&str, &str)]) -> String {
    let mut params = vec![("AccessKeyId", OWNER)];
    params.extend_from_slice(extra);
    let pipeline = app.create_pipeline(&params).await;
    let started = owner(app, "StartImagePipelineExecution", &[("ImagePipelineId", &pipeline)]).await;
    let id = text(started.assert_ok(), "ExecutionId");
    app.run_builds_to_completion().await;
    let r = owner(app, "DescribeImagePipelineExecutions", &[("ExecutionId", &id)]).await;
    let done = r.assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0].clone();
    assert_eq!(done["Status"], "SUCCESS", "{done}");
    text(&done, "ImageId")
}

/// The one image DescribeImages returns for `id` as `account` (any status).
pub(crate) async fn image_as(app: &TestApp, account: &str, id: &str) -> Option<Value> {
    let r = call_as(app, account, "DescribeImages", &[("ImageId", id), ("Status", "ALL")]).await;
    r.assert_ok()["Images"]["Image"].as_array().and_then(|a| a.first().cloned())
}

/// ListTagResources as the owner: (ResourceId, TagKey, TagValue) triples.
async fn tag_pairs(app: &TestApp, resource_type: &str, extra: &[(&str, &str)]) -> Vec<(String, String, String)> {
    let mut params = vec![("ResourceType", resource_type)];
    params.extend_from_slice(extra);
    let r = owner(app, "ListTagResources", &params).await;
    r.assert_ok()["TagResources"]["TagResource"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| (text(p, "ResourceId"), text(p, "TagKey"), text(p, "TagValue")))
        .collect()
}

fn triple(id: &str, k: &str, v: &str) -> (String, String, String) {
    (id.to_string(), k.to_string(), v.to_string())
}

// ---------------------------------------------------------------------------------------------
// Image tags and DescribeTags
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn build_time_image_tags_and_tag_api_tags_show_in_every_tag_view() {
    let app = TestApp::spawn().await;
    let image =
        built_image(&app, &[("ImageOptions.ImageTags.1.Key", "stage"), ("ImageOptions.ImageTags.1.Value", "built")])
            .await;
    assert_eq!(
        tag_pairs(&app, "image", &[("ResourceId.1", &image)]).await,
        vec![triple(&image, "stage", "built")],
        "ImageTags of the build are tags of its image"
    );
    owner(
        &app,
        "TagResources",
        &[("ResourceType", "image"), ("ResourceId.1", &image), ("Tag.1.Key", "env"), ("Tag.1.Value", "prod")],
    )
    .await
    .assert_ok();
    let item = image_as(&app, OWNER, &image).await.expect("image");
    let keys: Vec<String> = item["Tags"]["Tag"].as_array().expect("tags").iter().map(|t| text(t, "TagKey")).collect();
    assert_eq!(keys, ["stage", "env"]);

    // What Terraform's alicloud_images asks for every image.
    let r = owner(&app, "DescribeTags", &[("ResourceType", "image"), ("ResourceId", &image)]).await;
    let body = r.assert_ok();
    assert_eq!(body["TotalCount"], 2);
    assert_eq!(body["PageSize"], 50, "documented default");
    let tags = body["Tags"]["Tag"].as_array().expect("tags");
    let pairs: Vec<(String, String)> = tags.iter().map(|t| (text(t, "TagKey"), text(t, "TagValue"))).collect();
    assert_eq!(pairs, [("env".to_string(), "prod".to_string()), ("stage".to_string(), "built".to_string())]);
    assert_eq!(tags[0]["ResourceTypeCount"]["Image"], 1);
    assert_eq!(tags[0]["ResourceTypeCount"]["Instance"], 0);

    // Tag.N filters the listed tags; paging; another account sees none of them.
    let r = owner(&app, "DescribeTags", &[("Tag.1.Key", "env")]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 1);
    let r = owner(&app, "DescribeTags", &[("PageSize", "1"), ("PageNumber", "2")]).await;
    assert_eq!(text(&r.assert_ok()["Tags"]["Tag"][0], "TagKey"), "stage");
    let r = call_as(&app, FRIEND, "DescribeTags", &[("ResourceType", "image")]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 0);
    owner(&app, "DescribeTags", &[("PageSize", "101")]).await.assert_error(400, "InvalidParameter");

    // Untag, and the image's tags go with it when it is deleted.
    owner(&app, "UntagResources", &[("ResourceType", "image"), ("ResourceId.1", &image), ("TagKey.1", "stage")])
        .await
        .assert_ok();
    assert_eq!(tag_pairs(&app, "image", &[("ResourceId.1", &image)]).await, vec![triple(&image, "env", "prod")]);
    owner(&app, "DeleteImage", &[("ImageId", &image)]).await.assert_ok();
    let r = owner(&app, "DescribeTags", &[("ResourceType", "image")]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 0);
}

#[tokio::test]
async fn tag_keys_differing_only_in_case_are_tag_key_duplication() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[("AccessKeyId", OWNER), ("Tag.1.Key", "Env"), ("Tag.1.Value", "a")]).await;
    // In one request …
    owner(
        &app,
        "TagResources",
        &[("ResourceType", "imagepipeline"), ("ResourceId.1", &pipeline), ("Tag.1.Key", "team"), ("Tag.2.Key", "TEAM")],
    )
    .await
    .assert_error(403, "TagKey.Duplication");
    // … against a key the resource has …
    owner(
        &app,
        "TagResources",
        &[("ResourceType", "imagepipeline"), ("ResourceId.1", &pipeline), ("Tag.1.Key", "env")],
    )
    .await
    .assert_error(403, "TagKey.Duplication");
    // … and at creation.
    app.try_create(&[("Tag.1.Key", "k"), ("Tag.2.Key", "K")]).await.assert_error(403, "TagKey.Duplication");
    // The same key, same case, overwrites.
    owner(
        &app,
        "TagResources",
        &[("ResourceType", "imagepipeline"), ("ResourceId.1", &pipeline), ("Tag.1.Key", "Env"), ("Tag.1.Value", "b")],
    )
    .await
    .assert_ok();
    assert_eq!(
        tag_pairs(&app, "imagepipeline", &[("ResourceId.1", &pipeline)]).await,
        vec![triple(&pipeline, "Env", "b")]
    );
}

#[tokio::test]
async fn list_tag_resources_matches_as_the_model_documents() {
    let app = TestApp::spawn().await;
    let a = app
        .create_pipeline(&[("AccessKeyId", OWNER), ("Tag.1.Key", "environment"), ("Tag.1.Value", "production")])
        .await;
    let b = app.create_pipeline(&[("AccessKeyId", OWNER), ("Tag.1.Key", "myenv"), ("Tag.1.Value", "staging")]).await;
    let pipelines = |pairs: Vec<(String, String, String)>| {
        let mut ids: Vec<String> = pairs.into_iter().map(|(id, _, _)| id).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    // Fuzzy keys: prefix, infix, exact.
    assert_eq!(pipelines(tag_pairs(&app, "imagepipeline", &[("TagFilter.1.TagKey", "env*")]).await), vec![a.clone()]);
    assert_eq!(pipelines(tag_pairs(&app, "imagepipeline", &[("TagFilter.1.TagKey", "*env*")]).await), both);
    assert_eq!(
        pipelines(tag_pairs(&app, "imagepipeline", &[("TagFilter.1.TagKey", "env")]).await),
        Vec::<String>::new()
    );
    // Fuzzy values under an exact key; values OR.
    let by_value = |v: &'static str| [("TagFilter.1.TagKey", "environment"), ("TagFilter.1.TagValues.1", v)];
    assert_eq!(pipelines(tag_pairs(&app, "imagepipeline", &by_value("*duct*")).await), vec![a.clone()]);
    assert_eq!(pipelines(tag_pairs(&app, "imagepipeline", &by_value("prod*")).await), vec![a.clone()]);
    assert_eq!(pipelines(tag_pairs(&app, "imagepipeline", &by_value("duct")).await), Vec::<String>::new());
    // A value without a key.
    owner(&app, "ListTagResources", &[("ResourceType", "imagepipeline"), ("Tag.1.Value", "production")])
        .await
        .assert_error(400, "InvalidParameter.TagValue");
    // acs:rm:rgId: only the resources of that group; not the default group; not mixed.
    owner(
        &app,
        "JoinResourceGroup",
        &[("ResourceType", "imagepipeline"), ("ResourceId", &b), ("ResourceGroupId", "rg-acfmdev0000000001")],
    )
    .await
    .assert_ok();
    let rg = [("Tag.1.Key", "acs:rm:rgId"), ("Tag.1.Value", "rg-acfmdev0000000001")];
    assert_eq!(pipelines(tag_pairs(&app, "imagepipeline", &rg).await), vec![b.clone()]);
    owner(
        &app,
        "ListTagResources",
        &[("ResourceType", "imagepipeline"), ("Tag.1.Key", "acs:rm:rgId"), ("Tag.1.Value", "rg-acfmdefault000001")],
    )
    .await
    .assert_error(400, "InvalidParameter");
    owner(&app, "ListTagResources", &[("ResourceType", "imagepipeline"), rg[0], rg[1], ("Tag.2.Key", "myenv")])
        .await
        .assert_error(400, "InvalidParameter");
}

// ---------------------------------------------------------------------------------------------
// JoinResourceGroup
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn join_resource_group_moves_images_templates_and_components_and_describes_follow() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    let pipeline = app.create_pipeline(&[("AccessKeyId", OWNER)]).await;
    let component = owner(&app, "CreateImageComponent", &[("Content", "RUN echo hi")]).await;
    let component = text(component.assert_ok(), "ImageComponentId");
    let prod = "rg-acfmprod000000001";
    for (kind, id) in [("image", &image), ("imagepipeline", &pipeline), ("imagecomponent", &component)] {
        owner(&app, "JoinResourceGroup", &[("ResourceType", kind), ("ResourceId", id), ("ResourceGroupId", prod)])
            .await
            .assert_ok();
    }
    let r = owner(&app, "DescribeImages", &[("ResourceGroupId", prod)]).await;
    let images = r.assert_ok()["Images"]["Image"].as_array().expect("images").clone();
    assert_eq!(images.len(), 1);
    assert_eq!((text(&images[0], "ImageId"), text(&images[0], "ResourceGroupId")), (image.clone(), prod.to_string()));
    let r = owner(&app, "DescribeImages", &[("ResourceGroupId", "rg-acfmdev0000000001")]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 0);

    let r = owner(&app, "DescribeImagePipelines", &[("ResourceGroupId", prod)]).await;
    let set = r.assert_ok()["ImagePipeline"]["ImagePipelineSet"].clone();
    assert_eq!(
        (text(&set[0], "ImagePipelineId"), text(&set[0], "ResourceGroupId")),
        (pipeline.clone(), prod.to_string())
    );
    // By ID (the cached path) too.
    let r = owner(&app, "DescribeImagePipelines", &[("ImagePipelineId.1", &pipeline)]).await;
    assert_eq!(r.assert_ok()["ImagePipeline"]["ImagePipelineSet"][0]["ResourceGroupId"], prod);

    let r = owner(&app, "DescribeImageComponents", &[("ResourceGroupId", prod)]).await;
    let set = r.assert_ok()["ImageComponent"]["ImageComponentSet"].clone();
    assert_eq!((text(&set[0], "ImageComponentId"), text(&set[0], "ResourceGroupId")), (component, prod.to_string()));
}

// ---------------------------------------------------------------------------------------------
// ModifyImageSharePermission and DryRun
// ---------------------------------------------------------------------------------------------

/// The accounts DescribeImageSharePermission lists for the owner's image.
pub(crate) async fn shared_with(app: &TestApp, image: &str) -> Vec<String> {
    let r = owner(app, "DescribeImageSharePermission", &[("ImageId", image), ("PageSize", "100")]).await;
    r.assert_ok()["Accounts"]["Account"].as_array().expect("accounts").iter().map(|a| text(a, "AliyunId")).collect()
}

async fn others_see(app: &TestApp, account: &str, image: &str) -> bool {
    let r = call_as(app, account, "DescribeImages", &[("ImageOwnerAlias", "others"), ("ImageId", image)]).await;
    r.assert_ok()["TotalCount"] == 1
}

#[tokio::test]
async fn sharing_and_unsharing_follow_in_describe_calls_of_both_accounts() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    assert!(!others_see(&app, FRIEND, &image).await);
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", FRIEND)]).await.assert_ok();
    assert_eq!(shared_with(&app, &image).await, [FRIEND]);
    assert!(others_see(&app, FRIEND, &image).await);
    let item = image_as(&app, OWNER, &image).await.expect("image");
    assert_eq!(item["IsSelfShared"], "True");
    // The friend can build from it.
    let r = call_as(&app, FRIEND, "CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", &image)]).await;
    r.assert_ok();
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("RemoveAccount.1", FRIEND)]).await.assert_ok();
    assert!(shared_with(&app, &image).await.is_empty());
    assert!(!others_see(&app, FRIEND, &image).await);
    // Removing an account it is not shared with changes nothing.
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("RemoveAccount.1", FRIEND)]).await.assert_ok();

    // Only the first 10 accounts of a list are processed.
    let many: Vec<String> = (0..12).map(|i| format!("41000000000000{i:02}")).collect();
    let params: Vec<(String, String)> =
        many.iter().enumerate().map(|(i, a)| (format!("AddAccount.{}", i + 1), a.clone())).collect();
    let mut borrowed: Vec<(&str, &str)> = vec![("ImageId", image.as_str())];
    borrowed.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    owner(&app, "ModifyImageSharePermission", &borrowed).await.assert_ok();
    let mut shared = shared_with(&app, &image).await;
    shared.sort();
    assert_eq!(shared, many[..10].to_vec());

    // Community image: everyone in the region sees it, it cannot be shared, then unpublished.
    let other = built_image(&app, &[]).await;
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &other), ("IsPublic", "true")]).await.assert_ok();
    assert!(!others_see(&app, "4000000000000999", &other).await, "shared images only without IsPublic");
    let community = [("ImageOwnerAlias", "others"), ("IsPublic", "true"), ("ImageId", other.as_str())];
    let r = call_as(&app, "4000000000000999", "DescribeImages", &community).await;
    assert_eq!(r.assert_ok()["TotalCount"], 1, "community images with IsPublic=true");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &other), ("AddAccount.1", FRIEND)])
        .await
        .assert_error(403, "Image.Public");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &other), ("IsPublic", "false")]).await.assert_ok();
    let r = call_as(&app, "4000000000000999", "DescribeImages", &community).await;
    assert_eq!(r.assert_ok()["TotalCount"], 0);
}

#[tokio::test]
async fn dry_run_validates_like_a_real_call_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", FRIEND), ("DryRun", "true")])
        .await
        .assert_error(400, "DryRunOperation");
    assert!(shared_with(&app, &image).await.is_empty());
    // A DryRun that would fail fails with the real error.
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", OWNER), ("DryRun", "true")])
        .await
        .assert_error(404, "InvalidAccount.Forbbiden");

    owner(&app, "DeleteImage", &[("ImageId", &image), ("DryRun", "true")]).await.assert_error(400, "DryRunOperation");
    assert!(image_as(&app, OWNER, &image).await.is_some(), "a DryRun delete keeps the image");
    owner(&app, "DeleteImage", &[("ImageId", "m-nothere0000000000000"), ("DryRun", "true")])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", FRIEND)]).await.assert_ok();
    owner(&app, "DeleteImage", &[("ImageId", &image), ("DryRun", "true")]).await.assert_error(403, "ImageUseShared");
    owner(&app, "DeleteImage", &[("ImageId", &image), ("DryRun", "True"), ("Force", "true")])
        .await
        .assert_error(400, "DryRunOperation");
    owner(&app, "DeleteImage", &[("ImageId", &image), ("DryRun", "false"), ("Force", "true")]).await.assert_ok();
    assert!(image_as(&app, OWNER, &image).await.is_none());
}

// ---------------------------------------------------------------------------------------------
// CopyImage / CancelCopyImage
// ---------------------------------------------------------------------------------------------

pub(crate) const DEST: &str = "cn-shanghai";

pub(crate) async fn image_in(app: &TestApp, account: &str, region: &str, id: &str) -> Option<Value> {
    let params = [("RegionId", region), ("AccessKeyId", account), ("ImageId", id), ("Status", "ALL")];
    let r = app.call("DescribeImages", &params).await;
    r.assert_ok()["Images"]["Image"].as_array().and_then(|a| a.first().cloned())
}

pub(crate) async fn copy(app: &TestApp, image: &str, extra: &[(&str, &str)]) -> Reply {
    let mut params = vec![("ImageId", image), ("DestinationRegionId", DEST)];
    params.extend_from_slice(extra);
    owner(app, "CopyImage", &params).await
}

#[tokio::test]
async fn a_copy_is_creating_with_progress_on_the_clock_then_available() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[("ImageOptions.ImageFamily", "golden-fam")]).await;
    let r = copy(
        &app,
        &image,
        &[
            ("DestinationImageName", "golden-copy"),
            ("DestinationDescription", "copied for DR"),
            ("Tag.1.Key", "copy"),
            ("Tag.1.Value", "yes"),
            ("ResourceGroupId", "rg-acfmprod000000001"),
            ("Encrypted", "true"),
            ("KMSKeyId", "key-0000000000000001"),
        ],
    )
    .await;
    let copy_id = text(r.assert_ok(), "ImageId");
    assert!(copy_id.starts_with("m-") && copy_id != image);
    let item = image_in(&app, OWNER, DEST, &copy_id).await.expect("the copy is listed at once");
    assert_eq!((text(&item, "Status"), text(&item, "Progress")), ("Creating".into(), "0%".into()));
    assert_eq!(text(&item, "ImageName"), "golden-copy");
    assert_eq!(text(&item, "Description"), "copied for DR");
    assert_eq!(text(&item, "ResourceGroupId"), "rg-acfmprod000000001");
    assert_eq!(item["IsCopied"], true);
    assert_eq!(item["Tags"]["Tag"][0]["TagKey"], "copy");
    // The default Status filter (Available) does not list it yet.
    let r = app.call("DescribeImages", &[("RegionId", DEST), ("AccessKeyId", OWNER), ("ImageId", &copy_id)]).await;
    assert_eq!(r.assert_ok()["TotalCount"], 0);

    app.advance(60_000).await;
    let item = image_in(&app, OWNER, DEST, &copy_id).await.expect("copy");
    assert_eq!((text(&item, "Status"), text(&item, "Progress")), ("Creating".into(), "50%".into()));
    app.advance(60_000).await;
    let item = image_in(&app, OWNER, DEST, &copy_id).await.expect("copy");
    assert_eq!((text(&item, "Status"), text(&item, "Progress")), ("Available".into(), "100%".into()));
    assert_eq!(text(&item, "ImageFamily"), "golden-fam");
    // The source is unchanged.
    assert_eq!(text(&image_as(&app, OWNER, &image).await.expect("source"), "Status"), "Available");
}

#[tokio::test]
async fn cancel_copy_image_deletes_a_copy_in_flight_and_refuses_the_rest() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    let copy_id = text(copy(&app, &image, &[("DestinationImageName", "c1")]).await.assert_ok(), "ImageId");
    let cancel = |id: String| {
        let app = &app;
        async move {
            let params = [("RegionId", DEST), ("AccessKeyId", OWNER), ("ImageId", id.as_str())];
            app.call("CancelCopyImage", &params).await
        }
    };
    cancel(copy_id.clone()).await.assert_ok();
    assert!(image_in(&app, OWNER, DEST, &copy_id).await.is_none(), "a cancelled copy is deleted");
    cancel(copy_id).await.assert_error(404, "InvalidImageId.NotFound");

    let done = text(copy(&app, &image, &[("DestinationImageName", "c2")]).await.assert_ok(), "ImageId");
    app.advance(120_000).await;
    cancel(done.clone()).await.assert_error(400, "IncorrectImageStatus");
    assert!(image_in(&app, OWNER, DEST, &done).await.is_some());
    // A built image is not a copy in flight.
    owner(&app, "CancelCopyImage", &[("ImageId", &image)]).await.assert_error(400, "IncorrectImageStatus");
    owner(&app, "CancelCopyImage", &[]).await.assert_error(400, "MissingImageId");
}

#[tokio::test]
async fn scripted_outcomes_and_faults_apply_to_copies() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    // A control-plane rule for copies of this image, used once.
    let (status, rule) = app
        .admin(
            "POST",
            "/outcomes",
            Some(serde_json::json!({ "image": image, "outcome": "FAILED@DISTRIBUTING", "message": "disk full", "count": 1 })),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    let failed = text(copy(&app, &image, &[("DestinationImageName", "f1")]).await.assert_ok(), "ImageId");
    let ok = text(
        copy(&app, &image, &[("DestinationImageName", "f2"), ("DestinationRegionId", "cn-beijing")]).await.assert_ok(),
        "ImageId",
    );
    app.advance(120_000).await;
    assert_eq!(text(&image_in(&app, OWNER, DEST, &failed).await.expect("copy"), "Status"), "CreateFailed");
    assert_eq!(text(&image_in(&app, OWNER, "cn-beijing", &ok).await.expect("copy"), "Status"), "Available");
    // A failed copy cannot be cancelled any more, nor copied.
    let params = [("RegionId", DEST), ("AccessKeyId", OWNER), ("ImageId", failed.as_str())];
    app.call("CancelCopyImage", &params).await.assert_error(400, "IncorrectImageStatus");

    // PARTITION_SUCCESS with regions: only copies to those regions fail.
    app.admin(
        "POST",
        "/outcomes",
        Some(serde_json::json!({ "outcome": "PARTITION_SUCCESS", "regions": ["cn-shenzhen"] })),
    )
    .await;
    let to_sz = copy(&app, &image, &[("DestinationImageName", "p1"), ("DestinationRegionId", "cn-shenzhen")]).await;
    let to_sz = text(to_sz.assert_ok(), "ImageId");
    let to_qd = copy(&app, &image, &[("DestinationImageName", "p2"), ("DestinationRegionId", "cn-qingdao")]).await;
    let to_qd = text(to_qd.assert_ok(), "ImageId");
    app.advance(120_000).await;
    assert_eq!(text(&image_in(&app, OWNER, "cn-shenzhen", &to_sz).await.expect("copy"), "Status"), "CreateFailed");
    assert_eq!(text(&image_in(&app, OWNER, "cn-qingdao", &to_qd).await.expect("copy"), "Status"), "Available");
    app.admin("DELETE", "/outcomes", None).await;

    // The emulator:outcome tag on the source image scripts its copies (Terraform/curl users).
    owner(
        &app,
        "TagResources",
        &[
            ("ResourceType", "image"),
            ("ResourceId.1", &image),
            ("Tag.1.Key", "emulator:outcome"),
            ("Tag.1.Value", "FAILED@DISTRIBUTING"),
        ],
    )
    .await
    .assert_ok();
    let tagged = text(
        copy(&app, &image, &[("DestinationImageName", "t1"), ("DestinationRegionId", "cn-hongkong")]).await.assert_ok(),
        "ImageId",
    );
    app.advance(120_000).await;
    assert_eq!(text(&image_in(&app, OWNER, "cn-hongkong", &tagged).await.expect("copy"), "Status"), "CreateFailed");

    // Fault rules answer CopyImage like any action.
    app.admin(
        "POST",
        "/faults",
        Some(serde_json::json!({ "action": "CopyImage", "error": "Throttling.User", "nth": 1 })),
    )
    .await;
    copy(&app, &image, &[("DestinationImageName", "x1")]).await.assert_error(400, "Throttling.User");
}

#[tokio::test]
async fn copy_image_client_token_replays_the_first_copy() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    let first = copy(&app, &image, &[("DestinationImageName", "tok"), ("ClientToken", "abc-1")]).await;
    let first = text(first.assert_ok(), "ImageId");
    let again = copy(&app, &image, &[("DestinationImageName", "tok"), ("ClientToken", "abc-1")]).await;
    assert_eq!(text(again.assert_ok(), "ImageId"), first);
    copy(&app, &image, &[("DestinationImageName", "other"), ("ClientToken", "abc-1")])
        .await
        .assert_error(400, "IdempotentParameterMismatch");
}

// ---------------------------------------------------------------------------------------------
// ModifyImageAttribute and DescribeImageFromFamily
// ---------------------------------------------------------------------------------------------

/// Starts a build of the owner's template and runs it to its end; returns the execution ID.
async fn run_build(app: &TestApp, template: &str) -> String {
    let r = owner(app, "StartImagePipelineExecution", &[("ImagePipelineId", template)]).await;
    let id = text(r.assert_ok(), "ExecutionId");
    app.run_builds_to_completion().await;
    id
}

async fn family_image(app: &TestApp, family: &str) -> Value {
    let r = owner(app, "DescribeImageFromFamily", &[("ImageFamily", family)]).await;
    r.assert_ok()["Image"].clone()
}

/// The base image a build's transit instance started from (control-plane timeline).
async fn build_base(app: &TestApp, execution_id: &str) -> String {
    let (status, timeline) = app.admin("GET", &format!("/executions/{execution_id}"), None).await;
    assert_eq!(status, 200, "{timeline}");
    let resources = timeline["transitResources"].as_array().expect("resources");
    let instance = resources.iter().find(|r| r["kind"] == "instance").expect("a transit instance");
    let detail: Value = match &instance["detail"] {
        Value::String(s) => serde_json::from_str(s).expect("detail json"),
        other => other.clone(),
    };
    text(&detail, "SourceImage")
}

#[tokio::test]
async fn deprecating_the_newest_image_rolls_the_family_back_for_new_builds() {
    let app = TestApp::spawn().await;
    let old = built_image(&app, &[("ImageOptions.ImageFamily", "web-golden")]).await;
    app.advance(1_000).await;
    let new = built_image(&app, &[("ImageOptions.ImageFamily", "web-golden")]).await;
    assert_eq!(text(&family_image(&app, "web-golden").await, "ImageId"), new);
    // Public families too; an unknown family has an empty Image.
    let public = family_image(&app, "acs:alibaba_cloud_linux_3_2104_lts_x64").await;
    assert_eq!(text(&public, "ImageId"), "aliyun_3_x64_20G_alibase_20240819.vhd");
    assert_eq!(family_image(&app, "nothing-here").await, serde_json::json!({}));

    let template = app
        .create_pipeline(&[("AccessKeyId", OWNER), ("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", "web-golden")])
        .await;
    let first = run_build(&app, &template).await;
    assert_eq!(build_base(&app, &first).await, new, "the family's newest image");

    owner(&app, "ModifyImageAttribute", &[("ImageId", &new), ("Status", "Deprecated")]).await.assert_ok();
    assert_eq!(text(&image_as(&app, OWNER, &new).await.expect("new"), "Status"), "Deprecated");
    assert_eq!(text(&family_image(&app, "web-golden").await, "ImageId"), old, "rolled back");
    let second = run_build(&app, &template).await;
    assert_eq!(build_base(&app, &second).await, old, "the next build starts from the one before");

    // A deprecated image cannot be shared or copied, but can still be a build's IMAGE base.
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &new), ("AddAccount.1", FRIEND)])
        .await
        .assert_error(403, "OperationDenied.InvalidImageStatus");
    owner(&app, "CopyImage", &[("ImageId", &new), ("DestinationRegionId", "cn-beijing")])
        .await
        .assert_error(400, "IncorrectImageStatus");
    app.create_pipeline(&[("AccessKeyId", OWNER), ("BaseImageType", "IMAGE"), ("BaseImage", &new)]).await;

    // Roll forward again.
    owner(&app, "ModifyImageAttribute", &[("ImageId", &new), ("Status", "Available")]).await.assert_ok();
    assert_eq!(text(&family_image(&app, "web-golden").await, "ImageId"), new);
}

#[tokio::test]
async fn modify_image_attribute_changes_what_describe_images_shows() {
    let app = TestApp::spawn().await;
    let image = built_image(&app, &[]).await;
    owner(
        &app,
        "ModifyImageAttribute",
        &[
            ("ImageId", &image),
            ("ImageName", "renamed-golden"),
            ("Description", "the golden image"),
            ("ImageFamily", "fam-b"),
            ("BootMode", "UEFI"),
            ("LicenseType", "BYOL"),
            ("Features.NvmeSupport", "supported"),
            ("Features.ImdsSupport", "v2"),
        ],
    )
    .await
    .assert_ok();
    let item = image_as(&app, OWNER, &image).await.expect("image");
    assert_eq!(text(&item, "ImageName"), "renamed-golden");
    assert_eq!(text(&item, "Description"), "the golden image");
    assert_eq!(text(&item, "ImageFamily"), "fam-b");
    assert_eq!(text(&item, "BootMode"), "UEFI");
    assert_eq!(item["Features"]["NvmeSupport"], "supported");
    assert_eq!(item["Features"]["ImdsSupport"], "v2");
    // DryRun changes nothing.
    owner(&app, "ModifyImageAttribute", &[("ImageId", &image), ("ImageName", "dry-name"), ("DryRun", "true")])
        .await
        .assert_error(400, "DryRunOperation");
    assert_eq!(text(&image_as(&app, OWNER, &image).await.expect("image"), "ImageName"), "renamed-golden");
}

// ---------------------------------------------------------------------------------------------
// DescribeImages, complete
// ---------------------------------------------------------------------------------------------

async fn ids_of(app: &TestApp, account: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let mut params = vec![("PageSize", "100")];
    params.extend_from_slice(extra);
    let r = call_as(app, account, "DescribeImages", &params).await;
    r.assert_ok()["Images"]["Image"].as_array().expect("images").iter().map(|i| text(i, "ImageId")).collect()
}

#[tokio::test]
async fn describe_images_applies_every_filter_of_the_model() {
    let app = TestApp::spawn().await;
    let arm_public = "aliyun_3_arm64_20G_alibase_20240819.vhd";
    let windows = "win2022_21H2_x64_dtc_en-us_40G_alibase_20240716.vhd";
    let arm = ids_of(&app, OWNER, &[("Architecture", "arm64")]).await;
    assert_eq!(arm, [arm_public]);
    assert!(!ids_of(&app, OWNER, &[("Architecture", "x86_64")]).await.contains(&arm_public.to_string()));
    assert_eq!(ids_of(&app, OWNER, &[("OSType", "windows")]).await, [windows]);
    assert!(!ids_of(&app, OWNER, &[("OSType", "linux")]).await.contains(&windows.to_string()));
    assert_eq!(ids_of(&app, OWNER, &[("InstanceType", "ecs.g6r.large")]).await, [arm_public]);
    assert_eq!(ids_of(&app, OWNER, &[("IsSupportCloudinit", "false")]).await, [windows]);
    assert!(ids_of(&app, OWNER, &[("Usage", "instance")]).await.is_empty());
    assert!(ids_of(&app, OWNER, &[("IsSupportIoOptimized", "false")]).await.is_empty());
    // Creation-time window (catalog dates).
    let window = [
        ("Filter.1.Key", "CreationStartTime"),
        ("Filter.1.Value", "2024-08-01T00:00Z"),
        ("Filter.2.Key", "CreationEndTime"),
        ("Filter.2.Value", "2024-08-31T00:00Z"),
    ];
    let mut in_august = ids_of(&app, OWNER, &window).await;
    in_august.sort();
    assert_eq!(in_august, [arm_public, "aliyun_3_x64_20G_alibase_20240819.vhd"]);

    // The response fields, typed as the model says; English OSNameEn.
    let r = call_as(&app, OWNER, "DescribeImages", &[("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd")]).await;
    let item = r.assert_ok()["Images"]["Image"][0].clone();
    assert_eq!(item["OSNameEn"], "Alibaba Cloud Linux 3.2104 LTS 64 bit");
    assert!(item["OSNameEn"].as_str().is_some_and(str::is_ascii));
    assert!(item["ImageOwnerId"].is_i64() && item["Size"].is_i64() && item["Usable"].is_boolean());
    for key in ["ImageVersion", "Usage", "LicenseType", "ProductCode", "SupplierName", "BootMode"] {
        assert!(item[key].is_string(), "{key} in {item}");
    }
    assert_eq!(item["Features"]["ImdsSupport"], "v2");
    let disk = &item["DiskDeviceMappings"]["DiskDeviceMapping"][0];
    assert!(disk["SnapshotId"].as_str().is_some_and(|s| s.starts_with("s-")) && disk["Encrypted"].is_boolean());
    let snapshot = text(disk, "SnapshotId");
    assert_eq!(ids_of(&app, OWNER, &[("SnapshotId", &snapshot)]).await, ["aliyun_3_x64_20G_alibase_20240819.vhd"]);

    // ImageOwnerId applies to shared images.
    let image = built_image(&app, &[]).await;
    owner(&app, "ModifyImageSharePermission", &[("ImageId", &image), ("AddAccount.1", FRIEND)]).await.assert_ok();
    assert_eq!(
        ids_of(&app, FRIEND, &[("ImageOwnerAlias", "others"), ("ImageOwnerId", OWNER)]).await,
        std::slice::from_ref(&image)
    );
    assert!(ids_of(&app, FRIEND, &[("ImageOwnerAlias", "others"), ("ImageOwnerId", "4000000000000777")])
        .await
        .is_empty());
    let shared = call_as(&app, FRIEND, "DescribeImages", &[("ImageId", &image)]).await;
    assert_eq!(shared.assert_ok()["Images"]["Image"][0]["ImageOwnerId"], OWNER.parse::<i64>().expect("id"));

    // DryRun: checked, then DryRunOperation instead of the page.
    call_as(&app, OWNER, "DescribeImages", &[("DryRun", "true")]).await.assert_error(400, "DryRunOperation");
    call_as(&app, OWNER, "DescribeImages", &[("DryRun", "true"), ("Architecture", "sparc")])
        .await
        .assert_error(400, "InvalidParameter");
    for bad in [
        ("Architecture", "sparc"),
        ("OSType", "beos"),
        ("Usage", "sometimes"),
        ("ActionType", "Destroy"),
        ("Status", "ALL,Available"),
        ("PageSize", "101"),
        ("IsPublic", "maybe"),
    ] {
        call_as(&app, OWNER, "DescribeImages", &[bad]).await.assert_error(400, "InvalidParameter");
    }
    call_as(&app, OWNER, "DescribeImages", &[("Filter.1.Key", "CreationStartTime"), ("Filter.1.Value", "yesterday")])
        .await
        .assert_error(400, "InvalidParameter");
    call_as(&app, OWNER, "DescribeImages", &[("IsPublic", "true"), ("ImageOwnerAlias", "self")])
        .await
        .assert_error(400, "InvalidParameter");
    call_as(&app, OWNER, "DescribeImages", &[("InstanceType", "ecs.nothing.large")])
        .await
        .assert_error(404, "InvalidInstanceType.NotFound");
}

// ---------------------------------------------------------------------------------------------
// Wire hygiene
// ---------------------------------------------------------------------------------------------

/// The raw body of a GET with `Format=XML`.
async fn xml_body(app: &TestApp, params: &[(&str, &str)]) -> String {
    let mut query = vec![("Version", "2014-05-26"), ("Format", "XML")];
    query.extend_from_slice(params);
    let response = app.client.get(&app.base_url).query(&query).send().await.expect("sent");
    response.text().await.expect("body")
}

/// Whether XML 1.0 allows every character of `text`.
fn only_xml_chars(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
}

#[tokio::test]
async fn xml_bodies_are_well_formed_whatever_the_stored_text() {
    let app = TestApp::spawn().await;
    let pipeline = app
        .create_pipeline(&[("AccessKeyId", OWNER), ("Tag.1.Key", "k"), ("Tag.1.Value", "a\u{1}b\u{B}c\u{1F}d")])
        .await;
    let body = xml_body(
        &app,
        &[
            ("Action", "DescribeImagePipelines"),
            ("RegionId", REGION),
            ("AccessKeyId", OWNER),
            ("ImagePipelineId.1", &pipeline),
        ],
    )
    .await;
    assert!(only_xml_chars(&body), "{body:?}");
    assert!(body.contains("<TagValue>a\u{FFFD}b\u{FFFD}c\u{FFFD}d</TagValue>"), "{body:?}");
    // JSON keeps the stored text.
    let json = owner(&app, "DescribeImagePipelines", &[("ImagePipelineId.1", &pipeline)]).await;
    assert_eq!(
        json.assert_ok()["ImagePipeline"]["ImagePipelineSet"][0]["Tags"]["Tag"][0]["TagValue"],
        "a\u{1}b\u{B}c\u{1F}d"
    );
    // An error message that echoes the input.
    let body = xml_body(&app, &[("Action", "DescribeImages"), ("RegionId", "cn-\u{1}x")]).await;
    assert!(only_xml_chars(&body) && body.contains("InvalidRegionId.NotFound"), "{body:?}");
}

#[tokio::test]
async fn a_client_token_retry_from_another_sdk_is_not_a_mismatch() {
    let app = TestApp::spawn().await;
    let first = owner(
        &app,
        "CreateImagePipeline",
        &[
            ("BaseImageType", "IMAGE"),
            ("BaseImage", crate::helpers::BASE_IMAGE),
            ("ClientToken", "retry-1"),
            ("DeleteInstanceOnFailure", "True"),
        ],
    )
    .await;
    let id = text(first.assert_ok(), "ImagePipelineId");
    // Another SDK: lower-case boolean, and the documented defaults spelled out or left out.
    let again = owner(
        &app,
        "CreateImagePipeline",
        &[
            ("ClientToken", "retry-1"),
            ("BaseImage", crate::helpers::BASE_IMAGE),
            ("BaseImageType", "IMAGE"),
            ("SystemDiskSize", "40"),
            ("InternetMaxBandwidthOut", "0"),
        ],
    )
    .await;
    assert_eq!(text(again.assert_ok(), "ImagePipelineId"), id);
    owner(
        &app,
        "CreateImagePipeline",
        &[
            ("BaseImageType", "IMAGE"),
            ("BaseImage", crate::helpers::BASE_IMAGE),
            ("ClientToken", "retry-1"),
            ("SystemDiskSize", "60"),
        ],
    )
    .await
    .assert_error(400, "IdempotentParameterMismatch");
}

#[tokio::test]
async fn a_next_token_is_accepted_only_by_the_listing_and_filters_that_issued_it() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.create_pipeline(&[("AccessKeyId", OWNER), ("Tag.1.Key", "team"), ("Tag.1.Value", "web")]).await;
    }
    let first = owner(&app, "DescribeImagePipelines", &[("MaxResults", "1"), ("Tag.1.Key", "team")]).await;
    let token = text(first.assert_ok(), "NextToken");
    // The same listing (page size may change) goes on.
    let second =
        owner(&app, "DescribeImagePipelines", &[("MaxResults", "2"), ("Tag.1.Key", "team"), ("NextToken", &token)])
            .await;
    assert_eq!(second.assert_ok()["ImagePipeline"]["ImagePipelineSet"].as_array().map(Vec::len), Some(2));
    // Other filters, another listing, another account or region: 403 Invalid.NextToken.
    owner(&app, "DescribeImagePipelines", &[("MaxResults", "1"), ("NextToken", &token)])
        .await
        .assert_error(403, "Invalid.NextToken");
    owner(&app, "DescribeImageComponents", &[("MaxResults", "1"), ("Tag.1.Key", "team"), ("NextToken", &token)])
        .await
        .assert_error(403, "Invalid.NextToken");
    call_as(
        &app,
        FRIEND,
        "DescribeImagePipelines",
        &[("MaxResults", "1"), ("Tag.1.Key", "team"), ("NextToken", &token)],
    )
    .await
    .assert_error(403, "Invalid.NextToken");
    let params = [
        ("RegionId", "cn-beijing"),
        ("AccessKeyId", OWNER),
        ("MaxResults", "1"),
        ("Tag.1.Key", "team"),
        ("NextToken", token.as_str()),
    ];
    app.call("DescribeImagePipelines", &params).await.assert_error(403, "Invalid.NextToken");
}

#[tokio::test]
async fn the_new_image_actions_check_region_and_required_parameters() {
    let app = TestApp::spawn().await;
    for action in [
        "ModifyImageSharePermission",
        "ModifyImageAttribute",
        "CancelCopyImage",
        "DescribeImageFromFamily",
        "DescribeTags",
    ] {
        let params = [("RegionId", "cn-atlantis"), ("ImageId", "m-x0000000000000000000"), ("ImageFamily", "f")];
        app.call(action, &params).await.assert_error(404, "InvalidRegionId.NotFound");
        app.call(action, &[("ImageId", "m-x0000000000000000000"), ("ImageFamily", "f")])
            .await
            .assert_error(400, "MissingRegionId");
    }
    owner(&app, "DescribeImageFromFamily", &[]).await.assert_error(400, "MissingImageFamily");
    owner(&app, "ModifyImageSharePermission", &[]).await.assert_error(400, "MissingImageId");
    owner(&app, "ModifyImageAttribute", &[]).await.assert_error(400, "MissingImageId");
}
