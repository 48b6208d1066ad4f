//! The images builds make, through the ECS image actions: where and to whom they are visible after
//! distribution (ToRegionId copies, AddAccount shares), share permissions, DeleteImage with and
//! without `Force`, and the DescribeImages filters and paging.

use serde_json::Value;

use crate::helpers::{call_as, text, Reply, TestApp, BASE_IMAGE, REGION};

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

pub(crate) const OWNER: &str = "3000000000000003";
pub(crate) const SHARED: &str = "3000000000000004";
pub(crate) const THIRD: &str = "3000000000000005";
pub(crate) const TARGET_REGION: &str = "cn-beijing";

fn images_in(reply: &Reply) -> Vec<Value> {
    reply.assert_ok()["Images"]["Image"].as_array().expect("images").clone()
}

fn image_ids(images: &[Value]) -> Vec<String> {
    images.iter().map(|i| text(i, "ImageId")).collect()
}

/// DescribeImages in `region` as `account`, with extra parameters (not asserted).
async fn describe_as(app: &TestApp, account: &str, region: &str, extra: &[(&str, &str)]) -> Reply {
    let mut params = vec![("RegionId", region), ("AccessKeyId", account)];
    params.extend_from_slice(extra);
    app.call("DescribeImages", &params).await
}

/// The images `account` sees in `region` with extra filters.
pub(crate) async fn images_as(app: &TestApp, account: &str, region: &str, extra: &[(&str, &str)]) -> Vec<Value> {
    images_in(&describe_as(app, account, region, extra).await)
}

/// Creates a template as `account` in the default region and runs one build of it to its end;
/// returns the final execution item.
pub(crate) async fn build_as(app: &TestApp, account: &str, extra: &[(&str, &str)]) -> Value {
    let mut params = vec![("AccessKeyId", account)];
    params.extend_from_slice(extra);
    let pipeline = app.create_pipeline(&params).await;
    let started = call_as(app, account, REGION, "StartImagePipelineExecution", &[("ImagePipelineId", &pipeline)]).await;
    let id = text(started.assert_ok(), "ExecutionId");
    app.run_builds_to_completion().await;
    let r = call_as(app, account, REGION, "DescribeImagePipelineExecutions", &[("ExecutionId", &id)]).await;
    r.assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0].clone()
}

/// A build by [`OWNER`] copied to [`TARGET_REGION`] and shared with [`SHARED`]: the image ID in
/// the template region and the ID of its copy.
pub(crate) async fn distributed_image(app: &TestApp) -> (String, String) {
    let done = build_as(
        app,
        OWNER,
        &[("ImageOptions.ImageName", "dist"), ("ToRegionId.1", TARGET_REGION), ("AddAccount.1", SHARED)],
    )
    .await;
    assert_eq!(done["Status"], "SUCCESS", "{done}");
    let image_id = text(&done, "ImageId");
    let copies = images_as(app, OWNER, TARGET_REGION, &[("ImageOwnerAlias", "self")]).await;
    assert_eq!(copies.len(), 1, "one copy in the target region: {copies:?}");
    let copy_id = text(&copies[0], "ImageId");
    assert_ne!(copy_id, image_id);
    (image_id, copy_id)
}

fn share_accounts(reply: &Reply) -> Vec<String> {
    reply.assert_ok()["Accounts"]["Account"].as_array().expect("accounts").iter().map(|a| text(a, "AliyunId")).collect()
}

