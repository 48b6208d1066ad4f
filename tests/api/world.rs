//! The world around a build: product routing by API version (ECS, VPC, ResourceManager, STS,
//! BssOpenApi share one endpoint), and the read-only actions of those products that Terraform reads
//! before it creates anything.

use serde_json::{json, Value};

use crate::helpers::{TestApp, REGION};

const VPC: &str = "2016-04-28";
pub(crate) const RESOURCE_MANAGER: &str = "2020-03-31";
const STS: &str = "2015-04-01";
const BSS: &str = "2017-12-14";

// ---- routing -----------------------------------------------------------------------------------

#[tokio::test]
async fn an_ecs_action_under_another_products_version_is_404_invalid_action_not_found() {
    let app = TestApp::spawn().await;
    for (version, host) in [
        (VPC, "vpc.aliyuncs.com"),
        (RESOURCE_MANAGER, "resourcemanager.aliyuncs.com"),
        (STS, "sts.aliyuncs.com"),
        (BSS, "business.aliyuncs.com"),
    ] {
        let r = app.call_version(version, "DescribeImagePipelines", &[("RegionId", REGION)]).await;
        r.assert_error(404, "InvalidAction.NotFound");
        assert_eq!(r.body["HostId"], host, "{version}");
    }
    app.call_in_region("DescribeImagePipelines", &[]).await.assert_ok();
}

#[tokio::test]
async fn an_unknown_version_is_400_invalid_version_with_the_ecs_host() {
    let app = TestApp::spawn().await;
    let r = app.call_version("2099-01-01", "DescribeImagePipelines", &[("RegionId", REGION)]).await;
    r.assert_error(400, "InvalidVersion");
    assert_eq!(r.body["HostId"], "ecs.aliyuncs.com");
}

#[tokio::test]
async fn error_bodies_name_the_products_host_in_xml_too() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(&app.base_url)
        .query(&[("Action", "NoSuchAction"), ("Version", RESOURCE_MANAGER), ("Format", "XML")])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 404);
    let body = response.text().await.expect("text");
    assert!(
        body.contains("<HostId>resourcemanager.aliyuncs.com</HostId><Code>InvalidAction.NotFound</Code>"),
        "{body}"
    );
    assert!(body.contains("product=ResourceManager&amp;requestId="), "{body}");
}

/// An app whose fixtures mark `ecs.g6.large` out of stock and add a vSwitch and a resource group.
async fn app_with_fixtures() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(
        &path,
        "instance_types:\n  - { id: ecs.g6.large, in_stock: false }\nvswitches:\n  - { id: vsw-ci0000000000000001, region: cn-hangzhou, zone: cn-hangzhou-k }\nresource_groups: [rg-ci00000000000001]\n",
    )
    .expect("write");
    let app = TestApp::spawn_with(|c| c.fixtures = Some(path.clone())).await;
    (app, dir)
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

// ---- ECS: DescribeRegions / DescribeZones --------------------------------------------------------

#[tokio::test]
async fn describe_regions_lists_every_catalog_region_with_its_endpoint() {
    let app = TestApp::spawn().await;
    let r = app.call("DescribeRegions", &[]).await;
    let regions = r.assert_ok()["Regions"]["Region"].as_array().expect("Regions.Region").clone();
    assert_eq!(regions.len(), ecs_imagebuilder_emulator::catalog::REGIONS.len());
    let hz = regions.iter().find(|r| r["RegionId"] == REGION).expect("cn-hangzhou");
    assert_eq!(hz["RegionEndpoint"], "ecs.cn-hangzhou.aliyuncs.com");
    assert_eq!(hz["Status"], "available");
    app.call("DescribeRegions", &[("RegionId", "mars-north-1")]).await.assert_error(404, "InvalidRegionId.NotFound");
    app.call("DescribeRegions", &[("InstanceChargeType", "Free")]).await.assert_error(400, "InvalidParameter");
}

