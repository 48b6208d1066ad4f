//! VPC (API 2016-04-28): VPCs and vSwitches, their `Pending` → `Available` statuses on the manual
//! clock, the CIDR rules, the dependency errors (each with its documented code and HTTP status),
//! the built-in networks, and a created vSwitch used by an image template and its build.

use serde_json::{json, Value};

use crate::helpers::{Reply, TestApp, REGION};

const VPC: &str = "2016-04-28";
/// `limits::NETWORK_PENDING_MS`.
pub(crate) const PENDING_MS: i64 = 3_000;

pub(crate) async fn vpc_call(app: &TestApp, action: &str, params: &[(&str, &str)]) -> Reply {
    let mut all = vec![("RegionId", REGION)];
    all.extend_from_slice(params);
    app.call_version(VPC, action, &all).await
}

pub(crate) async fn create_vpc(app: &TestApp, cidr: &str) -> String {
    let r = vpc_call(app, "CreateVpc", &[("CidrBlock", cidr), ("VpcName", "build-net")]).await;
    r.assert_ok()["VpcId"].as_str().expect("VpcId").to_string()
}

pub(crate) async fn create_vswitch(app: &TestApp, vpc: &str, cidr: &str) -> String {
    let zone = format!("{REGION}-h");
    let r = vpc_call(app, "CreateVSwitch", &[("VpcId", vpc), ("ZoneId", &zone), ("CidrBlock", cidr)]).await;
    r.assert_ok()["VSwitchId"].as_str().expect("VSwitchId").to_string()
}

async fn vpc_attr(app: &TestApp, id: &str) -> Value {
    vpc_call(app, "DescribeVpcAttribute", &[("VpcId", id)]).await.assert_ok().clone()
}

async fn vswitch_attr(app: &TestApp, id: &str) -> Value {
    vpc_call(app, "DescribeVSwitchAttributes", &[("VSwitchId", id)]).await.assert_ok().clone()
}

/// A VPC with one vSwitch, both past their Pending time.
pub(crate) async fn network(app: &TestApp) -> (String, String) {
    let vpc = create_vpc(app, "192.168.0.0/16").await;
    let vsw = create_vswitch(app, &vpc, "192.168.1.0/24").await;
    app.advance(PENDING_MS).await;
    (vpc, vsw)
}

// ---- lifecycle ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_vpc_and_a_vswitch_are_pending_then_available_on_the_emulator_clock() {
    let app = TestApp::spawn().await;
    let created = vpc_call(&app, "CreateVpc", &[("CidrBlock", "10.0.0.0/16"), ("Description", "mine")]).await;
    let body = created.assert_ok();
    let vpc = body["VpcId"].as_str().expect("VpcId").to_string();
    assert!(vpc.starts_with("vpc-"), "{body}");
    assert!(body["VRouterId"].as_str().is_some_and(|v| v.starts_with("vrt-")), "{body}");
    assert!(body["RouteTableId"].as_str().is_some_and(|v| v.starts_with("vtb-")), "{body}");
    assert!(body["RequestId"].is_string());

    let attr = vpc_attr(&app, &vpc).await;
    assert_eq!(attr["Status"], "Pending");
    assert_eq!(attr["CidrBlock"], "10.0.0.0/16");
    assert_eq!(attr["Description"], "mine");
    assert_eq!(attr["IsDefault"], false);
    assert_eq!(attr["CreationTime"], "2023-11-14T22:13:20Z");

    let vsw = create_vswitch(&app, &vpc, "10.0.3.0/24").await;
    app.advance(PENDING_MS - 1).await;
    assert_eq!(vpc_attr(&app, &vpc).await["Status"], "Pending");
    assert_eq!(vswitch_attr(&app, &vsw).await["Status"], "Pending");
    app.advance(1).await;
    assert_eq!(vpc_attr(&app, &vpc).await["Status"], "Available");
    let v = vswitch_attr(&app, &vsw).await;
    assert_eq!(v["Status"], "Available");
    assert_eq!(v["VpcId"], vpc.as_str());
    assert_eq!(v["ZoneId"], "cn-hangzhou-h");
    assert_eq!(v["CidrBlock"], "10.0.3.0/24");
    assert_eq!(v["AvailableIpAddressCount"], 252);
    assert_eq!(v["RouteTable"]["RouteTableId"], body["RouteTableId"]);

    let attr = vpc_attr(&app, &vpc).await;
    assert_eq!(attr["VSwitchIds"]["VSwitchId"], json!([vsw]));
    assert_eq!(attr["CloudResources"]["CloudResourceSetType"][0]["ResourceCount"], 1);

    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await.assert_ok();
    vpc_call(&app, "DescribeVSwitchAttributes", &[("VSwitchId", &vsw)])
        .await
        .assert_error(404, "InvalidVSwitchId.NotFound");
    vpc_call(&app, "DeleteVpc", &[("VpcId", &vpc)]).await.assert_ok();
    vpc_call(&app, "DescribeVpcAttribute", &[("VpcId", &vpc)]).await.assert_error(404, "InvalidVpcId.NotFound");
    vpc_call(&app, "DeleteVpc", &[("VpcId", &vpc)]).await.assert_error(404, "InvalidVpcId.NotFound");
}

