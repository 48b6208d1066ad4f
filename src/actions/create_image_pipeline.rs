//! `CreateImagePipeline` (api-spec §3.1): validates every parameter in a fixed order (the first
//! error wins), checks the base image, instance type, vSwitch and resource group against the
//! catalog, and stores the template with its tags in one transaction (ClientToken-aware).

use serde_json::{json, Value};

use super::wire;
use super::{base_image, check_region, component_refs, content, region, token_claim, Action, Ctx};
use crate::catalog::{Catalog, OsType};
use crate::domain::names;
use crate::domain::pipeline::{
    AdvancedOptions, BaseImageType, DiskDeviceMapping, ImageOptions, ImportImageOptions, KeyValue, Pipeline,
};
use crate::domain::tags::{self, Tag};
use crate::domain::template::Context;
use crate::domain::{limits, limits::DEFAULT_SYSTEM_DISK_GIB};
use crate::engine::plan;
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::{IdGen, Kind};
use crate::params::Params;

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    // A vSwitch made with the VPC API (CreateVSwitch) is as good as a built-in one.
    let own_vswitch = match ctx.params.opt_str("VSwitchId") {
        Some(id) => ctx.state.store.vswitch(&ctx.caller.account, &region, id).await?.is_some(),
        None => false,
    };
    let (mut pipeline, tags) =
        parse(ctx.params, &ctx.state.catalog, own_vswitch, &ctx.state.ids, &ctx.caller.account, &region)?;
    let claim = token_claim(ctx, Action::CreateImagePipeline, &region)?;
    if let Some(claim) = &claim {
        if let Some(id) = ctx.state.store.replay(claim).await? {
            return Ok(json!({ "ImagePipelineId": id }));
        }
    }
    let (build, test) = (pipeline.build_content.as_deref(), pipeline.test_content.as_deref());
    component_refs::resolve_contents(&ctx.state.store, &pipeline.account, &pipeline.region, build, test).await?;
    check_base_image(ctx, &pipeline).await?;
    check_image_name_free(ctx, &pipeline).await?;
    pipeline.created_ms = ctx.state.clock.now_ms();
    let id = ctx.state.store.create_pipeline(&pipeline, &tags, claim.as_ref(), ctx.state.config.pipeline_quota).await?;
    Ok(json!({ "ImagePipelineId": id }))
}

fn malformed(code: Code, param: &str, value: &str) -> ApiError {
    ApiError::with_message(code, format!("The specified {param} \"{value}\" is not valid."))
}

/// Validates a name-like optional parameter with `rule`, failing with `code`.
fn checked<'p>(params: &'p Params, name: &str, rule: fn(&str) -> bool, code: Code) -> ApiResult<Option<&'p str>> {
    match params.opt_str(name) {
        Some(v) if !rule(v) => Err(malformed(code, name, v)),
        v => Ok(v),
    }
}

/// An optional integer within `(min, max)`, failing with `code`.
fn bounded(params: &Params, name: &str, (min, max): (i64, i64), code: Code) -> ApiResult<Option<i64>> {
    match params.opt_i64(name)? {
        Some(v) if !(min..=max).contains(&v) => {
            Err(ApiError::with_message(code, format!("The specified {name} ({v}) should be between {min} and {max}.")))
        }
        v => Ok(v),
    }
}

/// An optional value from a fixed set, failing with `code`.
fn one_of<'p>(params: &'p Params, name: &str, allowed: &[&str], code: Code) -> ApiResult<Option<&'p str>> {
    match params.opt_str(name) {
        Some(v) if !allowed.contains(&v) => Err(ApiError::with_message(
            code,
            format!(
                "The specified parameter {name} is invalid. The correct value should be in [{}].",
                allowed.join(", ")
            ),
        )),
        v => Ok(v),
    }
}

const NVME_VALUES: &[&str] = &["supported", "unsupported", "auto"];
const REPAIR_MODES: &[&str] = &["Standard", "All", "Customized"];
/// Linux repair items (SDK-PY 7.11.8 `RepairItem` docstring).
const REPAIR_ITEMS: &[&str] =
    &["fstab", "grub", "dhcp", "selinux", "growpart", "cloudinit", "aegis", "nvme", "virtio", "standardizedtimezone"];