// ---------------------------------------------------------------------------------------------
// Visibility after distribution
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_owner_sees_the_image_in_its_region_and_the_copy_in_the_target_region() {
    let app = TestApp::spawn().await;
    let (image_id, copy_id) = distributed_image(&app).await;

    let home = images_as(&app, OWNER, REGION, &[("ImageOwnerAlias", "self")]).await;
    assert_eq!(image_ids(&home), [image_id.as_str()]);
    assert_eq!(home[0]["IsCopied"], false);
    assert_eq!(home[0]["IsSelfShared"], "True");
    assert_eq!(home[0]["ImageOwnerId"].as_i64().map(|n| n.to_string()).as_deref(), Some(OWNER));

    let copy = images_as(&app, OWNER, TARGET_REGION, &[("ImageOwnerAlias", "self")]).await;
    assert_eq!(image_ids(&copy), [copy_id]);
    assert_eq!(copy[0]["IsCopied"], true);
    assert_eq!(copy[0]["ImageName"], home[0]["ImageName"], "a copy keeps the name");
    assert!(text(&copy[0], "ImageName").starts_with("dist_exec-"), "{copy:?}");

    // Neither shows up anywhere else.
    assert!(images_as(&app, OWNER, "cn-shanghai", &[("ImageOwnerAlias", "self")]).await.is_empty());
    assert!(images_as(&app, OWNER, REGION, &[("ImageOwnerAlias", "others")]).await.is_empty());
}

#[tokio::test]
async fn the_share_account_sees_the_image_and_its_copy_as_others() {
    let app = TestApp::spawn().await;
    let (image_id, copy_id) = distributed_image(&app).await;

    let home = images_as(&app, SHARED, REGION, &[("ImageOwnerAlias", "others")]).await;
    assert_eq!(image_ids(&home), [image_id.as_str()]);
    assert_eq!(home[0]["ImageOwnerAlias"], "others");
    assert_eq!(home[0]["ImageOwnerId"].as_i64().map(|n| n.to_string()).as_deref(), Some(OWNER));
    assert_eq!(home[0]["IsSelfShared"], "");
    let target = images_as(&app, SHARED, TARGET_REGION, &[("ImageOwnerAlias", "others")]).await;
    assert_eq!(image_ids(&target), [copy_id.as_str()]);
    assert!(images_as(&app, SHARED, REGION, &[("ImageOwnerAlias", "self")]).await.is_empty());
    // Without an alias the shared image is listed among the public ones.
    let unfiltered = images_as(&app, SHARED, REGION, &[("ImageId", &image_id)]).await;
    assert_eq!(image_ids(&unfiltered), [image_id.as_str()]);

    // The share account may build from it (in the region where it sees it).
    let from_shared =
        call_as(&app, SHARED, REGION, "CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", &image_id)])
            .await;
    let pipeline = text(from_shared.assert_ok(), "ImagePipelineId");
    let started = call_as(&app, SHARED, REGION, "StartImagePipelineExecution", &[("ImagePipelineId", &pipeline)]).await;
    let id = text(started.assert_ok(), "ExecutionId");
    app.run_builds_to_completion().await;
    let r = call_as(&app, SHARED, REGION, "DescribeImagePipelineExecutions", &[("ExecutionId", &id)]).await;
    assert_eq!(r.assert_ok()["ImagePipelineExecution"]["ImagePipelineExecutionSet"][0]["Status"], "SUCCESS");
    call_as(&app, SHARED, TARGET_REGION, "CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", &copy_id)])
        .await
        .assert_ok();
}

#[tokio::test]
async fn any_other_account_sees_nothing_and_cannot_build_from_the_image() {
    let app = TestApp::spawn().await;
    let (image_id, copy_id) = distributed_image(&app).await;
    for region in [REGION, TARGET_REGION] {
        assert!(images_as(&app, THIRD, region, &[("ImageOwnerAlias", "others")]).await.is_empty(), "{region}");
        assert!(images_as(&app, THIRD, region, &[("ImageOwnerAlias", "self")]).await.is_empty(), "{region}");
        let by_id = images_as(&app, THIRD, region, &[("ImageId", &format!("{image_id},{copy_id}"))]).await;
        assert!(by_id.is_empty(), "{region}: {by_id:?}");
    }
    let r =
        call_as(&app, THIRD, REGION, "CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", &image_id)])
            .await;
    r.assert_error(404, "InvalidImage.NotFound");
    assert!(r.body["Message"].as_str().is_some_and(|m| m.contains(&image_id)), "{}", r.body);
    call_as(&app, THIRD, TARGET_REGION, "CreateImagePipeline", &[("BaseImageType", "IMAGE"), ("BaseImage", &copy_id)])
        .await
        .assert_error(404, "InvalidImage.NotFound");
    // Nor may the share account use the image in a region where it does not exist.
    call_as(
        &app,
        SHARED,
        "cn-shanghai",
        "CreateImagePipeline",
        &[("BaseImageType", "IMAGE"), ("BaseImage", &image_id)],
    )
    .await
    .assert_error(404, "InvalidImage.NotFound");
}

