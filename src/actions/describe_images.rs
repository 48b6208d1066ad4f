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

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::wire;
use super::describe_image_pipelines::tag_list;
use super::{check_dry_run, region, Ctx};
use crate::catalog::{self, OsType, PublicImage};
use crate::domain::image::os_name_en;
use crate::domain::paging::NumberPage;
use crate::domain::tags::{self, Tag, TagFilter};
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::images::VisibleImage;

const OWNER_ALIASES: &[&str] = &["system", "self", "others", "marketplace"];
const STATUSES: &[&str] = &["Creating", "Waiting", "Available", "UnAvailable", "CreateFailed", "Deprecated"];
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
    status: String,
    architecture: String,
    os_type: &'static str,
    snapshot_id: String,
    tags: Vec<Tag>,
    resource_group_id: Option<String>,
    created_ms: i64,
    pub(super) item: Value,
}

/// Every filter of the request, parsed and checked.
struct Filters<'a> {
    ids: Vec<&'a str>,
    name: Option<&'a str>,
    family: Option<&'a str>,
    owner: Option<&'a str>,
    owner_id: Option<&'a str>,
    is_public: bool,
    architecture: Option<&'a str>,
    os_type: Option<String>,
    usage: Option<&'a str>,
    instance_architecture: Option<&'static str>,
    snapshot_id: Option<&'a str>,
    resource_group_id: Option<&'a str>,
    created_after: Option<i64>,
    created_before: Option<i64>,
    io_optimized: Option<bool>,
    cloudinit: Option<bool>,
    usable: Option<bool>,
    statuses: Option<Vec<&'a str>>,
    tags: Vec<TagFilter>,
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

fn parse_filters<'a>(p: &'a Params, catalog: &catalog::Catalog) -> ApiResult<Filters<'a>> {
    let owner = one_of(p, "ImageOwnerAlias", OWNER_ALIASES)?;
    let is_public = p.opt_bool("IsPublic")?.unwrap_or(false);
    if is_public && owner.is_some_and(|o| o != "others") {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            "The specified parameter \"IsPublic\" is not valid: IsPublic=true needs ImageOwnerAlias=others.",
        ));
    }
    let statuses: Option<Vec<&str>> = match p.opt_str("Status") {
        Some("ALL") => None,
        text => {
            let list: Vec<&str> = text.unwrap_or("Available").split(',').map(str::trim).collect();
            if list.iter().any(|s| !STATUSES.contains(s)) {
                return Err(ApiError::invalid_param("Status"));
            }
            Some(list)
        }
    };
    let instance_architecture = match p.opt_str("InstanceType") {
        None => None,
        Some(t) if catalog.instance_type(t).is_some() => Some(catalog::Catalog::instance_architecture(t)),
        Some(t) => {
            return Err(ApiError::with_message(
                Code::InvalidInstanceTypeNotFound,
                format!("The specified instance type \"{t}\" does not exist."),
            ))
        }
    };
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
    Ok(Filters {
        ids: p
            .opt_str("ImageId")
            .map(|l| l.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default(),
        name: p.opt_str("ImageName"),
        family: p.opt_str("ImageFamily"),
        owner,
        owner_id: p.opt_str("ImageOwnerId"),
        is_public,
        architecture: one_of(p, "Architecture", &["i386", "x86_64", "arm64"])?,
        os_type: one_of(p, "OSType", &["windows", "linux", "Windows", "Linux"])?.map(str::to_lowercase),
        usage: one_of(p, "Usage", &["instance", "none"])?,
        instance_architecture,
        snapshot_id: p.opt_str("SnapshotId"),
        resource_group_id: p.opt_str("ResourceGroupId"),
        created_after,
        created_before,
        io_optimized: p.opt_bool("IsSupportIoOptimized")?,
        cloudinit: p.opt_bool("IsSupportCloudinit")?,
        usable: p.opt_bool("Usable")?,
        statuses,
        tags: wire::tag_filters(p)?,
    })
}

impl Filters<'_> {
    fn matches(&self, c: &Candidate) -> bool {
        let alias_ok = match self.owner {
            Some(o) => c.owner_alias == o,
            None => c.owner_alias != "marketplace",
        };
        // Among `others`: community images with IsPublic=true, shared images without.
        let public_ok = if self.is_public { c.community } else { !(c.community && c.owner_alias == "others") };
        let cloudinit = c.os_type == "linux";
        (self.ids.is_empty() || self.ids.contains(&c.id.as_str()))
            && self.name.is_none_or(|n| c.name.contains(n))
            && self.family.is_none_or(|f| c.family.as_deref() == Some(f))
            && alias_ok
            && public_ok
            && self.owner_id.is_none_or(|o| c.owner_alias != "others" || c.owner_id.as_deref() == Some(o))
            && self.architecture.is_none_or(|a| c.architecture == a)
            && self.os_type.as_deref().is_none_or(|o| c.os_type == o)
            && self.usage.is_none_or(|u| u == "none")
            && self.instance_architecture.is_none_or(|a| c.architecture == a)
            && self.snapshot_id.is_none_or(|s| c.snapshot_id == s)
            && self.resource_group_id.is_none_or(|rg| c.resource_group_id.as_deref() == Some(rg))
            && self.created_after.is_none_or(|t| c.created_ms >= t)
            && self.created_before.is_none_or(|t| c.created_ms <= t)
            && self.io_optimized.is_none_or(|v| v)
            && self.cloudinit.is_none_or(|v| v == cloudinit)
            && self.usable.is_none_or(|v| v == (c.status == "Available"))
            && self.statuses.as_ref().is_none_or(|s| s.contains(&c.status.as_str()))
            && self
                .tags
                .iter()
                .all(|f| c.tags.iter().any(|t| t.key == f.key && f.value.as_ref().is_none_or(|v| *v == t.value)))
    }
}

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let filters = parse_filters(ctx.params, &ctx.state.catalog)?;
    let page = wire::number_page(ctx.params)?;
    check_dry_run(ctx.params)?;
    let now = ctx.state.clock.now_ms();

    let mut candidates: Vec<Candidate> = ctx
        .state
        .store
        .visible_images(&ctx.caller.account, &region)
        .await?
        .into_iter()
        .map(|v| custom(v, &ctx.caller.account, &region, now))
        .collect();
    candidates.extend(ctx.state.catalog.public_images().iter().map(|i| public(i, &region)));
    let mut found: Vec<Candidate> = candidates.into_iter().filter(|c| filters.matches(c)).collect();
    found.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then_with(|| b.id.cmp(&a.id)));
    let total = found.len();
    let items: Vec<Value> = page.slice(found).into_iter().map(|c| c.item).collect();
    Ok(json!({
        "RegionId": region,
        "TotalCount": total,
        "PageNumber": page.number,
        "PageSize": page.size,
        "Images": { "Image": items },
    }))
}