#[tokio::test]
async fn with_phase_duration_zero_networks_are_available_at_once() {
    let app = TestApp::spawn_with(|c| c.phase_duration = Some(0)).await;
    let vpc = create_vpc(&app, "172.20.0.0/16").await;
    let vsw = create_vswitch(&app, &vpc, "172.20.0.0/24").await;
    assert_eq!(vpc_attr(&app, &vpc).await["Status"], "Available");
    assert_eq!(vswitch_attr(&app, &vsw).await["Status"], "Available");
    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await.assert_ok();
}

#[tokio::test]
async fn networks_are_scoped_by_account_and_region() {
    let app = TestApp::spawn().await;
    let mine = vpc_call(&app, "CreateVpc", &[("AccessKeyId", "1111111111111111")]).await;
    let mine = mine.assert_ok()["VpcId"].as_str().expect("VpcId").to_string();
    let theirs = vpc_call(&app, "DescribeVpcAttribute", &[("VpcId", &mine), ("AccessKeyId", "2222222222222222")]).await;
    theirs.assert_error(404, "InvalidVpcId.NotFound");
    let elsewhere =
        app.call_version(VPC, "DescribeVpcAttribute", &[("RegionId", "cn-beijing"), ("VpcId", &mine)]).await;
    elsewhere.assert_error(404, "InvalidVpcId.NotFound");
    let attr = vpc_call(&app, "DescribeVpcAttribute", &[("VpcId", &mine), ("AccessKeyId", "1111111111111111")]).await;
    assert_eq!(attr.assert_ok()["CidrBlock"], "172.16.0.0/12", "the documented default block");
}

#[tokio::test]
async fn describe_vpcs_lists_the_default_vpc_then_mine_with_filters_and_pages() {
    let app = TestApp::spawn().await;
    let a = create_vpc(&app, "10.1.0.0/16").await;
    app.advance(1).await;
    let b = create_vpc(&app, "10.2.0.0/16").await;
    let all = vpc_call(&app, "DescribeVpcs", &[]).await;
    let body = all.assert_ok();
    assert_eq!(body["TotalCount"], 3);
    assert_eq!((body["PageNumber"].as_i64(), body["PageSize"].as_i64()), (Some(1), Some(10)));
    let ids: Vec<&str> =
        body["Vpcs"]["Vpc"].as_array().expect("Vpc").iter().filter_map(|v| v["VpcId"].as_str()).collect();
    assert_eq!(ids, ["vpc-cnhangzhou0001", b.as_str(), a.as_str()]);
    assert_eq!(body["Vpcs"]["Vpc"][0]["IsDefault"], true);
    assert_eq!(body["Vpcs"]["Vpc"][0]["CidrBlock"], "172.16.0.0/12");
    assert_eq!(
        body["Vpcs"]["Vpc"][0]["VSwitchIds"]["VSwitchId"],
        json!(["vsw-cnhangzhoua0001", "vsw-cnhangzhoub0001"])
    );

    let page = vpc_call(&app, "DescribeVpcs", &[("PageSize", "1"), ("PageNumber", "2")]).await;
    assert_eq!(page.assert_ok()["Vpcs"]["Vpc"][0]["VpcId"], b.as_str());
    let mine = vpc_call(&app, "DescribeVpcs", &[("IsDefault", "false")]).await;
    assert_eq!(mine.assert_ok()["TotalCount"], 2);
    let one = vpc_call(&app, "DescribeVpcs", &[("VpcId", &a)]).await;
    assert_eq!(one.assert_ok()["Vpcs"]["Vpc"][0]["VpcId"], a.as_str());
    vpc_call(&app, "DescribeVpcs", &[("PageSize", "51")]).await.assert_error(400, "InvalidParameter");
    vpc_call(&app, "DescribeVpcs", &[("PageNumber", "0")]).await.assert_error(400, "InvalidParameter");
}