#[tokio::test]
async fn describe_zones_lists_the_regions_zones_and_what_they_offer() {
    let app = TestApp::spawn().await;
    let r = app.call_in_region("DescribeZones", &[]).await;
    let zones = r.assert_ok()["Zones"]["Zone"].as_array().expect("Zones.Zone").clone();
    let ids: Vec<&str> = zones.iter().filter_map(|z| z["ZoneId"].as_str()).collect();
    assert_eq!(ids, ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"]);
    let info = &zones[0]["AvailableResources"]["ResourcesInfo"][0];
    assert!(strings(&info["InstanceTypes"]["supportedInstanceType"]).contains(&"ecs.g6.large".to_string()));
    assert!(strings(&zones[0]["AvailableInstanceTypes"]["InstanceTypes"]).contains(&"ecs.c7.large".to_string()));
    assert_eq!(strings(&info["NetworkTypes"]["supportedNetworkCategory"]), ["vpc"]);

    let terse = app.call_in_region("DescribeZones", &[("Verbose", "false")]).await;
    let zone = &terse.assert_ok()["Zones"]["Zone"][0];
    assert_eq!(zone["ZoneId"], "cn-hangzhou-h");
    assert!(zone.get("AvailableResources").is_none(), "{zone}");

    let other = app.call("DescribeZones", &[("RegionId", "ap-southeast-1")]).await;
    assert_eq!(other.assert_ok()["Zones"]["Zone"][2]["ZoneId"], "ap-southeast-1-c");
}

// ---- ECS: DescribeAvailableResource ------------------------------------------------------------

#[tokio::test]
async fn an_out_of_stock_instance_type_is_sold_out_in_describe_available_resource() {
    let (app, _dir) = app_with_fixtures().await;
    let r = app
        .call_in_region(
            "DescribeAvailableResource",
            &[("DestinationResource", "InstanceType"), ("ZoneId", "cn-hangzhou-i")],
        )
        .await;
    let zones = r.assert_ok()["AvailableZones"]["AvailableZone"].as_array().expect("AvailableZone").clone();
    assert_eq!(zones.len(), 1);
    assert_eq!((zones[0]["ZoneId"].clone(), zones[0]["RegionId"].clone()), (json!("cn-hangzhou-i"), json!(REGION)));
    let resource = &zones[0]["AvailableResources"]["AvailableResource"][0];
    assert_eq!(resource["Type"], "InstanceType");
    let items = resource["SupportedResources"]["SupportedResource"].as_array().expect("SupportedResource");
    let find = |id: &str| items.iter().find(|i| i["Value"] == id).cloned().unwrap_or_else(|| panic!("{id}"));
    assert_eq!(
        (find("ecs.g6.large")["Status"].clone(), find("ecs.g6.large")["StatusCategory"].clone()),
        (json!("SoldOut"), json!("WithoutStock"))
    );
    assert_eq!(
        (find("ecs.g6.xlarge")["Status"].clone(), find("ecs.g6.xlarge")["StatusCategory"].clone()),
        (json!("Available"), json!("WithStock"))
    );

    // Asking for the sold-out type alone: every zone of the region says so.
    let only = app
        .call_in_region(
            "DescribeAvailableResource",
            &[("DestinationResource", "Zone"), ("InstanceType", "ecs.g6.large")],
        )
        .await;
    let zones = only.assert_ok()["AvailableZones"]["AvailableZone"].as_array().expect("AvailableZone").clone();
    assert_eq!(zones.len(), 4);
    assert!(zones.iter().all(|z| z["Status"] == "SoldOut" && z["StatusCategory"] == "WithoutStock"), "{zones:?}");
    assert_eq!(zones[0]["AvailableResources"]["AvailableResource"][0]["Type"], "Zone");
}

#[tokio::test]
async fn describe_available_resource_answers_each_destination() {
    let app = TestApp::spawn().await;
    let call = |dest: &'static str, extra: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let mut params = vec![("DestinationResource", dest)];
            params.extend(extra);
            let r = app.call_in_region("DescribeAvailableResource", &params).await;
            r.assert_ok()["AvailableZones"]["AvailableZone"].clone()
        }
    };
    let zones = call("Zone", vec![]).await;
    assert_eq!(zones.as_array().map(Vec::len), Some(4));
    assert_eq!(zones[0]["Status"], "Available");
    let disks = call("SystemDisk", vec![("InstanceType", "ecs.g7.large")]).await;
    let disk = &disks[0]["AvailableResources"]["AvailableResource"][0];
    assert_eq!(disk["Type"], "SystemDisk");
    let essd = disk["SupportedResources"]["SupportedResource"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["Value"] == "cloud_essd").cloned())
        .expect("cloud_essd");
    assert_eq!(
        (essd["Min"].clone(), essd["Max"].clone(), essd["Unit"].clone()),
        (json!(20), json!(2048), json!("GiB"))
    );
    let network = call("Network", vec![]).await;
    assert_eq!(
        network[0]["AvailableResources"]["AvailableResource"][0]["SupportedResources"]["SupportedResource"][0]["Value"],
        "vpc"
    );
    // No resource matches: an unknown type, or non-I/O-optimized instances.
    assert_eq!(call("InstanceType", vec![("InstanceType", "ecs.nope.large")]).await, json!([]));
    assert_eq!(call("InstanceType", vec![("IoOptimized", "none")]).await, json!([]));
    let small = call("InstanceType", vec![("Cores", "2"), ("Memory", "16")]).await;
    let values: Vec<Value> = small[0]["AvailableResources"]["AvailableResource"][0]["SupportedResources"]
        ["SupportedResource"]
        .as_array()
        .map(|a| a.iter().map(|i| i["Value"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(values, [json!("ecs.r6.large")]);
}

// ---- ECS: DescribeInstanceTypes ----------------------------------------------------------------

#[tokio::test]
async fn describe_instance_types_filters_and_pages() {
    let app = TestApp::spawn().await;
    let all = app.call("DescribeInstanceTypes", &[]).await;
    let all = all.assert_ok()["InstanceTypes"]["InstanceType"].as_array().expect("InstanceType").clone();
    assert_eq!(all.len(), ecs_imagebuilder_emulator::catalog::INSTANCE_TYPES.len());
    let g6 = all.iter().find(|t| t["InstanceTypeId"] == "ecs.g6.large").expect("g6");
    assert_eq!(
        (
            g6["InstanceTypeFamily"].clone(),
            g6["CpuCoreCount"].clone(),
            g6["MemorySize"].clone(),
            g6["CpuArchitecture"].clone()
        ),
        (json!("ecs.g6"), json!(2), json!(8.0), json!("X86"))
    );

    let ids = |r: &Value| -> Vec<String> {
        r["InstanceTypes"]["InstanceType"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["InstanceTypeId"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let picked = app
        .call("DescribeInstanceTypes", &[("InstanceTypes.1", "ecs.c7.large"), ("InstanceTypes.2", "ecs.r6.large")])
        .await;
    assert_eq!(ids(picked.assert_ok()), ["ecs.c7.large", "ecs.r6.large"]);
    let family = app.call("DescribeInstanceTypes", &[("InstanceTypeFamily", "ecs.g6")]).await;
    assert_eq!(ids(family.assert_ok()), ["ecs.g6.large", "ecs.g6.xlarge", "ecs.g6.2xlarge"]);
    let big = app.call("DescribeInstanceTypes", &[("MinimumCpuCoreCount", "4"), ("MaximumMemorySize", "16")]).await;
    assert_eq!(ids(big.assert_ok()), ["ecs.g6.xlarge", "ecs.g7.xlarge"]);
    let arm = app.call("DescribeInstanceTypes", &[("CpuArchitecture", "ARM")]).await;
    assert_eq!(ids(arm.assert_ok()), ["ecs.g6r.large"]);

    // Pages of 4 walk the whole list exactly once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut params = vec![("MaxResults", "4")];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let page = app.call("DescribeInstanceTypes", &params).await;
        let body = page.assert_ok().clone();
        let got = ids(&body);
        assert!(got.len() <= 4);
        seen.extend(got);
        token = body["NextToken"].as_str().unwrap_or_default().to_string();
        if token.is_empty() {
            break;
        }
    }
    let every: Vec<String> = all.iter().filter_map(|t| t["InstanceTypeId"].as_str().map(str::to_string)).collect();
    assert_eq!(seen, every);
}

// ---- ResourceManager ---------------------------------------------------------------------------

#[tokio::test]
async fn list_resource_groups_pages_and_filters_the_catalog_and_fixture_groups() {
    let (app, _dir) = app_with_fixtures().await;
    let account = "1234567812345678";
    let r = app.call_version(RESOURCE_MANAGER, "ListResourceGroups", &[("AccessKeyId", account)]).await;
    let body = r.assert_ok().clone();
    assert_eq!(
        (body["TotalCount"].clone(), body["PageNumber"].clone(), body["PageSize"].clone()),
        (json!(4), json!(1), json!(10))
    );
    let groups = body["ResourceGroups"]["ResourceGroup"].as_array().expect("ResourceGroup").clone();
    let ids: Vec<&str> = groups.iter().filter_map(|g| g["Id"].as_str()).collect();
    assert_eq!(ids, ["rg-acfmdefault000001", "rg-acfmdev0000000001", "rg-acfmprod000000001", "rg-ci00000000000001"]);
    assert_eq!(
        (groups[0]["Name"].clone(), groups[0]["AccountId"].clone(), groups[0]["Status"].clone()),
        (json!("default"), json!(account), json!("OK"))
    );
    assert!(groups[0]["CreateDate"].as_str().is_some_and(|d| d.ends_with('Z')));

    let page2 =
        app.call_version(RESOURCE_MANAGER, "ListResourceGroups", &[("PageSize", "3"), ("PageNumber", "2")]).await;
    let page2 = page2.assert_ok().clone();
    assert_eq!(page2["TotalCount"], 4);
    assert_eq!(page2["ResourceGroups"]["ResourceGroup"][0]["Id"], "rg-ci00000000000001");
    let by_name = app.call_version(RESOURCE_MANAGER, "ListResourceGroups", &[("Name", "prod")]).await;
    assert_eq!(by_name.assert_ok()["ResourceGroups"]["ResourceGroup"][0]["Id"], "rg-acfmprod000000001");
    let by_ids = app
        .call_version(
            RESOURCE_MANAGER,
            "ListResourceGroups",
            &[("ResourceGroupIds.1", "rg-acfmdev0000000001"), ("ResourceGroupIds.2", "rg-nope")],
        )
        .await;
    assert_eq!(by_ids.assert_ok()["TotalCount"], 1);
    let deleting = app.call_version(RESOURCE_MANAGER, "ListResourceGroups", &[("Status", "Deleting")]).await;
    assert_eq!(deleting.assert_ok()["TotalCount"], 0);
}

#[tokio::test]
async fn get_resource_group_answers_the_group_with_its_region_statuses() {
    let app = TestApp::spawn().await;
    let r =
        app.call_version(RESOURCE_MANAGER, "GetResourceGroup", &[("ResourceGroupId", "rg-acfmdev0000000001")]).await;
    let group = r.assert_ok()["ResourceGroup"].clone();
    assert_eq!(
        (group["Id"].clone(), group["Name"].clone(), group["Status"].clone()),
        (json!("rg-acfmdev0000000001"), json!("dev"), json!("OK"))
    );
    assert_eq!(group["AccountId"], "1000000000000001");
    let statuses = group["RegionStatuses"]["RegionStatus"].as_array().expect("RegionStatus");
    assert!(statuses.iter().any(|s| s["RegionId"] == REGION && s["Status"] == "OK"));
}

// ---- STS and BssOpenApi ------------------------------------------------------------------------

#[tokio::test]
async fn get_caller_identity_answers_the_account_of_the_access_key() {
    let app = TestApp::spawn().await;
    let r = app.call_version(STS, "GetCallerIdentity", &[("AccessKeyId", "1234567812345678")]).await;
    let body = r.assert_ok().clone();
    assert_eq!(
        (body["AccountId"].clone(), body["UserId"].clone(), body["PrincipalId"].clone()),
        (json!("1234567812345678"), json!("1234567812345678"), json!("1234567812345678"))
    );
    assert_eq!(
        (body["Arn"].clone(), body["IdentityType"].clone()),
        (json!("acs:ram::1234567812345678:root"), json!("Account"))
    );
    let default = app.call_version(STS, "GetCallerIdentity", &[]).await;
    assert_eq!(default.assert_ok()["AccountId"], "1000000000000001");
}

#[tokio::test]
async fn query_available_instances_succeeds_with_an_empty_list() {
    let app = TestApp::spawn().await;
    let params = [
        ("PageNum", "1"),
        ("PageSize", "50"),
        ("ProductCode", "vipcloudfw"),
        ("ProductType", "vipcloudfw"),
        ("SubscriptionType", "Subscription"),
    ];
    let r = app.call_version(BSS, "QueryAvailableInstances", &params).await;
    // BssOpenApi success bodies carry Code=Success (unlike ECS ones).
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!((r.body["Code"].clone(), r.body["Success"].clone()), (json!("Success"), json!(true)));
    assert_eq!(r.body["Data"]["InstanceList"], json!([]));
    assert_eq!((r.body["Data"]["TotalCount"].clone(), r.body["Data"]["PageSize"].clone()), (json!(0), json!(50)));
    let bad = app.call_version(BSS, "QueryAvailableInstances", &[("PageSize", "301")]).await;
    bad.assert_error(400, "InvalidParameter");
    assert_eq!(bad.body["HostId"], "business.aliyuncs.com");
}

// ---- DescribeImageSupportInstanceTypes (the Terraform provider's `alicloud_instance_types` with
// `image_id`) ----------------------------------------------------------------------------------

async fn supported_types(app: &TestApp, params: &[(&str, &str)]) -> Vec<String> {
    let r = app.call_in_region("DescribeImageSupportInstanceTypes", params).await;
    let body = r.assert_ok();
    body["InstanceTypes"]["InstanceType"]
        .as_array()
        .expect("InstanceTypes.InstanceType")
        .iter()
        .map(|t| t["InstanceTypeId"].as_str().expect("InstanceTypeId").to_string())
        .collect()
}

#[tokio::test]
async fn describe_image_support_instance_types_follows_the_images_cpu_architecture() {
    let app = TestApp::spawn().await;
    let x86 = supported_types(&app, &[("ImageId", "ubuntu_22_04_x64_20G_alibase_20240710.vhd")]).await;
    assert!(x86.contains(&"ecs.g6.large".to_string()) && x86.contains(&"ecs.c7.large".to_string()), "{x86:?}");
    assert!(!x86.contains(&"ecs.g6r.large".to_string()), "an ARM type for an x86_64 image: {x86:?}");
    let arm = supported_types(&app, &[("ImageId", "aliyun_3_arm64_20G_alibase_20240819.vhd")]).await;
    assert_eq!(arm, vec!["ecs.g6r.large".to_string()]);
    let all = supported_types(&app, &[]).await;
    assert_eq!(all.len(), x86.len() + arm.len(), "{all:?}");

    let r = app
        .call_in_region("DescribeImageSupportInstanceTypes", &[("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd")])
        .await;
    let body = r.assert_ok();
    assert_eq!(
        (body["RegionId"].as_str(), body["ImageId"].as_str()),
        (Some(REGION), Some("aliyun_3_x64_20G_alibase_20240819.vhd"))
    );
    let g6 = body["InstanceTypes"]["InstanceType"]
        .as_array()
        .and_then(|types| types.iter().find(|t| t["InstanceTypeId"] == "ecs.g6.large"))
        .expect("ecs.g6.large");
    assert_eq!((g6["InstanceTypeFamily"].as_str(), g6["CpuCoreCount"].as_u64()), (Some("ecs.g6"), Some(2)));
    assert_eq!(g6["MemorySize"].as_f64(), Some(8.0));
}

#[tokio::test]
async fn describe_image_support_instance_types_sees_a_built_image_and_refuses_unknown_ones() {
    let app = TestApp::spawn().await;
    let pipeline = app.create_pipeline(&[("BuildContent", "RUN echo hi")]).await;
    let execution = app.start(&pipeline).await;
    app.run_builds_to_completion().await;
    let image = app.execution(&execution).await["ImageId"].as_str().expect("ImageId").to_string();
    assert!(supported_types(&app, &[("ImageId", &image)]).await.contains(&"ecs.g6.large".to_string()));

    let unknown =
        app.call_in_region("DescribeImageSupportInstanceTypes", &[("ImageId", "m-doesnotexist00000000")]).await;
    unknown.assert_error(404, "InvalidImageId.NotFound");
    // Another account does not see my image.
    let other = crate::helpers::call_as(
        &app,
        "9999888877776666",
        REGION,
        "DescribeImageSupportInstanceTypes",
        &[("ImageId", &image)],
    )
    .await;
    other.assert_error(404, "InvalidImageId.NotFound");
    let action = app.call_in_region("DescribeImageSupportInstanceTypes", &[("ActionType", "Upgrade")]).await;
    action.assert_error(400, "InvalidParameter");
    app.call("DescribeImageSupportInstanceTypes", &[]).await.assert_error(400, "MissingRegionId");
    let region = app.call("DescribeImageSupportInstanceTypes", &[("RegionId", "mars-north-1")]).await;
    region.assert_error(404, "InvalidRegionId.NotFound");
}