const PLATFORMS: &[&str] = &[
    "Aliyun",
    "Anolis",
    "CentOS",
    "Ubuntu",
    "CoreOS",
    "SUSE",
    "Debian",
    "OpenSUSE",
    "FreeBSD",
    "RedHat",
    "Kylin",
    "UOS",
    "Fedora",
    "Fedora CoreOS",
    "CentOS Stream",
    "AlmaLinux",
    "Rocky Linux",
    "Gentoo",
    "Customized Linux",
    "Others Linux",
    "Windows Server 2022",
    "Windows Server 2019",
    "Windows Server 2016",
    "Windows Server 2012",
    "Windows Server 2008",
    "Windows Server 2003",
    "Other Windows",
];

fn key_values(params: &Params, prefix: &str) -> ApiResult<Vec<KeyValue>> {
    Ok(wire::tags(params, prefix)?.into_iter().map(|Tag { key, value }| KeyValue { key, value }).collect())
}

/// Parses and validates everything that does not need the store.
fn parse(
    params: &Params,
    catalog: &Catalog,
    own_vswitch: bool,
    ids: &IdGen,
    account: &str,
    region: &str,
) -> ApiResult<(Pipeline, Vec<Tag>)> {
    let base_image_type_text = params.required_str("BaseImageType")?;
    let base_image_type = BaseImageType::parse(base_image_type_text).ok_or_else(|| {
        ApiError::with_message(
            Code::InvalidBaseImageTypeNotSupportedValue,
            format!("The specified BaseImageType \"{base_image_type_text}\" is not supported. Valid values: IMAGE, IMAGE_FAMILY, OSS."),
        )
    })?;
    let name = checked(params, "Name", names::is_valid_name, Code::InvalidNameMalformed)?;
    let description = checked(params, "Description", names::is_valid_description, Code::InvalidDescriptionMalformed)?;
    let image_name = checked(params, "ImageName", names::is_valid_image_name, Code::InvalidImageNameMalformed)?;
    let options = params.object("ImageOptions");
    let option_image_name =
        checked(&options, "ImageName", names::is_valid_image_name, Code::InvalidImageNameMalformed)?;
    let image_family = checked(params, "ImageFamily", names::is_valid_image_family, Code::InvalidImageFamilyMalformed)?;
    let option_family =
        checked(&options, "ImageFamily", names::is_valid_image_family, Code::InvalidImageFamilyMalformed)?;
    let option_description = options.opt_str("Description");
    if option_description.is_some_and(|d| !names::is_valid_description(d)) {
        return Err(Code::InvalidImageOptionsDescription.into());
    }
    let nvme_support = one_of(params, "NvmeSupport", NVME_VALUES, Code::InvalidParameterNvmeSupport)?;
    let features = options.object("ImageFeatures");
    let option_nvme = one_of(&features, "NvmeSupport", NVME_VALUES, Code::InvalidParameterNvmeSupport)?;

    let system_disk_size =
        bounded(params, "SystemDiskSize", limits::SYSTEM_DISK_GIB, Code::InvalidSystemDiskSizeNotSupportedValue)?
            .unwrap_or(DEFAULT_SYSTEM_DISK_GIB);
    let bandwidth = bounded(
        params,
        "InternetMaxBandwidthOut",
        limits::BANDWIDTH_MBPS,
        Code::InvalidInternetMaxBandwidthOutNotSupportedValue,
    )?
    .unwrap_or(0);
    let delete_instance_on_failure = params.opt_bool("DeleteInstanceOnFailure")?.unwrap_or(true);

    let add_accounts = params.list("AddAccount")?;
    if add_accounts.len() > limits::MAX_ADD_ACCOUNTS {
        return Err(Code::InvalidAddAccountSizeExceededMaxNumber.into());
    }
    let add_accounts = add_accounts
        .iter()
        .map(|a| a.trim().parse::<i64>().map(|n| n.to_string()).map_err(|_| ApiError::invalid_param("AddAccount.N")))
        .collect::<ApiResult<Vec<_>>>()?;
    let to_region_ids = params.list("ToRegionId")?;
    if to_region_ids.len() > limits::MAX_TO_REGIONS {
        return Err(Code::InvalidToRegionIdSizeExceededMaxNumber.into());
    }
    for target in &to_region_ids {
        check_region(target)?;
    }

    let tags = wire::tags(params, "Tag")?;
    let image_tags = key_values(&options, "ImageTags")?;

    let advanced = params.object("AdvancedOptions");
    let retain_cloud_assistant = advanced.opt_bool("RetainCloudAssistant")?.unwrap_or(false);
    let image_name_suffix =
        one_of(&advanced, "ImageNameSuffix", &["disable"], Code::InvalidAdvancedOptionsImageNameSuffix)?;

    let repair_mode = one_of(params, "RepairMode", REPAIR_MODES, Code::InvalidParameterRepairMode)?;
    let repair_items = params.list("RepairItem")?;
    match (repair_mode, repair_items.is_empty()) {
        (None, false) => return Err(Code::MissingParameterRepairMode.into()),
        (Some("Customized"), true) => {
            return Err(ApiError::with_message(
                Code::InvalidParameterCombination,
                "RepairMode Customized requires at least one RepairItem.N.",
            ))
        }
        (Some(mode), false) if mode != "Customized" => {
            return Err(ApiError::with_message(
                Code::InvalidParameterCombination,
                "RepairItem.N can only be specified when RepairMode is Customized.",
            ))
        }
        _ => {}
    }
    if let Some(bad) = repair_items.iter().find(|i| !REPAIR_ITEMS.contains(&i.as_str())) {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            format!("The specified parameter \"RepairItem.N\" value \"{bad}\" is not valid."),
        ));
    }

    let build_content = params.opt_str("BuildContent");
    if let Some(text) = build_content {
        content::parse(text, Context::Build)?;
    }
    let test_content = params.opt_str("TestContent");
    if let Some(text) = test_content {
        content::parse(text, Context::Test)?;
    }

    let base_image = params.opt_str("BaseImage");
    let import_image_options = match base_image_type {
        BaseImageType::Oss => {
            if base_image.is_some() {
                return Err(ApiError::with_message(
                    Code::InvalidParameterCombination,
                    "BaseImage cannot be specified when BaseImageType is OSS.",
                ));
            }
            Some(parse_import_options(params)?)
        }
        BaseImageType::Image | BaseImageType::ImageFamily => {
            base_image.ok_or_else(|| ApiError::missing("BaseImage"))?;
            None
        }
    };

    let instance_type = params.opt_str("InstanceType");
    if instance_type.is_some_and(|t| catalog.instance_type(t).is_none()) {
        return Err(Code::InvalidInstanceTypeNotFound.into());
    }
    let vswitch_id = params.opt_str("VSwitchId");
    if vswitch_id.is_some_and(|v| !own_vswitch && !catalog.is_vswitch(region, v)) {
        return Err(Code::InvalidVSwitchIdNotFound.into());
    }
    let resource_group_id = params.opt_str("ResourceGroupId");
    catalog.check_resource_group(resource_group_id)?;

    let id = ids.id(account, Kind::ImagePipeline);
    let pipeline = Pipeline {
        name: name.map_or_else(|| id.clone(), str::to_string),
        id,
        account: account.to_string(),
        region: region.to_string(),
        description: description.map(str::to_string),
        base_image_type,
        base_image: base_image.map(str::to_string),
        build_content: build_content.map(str::to_string),
        test_content: test_content.map(str::to_string),
        image_name: image_name.map(str::to_string),
        image_family: image_family.map(str::to_string),
        nvme_support: nvme_support.map(str::to_string),
        vswitch_id: vswitch_id.map(str::to_string),
        instance_type: instance_type.map(str::to_string),
        system_disk_size,
        internet_max_bandwidth_out: bandwidth,
        delete_instance_on_failure,
        resource_group_id: resource_group_id.map(str::to_string),
        repair_mode: repair_mode.map(str::to_string),
        repair_items,
        to_region_ids,
        add_accounts,
        image_options: ImageOptions {
            image_name: option_image_name.map(str::to_string),
            image_family: option_family.map(str::to_string),
            description: option_description.map(str::to_string),
            nvme_support: option_nvme.map(str::to_string),
            image_tags,
        },
        advanced_options: AdvancedOptions {
            retain_cloud_assistant,
            image_name_suffix: image_name_suffix.map(str::to_string),
        },
        security_scan_mode: params.opt_str("ImageSecurityOptions.SecurityScanMode").map(str::to_string),
        import_image_options,
        created_ms: 0,
    };
    Ok((pipeline, tags))
}

