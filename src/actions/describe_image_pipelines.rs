//! `DescribeImagePipelines` (docs/reference.md §3.2): ID list, `Name`, `ResourceGroupId` and `Tag.N` filters,
//! token paging, and the exact response keys of SDK-PY's `to_map` (`AddAccounts.AddAccount` as
//! strings, `ImageOptions.ImageTags.ImageTag[{TagKey,TagValue}]`, …).
//!
//! Unset scalars are left out; list wrappers are always present (docs/reference.md §9 item 6 suggestion).
//! Unknown IDs are not an error: they simply match nothing.

use serde::Serialize;

use super::views::Tags;
use super::wire;
use super::{region, Ctx};
use crate::domain::pipeline::Pipeline;
use crate::domain::paging::Page;
use crate::domain::image::{Architecture, BootMode, DiskFormat, ImdsSupport, LicenseType, NvmeSupport, OsType};
use crate::domain::pipeline::{DiskDeviceMapping, ImageNameSuffix, ImportImageOptions, RepairMode};
use crate::domain::tags::Tag;
use crate::domain::time::format_ms;
use crate::domain::{limits, names};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::PipelineFilter;

pub struct Request {
    region: String,
    filter: PipelineFilter,
    page: Page,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
    let ids = params.list("ImagePipelineId")?;
    if ids.len() > limits::MAX_PIPELINE_ID_FILTER {
        return Err(Code::InvalidImagePipelineIdSizeExceededMaxNumber.into());
    }
    let name = params.opt_str("Name");
    if let Some(n) = name.filter(|n| !names::is_valid_name(n)) {
        return Err(ApiError::with_message(
            Code::InvalidNameMalformed,
            format!("The specified Name \"{n}\" is not valid."),
        ));
    }
    let filter = PipelineFilter {
        ids,
        name: name.map(str::to_string),
        resource_group_id: params.opt_str("ResourceGroupId").map(str::to_string),
        tags: wire::tag_filters(params)?,
    };
    let page = wire::page(params)?;
    Ok(Request { region, filter, page })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    total_count: i64,
    max_results: i64,
    next_token: String,
    image_pipeline: ImagePipelines,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImagePipelines {
    image_pipeline_set: Vec<PipelineItem>,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, filter, page }: Request) -> ApiResult<Response> {
    let result = ctx.state.store.describe_pipelines(&ctx.caller.account, &region, &filter, &page).await?;
    let image_pipeline_set = result.items.iter().map(|(p, t)| PipelineItem::of(p, t)).collect();
    Ok(Response {
        total_count: result.total_count,
        max_results: page.max_results,
        next_token: result.next.map(|c| c.encode()).unwrap_or_default(),
        image_pipeline: ImagePipelines { image_pipeline_set },
    })
}

fn text(value: Option<&str>) -> Option<String> {
    value.map(str::to_string)
}

