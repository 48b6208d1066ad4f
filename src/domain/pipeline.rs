//! An image template (`ImagePipeline`) as stored: every parameter of CreateImagePipeline after
//! validation (docs/reference.md §3.1.1). Templates are immutable once created (there is no Modify action).
//! Tags live in the tag store, not here, so the tag APIs have one source of truth.

use serde::{Deserialize, Serialize};

use super::image::{Architecture, BootMode, DiskFormat, ImdsSupport, LicenseType, NvmeSupport, OsType};
use super::tags::Tag;
use super::wire_enum::wire_enum;

wire_enum! {
    /// `BaseImageType` (docs/reference.md §3.1.1).
    pub enum BaseImageType { Image => "IMAGE", ImageFamily => "IMAGE_FAMILY", Oss => "OSS" }
}

wire_enum! {
    /// `RepairMode` (SDK model: Standard, All, Customized).
    pub enum RepairMode { Standard => "Standard", All => "All", Customized => "Customized" }
}

wire_enum! {
    /// `AdvancedOptions.ImageNameSuffix`: its one value turns the `_{ExecutionId}` suffix off.
    pub enum ImageNameSuffix { Disable => "disable" }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageOptions {
    pub image_name: Option<String>,
    pub image_family: Option<String>,
    pub description: Option<String>,
    pub nvme_support: Option<NvmeSupport>,
    pub image_tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedOptions {
    pub retain_cloud_assistant: bool,
    pub image_name_suffix: Option<ImageNameSuffix>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskDeviceMapping {
    pub oss_bucket: String,
    pub oss_object: String,
    pub format: Option<DiskFormat>,
    pub disk_image_size: Option<i64>,
}

/// `ImportImageOptions` of a `BaseImageType=OSS` template, with the documented defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportImageOptions {
    pub architecture: Architecture,
    pub os_type: OsType,
    pub platform: String,
    pub boot_mode: BootMode,
    pub license_type: LicenseType,
    pub disk_device_mappings: Vec<DiskDeviceMapping>,
    pub nvme_support: NvmeSupport,
    pub imds_support: Option<ImdsSupport>,
    pub retain_imported_image: Option<bool>,
    pub retention_strategy: Option<String>,
    pub image_name: Option<String>,
    pub description: Option<String>,
    pub role_name: Option<String>,
    pub import_image_tags: Vec<Tag>,
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
    /// Stored verbatim, as sent (docs/reference.md §3.1.2).
    pub build_content: Option<String>,
    pub test_content: Option<String>,
    /// Deprecated top-level mirrors (docs/reference.md §3.1.1), kept as sent.
    pub image_name: Option<String>,
    pub image_family: Option<String>,
    pub nvme_support: Option<NvmeSupport>,
    pub vswitch_id: Option<String>,
    pub instance_type: Option<String>,
    pub system_disk_size: i64,
    pub internet_max_bandwidth_out: i64,
    pub delete_instance_on_failure: bool,
    pub resource_group_id: Option<String>,
    pub repair_mode: Option<RepairMode>,
    pub repair_items: Vec<String>,
    pub to_region_ids: Vec<String>,
    /// Account IDs as decimal strings (the response type, docs/reference.md §3.2).
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

    pub fn effective_nvme_support(&self) -> Option<NvmeSupport> {
        self.image_options.nvme_support.or(self.nvme_support)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A template spec as the code before the typed model stored it (every enum-valued field a
    /// string): it must still load, and store back byte for byte.
    const STORED_OSS_SPEC: &str = r#"{"id":"ip-bp1aaaaaaaaaaaaaaaaa","account":"1234567890123456","region":"cn-hangzhou","name":"imported","description":null,"base_image_type":"OSS","base_image":null,"build_content":"RUN echo hi","test_content":null,"image_name":null,"image_family":null,"nvme_support":"auto","vswitch_id":null,"instance_type":null,"system_disk_size":40,"internet_max_bandwidth_out":0,"delete_instance_on_failure":true,"resource_group_id":null,"repair_mode":"Customized","repair_items":["fstab","grub"],"to_region_ids":["cn-beijing"],"add_accounts":["1234567890"],"image_options":{"image_name":"golden","image_family":null,"description":null,"nvme_support":"supported","image_tags":[{"key":"team","value":"infra"}]},"advanced_options":{"retain_cloud_assistant":false,"image_name_suffix":"disable"},"security_scan_mode":null,"import_image_options":{"architecture":"arm64","os_type":"linux","platform":"Others Linux","boot_mode":"UEFI","license_type":"BYOL","disk_device_mappings":[{"oss_bucket":"bucket","oss_object":"disk.qcow2","format":"QCOW2","disk_image_size":40}],"nvme_support":"unsupported","imds_support":"v2","retain_imported_image":null,"retention_strategy":null,"image_name":null,"description":null,"role_name":null,"import_image_tags":[{"key":"k","value":""}]},"created_ms":1700000000000}"#;

    const STORED_IMAGE_SPEC: &str = r#"{"id":"ip-bp1bbbbbbbbbbbbbbbbb","account":"1234567890123456","region":"cn-hangzhou","name":"plain","description":"d","base_image_type":"IMAGE_FAMILY","base_image":"acs:alibaba_cloud_linux_3_2104_lts_x64","build_content":null,"test_content":null,"image_name":"old","image_family":"fam","nvme_support":null,"vswitch_id":"vsw-1","instance_type":"ecs.g7.large","system_disk_size":20,"internet_max_bandwidth_out":5,"delete_instance_on_failure":false,"resource_group_id":null,"repair_mode":"Standard","repair_items":[],"to_region_ids":[],"add_accounts":[],"image_options":{"image_name":null,"image_family":null,"description":null,"nvme_support":null,"image_tags":[]},"advanced_options":{"retain_cloud_assistant":true,"image_name_suffix":null},"security_scan_mode":"NoScan","import_image_options":null,"created_ms":5}"#;

    #[test]
    fn a_spec_stored_before_the_typed_model_loads_and_stores_back_unchanged() {
        for stored in [STORED_OSS_SPEC, STORED_IMAGE_SPEC] {
            let pipeline: Pipeline = serde_json::from_str(stored).unwrap_or_else(|e| panic!("{e}: {stored}"));
            assert_eq!(serde_json::to_string(&pipeline).ok().as_deref(), Some(stored));
        }
        let oss: Pipeline = serde_json::from_str(STORED_OSS_SPEC).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(oss.base_image_type, BaseImageType::Oss);
        assert_eq!(oss.repair_mode, Some(RepairMode::Customized));
        assert_eq!(oss.effective_nvme_support(), Some(NvmeSupport::Supported));
        assert_eq!(oss.advanced_options.image_name_suffix, Some(ImageNameSuffix::Disable));
        assert_eq!(oss.image_options.image_tags, vec![Tag { key: "team".into(), value: "infra".into() }]);
        let import = oss.import_image_options.unwrap_or_else(|| panic!("import options"));
        assert_eq!(
            (import.architecture, import.os_type, import.boot_mode, import.license_type),
            (Architecture::Arm64, OsType::Linux, BootMode::Uefi, LicenseType::Byol)
        );
        assert_eq!((import.nvme_support, import.imds_support), (NvmeSupport::Unsupported, Some(ImdsSupport::V2)));
        assert_eq!(import.disk_device_mappings[0].format, Some(DiskFormat::Qcow2));
        let image: Pipeline = serde_json::from_str(STORED_IMAGE_SPEC).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (image.base_image_type, image.repair_mode),
            (BaseImageType::ImageFamily, Some(RepairMode::Standard))
        );
    }

    #[test]
    fn an_unknown_stored_value_is_a_decode_error_not_a_default() {
        let bad = STORED_IMAGE_SPEC.replace(r#""repair_mode":"Standard""#, r#""repair_mode":"Quick""#);
        assert!(serde_json::from_str::<Pipeline>(&bad).is_err());
    }
}