// ---------------------------------------------------------------------------------------------
// Share permissions and deletion
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn share_permissions_list_the_accounts_and_only_the_owner_may_read_them() {
    let app = TestApp::spawn().await;
    let (image_id, copy_id) = distributed_image(&app).await;

    let r = call_as(&app, OWNER, REGION, "DescribeImageSharePermission", &[("ImageId", &image_id)]).await;
    assert_eq!(share_accounts(&r), [SHARED]);
    assert_eq!(r.body["ImageId"], image_id.as_str());
    assert_eq!(r.body["TotalCount"], 1);
    assert!(r.body["Accounts"]["Account"][0]["SharedTime"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", r.body);
    let r = call_as(&app, OWNER, TARGET_REGION, "DescribeImageSharePermission", &[("ImageId", &copy_id)]).await;
    assert_eq!(share_accounts(&r), [SHARED], "the copy is shared too");

    for (account, region, id) in
        [(SHARED, REGION, &image_id), (THIRD, REGION, &image_id), (OWNER, TARGET_REGION, &image_id)]
    {
        call_as(&app, account, region, "DescribeImageSharePermission", &[("ImageId", id)])
            .await
            .assert_error(404, "InvalidImageId.NotFound");
    }
    call_as(&app, OWNER, REGION, "DescribeImageSharePermission", &[("ImageId", "m-00000000000000000000")])
        .await
        .assert_error(404, "InvalidImageId.NotFound");

    // Several accounts; an unshared image lists none.
    let two = build_as(&app, OWNER, &[("AddAccount.1", SHARED), ("AddAccount.2", THIRD)]).await;
    let r = call_as(&app, OWNER, REGION, "DescribeImageSharePermission", &[("ImageId", &text(&two, "ImageId"))]).await;
    let mut accounts = share_accounts(&r);
    accounts.sort();
    assert_eq!(accounts, [SHARED, THIRD]);
    let none = build_as(&app, OWNER, &[]).await;
    let r = call_as(&app, OWNER, REGION, "DescribeImageSharePermission", &[("ImageId", &text(&none, "ImageId"))]).await;
    assert!(share_accounts(&r).is_empty());
    assert_eq!(r.body["TotalCount"], 0);
}

#[tokio::test]
async fn deleting_a_shared_image_needs_force() {
    let app = TestApp::spawn().await;
    let (image_id, copy_id) = distributed_image(&app).await;

    call_as(&app, OWNER, REGION, "DeleteImage", &[("ImageId", &image_id)]).await.assert_error(403, "ImageUseShared");
    call_as(&app, OWNER, REGION, "DeleteImage", &[("ImageId", &image_id), ("Force", "false")])
        .await
        .assert_error(403, "ImageUseShared");
    assert_eq!(
        image_ids(&images_as(&app, SHARED, REGION, &[("ImageOwnerAlias", "others")]).await),
        [image_id.as_str()]
    );

    call_as(&app, OWNER, REGION, "DeleteImage", &[("ImageId", &image_id), ("Force", "true")]).await.assert_ok();
    assert!(images_as(&app, OWNER, REGION, &[("ImageId", &image_id), ("Status", "ALL")]).await.is_empty());
    assert!(images_as(&app, SHARED, REGION, &[("ImageOwnerAlias", "others")]).await.is_empty());
    call_as(&app, OWNER, REGION, "DescribeImageSharePermission", &[("ImageId", &image_id)])
        .await
        .assert_error(404, "InvalidImageId.NotFound");
    call_as(&app, OWNER, REGION, "DeleteImage", &[("ImageId", &image_id), ("Force", "true")])
        .await
        .assert_error(404, "InvalidImageId.NotFound");

    // The copy is a separate image, still shared.
    assert_eq!(
        image_ids(&images_as(&app, SHARED, TARGET_REGION, &[("ImageOwnerAlias", "others")]).await),
        [copy_id.as_str()]
    );
    call_as(&app, OWNER, TARGET_REGION, "DeleteImage", &[("ImageId", &copy_id)])
        .await
        .assert_error(403, "ImageUseShared");
}

// ---------------------------------------------------------------------------------------------
// DescribeImages filters and paging
// ---------------------------------------------------------------------------------------------

/// Three images of [`OWNER`], oldest first: `alpha-web` (family `fam-a`, tag team=web),
/// `beta-db` (family `fam-b`, tag team=db), `gamma` (no family, no tags).
async fn three_images(app: &TestApp) -> [String; 3] {
    let alpha = build_as(
        app,
        OWNER,
        &[
            ("ImageOptions.ImageName", "alpha-web"),
            ("ImageOptions.ImageFamily", "fam-a"),
            ("ImageOptions.ImageTags.1.Key", "team"),
            ("ImageOptions.ImageTags.1.Value", "web"),
        ],
    )
    .await;
    let beta = build_as(
        app,
        OWNER,
        &[
            ("ImageOptions.ImageName", "beta-db"),
            ("ImageOptions.ImageFamily", "fam-b"),
            ("ImageOptions.ImageTags.1.Key", "team"),
            ("ImageOptions.ImageTags.1.Value", "db"),
        ],
    )
    .await;
    let gamma = build_as(app, OWNER, &[("ImageOptions.ImageName", "gamma")]).await;
    [text(&alpha, "ImageId"), text(&beta, "ImageId"), text(&gamma, "ImageId")]
}

#[tokio::test]
async fn describe_images_filters_by_id_name_family_status_and_tag() {
    let app = TestApp::spawn().await;
    let [alpha, beta, gamma] = three_images(&app).await;
    let mine = |extra: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let mut params: Vec<(&str, &str)> = vec![("ImageOwnerAlias", "self")];
            params.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
            let mut ids = image_ids(&images_as(app, OWNER, REGION, &params).await);
            ids.sort();
            ids
        }
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };

    assert_eq!(mine(vec![]).await, sorted(vec![alpha.clone(), beta.clone(), gamma.clone()]));
    assert_eq!(mine(vec![("ImageId", format!("{alpha},{gamma}"))]).await, sorted(vec![alpha.clone(), gamma.clone()]));
    assert_eq!(mine(vec![("ImageId", format!("{beta}, m-00000000000000000000"))]).await, [beta.as_str()]);
    assert_eq!(mine(vec![("ImageName", "web".into())]).await, [alpha.as_str()]);
    assert_eq!(mine(vec![("ImageName", "a-d".into())]).await, [beta.as_str()], "a substring in the middle");
    assert_eq!(mine(vec![("ImageName", "_exec-".into())]).await.len(), 3);
    assert!(mine(vec![("ImageName", "delta".into())]).await.is_empty());
    assert_eq!(mine(vec![("ImageFamily", "fam-a".into())]).await, [alpha.as_str()]);
    assert!(mine(vec![("ImageFamily", "fam".into())]).await.is_empty(), "the family matches exactly");
    assert_eq!(mine(vec![("Status", "ALL".into())]).await.len(), 3);
    assert_eq!(mine(vec![("Status", "Available".into())]).await.len(), 3);
    assert!(mine(vec![("Status", "Creating,Deprecated".into())]).await.is_empty());
    assert_eq!(mine(vec![("Tag.1.Key", "team".into())]).await, sorted(vec![alpha.clone(), beta.clone()]));
    assert_eq!(mine(vec![("Tag.1.Key", "team".into()), ("Tag.1.Value", "db".into())]).await, [beta.as_str()]);
    assert!(mine(vec![("Tag.1.Key", "owner".into())]).await.is_empty());
    assert_eq!(
        mine(vec![("ImageFamily", "fam-b".into()), ("Tag.1.Key", "team".into()), ("ImageName", "beta".into())]).await,
        [beta.as_str()]
    );

    let tagged = images_as(&app, OWNER, REGION, &[("ImageId", &alpha)]).await;
    assert_eq!(tagged[0]["Tags"]["Tag"][0]["TagKey"], "team");
    assert_eq!(tagged[0]["Tags"]["Tag"][0]["TagValue"], "web");
    assert_eq!(tagged[0]["ImageFamily"], "fam-a");

    describe_as(&app, OWNER, REGION, &[("Status", "Broken")]).await.assert_error(400, "InvalidParameter");
}