#[tokio::test]
async fn a_client_token_replays_create_vpc_and_resource_groups_filter() {
    let app = TestApp::spawn().await;
    let params = [("ClientToken", "tok-1"), ("CidrBlock", "10.3.0.0/16"), ("ResourceGroupId", "rg-acfmdev0000000001")];
    let first = vpc_call(&app, "CreateVpc", &params).await.assert_ok().clone();
    let again = vpc_call(&app, "CreateVpc", &params).await.assert_ok().clone();
    assert_eq!((&first["VpcId"], &first["VRouterId"]), (&again["VpcId"], &again["VRouterId"]));
    assert_eq!(first["ResourceGroupId"], "rg-acfmdev0000000001");
    let changed = [("ClientToken", "tok-1"), ("CidrBlock", "10.4.0.0/16")];
    vpc_call(&app, "CreateVpc", &changed).await.assert_error(400, "IdempotentParameterMismatch");
    vpc_call(&app, "CreateVpc", &[("ResourceGroupId", "rg-nosuch")])
        .await
        .assert_error(404, "InvalidResourceGroup.NotFound");

    let dev = vpc_call(&app, "DescribeVpcs", &[("ResourceGroupId", "rg-acfmdev0000000001")]).await;
    assert_eq!(dev.assert_ok()["TotalCount"], 1);
    let default_group = vpc_call(&app, "DescribeVpcs", &[("ResourceGroupId", "rg-acfmdefault000001")]).await;
    assert_eq!(default_group.assert_ok()["Vpcs"]["Vpc"][0]["VpcId"], "vpc-cnhangzhou0001");
    assert_eq!(default_group.body["TotalCount"], 1);
}

#[tokio::test]
async fn built_in_vswitches_have_a_vpc_zone_and_block_and_are_listed() {
    let app = TestApp::spawn().await;
    let r = vpc_call(&app, "DescribeVSwitches", &[("VpcId", "vpc-cnhangzhou0001")]).await;
    let body = r.assert_ok();
    assert_eq!(body["TotalCount"], 2);
    let first = &body["VSwitches"]["VSwitch"][0];
    assert_eq!(first["VSwitchId"], "vsw-cnhangzhoua0001");
    assert_eq!(first["ZoneId"], "cn-hangzhou-h");
    assert_eq!(first["CidrBlock"], "172.16.0.0/20");
    assert_eq!(first["Status"], "Available");
    assert_eq!(first["IsDefault"], true);
    assert_eq!(body["VSwitches"]["VSwitch"][1]["CidrBlock"], "172.16.16.0/20");

    // A vSwitch of my own in the default VPC must not overlap the built-in blocks.
    let zone = format!("{REGION}-i");
    let overlapping = [("VpcId", "vpc-cnhangzhou0001"), ("ZoneId", zone.as_str()), ("CidrBlock", "172.16.8.0/24")];
    vpc_call(&app, "CreateVSwitch", &overlapping).await.assert_error(400, "InvalidCidrBlock.Overlapped");
    let by_mask = [("VpcId", "vpc-cnhangzhou0001"), ("ZoneId", zone.as_str()), ("CidrMask", "24")];
    let id = vpc_call(&app, "CreateVSwitch", &by_mask).await.assert_ok()["VSwitchId"].as_str().expect("id").to_string();
    assert_eq!(vswitch_attr(&app, &id).await["CidrBlock"], "172.16.32.0/24", "the first free /24");
    let zone_b = vpc_call(&app, "DescribeVSwitches", &[("ZoneId", &zone)]).await;
    assert_eq!(zone_b.assert_ok()["TotalCount"], 2);
}