/// The base image of an `IMAGE` / `IMAGE_FAMILY` template must exist and be buildable.
async fn check_base_image(ctx: &Ctx<'_>, p: &Pipeline) -> ApiResult<()> {
    let Some(base) = p.base_image.as_deref() else { return Ok(()) };
    let image = base_image::resolve(
        &ctx.state.catalog,
        &ctx.state.store,
        &p.account,
        &p.region,
        p.base_image_type,
        base,
        ctx.state.clock.now_ms(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::with_message(Code::InvalidImageNotFound, format!("The specified image \"{base}\" does not exist."))
    })?;
    match image.os_type {
        OsType::Windows => return Err(Code::ImagePipelineNotSupportWindowsInstance.into()),
        OsType::Unsupported => return Err(Code::InvalidImageOsTypeUnsupported.into()),
        OsType::Linux => {}
    }
    let distributes = !p.to_region_ids.is_empty() || !p.add_accounts.is_empty();
    if distributes && image.owner_alias == "marketplace" {
        return Err(Code::InvalidImageImageOwnerAliasUnsupported.into());
    }
    if p.repair_mode.is_some() && !image.repairable {
        return Err(Code::InvalidImageNotSupportRepair.into());
    }
    Ok(())
}

/// With `AdvancedOptions.ImageNameSuffix=disable` every build makes an image named exactly the
/// prefix, so an image of that name in the region or a target region is a clash.
async fn check_image_name_free(ctx: &Ctx<'_>, p: &Pipeline) -> ApiResult<()> {
    if p.advanced_options.image_name_suffix.is_none() {
        return Ok(());
    }
    let name = plan::output_image_name(p, "");
    let mut regions: Vec<&str> = vec![p.region.as_str()];
    regions.extend(p.to_region_ids.iter().map(String::as_str));
    match ctx.state.store.image_name_in_use(&p.account, &regions, &name).await? {
        Some(region) => Err(ApiError::with_message(
            Code::InvalidImageNameDuplicated,
            format!("The specified image name \"{name}\" is already in use in the target region \"{region}\". Please try a different one."),
        )),
        None => Ok(()),
    }
}

