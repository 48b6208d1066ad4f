//! `DescribeImagePipelines` (api-spec §3.2): ID list, `Name`, `ResourceGroupId` and `Tag.N` filters,
//! token paging, and the exact response keys of SDK-PY's `to_map` (`AddAccounts.AddAccount` as
//! strings, `ImageOptions.ImageTags.ImageTag[{TagKey,TagValue}]`, …).
//!
//! Unset scalars are left out; list wrappers are always present (api-spec §9 item 6 suggestion).
//! Unknown IDs are not an error: they simply match nothing.

use serde_json::{json, Map, Value};

use super::wire;
use super::{region, Ctx};
use crate::domain::paging::Page;
use crate::domain::pipeline::{KeyValue, Pipeline};
use crate::domain::tags::{self, Tag};
use crate::domain::time::format_ms;
use crate::domain::{limits, names};
use crate::error::{ApiError, ApiResult, Code};
use crate::store::PipelineFilter;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let ids = ctx.params.list("ImagePipelineId")?;
    if ids.len() > limits::MAX_PIPELINE_ID_FILTER {
        return Err(Code::InvalidImagePipelineIdSizeExceededMaxNumber.into());
    }
    let name = ctx.params.opt_str("Name");
    if let Some(n) = name.filter(|n| !names::is_valid_name(n)) {
        return Err(ApiError::with_message(
            Code::InvalidNameMalformed,
            format!("The specified Name \"{n}\" is not valid."),
        ));
    }
    let filter = PipelineFilter {
        ids,
        name: name.map(str::to_string),
        resource_group_id: ctx.params.opt_str("ResourceGroupId").map(str::to_string),
        tags: wire::tag_filters(ctx.params)?,
    };
    let page = wire::page(ctx.params)?;
    let result = ctx.state.store.describe_pipelines(&ctx.caller.account, &region, &filter, &page).await?;
    let set: Vec<Value> = result.items.iter().map(|(p, t)| view(p, t)).collect();
    Ok(json!({
        "TotalCount": result.total_count,
        "MaxResults": page.max_results,
        "NextToken": result.next.map(|c| c.encode()).unwrap_or_default(),
        "ImagePipeline": { "ImagePipelineSet": set },
    }))
}

/// `[{TagKey, TagValue}]`, the response form of resource tags.
pub fn tag_list(tags: &[Tag]) -> Value {
    Value::Array(tags.iter().map(|t| json!({ "TagKey": t.key, "TagValue": t.value })).collect())
}

fn key_value_tags(tags: &[KeyValue], key: &str, value: &str) -> Value {
    Value::Array(tags.iter().map(|t| json!({ key: t.key, value: t.value })).collect())
}

/// Inserts `value` under `key` unless it is unset.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        map.insert(key.to_string(), Value::String(v.to_string()));
    }
}

/// One `ImagePipelineSet` item.
fn view(p: &Pipeline, tags: &[Tag]) -> Value {
    let mut m = Map::with_capacity(32);
    m.insert("ImagePipelineId".into(), json!(p.id));
    m.insert("Name".into(), json!(p.name));
    put(&mut m, "Description", p.description.as_deref());
    m.insert("CreationTime".into(), json!(format_ms(p.created_ms)));
    m.insert("BaseImageType".into(), json!(p.base_image_type.as_str()));
    put(&mut m, "BaseImage", p.base_image.as_deref());
    put(&mut m, "BuildContent", p.build_content.as_deref());
    put(&mut m, "TestContent", p.test_content.as_deref());
    put(&mut m, "ImageName", p.effective_image_name());
    put(&mut m, "ImageFamily", p.effective_image_family());
    put(&mut m, "NvmeSupport", p.effective_nvme_support());
    put(&mut m, "VSwitchId", p.vswitch_id.as_deref());
    put(&mut m, "InstanceType", p.instance_type.as_deref());
    m.insert("SystemDiskSize".into(), json!(p.system_disk_size));
    m.insert("InternetMaxBandwidthOut".into(), json!(p.internet_max_bandwidth_out));
    m.insert("DeleteInstanceOnFailure".into(), json!(p.delete_instance_on_failure));
    put(&mut m, "ResourceGroupId", p.resource_group_id.as_deref());
    put(&mut m, "RepairMode", p.repair_mode.as_deref());
    m.insert("RepairItems".into(), json!({ "RepairItem": p.repair_items }));
    m.insert("ToRegionIds".into(), json!({ "ToRegionId": p.to_region_ids }));
    m.insert("AddAccounts".into(), json!({ "AddAccount": p.add_accounts }));
    m.insert("Tags".into(), json!({ "Tag": tag_list(tags) }));

    let mut options = Map::new();
    put(&mut options, "ImageName", p.effective_image_name());
    put(&mut options, "ImageFamily", p.effective_image_family());
    put(&mut options, "Description", p.image_options.description.as_deref());
    let mut features = Map::new();
    put(&mut features, "NvmeSupport", p.effective_nvme_support());
    options.insert("ImageFeatures".into(), Value::Object(features));
    options.insert(
        "ImageTags".into(),
        json!({ "ImageTag": key_value_tags(&p.image_options.image_tags, "TagKey", "TagValue") }),
    );
    m.insert("ImageOptions".into(), Value::Object(options));

    let mut advanced = Map::new();
    advanced.insert("RetainCloudAssistant".into(), json!(p.advanced_options.retain_cloud_assistant));
    put(&mut advanced, "ImageNameSuffix", p.advanced_options.image_name_suffix.as_deref());
    m.insert("AdvancedOptions".into(), Value::Object(advanced));

    let mut security = Map::new();
    put(&mut security, "SecurityScanMode", p.security_scan_mode.as_deref());
    m.insert("ImageSecurityOptions".into(), Value::Object(security));

    if let Some(o) = &p.import_image_options {
        let disks: Vec<Value> = o
            .disk_device_mappings
            .iter()
            .map(|d| {
                let mut disk = Map::new();
                disk.insert("OSSBucket".into(), json!(d.oss_bucket));
                disk.insert("OSSObject".into(), json!(d.oss_object));
                put(&mut disk, "Format", d.format.as_deref());
                if let Some(size) = d.disk_image_size {
                    disk.insert("DiskImageSize".into(), json!(size));
                }
                Value::Object(disk)
            })
            .collect();
        let mut import = Map::new();
        import.insert("Architecture".into(), json!(o.architecture));
        import.insert("OSType".into(), json!(o.os_type));
        import.insert("Platform".into(), json!(o.platform));
        import.insert("BootMode".into(), json!(o.boot_mode));
        import.insert("LicenseType".into(), json!(o.license_type));
        import.insert("DiskDeviceMappings".into(), json!({ "DiskDeviceMapping": disks }));
        let mut features = Map::new();
        features.insert("NvmeSupport".into(), json!(o.nvme_support));
        put(&mut features, "ImdsSupport", o.imds_support.as_deref());
        import.insert("Features".into(), Value::Object(features));
        if let Some(retain) = o.retain_imported_image {
            import.insert("RetainImportedImage".into(), json!(retain));
        }
        put(&mut import, "RetentionStrategy", o.retention_strategy.as_deref());
        put(&mut import, "ImageName", o.image_name.as_deref());
        put(&mut import, "Description", o.description.as_deref());
        put(&mut import, "RoleName", o.role_name.as_deref());
        import.insert(
            "ImportImageTags".into(),
            json!({ "ImportImageTag": key_value_tags(&o.import_image_tags, "Key", "Value") }),
        );
        m.insert("ImportImageOptions".into(), Value::Object(import));
    }
    Value::Object(m)
}