#[tokio::test]
async fn a_fixture_vswitch_is_listed_in_the_default_vpc_with_its_zone_and_a_block() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(&path, "vswitches:\n  - { id: vsw-ci0000000000000001, region: cn-hangzhou, zone: cn-hangzhou-k }\n")
        .expect("write");
    let app = TestApp::spawn_with(|c| c.fixtures = Some(path.clone())).await;
    let v = vswitch_attr(&app, "vsw-ci0000000000000001").await;
    assert_eq!(v["VpcId"], "vpc-cnhangzhou0001");
    assert_eq!(v["ZoneId"], "cn-hangzhou-k");
    assert_eq!(v["CidrBlock"], "172.16.32.0/20", "the third /20 of the default VPC");
    let listed = vpc_call(&app, "DescribeVSwitches", &[("ZoneId", "cn-hangzhou-k")]).await;
    assert_eq!(listed.assert_ok()["TotalCount"], 1);
    // Still a template's vSwitch, and still not deletable.
    app.create_pipeline(&[("VSwitchId", "vsw-ci0000000000000001")]).await;
    let refused = vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", "vsw-ci0000000000000001")]).await;
    refused.assert_error(400, "DependencyViolation");
}

// ---- CIDR rules ------------------------------------------------------------------------------

// ---- dependencies --------------------------------------------------------------------------------

#[tokio::test]
async fn a_created_vswitch_hosts_a_build_and_cannot_be_deleted_while_used() {
    let app = TestApp::spawn_with(|c| c.phase_duration = Some(10_000)).await;
    let (_vpc, vsw) = network(&app).await;
    let pipeline = app.create_pipeline(&[("VSwitchId", &vsw)]).await;
    let described = app.describe_pipeline(&pipeline).await.expect("template listed");
    assert_eq!(described["VSwitchId"], vsw.as_str());

    let execution = app.start(&pipeline).await;
    app.tick().await;
    let refused = vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await;
    refused.assert_error(400, "DependencyViolation");
    assert!(refused.body["Message"].as_str().is_some_and(|m| m.contains(&execution)), "{}", refused.body);

    app.run_builds_to_completion().await;
    assert_eq!(app.status(&execution).await, "SUCCESS");
    let (_, timeline) = app.admin("GET", &format!("/executions/{execution}"), None).await;
    let resources = timeline["transitResources"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<&str> = resources.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds, ["instance"], "no transit network when the template names a vSwitch");
    assert_eq!(resources[0]["detail"]["VswitchId"], vsw.as_str(), "the transit instance runs in it");

    // The template still names it.
    let refused = vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await;
    refused.assert_error(400, "DependencyViolation");
    assert!(refused.body["Message"].as_str().is_some_and(|m| m.contains(&pipeline)), "{}", refused.body);
    app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", &pipeline)]).await.assert_ok();
    vpc_call(&app, "DeleteVSwitch", &[("VSwitchId", &vsw)]).await.assert_ok();
    app.try_create(&[("VSwitchId", &vsw)]).await.assert_error(404, "InvalidVSwitchId.NotFound");
}

#[tokio::test]
async fn another_accounts_vswitch_is_not_a_templates_vswitch() {
    let app = TestApp::spawn().await;
    let (_vpc, vsw) = network(&app).await;
    let r = app.try_create(&[("VSwitchId", &vsw), ("AccessKeyId", "2222222222222222")]).await;
    r.assert_error(404, "InvalidVSwitchId.NotFound");
}

// ---- reset and snapshots -----------------------------------------------------------------------

