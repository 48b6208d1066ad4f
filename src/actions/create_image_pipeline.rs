//! `CreateImagePipeline` (docs/reference.md §3.1): validates every parameter in a fixed order (the first
//! error wins), checks the base image, instance type, vSwitch and resource group against the
//! catalog, and stores the template with its tags in one transaction (ClientToken-aware).

use serde::Serialize;

use super::client_token;
use super::wire;
use super::{base_image, check_region, component_refs, content, region, token_claim, Action, Ctx};
use crate::catalog::OsType;
use crate::domain;
use crate::domain::image::{self, Architecture, BootMode, DiskFormat, ImdsSupport, LicenseType, NvmeSupport};
use crate::domain::names;
use crate::domain::pipeline::{
    AdvancedOptions, BaseImageType, DiskDeviceMapping, ImageNameSuffix, ImageOptions, ImportImageOptions, Pipeline,
    RepairMode,
};
use crate::domain::tags::Tag;
use crate::domain::template::{Context, Program};
use crate::domain::wire_enum::{self, WireEnum};
use crate::domain::{limits, limits::DEFAULT_SYSTEM_DISK_GIB};
use crate::engine::plan;
use crate::error::{ApiError, ApiResult, Code};
use crate::ids::Kind;
use crate::params::Params;

/// A template as the parameters describe it. `pipeline.id`, `.account` and `.name` are filled by
/// [`execute`] (the ID is drawn after the catalog checks, the name defaults to the ID).
pub struct Request {
    pipeline: Pipeline,
    name: Option<String>,
    tags: Vec<Tag>,
    /// `BuildContent` and `TestContent`, parsed once here and kept for component resolution.
    build: Option<Program>,
    test: Option<Program>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    image_pipeline_id: String,
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { mut pipeline, name, tags, build, test } = request;
    // The checks against the catalog (and the caller's own vSwitches), after every parameter check.
    let catalog = &ctx.state.catalog;
    if pipeline.instance_type.as_deref().is_some_and(|t| catalog.instance_type(t).is_none()) {
        return Err(Code::InvalidInstanceTypeNotFound.into());
    }
    if let Some(v) = pipeline.vswitch_id.as_deref() {
        // A vSwitch made with the VPC API (CreateVSwitch) is as good as a built-in one.
        let own_vswitch = ctx.state.store.vswitch(&ctx.caller.account, &pipeline.region, v).await?.is_some();
        if !own_vswitch && !catalog.is_vswitch(&pipeline.region, v) {
            return Err(Code::InvalidVSwitchIdNotFound.into());
        }
    }
    catalog.check_resource_group(pipeline.resource_group_id.as_deref())?;
    pipeline.account = ctx.caller.account.clone();
    pipeline.id = ctx.state.ids.id(&pipeline.account, Kind::ImagePipeline);
    pipeline.name = name.unwrap_or_else(|| pipeline.id.clone());