/// One `ImagePipelineSet` item: unset scalars are left out, list wrappers always present.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PipelineItem {
    image_pipeline_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    creation_time: String,
    base_image_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build_content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nvme_support: Option<NvmeSupport>,
    #[serde(rename = "VSwitchId", skip_serializing_if = "Option::is_none")]
    vswitch_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_type: Option<String>,
    system_disk_size: i64,
    internet_max_bandwidth_out: i64,
    delete_instance_on_failure: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repair_mode: Option<RepairMode>,
    repair_items: RepairItems,
    to_region_ids: ToRegionIds,
    add_accounts: AddAccounts,
    tags: Tags,
    image_options: ImageOptionsView,
    advanced_options: AdvancedOptionsView,
    image_security_options: ImageSecurityOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_image_options: Option<ImportImageOptionsView>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RepairItems {
    repair_item: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ToRegionIds {
    to_region_id: Vec<String>,
}

/// Account IDs as strings, as the SDK model types them.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AddAccounts {
    add_account: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageOptionsView {
    #[serde(skip_serializing_if = "Option::is_none")]
    image_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    image_features: ImageFeatures,
    image_tags: ImageTags,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageFeatures {
    #[serde(skip_serializing_if = "Option::is_none")]
    nvme_support: Option<NvmeSupport>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageTags {
    image_tag: Vec<ImageTag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageTag {
    tag_key: String,
    tag_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AdvancedOptionsView {
    retain_cloud_assistant: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_name_suffix: Option<ImageNameSuffix>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageSecurityOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    security_scan_mode: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImportImageOptionsView {
    architecture: Architecture,
    #[serde(rename = "OSType")]
    os_type: OsType,
    platform: String,
    boot_mode: BootMode,
    license_type: LicenseType,
    disk_device_mappings: DiskDeviceMappings,
    features: ImportFeatures,
    #[serde(skip_serializing_if = "Option::is_none")]
    retain_imported_image: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_strategy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_name: Option<String>,
    import_image_tags: ImportImageTags,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DiskDeviceMappings {
    disk_device_mapping: Vec<DiskView>,
}

#[derive(Serialize)]
struct DiskView {
    #[serde(rename = "OSSBucket")]
    oss_bucket: String,
    #[serde(rename = "OSSObject")]
    oss_object: String,
    #[serde(rename = "Format", skip_serializing_if = "Option::is_none")]
    format: Option<DiskFormat>,
    #[serde(rename = "DiskImageSize", skip_serializing_if = "Option::is_none")]
    disk_image_size: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImportFeatures {
    nvme_support: NvmeSupport,
    #[serde(skip_serializing_if = "Option::is_none")]
    imds_support: Option<ImdsSupport>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImportImageTags {
    import_image_tag: Vec<ImportImageTag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImportImageTag {
    key: String,
    value: String,
}

impl PipelineItem {
    fn of(p: &Pipeline, tags: &[Tag]) -> PipelineItem {
        PipelineItem {
            image_pipeline_id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            creation_time: format_ms(p.created_ms),
            base_image_type: p.base_image_type.as_str(),
            base_image: p.base_image.clone(),
            build_content: p.build_content.clone(),
            test_content: p.test_content.clone(),
            image_name: text(p.effective_image_name()),
            image_family: text(p.effective_image_family()),
            nvme_support: p.effective_nvme_support(),
            vswitch_id: p.vswitch_id.clone(),
            instance_type: p.instance_type.clone(),
            system_disk_size: p.system_disk_size,
            internet_max_bandwidth_out: p.internet_max_bandwidth_out,
            delete_instance_on_failure: p.delete_instance_on_failure,
            resource_group_id: p.resource_group_id.clone(),
            repair_mode: p.repair_mode,
            repair_items: RepairItems { repair_item: p.repair_items.clone() },
            to_region_ids: ToRegionIds { to_region_id: p.to_region_ids.clone() },
            add_accounts: AddAccounts { add_account: p.add_accounts.clone() },
            tags: Tags::of(tags),
            image_options: ImageOptionsView {
                image_name: text(p.effective_image_name()),
                image_family: text(p.effective_image_family()),
                description: p.image_options.description.clone(),
                image_features: ImageFeatures { nvme_support: p.effective_nvme_support() },
                image_tags: ImageTags { image_tag: p.image_options.image_tags.iter().map(ImageTag::of).collect() },
            },
            advanced_options: AdvancedOptionsView {
                retain_cloud_assistant: p.advanced_options.retain_cloud_assistant,
                image_name_suffix: p.advanced_options.image_name_suffix,
            },
            image_security_options: ImageSecurityOptions { security_scan_mode: p.security_scan_mode.clone() },
            import_image_options: p.import_image_options.as_ref().map(ImportImageOptionsView::of),
        }
    }
}

impl ImageTag {
    fn of(t: &Tag) -> ImageTag {
        ImageTag { tag_key: t.key.clone(), tag_value: t.value.clone() }
    }
}

impl ImportImageOptionsView {
    fn of(o: &ImportImageOptions) -> ImportImageOptionsView {
        ImportImageOptionsView {
            architecture: o.architecture,
            os_type: o.os_type,
            platform: o.platform.clone(),
            boot_mode: o.boot_mode,
            license_type: o.license_type,
            disk_device_mappings: DiskDeviceMappings {
                disk_device_mapping: o.disk_device_mappings.iter().map(DiskView::of).collect(),
            },
            features: ImportFeatures { nvme_support: o.nvme_support, imds_support: o.imds_support },
            retain_imported_image: o.retain_imported_image,
            retention_strategy: o.retention_strategy.clone(),
            image_name: o.image_name.clone(),
            description: o.description.clone(),
            role_name: o.role_name.clone(),
            import_image_tags: ImportImageTags {
                import_image_tag: o
                    .import_image_tags
                    .iter()
                    .map(|t| ImportImageTag { key: t.key.clone(), value: t.value.clone() })
                    .collect(),
            },
        }
    }
}

impl DiskView {
    fn of(d: &DiskDeviceMapping) -> DiskView {
        DiskView {
            oss_bucket: d.oss_bucket.clone(),
            oss_object: d.oss_object.clone(),
            format: d.format,
            disk_image_size: d.disk_image_size,
        }
    }
}