#[tokio::test]
async fn describe_images_pages_newest_first_by_page_number() {
    let app = TestApp::spawn().await;
    let [alpha, beta, gamma] = three_images(&app).await;
    let page = |number: &'static str| {
        let app = &app;
        async move {
            let r = describe_as(
                app,
                OWNER,
                REGION,
                &[("ImageOwnerAlias", "self"), ("PageSize", "2"), ("PageNumber", number)],
            )
            .await;
            let body = r.assert_ok();
            assert_eq!(body["TotalCount"], 3);
            assert_eq!(body["PageSize"], 2);
            assert_eq!(body["PageNumber"], number.parse::<i64>().expect("number"));
            image_ids(&images_in(&r))
        }
    };
    assert_eq!(page("1").await, [gamma, beta]);
    assert_eq!(page("2").await, [alpha]);
    assert!(page("3").await.is_empty());

    let default = describe_as(&app, OWNER, REGION, &[]).await;
    let body = default.assert_ok();
    assert_eq!(body["PageSize"], 10);
    assert_eq!(body["PageNumber"], 1);
    assert_eq!(images_in(&default).len(), 10);
    for bad in [("PageSize", "0"), ("PageSize", "101"), ("PageNumber", "0")] {
        describe_as(&app, OWNER, REGION, &[bad]).await.assert_error(400, "InvalidParameter");
    }
}

