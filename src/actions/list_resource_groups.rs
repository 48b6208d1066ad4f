//! ResourceManager (2020-03-31) `ListResourceGroups`: the resource groups of the catalog (the
//! built-in ones and a fixtures file's), which every account has, all `OK`, paged by number.
//! <https://www.alibabacloud.com/help/en/resource-management/resource-group/developer-reference/api-resourcemanager-2020-03-31-listresourcegroups>

use serde::Serialize;

use super::Ctx;
use crate::catalog;
use crate::domain::limits;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;

/// When the built-in groups were created (every account sees the same date).
const CREATE_DATE: &str = "2024-01-01T00:00:00Z";

/// The statuses a group may be filtered on (all the catalog's groups are `OK`).
const STATUSES: &[&str] = &["Creating", "OK", "Deleting", "PendingDelete"];

pub struct Request {
    page_number: i64,
    page_size: i64,
    status: Option<String>,
    ids: Vec<String>,
    id: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
}

pub fn parse(params: &Params) -> ApiResult<Request> {
    let page_number = params.opt_i64("PageNumber")?.unwrap_or(1);
    if page_number < 1 {
        return Err(ApiError::invalid_param("PageNumber"));
    }
    let page_size = params.opt_i64("PageSize")?.unwrap_or(limits::DEFAULT_RESOURCE_GROUP_PAGE_SIZE);
    let (min, max) = limits::RESOURCE_GROUP_PAGE_SIZE;
    if !(min..=max).contains(&page_size) {
        return Err(ApiError::invalid_param("PageSize"));
    }
    let status = params.opt_str("Status");
    if status.is_some_and(|s| !STATUSES.contains(&s)) {
        return Err(ApiError::invalid_param("Status"));
    }
    let ids = params.list("ResourceGroupIds")?;
    if ids.len() > limits::MAX_RESOURCE_GROUP_ID_FILTER {
        return Err(ApiError::invalid_param("ResourceGroupIds"));
    }
    Ok(Request {
        page_number,
        page_size,
        status: status.map(str::to_string),
        ids,
        id: params.opt_str("ResourceGroupId").map(str::to_string),
        name: params.opt_str("Name").map(str::to_string),
        display_name: params.opt_str("DisplayName").map(str::to_string),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    page_number: i64,
    page_size: i64,
    total_count: usize,
    resource_groups: ResourceGroups,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceGroups {
    resource_group: Vec<ResourceGroup>,
}

/// A resource group as both actions render it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ResourceGroup {
    id: String,
    name: String,
    display_name: String,
    account_id: String,
    status: &'static str,
    create_date: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region_statuses: Option<RegionStatuses>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RegionStatuses {
    region_status: Vec<RegionStatus>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RegionStatus {
    region_id: &'static str,
    status: &'static str,
}

pub async fn execute(ctx: &Ctx<'_>, request: Request) -> ApiResult<Response> {
    let Request { page_number, page_size, status, ids, id, name, display_name } = request;
    let account = &ctx.caller.account;
    let matching: Vec<ResourceGroup> = ctx
        .state
        .catalog
        .resource_groups()
        .into_iter()
        .filter(|_| status.as_deref().is_none_or(|s| s == "OK"))
        .filter(|group| ids.is_empty() || ids.iter().any(|i| i == group))
        .filter(|group| id.as_deref().is_none_or(|s| s == *group))
        .filter(|group| name.as_deref().is_none_or(|n| names(group).0 == n))
        .filter(|group| display_name.as_deref().is_none_or(|d| names(group).1.contains(d)))
        .map(|group| ResourceGroup::of(group, account, false))
        .collect();
    let total_count = matching.len();
    let skip = usize::try_from((page_number - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let resource_group = matching.into_iter().skip(skip).take(usize::try_from(page_size).unwrap_or(0)).collect();
    Ok(Response { page_number, page_size, total_count, resource_groups: ResourceGroups { resource_group } })
}

impl ResourceGroup {
    /// The group `id` of the catalog as `account` sees it (with its regions for `GetResourceGroup`).
    pub(super) fn of(id: &str, account: &str, with_regions: bool) -> ResourceGroup {
        let (name, display_name) = names(id);
        let region_statuses = with_regions.then(|| RegionStatuses {
            region_status: catalog::REGIONS.iter().map(|r| RegionStatus { region_id: r, status: "OK" }).collect(),
        });
        ResourceGroup {
            id: id.to_string(),
            name,
            display_name,
            account_id: account.to_string(),
            status: "OK",
            create_date: CREATE_DATE,
            region_statuses,
        }
    }
}

/// `Name` and `DisplayName` of a group: the built-in default is `default`; the others are named
/// after the word in their ID (`rg-acfmprod000000001` → `prod`); a fixture group by its ID.
fn names(id: &str) -> (String, String) {
    if catalog::RESOURCE_GROUPS.first() == Some(&id) {
        return ("default".into(), "default resource group".into());
    }
    let word: String = id
        .strip_prefix("rg-acfm")
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect())
        .filter(|w: &String| !w.is_empty() && catalog::RESOURCE_GROUPS.contains(&id))
        .unwrap_or_else(|| id.to_string());
    (word.clone(), word)
}