    let claim = token_claim(ctx, Action::CreateImagePipeline, &pipeline.region)?;
    if let Some(id) = client_token::replayed(&ctx.state.store, claim.as_ref()).await? {
        return Ok(Response { image_pipeline_id: id });
    }
    component_refs::resolve_contents(
        &ctx.state.store,
        &pipeline.account,
        &pipeline.region,
        build.as_ref(),
        test.as_ref(),
    )
    .await?;
    check_base_image(ctx, &pipeline).await?;
    check_image_name_free(ctx, &pipeline).await?;
    pipeline.created_ms = ctx.state.clock.now_ms();
    let quota = ctx.state.config.pipeline_quota;
    if claim.is_none() && quota.is_none() && tags.is_empty() {
        // Nothing to read or decide: one statement, no transaction.
        ctx.state.store.insert_pipeline_alone(&pipeline).await?;
        return Ok(Response { image_pipeline_id: pipeline.id });
    }
    let mut tx = ctx.state.store.write().await?;
    // Claim the token and insert (one step); the quota check below failing drops `tx`, which
    // undoes both.
    let recorded = tx.insert_pipeline(claim.as_ref(), &pipeline, &tags).await?;
    if let Some(id) = client_token::answer(claim.as_ref(), recorded)? {
        return Ok(Response { image_pipeline_id: id });
    }
    if quota.is_some() {
        // The count includes the template just inserted.
        let others = tx.pipeline_count(&pipeline.account, &pipeline.region).await?.saturating_sub(1);
        domain::pipeline::check_quota(others, quota)?;
    }
    tx.commit().await?;
    Ok(Response { image_pipeline_id: pipeline.id })
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
fn one_of<E: WireEnum>(params: &Params, name: &str, allowed: &[E], code: Code) -> ApiResult<Option<E>> {
    match params.opt_str(name) {
        Some(v) => wire_enum::parse_in(v, allowed).map(Some).ok_or_else(|| {
            ApiError::with_message(
                code,
                format!(
                    "The specified parameter {name} is invalid. The correct value should be in [{}].",
                    wire_enum::join(allowed)
                ),
            )
        }),
        None => Ok(None),
    }
}

/// Template-level `NvmeSupport` values.
const NVME_VALUES: &[NvmeSupport] = &[NvmeSupport::Supported, NvmeSupport::Unsupported, NvmeSupport::Auto];
/// `ImportImageOptions.Features.NvmeSupport` values (no `auto`).
const IMPORT_NVME_VALUES: &[NvmeSupport] = &[NvmeSupport::Supported, NvmeSupport::Unsupported];
/// An optional value from a fixed list of texts (`Platform`, an open-ended list kept as text),
/// failing with `code` and the same message as [`one_of`].
fn one_of_text<'p>(params: &'p Params, name: &str, allowed: &[&str], code: Code) -> ApiResult<Option<&'p str>> {
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