#[tokio::test]
async fn public_images_are_listed_by_owner_alias_and_a_bad_alias_is_refused() {
    let app = TestApp::spawn().await;
    three_images(&app).await;
    let system = images_as(&app, OWNER, REGION, &[("ImageOwnerAlias", "system"), ("PageSize", "100")]).await;
    assert!(!system.is_empty());
    assert!(system.iter().all(|i| i["ImageOwnerAlias"] == "system" && i["IsPublic"] == true), "{system:?}");
    assert!(image_ids(&system).contains(&BASE_IMAGE.to_string()));
    assert!(system.iter().all(|i| i["ImageOwnerId"] == 1_000_000_000_000_000_i64), "the system account owns them");

    let base = images_as(&app, THIRD, TARGET_REGION, &[("ImageId", BASE_IMAGE)]).await;
    assert_eq!(base.len(), 1, "public images exist in every region for every account");
    assert_eq!(base[0]["ImageFamily"], "acs:alibaba_cloud_linux_3_2104_lts_x64");

    let market = images_as(&app, OWNER, REGION, &[("ImageOwnerAlias", "marketplace")]).await;
    assert_eq!(image_ids(&market), ["m-marketplacewordpress01"]);
    assert_eq!(market[0]["IsPublic"], false);

    let by_family = images_as(&app, OWNER, REGION, &[("ImageFamily", "acs:alibaba_cloud_linux_3_2104_lts_x64")]).await;
    assert_eq!(
        image_ids(&by_family),
        ["aliyun_3_x64_20G_alibase_20240819.vhd", "aliyun_3_x64_20G_alibase_20240528.vhd"],
        "newest first"
    );

    let everything = describe_as(&app, OWNER, REGION, &[("PageSize", "100")]).await;
    let all = images_in(&everything);
    assert_eq!(everything.body["TotalCount"].as_u64().map(|n| n as usize), Some(all.len()));
    assert_eq!(all.iter().filter(|i| i["ImageOwnerAlias"] == "self").count(), 3);
    // No ImageOwnerAlias: system, self and others, not marketplace (the model's documented default).
    assert_eq!(all.len(), system.len() + 3);
    assert!(all.iter().all(|i| i["ImageOwnerAlias"] != "marketplace"));

    for bad in ["public", "Self", "all"] {
        describe_as(&app, OWNER, REGION, &[("ImageOwnerAlias", bad)]).await.assert_error(400, "InvalidParameter");
    }
    app.call("DescribeImages", &[]).await.assert_error(400, "MissingRegionId");
}

