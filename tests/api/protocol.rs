//! The RPC transport: request styles (GET, POST query, POST form, V3 headers), response formats,
//! the error envelope, flattened parameters and size limits.

use crate::helpers::{reply, TestApp, BASE_IMAGE};
use serde_json::Value;

const COMMON: [(&str, &str); 2] = [("Version", "2014-05-26"), ("Format", "JSON")];

fn describe_params() -> Vec<(&'static str, &'static str)> {
    vec![("Action", "DescribeImagePipelines"), ("RegionId", "cn-hangzhou")]
}

#[tokio::test]
async fn get_post_query_and_post_form_all_reach_the_action() {
    let app = TestApp::spawn().await;
    let id = app.create_pipeline(&[("Name", "styles")]).await;
    let mut params = describe_params();
    params.extend(COMMON);
    params.push(("ImagePipelineId.1", &id));

    let via_get = reply(app.client.get(&app.base_url).query(&params).send().await.expect("sent")).await;
    let via_post_query = reply(app.client.post(&app.base_url).query(&params).send().await.expect("sent")).await;
    let via_post_form = reply(app.client.post(&app.base_url).form(&params).send().await.expect("sent")).await;

    for r in [via_get, via_post_query, via_post_form] {
        assert_eq!(r.assert_ok()["ImagePipeline"]["ImagePipelineSet"][0]["ImagePipelineId"], Value::from(id.clone()));
    }
}

#[tokio::test]
async fn form_body_wins_over_the_query_string() {
    let app = TestApp::spawn().await;
    let mut query: Vec<(&str, &str)> = vec![("Action", "CreateImagePipeline"), ("Name", "fromQuery")];
    query.extend(COMMON);
    let form =
        [("RegionId", "cn-hangzhou"), ("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE), ("Name", "fromBody")];
    let r = reply(app.client.post(&app.base_url).query(&query).form(&form).send().await.expect("sent")).await;
    let id = r.assert_ok()["ImagePipelineId"].as_str().expect("id").to_string();
    assert_eq!(app.describe_pipeline(&id).await.expect("found")["Name"], "fromBody");
}

#[tokio::test]
async fn v3_request_with_action_only_in_headers_gets_json() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/?RegionId=cn-hangzhou&BaseImageType=IMAGE&BaseImage={BASE_IMAGE}&Name=v3style", app.base_url))
        .header("x-acs-action", "CreateImagePipeline")
        .header("x-acs-version", "2014-05-26")
        .header("authorization", "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host,Signature=00")
        .send()
        .await
        .expect("sent");
    assert!(response.headers()["content-type"].to_str().unwrap_or_default().starts_with("application/json"));
    let r = reply(response).await;
    assert!(r.assert_ok()["ImagePipelineId"].as_str().is_some_and(|id| id.starts_with("ip-")));
}

#[tokio::test]
async fn xml_is_served_for_format_xml_and_as_the_v1_default() {
    let app = TestApp::spawn().await;
    let id = app
        .create_pipeline(&[("Name", "xmlOne"), ("ToRegionId.1", "cn-beijing"), ("ToRegionId.2", "cn-shanghai")])
        .await;
    for format in [Some("XML"), Some("xml"), None] {
        let mut params = describe_params();
        params.push(("Version", "2014-05-26"));
        params.push(("ImagePipelineId.1", &id));
        if let Some(f) = format {
            params.push(("Format", f));
        }
        let response = app.client.get(&app.base_url).query(&params).send().await.expect("sent");
        assert_eq!(response.headers()["content-type"], "text/xml;charset=utf-8");
        let body = response.text().await.expect("text");
        assert!(
            body.starts_with("<?xml version='1.0' encoding='UTF-8'?><DescribeImagePipelinesResponse><RequestId>"),
            "{body}"
        );
        assert!(body.contains(&format!("<ImagePipelineSet><ImagePipelineId>{id}</ImagePipelineId><Name>xmlOne</Name>")));
        assert!(body.contains(
            "<ToRegionIds><ToRegionId>cn-beijing</ToRegionId><ToRegionId>cn-shanghai</ToRegionId></ToRegionIds>"
        ));
        assert!(body.ends_with("</DescribeImagePipelinesResponse>"));
    }
}

#[tokio::test]
async fn xml_errors_use_the_error_root_and_the_documented_status() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(&app.base_url)
        .query(&[("Action", "DeleteImagePipeline"), ("Version", "2014-05-26"), ("Format", "XML")])
        .query(&[("RegionId", "cn-hangzhou"), ("ImagePipelineId", "ip-doesnotexist0000000")])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "text/xml;charset=utf-8");
    let body = response.text().await.expect("text");
    assert!(body.starts_with("<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>"), "{body}");
    assert!(body.contains("<HostId>ecs.aliyuncs.com</HostId><Code>InvalidImagePipeline.NotFound</Code>"), "{body}");
}

