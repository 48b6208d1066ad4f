//! `DescribeImages` (ECS API), so users can find what their builds made: public images from the
//! catalog (`system` / `marketplace`), the caller's custom images (`self`) and images shared with
//! it (`others`), in one region. Filters: `ImageId` (comma-separated), `ImageName` (substring),
//! `ImageFamily`, `ImageOwnerAlias`, `Status` (comma-separated, default `Available`, or `ALL`),
//! `Tag.N`; number paging. Response keys as in the SDK's `DescribeImagesResponseBody`.

use serde_json::{json, Map, Value};

use super::describe_image_pipelines::tag_list;
use super::{region, Ctx};
use crate::catalog::{OsType, PublicImage};
use crate::domain::paging::NumberPage;
use crate::domain::tags::{self, Tag, TagFilter};
use crate::domain::time::format_ms;
use crate::error::{ApiError, ApiResult};
use crate::store::images::VisibleImage;

const OWNER_ALIASES: &[&str] = &["system", "self", "others", "marketplace"];
const STATUSES: &[&str] = &["Creating", "Waiting", "Available", "UnAvailable", "CreateFailed", "Deprecated"];

/// One image with the attributes filters look at, and its response item.
struct Candidate {
    id: String,
    name: String,
    family: Option<String>,
    owner_alias: String,
    status: String,
    tags: Vec<Tag>,
    resource_group_id: Option<String>,
    created_ms: i64,
    item: Value,
}

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let region = region(ctx.params)?;
    let p = ctx.params;
    let ids: Vec<&str> = p.opt_str("ImageId").map(|l| l.split(',').map(str::trim).collect()).unwrap_or_default();
    let owner = p.opt_str("ImageOwnerAlias");
    if owner.is_some_and(|o| !OWNER_ALIASES.contains(&o)) {
        return Err(ApiError::invalid_param("ImageOwnerAlias"));
    }
    let statuses: Vec<&str> = p.opt_str("Status").unwrap_or("Available").split(',').map(str::trim).collect();
    let all_statuses = statuses == ["ALL"];
    if !all_statuses && statuses.iter().any(|s| !STATUSES.contains(s)) {
        return Err(ApiError::invalid_param("Status"));
    }
    let tag_filters = tags::parse_filters(p)?;
    let page = NumberPage::parse(p)?;
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

    let matches = |c: &Candidate| {
        (ids.is_empty() || ids.contains(&c.id.as_str()))
            && p.opt_str("ImageName").is_none_or(|n| c.name.contains(n))
            && p.opt_str("ImageFamily").is_none_or(|f| c.family.as_deref() == Some(f))
            && owner.is_none_or(|o| c.owner_alias == o)
            && p.opt_str("ResourceGroupId").is_none_or(|rg| c.resource_group_id.as_deref() == Some(rg))
            && (all_statuses || statuses.contains(&c.status.as_str()))
            && tag_filters.iter().all(|f: &TagFilter| {
                c.tags.iter().any(|t| t.key == f.key && f.value.as_ref().is_none_or(|v| *v == t.value))
            })
    };
    let mut found: Vec<Candidate> = candidates.into_iter().filter(matches).collect();
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

fn public(image: &PublicImage, region: &str) -> Candidate {
    let created_ms = catalog_date_ms(image.created);
    let item = item(ItemFields {
        id: image.id,
        name: image.name,
        family: image.family,
        description: "",
        owner_alias: image.owner_alias,
        owner_id: None,
        status: "Available",
        progress: "100%",
        created_ms,
        size: image.size_gib,
        architecture: image.architecture,
        os_type: os_type(image.os_type),
        os_name: image.os_name,
        platform: image.platform,
        nvme_support: "supported",
        is_copied: false,
        is_self_shared: "",
        tags: &[],
        resource_group_id: None,
        region,
    });
    Candidate {
        id: image.id.to_string(),
        name: image.name.to_string(),
        family: image.family.map(str::to_string),
        owner_alias: image.owner_alias.to_string(),
        status: "Available".into(),
        tags: Vec::new(),
        resource_group_id: None,
        created_ms,
        item,
    }
}

fn custom(v: VisibleImage, account: &str, region: &str, now: i64) -> Candidate {
    let i = &v.image;
    let status = i.lifecycle().status(now).to_string();
    let progress = i.lifecycle().progress(now);
    let owner_alias = if i.account == account { "self" } else { "others" };
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
        nvme_support: i.nvme_support.as_deref().unwrap_or("unsupported"),
        is_copied: i.copied_from.is_some(),
        is_self_shared: if owner_alias == "self" {
            if v.shared {
                "True"
            } else {
                "False"
            }
        } else {
            ""
        },
        tags: &v.tags,
        resource_group_id: i.resource_group_id.as_deref(),
        region,
    });
    Candidate {
        id: i.id.clone(),
        name: i.name.clone(),
        family: i.family.clone(),
        owner_alias: owner_alias.to_string(),
        status: status.clone(),
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
    nvme_support: &'a str,
    is_copied: bool,
    is_self_shared: &'a str,
    tags: &'a [Tag],
    resource_group_id: Option<&'a str>,
    region: &'a str,
}

fn item(f: ItemFields<'_>) -> Value {
    let mut m = Map::with_capacity(28);
    m.insert("ImageId".into(), json!(f.id));
    m.insert("ImageName".into(), json!(f.name));
    m.insert("ImageFamily".into(), json!(f.family.unwrap_or_default()));
    m.insert("Description".into(), json!(f.description));
    m.insert("ImageOwnerAlias".into(), json!(f.owner_alias));
    if let Some(owner) = f.owner_id {
        m.insert("ImageOwnerId".into(), json!(owner));
    }
    m.insert("Status".into(), json!(f.status));
    m.insert("Progress".into(), json!(f.progress));
    m.insert("CreationTime".into(), json!(format_ms(f.created_ms)));
    m.insert("Size".into(), json!(f.size));
    m.insert("Architecture".into(), json!(f.architecture));
    m.insert("OSType".into(), json!(f.os_type));
    m.insert("OSName".into(), json!(f.os_name));
    m.insert("OSNameEn".into(), json!(f.os_name));
    m.insert("Platform".into(), json!(f.platform));
    m.insert("BootMode".into(), json!(if f.architecture == "arm64" { "UEFI" } else { "BIOS" }));
    m.insert("Usage".into(), json!("none"));
    m.insert("IsCopied".into(), json!(f.is_copied));
    m.insert("IsSelfShared".into(), json!(f.is_self_shared));
    m.insert("IsPublic".into(), json!(f.owner_alias == "system"));
    m.insert("IsSubscribed".into(), json!(false));
    m.insert("IsSupportCloudinit".into(), json!(true));
    m.insert("IsSupportIoOptimized".into(), json!(true));
    m.insert("LoginAsNonRootSupported".into(), json!(false));
    m.insert("Features".into(), json!({ "NvmeSupport": f.nvme_support }));
    m.insert(
        "DiskDeviceMappings".into(),
        json!({ "DiskDeviceMapping": [{ "Device": "/dev/xvda", "Size": f.size.to_string(), "Type": "system", "Format": "", "Progress": "100%", "RemainTime": 0 }] }),
    );
    m.insert("Tags".into(), json!({ "Tag": tag_list(f.tags) }));
    if let Some(rg) = f.resource_group_id {
        m.insert("ResourceGroupId".into(), json!(rg));
    }
    let _ = f.region;
    Value::Object(m)
}

/// `2024-08-19T00:00:00Z` (catalog dates) as Unix milliseconds.
fn catalog_date_ms(text: &str) -> i64 {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0))
        .unwrap_or(0)
}
