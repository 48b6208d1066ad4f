//! The world around a build: product routing by API version (ECS, VPC, ResourceManager, STS,
//! BssOpenApi share one endpoint), and the read-only actions of those products that Terraform reads
//! before it creates anything.

use crate::helpers::{TestApp, REGION};

const VPC: &str = "2016-04-28";
const RESOURCE_MANAGER: &str = "2020-03-31";
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
