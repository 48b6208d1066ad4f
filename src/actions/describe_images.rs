//! `DescribeImages` (ECS): public images from the catalog (`system` / `marketplace`), the caller's
//! custom images (`self`), and images shared with it or published as community images (`others`),
//! in one region. Every request parameter of the SDK model (`DescribeImagesRequest`) and every
//! response field of `DescribeImagesResponseBody`, with their documented types.
//!
//! Filters (all must hold): `ImageId` (comma-separated), `ImageName` (substring), `ImageFamily`,
//! `ImageOwnerAlias` (empty: system + self + others, not marketplace), `ImageOwnerId` (only on
//! shared and community images), `IsPublic` (true: community images only, with
//! `ImageOwnerAlias=others`; else shared images only among `others`), `Architecture`, `OSType`,
//! `Usage`, `InstanceType` (images of its architecture), `SnapshotId`, `ResourceGroupId`,
//! `Filter.N` `CreationStartTime` / `CreationEndTime` (`yyyy-MM-ddTHH:mmZ`), `IsSupportIoOptimized`,
//! `IsSupportCloudinit`, `Usable`, `Status` (comma-separated, default `Available`; `ALL` alone),
//! `Tag.N`; number paging (`PageSize` 1–100, default 10). `DryRun=true` answers
//! `400 DryRunOperation` after the same checks. `ActionType` and `ShowExpired` are checked and have
//! no effect (no image here is a subscription image or is limited to one scenario).
//!
//! Our choices where the model is silent: a value outside a documented enumeration, a malformed
//! `Filter.N` time or an unknown `Filter.N.Key` is `400 InvalidParameter` naming the parameter;
//! `IsPublic=true` with another alias is `400 InvalidParameter`; an unknown `InstanceType` is
//! `404 InvalidInstanceType.NotFound`. Catalog values: Alibaba's own images carry the system
//! account `1000000000000000` as `ImageOwnerId`, their release date as `ImageVersion`; every image
//! gets a snapshot ID derived from its image ID.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::views::Tags;
use super::wire;
use super::{check_dry_run, region, Ctx};
use crate::catalog::{self, OsType, PublicImage};
use crate::domain::image::{self, os_name_en, BootMode, ImageStatus, ImdsSupport, LicenseType, NvmeSupport};
use crate::domain::paging::NumberPage;
use crate::domain::tags::{Tag, TagFilter};
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::image_search::ImageSearch;
use crate::store::images::VisibleImage;

const OWNER_ALIASES: &[&str] = &["system", "self", "others", "marketplace"];
/// The account Alibaba's own images belong to (the system account of the catalog).
const SYSTEM_ACCOUNT: i64 = 1_000_000_000_000_000;

/// One image with the attributes filters look at, and its response item.
pub(super) struct Candidate {
    id: String,
    name: String,
    family: Option<String>,
    owner_alias: String,
    owner_id: Option<String>,
    community: bool,
    status: ImageStatus,
    architecture: String,
    os_type: image::OsType,
    snapshot_id: String,
    tags: Vec<Tag>,
    resource_group_id: Option<String>,
    created_ms: i64,
    pub(super) item: ImageView,
}

/// Every filter of the request, parsed and checked.
struct Filters {
    ids: Vec<String>,
    name: Option<String>,
    family: Option<String>,
    owner: Option<String>,
    owner_id: Option<String>,
    is_public: bool,
    architecture: Option<String>,
    os_type: Option<image::OsType>,
    usage: Option<String>,
    instance_architecture: Option<&'static str>,
    snapshot_id: Option<String>,
    resource_group_id: Option<String>,
    created_after: Option<i64>,
    created_before: Option<i64>,
    io_optimized: Option<bool>,
    cloudinit: Option<bool>,
    usable: Option<bool>,
    statuses: Option<Vec<ImageStatus>>,
    tags: Vec<TagFilter>,
}

/// The checks of the parameters after `InstanceType`, whose existence is a catalog fact (fixtures
/// add types) checked in `execute`: their first error is kept until then, so the documented order
/// (and the first error of every request) is unchanged.
struct Later {
    filters: Filters,
    page: NumberPage,
}