/// `ImportImageOptions` of an OSS template, with defaults (api-spec §3.1.1).
fn parse_import_options(params: &Params) -> ApiResult<ImportImageOptions> {
    if !params.has_prefix("ImportImageOptions") {
        return Err(Code::MissingParameterImportImageOptions.into());
    }
    let o = params.object("ImportImageOptions");
    let architecture =
        one_of(&o, "Architecture", &["x86_64", "arm64"], Code::InvalidParameterImportImageOptionsArchitecture)?
            .unwrap_or("x86_64");
    let os_type =
        one_of(&o, "OSType", &["windows", "linux"], Code::InvalidParameterImportImageOptionsOsType)?.unwrap_or("linux");
    let platform = one_of(&o, "Platform", PLATFORMS, Code::InvalidParameterImportImageOptionsPlatform)?
        .unwrap_or(if os_type == "windows" { "Other Windows" } else { "Others Linux" });
    let boot_modes: &[&str] = if architecture == "arm64" { &["UEFI"] } else { &["BIOS", "UEFI"] };
    let boot_mode = one_of(&o, "BootMode", boot_modes, Code::InvalidParameterImportImageOptionsBootMode)?
        .unwrap_or(if architecture == "arm64" { "UEFI" } else { "BIOS" });
    let license_type =
        one_of(&o, "LicenseType", &["Auto", "Aliyun", "BYOL"], Code::InvalidParameterImportImageOptionsLicenseType)?
            .unwrap_or("Auto");
    let features = o.object("Features");
    let nvme_support = one_of(
        &features,
        "NvmeSupport",
        &["supported", "unsupported"],
        Code::InvalidParameterImportImageOptionsFeaturesNvmeSupport,
    )?
    .unwrap_or("unsupported");
    let imds_support = features.opt_str("ImdsSupport");
    if imds_support.is_some_and(|v| v != "v1" && v != "v2") {
        return Err(ApiError::invalid_param("ImportImageOptions.Features.ImdsSupport"));
    }

    let disks = o.objects("DiskDeviceMappings")?;
    if disks.is_empty() {
        return Err(Code::MissingParameterImageOptionsDiskDeviceMappings.into());
    }
    if disks.len() > limits::MAX_DISK_DEVICE_MAPPINGS {
        return Err(Code::InvalidImportImageOptionsDiskDeviceMappingsLengthLimitExceeded.into());
    }
    let disk_device_mappings = disks.iter().map(parse_disk).collect::<ApiResult<Vec<_>>>()?;
    if os_type == "windows" {
        return Err(Code::ImagePipelineNotSupportWindowsInstance.into());
    }
    Ok(ImportImageOptions {
        architecture: architecture.to_string(),
        os_type: os_type.to_string(),
        platform: platform.to_string(),
        boot_mode: boot_mode.to_string(),
        license_type: license_type.to_string(),
        disk_device_mappings,
        nvme_support: nvme_support.to_string(),
        imds_support: imds_support.map(str::to_string),
        retain_imported_image: o.opt_bool("RetainImportedImage")?,
        retention_strategy: o.opt_str("RetentionStrategy").map(str::to_string),
        image_name: o.opt_str("ImageName").map(str::to_string),
        description: o.opt_str("Description").map(str::to_string),
        role_name: o.opt_str("RoleName").map(str::to_string),
        import_image_tags: key_values(&o, "ImportImageTags")?,
    })
}