/// TotalCount of a page that does not hold every match comes from the per-status counts
/// (migration 0013) plus the copies in flight counted by their status now: a deprecated image, a
/// copy `Creating` until it is due, then `Available`.
#[tokio::test]
async fn describe_images_total_count_follows_status_changes_and_copies_in_flight() {
    let app = TestApp::spawn().await;
    let [alpha, beta, _gamma] = three_images(&app).await;
    let total = |status: &'static str| {
        let app = &app;
        async move {
            let r =
                describe_as(app, OWNER, REGION, &[("ImageOwnerAlias", "self"), ("PageSize", "1"), ("Status", status)])
                    .await;
            r.assert_ok()["TotalCount"].as_i64().expect("TotalCount")
        }
    };
    assert_eq!(total("Available").await, 3);
    call_as(&app, OWNER, REGION, "ModifyImageAttribute", &[("ImageId", &alpha), ("Status", "Deprecated")])
        .await
        .assert_ok();
    let copy = call_as(
        &app,
        OWNER,
        REGION,
        "CopyImage",
        &[("ImageId", &beta), ("DestinationRegionId", REGION), ("DestinationImageName", "beta-copy")],
    )
    .await;
    copy.assert_ok();
    assert_eq!(total("Available").await, 2, "the deprecated image and the copy in flight are not Available");
    assert_eq!(total("Deprecated").await, 1);
    assert_eq!(total("Creating").await, 1);
    assert_eq!(total("ALL").await, 4);
    assert_eq!(total("Available,Creating").await, 3);
    app.advance(24 * 3_600_000).await;
    assert_eq!(total("Creating").await, 0, "the copy is due");
    assert_eq!(total("Available").await, 3);
    let first = describe_as(&app, OWNER, REGION, &[("ImageOwnerAlias", "self"), ("PageSize", "1")]).await;
    assert_eq!(image_ids(&images_in(&first)), [text(copy.assert_ok(), "ImageId")], "the copy is the newest");
}

/// A tick that moves several builds at once writes their images in one multi-row statement
/// (`INSERT OR FAIL` on SQLite, whose count triggers have no upsert since migration 0017): the
/// counts an unfiltered page reads its TotalCount from stay exact, through a delete too.
#[tokio::test]
async fn images_of_builds_ticked_together_are_all_counted() {
    let app = TestApp::spawn().await;
    let mut executions = Vec::new();
    for _ in 0..5 {
        executions.push(app.start(&app.create_pipeline(&[]).await).await);
    }
    app.run_builds_to_completion().await;
    let mut made = Vec::new();
    for execution in &executions {
        assert_eq!(app.status(execution).await, "SUCCESS");
        made.push(text(&app.execution(execution).await, "ImageId"));
    }
    let total = || async {
        let r = app.call_in_region("DescribeImages", &[("ImageOwnerAlias", "self"), ("PageSize", "2")]).await;
        r.assert_ok()["TotalCount"].as_i64().expect("TotalCount")
    };
    assert_eq!(total().await, 5);
    app.call_in_region("DeleteImage", &[("ImageId", &made[0])]).await.assert_ok();
    assert_eq!(total().await, 4);
}