pub struct Request {
    region: String,
    instance_type: Option<String>,
    later: ApiResult<Later>,
}

fn one_of<'a>(p: &'a Params, name: &str, allowed: &[&str]) -> ApiResult<Option<&'a str>> {
    match p.opt_str(name) {
        Some(v) if !allowed.contains(&v) => Err(ApiError::invalid_param(name)),
        other => Ok(other),
    }
}

/// `yyyy-MM-ddTHH:mmZ` (seconds optional) as Unix milliseconds.
fn filter_time(text: &str) -> Option<i64> {
    let full = if text.len() == "2024-01-01T00:00Z".len() {
        format!("{}:00Z", text.trim_end_matches('Z'))
    } else {
        text.to_string()
    };
    let t = OffsetDateTime::parse(&full, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

pub fn parse(p: &Params) -> ApiResult<Request> {
    let region = region(p)?;
    let owner = one_of(p, "ImageOwnerAlias", OWNER_ALIASES)?;
    let is_public = p.opt_bool("IsPublic")?.unwrap_or(false);
    if is_public && owner.is_some_and(|o| o != "others") {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            "The specified parameter \"IsPublic\" is not valid: IsPublic=true needs ImageOwnerAlias=others.",
        ));
    }
    let statuses: Option<Vec<ImageStatus>> = match p.opt_str("Status") {
        Some("ALL") => None,
        text => Some(
            text.unwrap_or("Available")
                .split(',')
                .map(|s| ImageStatus::parse(s.trim()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ApiError::invalid_param("Status"))?,
        ),
    };
    let instance_type = p.opt_str("InstanceType").map(str::to_string);
    let later = parse_later(p, owner, is_public, statuses);
    Ok(Request { region, instance_type, later })
}

fn parse_later(
    p: &Params,
    owner: Option<&str>,
    is_public: bool,
    statuses: Option<Vec<ImageStatus>>,
) -> ApiResult<Later> {
    let (mut created_after, mut created_before) = (None, None);
    for (i, filter) in p.objects("Filter")?.iter().enumerate() {
        let n = i + 1;
        let value = filter.opt_str("Value").unwrap_or_default();
        match filter.opt_str("Key") {
            Some("CreationStartTime") => {
                created_after =
                    Some(filter_time(value).ok_or_else(|| ApiError::invalid_param(&format!("Filter.{n}.Value")))?)
            }
            Some("CreationEndTime") => {
                created_before =
                    Some(filter_time(value).ok_or_else(|| ApiError::invalid_param(&format!("Filter.{n}.Value")))?)
            }
            Some(
                "NetworkType"
                | "CpuOnlineUpgrade"
                | "CpuOnlineDowngrade"
                | "MemoryOnlineUpgrade"
                | "MemoryOnlineDowngrade",
            ) => {}
            _ => return Err(ApiError::invalid_param(&format!("Filter.{n}.Key"))),
        }
    }
    one_of(p, "ActionType", &["CreateEcs", "ChangeOS"])?;
    p.opt_bool("ShowExpired")?;
    let text = |key: &str| p.opt_str(key).map(str::to_string);
    let filters = Filters {
        ids: p
            .opt_str("ImageId")
            .map(|l| l.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
        name: text("ImageName"),
        family: text("ImageFamily"),
        owner: owner.map(str::to_string),
        owner_id: text("ImageOwnerId"),
        is_public,
        architecture: one_of(p, "Architecture", &["i386", "x86_64", "arm64"])?.map(str::to_string),
        os_type: one_of(p, "OSType", &["windows", "linux", "Windows", "Linux"])?.map(|o| {
            if o.eq_ignore_ascii_case("windows") {
                image::OsType::Windows
            } else {
                image::OsType::Linux
            }
        }),
        usage: one_of(p, "Usage", &["instance", "none"])?.map(str::to_string),
        instance_architecture: None,
        snapshot_id: text("SnapshotId"),
        resource_group_id: text("ResourceGroupId"),
        created_after,
        created_before,
        io_optimized: p.opt_bool("IsSupportIoOptimized")?,
        cloudinit: p.opt_bool("IsSupportCloudinit")?,
        usable: p.opt_bool("Usable")?,
        statuses,
        tags: wire::tag_filters(p)?,
    };
    let page = wire::number_page(p)?;
    check_dry_run(p)?;
    Ok(Later { filters, page })
}

impl Filters {
    /// The filters SQL applies to custom images (all but `ImageName` and `SnapshotId`). A custom
    /// image is a Linux image supporting I/O optimization and cloud-init, never `system` or
    /// `marketplace`: a filter asking otherwise leaves none to look up.
    fn search(&self, now_ms: i64) -> ImageSearch<'_> {
        let possible = self.os_type != Some(image::OsType::Windows)
            && self.usage.as_deref() != Some("instance")
            && self.io_optimized != Some(false)
            && self.cloudinit != Some(false);
        let (own, others) = match self.owner.as_deref() {
            None => (true, true),
            Some("self") => (true, false),
            Some("others") => (false, true),
            Some(_) => (false, false),
        };
        ImageSearch {
            own: own && possible,
            others: others && possible,
            community: self.is_public,
            owner_id: self.owner_id.as_deref(),
            ids: &self.ids,
            family: self.family.as_deref(),
            architectures: self.architecture.as_deref().into_iter().chain(self.instance_architecture).collect(),
            resource_group_id: self.resource_group_id.as_deref(),
            created_after: self.created_after,
            created_before: self.created_before,
            statuses: self.statuses.as_deref(),
            usable: self.usable,
            tags: &self.tags,
            now_ms,
        }
    }

    fn matches(&self, c: &Candidate) -> bool {
        let alias_ok = match &self.owner {
            Some(o) => c.owner_alias == *o,
            None => c.owner_alias != "marketplace",
        };
        // Among `others`: community images with IsPublic=true, shared images without.
        let public_ok = if self.is_public { c.community } else { !(c.community && c.owner_alias == "others") };
        let cloudinit = c.os_type == image::OsType::Linux;
        (self.ids.is_empty() || self.ids.contains(&c.id))
            && self.name.as_deref().is_none_or(|n| c.name.contains(n))
            && self.family.as_deref().is_none_or(|f| c.family.as_deref() == Some(f))
            && alias_ok
            && public_ok
            && self.owner_id.as_deref().is_none_or(|o| c.owner_alias != "others" || c.owner_id.as_deref() == Some(o))
            && self.architecture.as_deref().is_none_or(|a| c.architecture == a)
            && self.os_type.is_none_or(|o| c.os_type == o)
            && self.usage.as_deref().is_none_or(|u| u == "none")
            && self.instance_architecture.is_none_or(|a| c.architecture == a)
            && self.snapshot_id.as_deref().is_none_or(|s| c.snapshot_id == s)
            && self.resource_group_id.as_deref().is_none_or(|rg| c.resource_group_id.as_deref() == Some(rg))
            && self.created_after.is_none_or(|t| c.created_ms >= t)
            && self.created_before.is_none_or(|t| c.created_ms <= t)
            && self.io_optimized.is_none_or(|v| v)
            && self.cloudinit.is_none_or(|v| v == cloudinit)
            && self.usable.is_none_or(|v| v == (c.status == ImageStatus::Available))
            && self.statuses.as_ref().is_none_or(|s| s.contains(&c.status))
            && self
                .tags
                .iter()
                .all(|f| c.tags.iter().any(|t| t.key == f.key && f.value.as_ref().is_none_or(|v| *v == t.value)))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    region_id: String,
    total_count: usize,
    page_number: i64,
    page_size: i64,
    images: Images,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Images {
    image: Vec<ImageView>,
}

pub async fn execute(ctx: &Ctx<'_>, Request { region, instance_type, later }: Request) -> ApiResult<Response> {
    let instance_architecture = match instance_type.as_deref() {
        None => None,
        Some(t) if ctx.state.catalog.instance_type(t).is_some() => Some(catalog::Catalog::instance_architecture(t)),
        Some(t) => {
            return Err(ApiError::with_message(
                Code::InvalidInstanceTypeNotFound,
                format!("The specified instance type \"{t}\" does not exist."),
            ))
        }
    };
    let Later { mut filters, page } = later?;
    filters.instance_architecture = instance_architecture;
    let now = ctx.state.clock.now_ms();
    // `ImageId` narrows first: only the images it names are rendered and filtered further.
    let wanted = |id: &str| filters.ids.is_empty() || filters.ids.iter().any(|w| w == id);
    let mut found: Vec<Candidate> = ctx
        .state
        .catalog
        .public_images()
        .iter()
        .filter(|i| wanted(i.id))
        .map(|i| public(i, &region))
        .filter(|c| filters.matches(c))
        .collect();
    // Custom images are filtered, ordered and cut to the rows this page can need in SQL, and
    // counted there; `ImageName` (a substring) and `SnapshotId` (derived from the ID) are checked
    // here, over every other match.
    let in_rust = filters.name.is_some() || filters.snapshot_id.is_some();
    let limit = page.number.saturating_mul(page.size);
    let matches = ctx
        .state
        .store
        .search_images(&ctx.caller.account, &region, &filters.search(now), (!in_rust).then_some(limit))
        .await?;
    let sql_total = usize::try_from(matches.total).unwrap_or(usize::MAX).saturating_add(found.len());
    found.extend(
        matches
            .images
            .into_iter()
            .map(|v| custom(v, &ctx.caller.account, &region, now))
            .filter(|c| filters.matches(c)),
    );
    found.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then_with(|| b.id.cmp(&a.id)));
    let total_count = if in_rust { found.len() } else { sql_total };
    let image = page.slice(found).into_iter().map(|c| c.item).collect();
    Ok(Response {
        region_id: region,
        total_count,
        page_number: page.number,
        page_size: page.size,
        images: Images { image },
    })
}

/// The `OSType` a public image shows (an unsupported OS is still a Linux one).
fn os_type(os: OsType) -> image::OsType {
    match os {
        OsType::Windows => image::OsType::Windows,
        OsType::Linux | OsType::Unsupported => image::OsType::Linux,
    }
}

/// A snapshot ID derived from an image ID: `s-` and 20 hex digits of its SHA-256.
fn snapshot_of(image_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(image_id.as_bytes()));
    format!("s-{}", &digest[..20])
}

pub(super) fn public(image: &PublicImage, region: &str) -> Candidate {
    let created_ms = catalog_date_ms(image.created);
    let marketplace = image.owner_alias == "marketplace";
    let snapshot_id = snapshot_of(image.id);
    let version: String = image.id.rsplit('_').next().unwrap_or_default().trim_end_matches(".vhd").to_string();
    let item = item(ItemFields {
        id: image.id,
        name: image.name,
        family: image.family,
        description: "",
        owner_alias: image.owner_alias,
        owner_id: Some(SYSTEM_ACCOUNT),
        status: "Available",
        progress: "100%",
        created_ms,
        size: image.size_gib,
        architecture: image.architecture,
        os_type: os_type(image.os_type),
        os_name: image.os_name,
        platform: image.platform,
        boot_mode: if image.architecture == "arm64" { "UEFI" } else { "BIOS" },
        license_type: "Auto",
        nvme_support: "supported",
        imds_support: "v2",
        image_version: if marketplace { "6.5" } else { &version },
        product_code: if marketplace { "cmjj0000wp0001" } else { "" },
        supplier_name: if marketplace { "WordPress Solutions Ltd." } else { "" },
        is_copied: false,
        is_public: !marketplace,
        is_self_shared: "",
        encrypted: false,
        snapshot_id: &snapshot_id,
        tags: &[],
        resource_group_id: None,
        region,
    });
    Candidate {
        id: image.id.to_string(),
        name: image.name.to_string(),
        family: image.family.map(str::to_string),
        owner_alias: image.owner_alias.to_string(),
        owner_id: Some(SYSTEM_ACCOUNT.to_string()),
        community: false,
        status: ImageStatus::Available,
        architecture: image.architecture.to_string(),
        os_type: os_type(image.os_type),
        snapshot_id,
        tags: Vec::new(),
        resource_group_id: None,
        created_ms,
        item,
    }
}

pub(super) fn custom(v: VisibleImage, account: &str, region: &str, now: i64) -> Candidate {
    let i = &v.image;
    let status = i.lifecycle().status(now);
    let progress = i.lifecycle().progress(now);
    let owner_alias = if i.account == account { "self" } else { "others" };
    let snapshot_id = snapshot_of(&i.id);
    let item = item(ItemFields {
        id: &i.id,
        name: &i.name,
        family: i.family.as_deref(),
        description: i.description.as_deref().unwrap_or_default(),
        owner_alias,
        owner_id: i.account.parse().ok(),
        status: status.as_str(),
        progress: &progress,
        created_ms: i.created_ms,
        size: i.size_gib,
        architecture: &i.architecture,
        os_type: image::OsType::Linux,
        os_name: &i.os_name,
        platform: &i.platform,
        boot_mode: i.boot_mode.map_or(if i.architecture == "arm64" { "UEFI" } else { "BIOS" }, BootMode::as_str),
        license_type: i.license_type.map_or("Auto", LicenseType::as_str),
        nvme_support: i.nvme_support.map_or("unsupported", NvmeSupport::as_str),
        imds_support: i.imds_support.map_or("v1", ImdsSupport::as_str),
        image_version: "",
        product_code: "",
        supplier_name: "",
        is_copied: i.copied_from.is_some(),
        is_public: i.is_public,
        is_self_shared: match (owner_alias, v.shared) {
            ("self", true) => "True",
            ("self", false) => "False",
            _ => "",
        },
        encrypted: i.encrypted,
        snapshot_id: &snapshot_id,
        tags: &v.tags,
        resource_group_id: i.resource_group_id.as_deref(),
        region,
    });
    Candidate {
        id: i.id.clone(),
        name: i.name.clone(),
        family: i.family.clone(),
        owner_alias: owner_alias.to_string(),
        owner_id: Some(i.account.clone()),
        community: i.is_public,
        status,
        architecture: i.architecture.clone(),
        os_type: image::OsType::Linux,
        snapshot_id,
        tags: v.tags.clone(),
        resource_group_id: i.resource_group_id.clone(),
        created_ms: i.created_ms,
        item,
    }
}

struct ItemFields<'a> {
    id: &'a str,
    name: &'a str,
    family: Option<&'a str>,
    description: &'a str,
    owner_alias: &'a str,
    owner_id: Option<i64>,
    status: &'a str,
    progress: &'a str,
    created_ms: i64,
    size: i64,
    architecture: &'a str,
    os_type: image::OsType,
    os_name: &'a str,
    platform: &'a str,
    boot_mode: &'a str,
    license_type: &'a str,
    nvme_support: &'a str,
    imds_support: &'a str,
    image_version: &'a str,
    product_code: &'a str,
    supplier_name: &'a str,
    is_copied: bool,
    is_public: bool,
    is_self_shared: &'a str,
    encrypted: bool,
    snapshot_id: &'a str,
    tags: &'a [Tag],
    resource_group_id: Option<&'a str>,
    region: &'a str,
}

