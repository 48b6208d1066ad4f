//! Error tests, one file per action, mirroring `src/actions/<action>.rs` (plus `gateway.rs` for the
//! checks `src/rpc/` makes before dispatch). Each test asserts the exact HTTP status and `Code` of one
//! documented error (docs/reference.md), and where one exists the nearby boundary that still succeeds.
//! The fixtures below are shared by the files.

mod create_image_pipeline;
mod delete_image_pipeline;
mod describe_image_pipelines;
mod gateway;

use crate::helpers::{Reply, TestApp};

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const WINDOWS_IMAGE: &str = "win2022_21H2_x64_dtc_en-us_40G_alibase_20240716.vhd";
const UNSUPPORTED_OS_IMAGE: &str = "freebsd_13_2_x64_30G_alibase_20230720.vhd";
const MARKETPLACE_IMAGE: &str = "m-marketplacewordpress01";
const UNREPAIRABLE_IMAGE: &str = "centos_7_9_x64_20G_alibase_20240628.vhd";
const FAMILY: &str = "acs:alibaba_cloud_linux_3_2104_lts_x64";
const VSWITCH: &str = "vsw-cnhangzhoua0001";
const RESOURCE_GROUP: &str = "rg-acfmdefault000001";
const INSTANCE_TYPE: &str = "ecs.g6.large";
const OTHER_ACCOUNT: &str = "1234567890123456";

/// The minimal system disk of an OSS template.
const OSS_DISK: [(&str, &str); 2] = [
    ("ImportImageOptions.DiskDeviceMappings.1.OSSBucket", "my-images"),
    ("ImportImageOptions.DiskDeviceMappings.1.OSSObject", "exports/system.qcow2"),
];

/// Borrows owned parameters as the `(&str, &str)` pairs the helpers take.
fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// `prefix.1 … prefix.n` = `value(i)`.
fn numbered(prefix: &str, n: usize, value: impl Fn(usize) -> String) -> Vec<(String, String)> {
    (1..=n).map(|i| (format!("{prefix}.{i}"), value(i))).collect()
}

/// `Tag.1 … Tag.n` with distinct keys.
fn tags(prefix: &str, n: usize) -> Vec<(String, String)> {
    (1..=n)
        .flat_map(|i| {
            [(format!("{prefix}.{i}.Key"), format!("k{i}")), (format!("{prefix}.{i}.Value"), format!("v{i}"))]
        })
        .collect()
}

/// CreateImagePipeline with `BaseImageType=OSS` (no BaseImage) and the given parameters.
async fn create_from_oss(app: &TestApp, extra: &[(&str, &str)]) -> Reply {
    let mut params = vec![("BaseImageType", "OSS")];
    params.extend_from_slice(extra);
    app.call_in_region("CreateImagePipeline", &params).await
}

/// An OSS template with a valid system disk, plus (or overriding) `extra`.
async fn create_from_oss_disk(app: &TestApp, extra: &[(&str, &str)]) -> Reply {
    let mut params = OSS_DISK.to_vec();
    params.extend_from_slice(extra);
    create_from_oss(app, &params).await
}

async fn create_with_build_content(app: &TestApp, content: &str) -> Reply {
    app.try_create(&[("BuildContent", content)]).await
}

/// The `Message` of an error body.
fn message(reply: &Reply) -> &str {
    reply.body["Message"].as_str().unwrap_or_default()
}
