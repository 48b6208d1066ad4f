//! An image template (`ImagePipeline`) as stored: every parameter of CreateImagePipeline after
//! validation (api-spec §3.1.1). Templates are immutable once created (there is no Modify action).
//! Tags live in the tag store, not here, so the tag APIs have one source of truth.

use serde::{Deserialize, Serialize};

/// `BaseImageType` (api-spec §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BaseImageType {
    #[serde(rename = "IMAGE")]
    Image,
    #[serde(rename = "IMAGE_FAMILY")]
    ImageFamily,
    #[serde(rename = "OSS")]
    Oss,
}

impl BaseImageType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IMAGE" => Some(BaseImageType::Image),
            "IMAGE_FAMILY" => Some(BaseImageType::ImageFamily),
            "OSS" => Some(BaseImageType::Oss),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BaseImageType::Image => "IMAGE",
            BaseImageType::ImageFamily => "IMAGE_FAMILY",
            BaseImageType::Oss => "OSS",
        }
    }
}

/// A key/value pair as given in a request (`ImageOptions.ImageTags.N`, `ImportImageTags.N`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageOptions {
    pub image_name: Option<String>,
    pub image_family: Option<String>,
    pub description: Option<String>,
    pub nvme_support: Option<String>,
    pub image_tags: Vec<KeyValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedOptions {
    pub retain_cloud_assistant: bool,
    pub image_name_suffix: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskDeviceMapping {
    pub oss_bucket: String,
    pub oss_object: String,
    pub format: Option<String>,
    pub disk_image_size: Option<i64>,
}

/// `ImportImageOptions` of a `BaseImageType=OSS` template, with the documented defaults applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportImageOptions {
    pub architecture: String,
    pub os_type: String,
    pub platform: String,
    pub boot_mode: String,
    pub license_type: String,
    pub disk_device_mappings: Vec<DiskDeviceMapping>,
    pub nvme_support: String,
    pub imds_support: Option<String>,
    pub retain_imported_image: Option<bool>,
    pub retention_strategy: Option<String>,
    pub image_name: Option<String>,
    pub description: Option<String>,
    pub role_name: Option<String>,
    pub import_image_tags: Vec<KeyValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: String,
    pub account: String,
    pub region: String,
    pub name: String,
    pub description: Option<String>,
    pub base_image_type: BaseImageType,
    pub base_image: Option<String>,
    /// Stored verbatim, as sent (api-spec §3.1.2).
    pub build_content: Option<String>,
    pub test_content: Option<String>,
    /// Deprecated top-level mirrors (api-spec §3.1.1), kept as sent.
    pub image_name: Option<String>,
    pub image_family: Option<String>,
    pub nvme_support: Option<String>,
    pub vswitch_id: Option<String>,
    pub instance_type: Option<String>,
    pub system_disk_size: i64,
    pub internet_max_bandwidth_out: i64,
    pub delete_instance_on_failure: bool,
    pub resource_group_id: Option<String>,
    pub repair_mode: Option<String>,
    pub repair_items: Vec<String>,
    pub to_region_ids: Vec<String>,
    /// Account IDs as decimal strings (the response type, api-spec §3.2).
    pub add_accounts: Vec<String>,
    pub image_options: ImageOptions,
    pub advanced_options: AdvancedOptions,
    pub security_scan_mode: Option<String>,
    pub import_image_options: Option<ImportImageOptions>,
    pub created_ms: i64,
}

impl Pipeline {
    /// The prefix of the built image's name: `ImageOptions.ImageName`, else the deprecated `ImageName`.
    pub fn effective_image_name(&self) -> Option<&str> {
        self.image_options.image_name.as_deref().or(self.image_name.as_deref())
    }

    pub fn effective_image_family(&self) -> Option<&str> {
        self.image_options.image_family.as_deref().or(self.image_family.as_deref())
    }

    pub fn effective_nvme_support(&self) -> Option<&str> {
        self.image_options.nvme_support.as_deref().or(self.nvme_support.as_deref())
    }
}

/// The per-region template quota (`--pipeline-quota`): a create is refused once `count` templates
/// exist. `None`: no quota.
pub fn check_quota(count: u64, quota: Option<u64>) -> Result<(), super::refusal::Refusal> {
    match quota {
        Some(quota) if count >= quota => Err(super::refusal::Refusal::PipelineQuota { quota }),
        _ => Ok(()),
    }
}