/// One `Images.Image` item (the SDK model's `DescribeImagesResponseBodyImagesImage`); also the
/// `Image` of DescribeImageFromFamily.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ImageView {
    image_id: String,
    image_name: String,
    image_family: String,
    image_version: String,
    description: String,
    image_owner_alias: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_owner_id: Option<i64>,
    status: String,
    progress: String,
    usable: bool,
    creation_time: String,
    size: i64,
    architecture: String,
    #[serde(rename = "OSType")]
    os_type: &'static str,
    #[serde(rename = "OSName")]
    os_name: String,
    #[serde(rename = "OSNameEn")]
    os_name_en: String,
    platform: String,
    boot_mode: String,
    license_type: String,
    usage: &'static str,
    product_code: String,
    supplier_name: String,
    is_copied: bool,
    is_self_shared: String,
    is_public: bool,
    is_subscribed: bool,
    is_support_cloudinit: bool,
    is_support_io_optimized: bool,
    login_as_non_root_supported: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_group_id: Option<String>,
    features: Features,
    secure_boot_options: SecureBootOptions,
    detection_options: DetectionOptions,
    disk_device_mappings: DiskDeviceMappings,
    tags: Tags,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Features {
    nvme_support: String,
    imds_support: String,
    cpu_online_upgrade: &'static str,
    cpu_online_downgrade: &'static str,
    memory_online_upgrade: &'static str,
    memory_online_downgrade: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SecureBootOptions {
    secure_boot_support: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DetectionOptions {
    status: &'static str,
    items: DetectionItems,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DetectionItems {
    item: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DiskDeviceMappings {
    disk_device_mapping: [DiskDeviceMapping; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DiskDeviceMapping {
    device: &'static str,
    size: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    format: &'static str,
    snapshot_id: String,
    encrypted: bool,
    progress: String,
    remain_time: i64,
    #[serde(rename = "ImportOSSBucket")]
    import_oss_bucket: &'static str,
    #[serde(rename = "ImportOSSObject")]
    import_oss_object: &'static str,
}

fn item(f: ItemFields<'_>) -> ImageView {
    let _ = f.region;
    ImageView {
        image_id: f.id.to_string(),
        image_name: f.name.to_string(),
        image_family: f.family.unwrap_or_default().to_string(),
        image_version: f.image_version.to_string(),
        description: f.description.to_string(),
        image_owner_alias: f.owner_alias.to_string(),
        image_owner_id: f.owner_id,
        status: f.status.to_string(),
        progress: f.progress.to_string(),
        usable: f.status == "Available",
        creation_time: format_ms(f.created_ms),
        size: f.size,
        architecture: f.architecture.to_string(),
        os_type: f.os_type.as_str(),
        os_name: f.os_name.to_string(),
        os_name_en: os_name_en(f.os_name),
        platform: f.platform.to_string(),
        boot_mode: f.boot_mode.to_string(),
        license_type: f.license_type.to_string(),
        usage: "none",
        product_code: f.product_code.to_string(),
        supplier_name: f.supplier_name.to_string(),
        is_copied: f.is_copied,
        is_self_shared: f.is_self_shared.to_string(),
        is_public: f.is_public,
        is_subscribed: false,
        is_support_cloudinit: f.os_type == image::OsType::Linux,
        is_support_io_optimized: true,
        login_as_non_root_supported: f.owner_alias == "system" && f.os_type == image::OsType::Linux,
        resource_group_id: f.resource_group_id.map(str::to_string),
        features: Features {
            nvme_support: f.nvme_support.to_string(),
            imds_support: f.imds_support.to_string(),
            cpu_online_upgrade: "unsupported",
            cpu_online_downgrade: "unsupported",
            memory_online_upgrade: "unsupported",
            memory_online_downgrade: "unsupported",
        },
        secure_boot_options: SecureBootOptions { secure_boot_support: "unsupported" },
        detection_options: DetectionOptions { status: "", items: DetectionItems { item: [] } },
        disk_device_mappings: DiskDeviceMappings {
            disk_device_mapping: [DiskDeviceMapping {
                device: "/dev/xvda",
                size: f.size.to_string(),
                kind: "system",
                format: "",
                snapshot_id: f.snapshot_id.to_string(),
                encrypted: f.encrypted,
                progress: f.progress.to_string(),
                remain_time: 0,
                import_oss_bucket: "",
                import_oss_object: "",
            }],
        },
        tags: Tags::of(f.tags),
    }
}

/// `2024-08-19T00:00:00Z` (catalog dates) as Unix milliseconds.
fn catalog_date_ms(text: &str) -> i64 {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_times_take_the_documented_format() {
        assert_eq!(filter_time("2023-11-14T22:13Z"), Some(1_700_000_000_000 - 20_000));
        assert_eq!(filter_time("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(filter_time("yesterday"), None);
    }
}