/// Every parameter check, in the documented order (the first error wins); the checks against the
/// catalog follow in [`execute`].
pub fn parse(params: &Params) -> ApiResult<Request> {
    let region = region(params)?;
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
    let image_tags = wire::tags(&options, "ImageTags")?;

    let advanced = params.object("AdvancedOptions");
    let retain_cloud_assistant = advanced.opt_bool("RetainCloudAssistant")?.unwrap_or(false);
    let image_name_suffix =
        one_of(&advanced, "ImageNameSuffix", ImageNameSuffix::ALL, Code::InvalidAdvancedOptionsImageNameSuffix)?;

    let repair_mode = one_of(params, "RepairMode", RepairMode::ALL, Code::InvalidParameterRepairMode)?;
    let repair_items = params.list("RepairItem")?;
    match (repair_mode, repair_items.is_empty()) {
        (None, false) => return Err(Code::MissingParameterRepairMode.into()),
        (Some(RepairMode::Customized), true) => {
            return Err(ApiError::with_message(
                Code::InvalidParameterCombination,
                "RepairMode Customized requires at least one RepairItem.N.",
            ))
        }
        (Some(mode), false) if mode != RepairMode::Customized => {
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
    let build = build_content.map(|text| content::parse(text, Context::Build)).transpose()?;
    let test_content = params.opt_str("TestContent");
    let test = test_content.map(|text| content::parse(text, Context::Test)).transpose()?;

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
    let vswitch_id = params.opt_str("VSwitchId");
    let resource_group_id = params.opt_str("ResourceGroupId");

    let pipeline = Pipeline {
        // Set by `execute`.
        id: String::new(),
        name: String::new(),
        account: String::new(),
        region,
        description: description.map(str::to_string),
        base_image_type,
        base_image: base_image.map(str::to_string),
        build_content: build_content.map(str::to_string),
        test_content: test_content.map(str::to_string),
        image_name: image_name.map(str::to_string),
        image_family: image_family.map(str::to_string),
        nvme_support,
        vswitch_id: vswitch_id.map(str::to_string),
        instance_type: instance_type.map(str::to_string),
        system_disk_size,
        internet_max_bandwidth_out: bandwidth,
        delete_instance_on_failure,
        resource_group_id: resource_group_id.map(str::to_string),
        repair_mode,
        repair_items,
        to_region_ids,
        add_accounts,
        image_options: ImageOptions {
            image_name: option_image_name.map(str::to_string),
            image_family: option_family.map(str::to_string),
            description: option_description.map(str::to_string),
            nvme_support: option_nvme,
            image_tags,
        },
        advanced_options: AdvancedOptions { retain_cloud_assistant, image_name_suffix },
        security_scan_mode: params.opt_str("ImageSecurityOptions.SecurityScanMode").map(str::to_string),
        import_image_options,
        created_ms: 0,
    };
    Ok(Request { pipeline, name: name.map(str::to_string), tags, build, test })
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

/// `ImportImageOptions` of an OSS template, with defaults (docs/reference.md §3.1.1).
fn parse_import_options(params: &Params) -> ApiResult<ImportImageOptions> {
    if !params.has_prefix("ImportImageOptions") {
        return Err(Code::MissingParameterImportImageOptions.into());
    }
    let o = params.object("ImportImageOptions");
    let architecture =
        one_of(&o, "Architecture", Architecture::ALL, Code::InvalidParameterImportImageOptionsArchitecture)?
            .unwrap_or(Architecture::X86_64);
    let os_type = one_of(&o, "OSType", image::OsType::ALL, Code::InvalidParameterImportImageOptionsOsType)?
        .unwrap_or(image::OsType::Linux);
    let platform = one_of_text(&o, "Platform", PLATFORMS, Code::InvalidParameterImportImageOptionsPlatform)?
        .unwrap_or(if os_type == image::OsType::Windows { "Other Windows" } else { "Others Linux" });
    let arm = architecture == Architecture::Arm64;
    let boot_modes: &[BootMode] = if arm { &[BootMode::Uefi] } else { &[BootMode::Bios, BootMode::Uefi] };
    let boot_mode = one_of(&o, "BootMode", boot_modes, Code::InvalidParameterImportImageOptionsBootMode)?
        .unwrap_or(if arm { BootMode::Uefi } else { BootMode::Bios });
    let license_type =
        one_of(&o, "LicenseType", LicenseType::ALL, Code::InvalidParameterImportImageOptionsLicenseType)?
            .unwrap_or(LicenseType::Auto);
    let features = o.object("Features");
    let nvme_support = one_of(
        &features,
        "NvmeSupport",
        IMPORT_NVME_VALUES,
        Code::InvalidParameterImportImageOptionsFeaturesNvmeSupport,
    )?
    .unwrap_or(NvmeSupport::Unsupported);
    let imds_support = match features.opt_str("ImdsSupport") {
        Some(v) => Some(
            ImdsSupport::parse(v).ok_or_else(|| ApiError::invalid_param("ImportImageOptions.Features.ImdsSupport"))?,
        ),
        None => None,
    };

    let disks = o.objects("DiskDeviceMappings")?;
    if disks.is_empty() {
        return Err(Code::MissingParameterImageOptionsDiskDeviceMappings.into());
    }
    if disks.len() > limits::MAX_DISK_DEVICE_MAPPINGS {
        return Err(Code::InvalidImportImageOptionsDiskDeviceMappingsLengthLimitExceeded.into());
    }
    let disk_device_mappings = disks.iter().map(parse_disk).collect::<ApiResult<Vec<_>>>()?;
    if os_type == image::OsType::Windows {
        return Err(Code::ImagePipelineNotSupportWindowsInstance.into());
    }
    Ok(ImportImageOptions {
        architecture,
        os_type,
        platform: platform.to_string(),
        boot_mode,
        license_type,
        disk_device_mappings,
        nvme_support,
        imds_support,
        retain_imported_image: o.opt_bool("RetainImportedImage")?,
        retention_strategy: o.opt_str("RetentionStrategy").map(str::to_string),
        image_name: o.opt_str("ImageName").map(str::to_string),
        description: o.opt_str("Description").map(str::to_string),
        role_name: o.opt_str("RoleName").map(str::to_string),
        import_image_tags: wire::tags(&o, "ImportImageTags")?,
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
    let format =
        one_of(disk, "Format", DiskFormat::ALL, Code::InvalidParameterImportImageOptionsDiskDeviceMappingsFormat)?;
    let (min, max) = limits::DISK_IMAGE_GIB;
    let size =
        disk.opt_i64("DiskImageSize").map_err(|_| ApiError::from(Code::InvalidOperationDiskImageSizeExceeded))?;
    if size.is_some_and(|s| !(min..=max).contains(&s)) {
        return Err(Code::InvalidOperationDiskImageSizeExceeded.into());
    }
    Ok(DiskDeviceMapping {
        oss_bucket: bucket.to_string(),
        oss_object: object.to_string(),
        format,
        disk_image_size: size,
    })
}