fn os_type(os: OsType) -> &'static str {
    match os {
        OsType::Windows => "windows",
        OsType::Linux | OsType::Unsupported => "linux",
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
        status: "Available".into(),
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
    let status = i.lifecycle().status(now).to_string();
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
        status: &status,
        progress: &progress,
        created_ms: i.created_ms,
        size: i.size_gib,
        architecture: &i.architecture,
        os_type: "linux",
        os_name: &i.os_name,
        platform: &i.platform,
        boot_mode: i.boot_mode.as_deref().unwrap_or(if i.architecture == "arm64" { "UEFI" } else { "BIOS" }),
        license_type: i.license_type.as_deref().unwrap_or("Auto"),
        nvme_support: i.nvme_support.as_deref().unwrap_or("unsupported"),
        imds_support: i.imds_support.as_deref().unwrap_or("v1"),
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
        os_type: "linux",
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
    os_type: &'a str,
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

fn item(f: ItemFields<'_>) -> Value {
    let mut m = Map::with_capacity(40);
    m.insert("ImageId".into(), json!(f.id));
    m.insert("ImageName".into(), json!(f.name));
    m.insert("ImageFamily".into(), json!(f.family.unwrap_or_default()));
    m.insert("ImageVersion".into(), json!(f.image_version));
    m.insert("Description".into(), json!(f.description));
    m.insert("ImageOwnerAlias".into(), json!(f.owner_alias));
    if let Some(owner) = f.owner_id {
        m.insert("ImageOwnerId".into(), json!(owner));
    }
    m.insert("Status".into(), json!(f.status));
    m.insert("Progress".into(), json!(f.progress));
    m.insert("Usable".into(), json!(f.status == "Available"));
    m.insert("CreationTime".into(), json!(format_ms(f.created_ms)));
    m.insert("Size".into(), json!(f.size));
    m.insert("Architecture".into(), json!(f.architecture));
    m.insert("OSType".into(), json!(f.os_type));
    m.insert("OSName".into(), json!(f.os_name));
    m.insert("OSNameEn".into(), json!(os_name_en(f.os_name)));
    m.insert("Platform".into(), json!(f.platform));
    m.insert("BootMode".into(), json!(f.boot_mode));
    m.insert("LicenseType".into(), json!(f.license_type));
    m.insert("Usage".into(), json!("none"));
    m.insert("ProductCode".into(), json!(f.product_code));
    m.insert("SupplierName".into(), json!(f.supplier_name));
    m.insert("IsCopied".into(), json!(f.is_copied));
    m.insert("IsSelfShared".into(), json!(f.is_self_shared));
    m.insert("IsPublic".into(), json!(f.is_public));
    m.insert("IsSubscribed".into(), json!(false));
    m.insert("IsSupportCloudinit".into(), json!(f.os_type == "linux"));
    m.insert("IsSupportIoOptimized".into(), json!(true));
    m.insert("LoginAsNonRootSupported".into(), json!(f.owner_alias == "system" && f.os_type == "linux"));
    if let Some(rg) = f.resource_group_id {
        m.insert("ResourceGroupId".into(), json!(rg));
    }
    m.insert(
        "Features".into(),
        json!({
            "NvmeSupport": f.nvme_support,
            "ImdsSupport": f.imds_support,
            "CpuOnlineUpgrade": "unsupported",
            "CpuOnlineDowngrade": "unsupported",
            "MemoryOnlineUpgrade": "unsupported",
            "MemoryOnlineDowngrade": "unsupported",
        }),
    );
    m.insert("SecureBootOptions".into(), json!({ "SecureBootSupport": "unsupported" }));
    m.insert("DetectionOptions".into(), json!({ "Status": "", "Items": { "Item": [] } }));
    m.insert(
        "DiskDeviceMappings".into(),
        json!({ "DiskDeviceMapping": [{
            "Device": "/dev/xvda", "Size": f.size.to_string(), "Type": "system", "Format": "",
            "SnapshotId": f.snapshot_id, "Encrypted": f.encrypted, "Progress": f.progress, "RemainTime": 0,
            "ImportOSSBucket": "", "ImportOSSObject": "",
        }] }),
    );
    m.insert("Tags".into(), json!({ "Tag": tag_list(f.tags) }));
    let _ = f.region;
    Value::Object(m)
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