#[tokio::test]
async fn error_bodies_carry_the_full_alibaba_envelope_and_request_id_header() {
    let app = TestApp::spawn().await;
    let r = app.call_in_region("DeleteImagePipeline", &[("ImagePipelineId", "ip-doesnotexist0000000")]).await;
    r.assert_error(404, "InvalidImagePipeline.NotFound");
    let request_id = r.body["RequestId"].as_str().expect("RequestId");
    assert_eq!(request_id.len(), 36);
    assert_eq!(request_id, request_id.to_uppercase());
    assert_eq!(r.headers["x-acs-request-id"], request_id);
    assert_eq!(r.body["HostId"], "ecs.aliyuncs.com");
    assert!(r.body["Message"].as_str().is_some_and(|m| m.contains("ip-doesnotexist0000000")));
    assert_eq!(
        r.body["Recommend"],
        format!(
            "https://api.aliyun.com/troubleshoot?q=InvalidImagePipeline.NotFound&product=Ecs&requestId={request_id}"
        )
    );
}

#[tokio::test]
async fn success_bodies_carry_a_request_id_and_no_code() {
    let app = TestApp::spawn().await;
    let r = app.call_in_region("DescribeImagePipelines", &[]).await;
    let body = r.assert_ok();
    assert_eq!(body["RequestId"], r.headers["x-acs-request-id"].to_str().expect("ascii"));
    let keys: Vec<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["RequestId", "TotalCount", "MaxResults", "NextToken", "ImagePipeline"]);
}

#[tokio::test]
async fn booleans_are_accepted_in_any_case() {
    let app = TestApp::spawn().await;
    for (value, expected) in [("True", true), ("false", false), ("TRUE", true), ("False", false)] {
        let id = app
            .create_pipeline(&[("DeleteInstanceOnFailure", value), ("AdvancedOptions.RetainCloudAssistant", value)])
            .await;
        let item = app.describe_pipeline(&id).await.expect("found");
        assert_eq!(item["DeleteInstanceOnFailure"], expected, "{value}");
        assert_eq!(item["AdvancedOptions"]["RetainCloudAssistant"], expected, "{value}");
    }
}

#[tokio::test]
async fn sparse_and_unordered_list_indices_keep_their_numeric_order() {
    let app = TestApp::spawn().await;
    let id = app
        .create_pipeline(&[
            ("ToRegionId.7", "cn-shanghai"),
            ("ToRegionId.2", "cn-beijing"),
            ("Tag.3.Key", "b"),
            ("Tag.3.Value", "2"),
            ("Tag.1.Key", "a"),
            ("Tag.1.Value", ""),
            ("ImageOptions.ImageTags.5.Key", "ik"),
            ("ImageOptions.ImageTags.5.Value", "iv"),
        ])
        .await;
    let item = app.describe_pipeline(&id).await.expect("found");
    assert_eq!(item["ToRegionIds"]["ToRegionId"], serde_json::json!(["cn-beijing", "cn-shanghai"]));
    assert_eq!(
        item["Tags"]["Tag"],
        serde_json::json!([{"TagKey": "a", "TagValue": ""}, {"TagKey": "b", "TagValue": "2"}])
    );
    assert_eq!(item["ImageOptions"]["ImageTags"]["ImageTag"], serde_json::json!([{"TagKey": "ik", "TagValue": "iv"}]));
}

#[tokio::test]
async fn a_64_kb_request_line_is_accepted() {
    let app = TestApp::spawn().await;
    // A 16 KB BuildContent of characters that percent-encode to three bytes each (~48 KB), plus
    // a long description: the URL is over 64 KB, as SDKs send it.
    let line = format!("RUN echo {}", "é".repeat(60));
    let mut content = String::new();
    while content.len() + line.len() < 16 * 1024 {
        content.push_str(&line);
        content.push('\n');
    }
    let description = "d".repeat(256);
    let r = app.try_create(&[("BuildContent", &content), ("Description", &description), ("Name", "bigUrl")]).await;
    let id = r.assert_ok()["ImagePipelineId"].as_str().expect("id").to_string();
    assert_eq!(app.describe_pipeline(&id).await.expect("found")["BuildContent"], content.as_str());
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_a_clear_400() {
    let app = TestApp::spawn().await;
    let body = format!(
        "Action=DescribeImagePipelines&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&Pad={}",
        "x".repeat(2 * 1024 * 1024)
    );
    let response = app
        .client
        .post(&app.base_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sent");
    let r = reply(response).await;
    r.assert_error(400, "InvalidParameter");
    assert!(r.body["Message"].as_str().is_some_and(|m| m.contains("exceeds the limit")));
}

#[tokio::test]
async fn other_paths_answer_with_an_alibaba_error() {
    let app = TestApp::spawn().await;
    let r = reply(app.client.get(format!("{}/some/path", app.base_url)).send().await.expect("sent")).await;
    r.assert_error(404, "InvalidAction.NotFound");
}