fn is_valid_bucket(b: &str) -> bool {
    b.len() <= limits::MAX_OSS_BUCKET_CHARS
        && b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !b.starts_with('-')
        && !b.ends_with('-')
}

fn parse_disk(disk: &Params) -> ApiResult<DiskDeviceMapping> {
    let bucket =
        disk.opt_str("OSSBucket").ok_or(Code::MissingParameterImportImageOptionsDiskDeviceMappingsOssBucket)?;
    if !is_valid_bucket(bucket) {
        return Err(Code::InvalidParameterImportImageOptionsDiskDeviceMappingsOssBucket.into());
    }
    let object =
        disk.opt_str("OSSObject").ok_or(Code::MissingParameterImportImageOptionsDiskDeviceMappingsOssObject)?;
    if object.chars().count() > limits::MAX_OSS_OBJECT_CHARS
        || object.starts_with("http://")
        || object.starts_with("https://")
    {
        return Err(Code::InvalidParameterImportImageOptionsDiskDeviceMappingsOssObject.into());
    }
    let format = one_of(
        disk,
        "Format",
        &["RAW", "VHD", "QCOW2"],
        Code::InvalidParameterImportImageOptionsDiskDeviceMappingsFormat,
    )?;
    let (min, max) = limits::DISK_IMAGE_GIB;
    let size =
        disk.opt_i64("DiskImageSize").map_err(|_| ApiError::from(Code::InvalidOperationDiskImageSizeExceeded))?;
    if size.is_some_and(|s| !(min..=max).contains(&s)) {
        return Err(Code::InvalidOperationDiskImageSizeExceeded.into());
    }
    Ok(DiskDeviceMapping {
        oss_bucket: bucket.to_string(),
        oss_object: object.to_string(),
        format: format.map(str::to_string),
        disk_image_size: size,
    })
}