#[tokio::test]
async fn reset_and_snapshots_cover_networks() {
    skip_on_postgres!(
        "snapshots are SQLite files ({db}.snapshots): portable snapshots are the snapshots branch's work"
    );
    let app = TestApp::spawn().await;
    let (vpc, vsw) = network(&app).await;
    assert_eq!(app.admin("POST", "/snapshots", Some(json!({ "name": "net" }))).await.0, 201);
    let (status, _) = app.admin("POST", "/reset", None).await;
    assert_eq!(status, 200);
    vpc_call(&app, "DescribeVpcAttribute", &[("VpcId", &vpc)]).await.assert_error(404, "InvalidVpcId.NotFound");
    let (status, body) = app.admin("POST", "/snapshots/net/restore", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(vpc_attr(&app, &vpc).await["VSwitchIds"]["VSwitchId"], json!([vsw]));
}

// ---- IPv6 (the Terraform provider's acceptance tests create `alicloud_vpc { enable_ipv6 = true }`) --

#[tokio::test]
async fn enable_ipv6_gives_a_vpc_an_ipv6_block_that_the_describe_actions_report() {
    let app = TestApp::spawn().await;
    let created = vpc_call(&app, "CreateVpc", &[("CidrBlock", "10.0.0.0/16"), ("EnableIpv6", "true")]).await;
    let with = created.assert_ok()["VpcId"].as_str().expect("VpcId").to_string();
    let without = create_vpc(&app, "10.1.0.0/16").await;

    let attr = vpc_attr(&app, &with).await;
    assert_eq!(attr["EnabledIpv6"], true, "{attr}");
    let block = attr["Ipv6CidrBlock"].as_str().expect("Ipv6CidrBlock").to_string();
    assert!(block.starts_with("2408:4005:") && block.ends_with("00::/56"), "{block}");
    assert_eq!(attr["Ipv6CidrBlocks"], json!({ "Ipv6CidrBlock": [{ "Ipv6CidrBlock": block, "Ipv6Isp": "BGP" }] }));
    let listed = vpc_call(&app, "DescribeVpcs", &[("VpcId", &with)]).await;
    let vpc = &listed.assert_ok()["Vpcs"]["Vpc"][0];
    assert_eq!((&vpc["EnabledIpv6"], vpc["Ipv6CidrBlock"].as_str()), (&json!(true), Some(block.as_str())));

    let attr = vpc_attr(&app, &without).await;
    assert_eq!(attr["EnabledIpv6"], false, "{attr}");
    assert_eq!(attr["Ipv6CidrBlock"], "");
    assert_eq!(attr["Ipv6CidrBlocks"], json!({ "Ipv6CidrBlock": [] }));
    // The block is kept, not recomputed per read.
    let again = app.restart().await;
    assert_eq!(vpc_attr(&again, &with).await["Ipv6CidrBlock"], block.as_str());
    vpc_call(&again, "CreateVpc", &[("EnableIpv6", "maybe")]).await.assert_error(400, "InvalidParameter");
}

// ---- route tables (the Terraform provider's `alicloud_vpcs` reads each VPC's `route_table_id`) ---

#[tokio::test]
async fn describe_route_table_list_gives_each_vpcs_system_route_table() {
    let app = TestApp::spawn().await;
    let created = vpc_call(&app, "CreateVpc", &[("CidrBlock", "10.0.0.0/16")]).await;
    let body = created.assert_ok().clone();
    let vpc = body["VpcId"].as_str().expect("VpcId");
    let vsw = create_vswitch(&app, vpc, "10.0.1.0/24").await;

    let all = vpc_call(&app, "DescribeRouteTableList", &[]).await;
    let all = all.assert_ok();
    assert_eq!(all["TotalCount"], 2, "the default VPC's and mine: {all}");
    assert_eq!((all["PageNumber"].clone(), all["PageSize"].clone()), (json!(1), json!(10)));

    let mine = vpc_call(&app, "DescribeRouteTableList", &[("VpcId", vpc), ("PageSize", "50")]).await;
    let tables = mine.assert_ok()["RouterTableList"]["RouterTableListType"].as_array().expect("list").clone();
    assert_eq!(tables.len(), 1, "{tables:?}");
    let table = &tables[0];
    assert_eq!(table["RouteTableId"], body["RouteTableId"]);
    assert_eq!(table["RouterId"], body["VRouterId"]);
    assert_eq!((table["RouteTableType"].as_str(), table["RouterType"].as_str()), (Some("System"), Some("VRouter")));
    assert_eq!(table["VpcId"], vpc);
    assert_eq!(table["VSwitchIds"]["VSwitchId"], json!([vsw]));

    for (key, value, expected) in [
        ("RouteTableId", body["RouteTableId"].as_str().expect("id"), 1),
        ("RouterId", body["VRouterId"].as_str().expect("id"), 1),
        ("RouteTableType", "Custom", 0),
        ("RouterType", "VBR", 0),
        ("VpcId", "vpc-doesnotexist000000", 0),
    ] {
        let r = vpc_call(&app, "DescribeRouteTableList", &[(key, value)]).await;
        assert_eq!(r.assert_ok()["TotalCount"], expected, "{key}={value}");
    }
    for (key, value) in [("RouteTableType", "Other"), ("RouterType", "Router"), ("PageSize", "51"), ("PageNumber", "0")]
    {
        vpc_call(&app, "DescribeRouteTableList", &[(key, value)]).await.assert_error(400, "InvalidParameter");
    }
    app.call_version(VPC, "DescribeRouteTableList", &[]).await.assert_error(400, "MissingRegionId");
}
