//! ResourceManager (2020-03-31) `ListResourceGroups` and `GetResourceGroup`: the resource groups
//! of the catalog (the built-in ones and a fixtures file's), which every account has, all `OK`.
//! <https://www.alibabacloud.com/help/en/resource-management/resource-group/developer-reference/api-resourcemanager-2020-03-31-listresourcegroups>
//! <https://www.alibabacloud.com/help/en/resource-management/resource-group/developer-reference/api-resourcemanager-2020-03-31-getresourcegroup-rg>

use serde_json::{json, Value};

use super::Ctx;
use crate::catalog;
use crate::domain::limits;
use crate::error::{ApiError, ApiResult, Code};

/// When the built-in groups were created (every account sees the same date).
const CREATE_DATE: &str = "2024-01-01T00:00:00Z";

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

fn group(id: &str, account: &str, with_regions: bool) -> Value {
    let (name, display) = names(id);
    let mut value = json!({
        "Id": id,
        "Name": name,
        "DisplayName": display,
        "AccountId": account,
        "Status": "OK",
        "CreateDate": CREATE_DATE,
    });
    if with_regions {
        let regions: Vec<Value> = catalog::REGIONS.iter().map(|r| json!({ "RegionId": r, "Status": "OK" })).collect();
        value["RegionStatuses"] = json!({ "RegionStatus": regions });
    }
    value
}

pub async fn list(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let params = ctx.params;
    let number = params.opt_i64("PageNumber")?.unwrap_or(1);
    if number < 1 {
        return Err(ApiError::invalid_param("PageNumber"));
    }
    let size = params.opt_i64("PageSize")?.unwrap_or(limits::DEFAULT_RESOURCE_GROUP_PAGE_SIZE);
    let (min, max) = limits::RESOURCE_GROUP_PAGE_SIZE;
    if !(min..=max).contains(&size) {
        return Err(ApiError::invalid_param("PageSize"));
    }
    let status = params.opt_str("Status");
    if let Some(s) = status {
        if !matches!(s, "Creating" | "OK" | "Deleting" | "PendingDelete") {
            return Err(ApiError::invalid_param("Status"));
        }
    }
    let ids = params.list("ResourceGroupIds")?;
    if ids.len() > limits::MAX_RESOURCE_GROUP_ID_FILTER {
        return Err(ApiError::invalid_param("ResourceGroupIds"));
    }
    let single = params.opt_str("ResourceGroupId");
    let name = params.opt_str("Name");
    let display = params.opt_str("DisplayName");
    let account = &ctx.caller.account;
    let matching: Vec<Value> = ctx
        .state
        .catalog
        .resource_groups()
        .into_iter()
        .filter(|_| status.is_none_or(|s| s == "OK"))
        .filter(|id| ids.is_empty() || ids.iter().any(|i| i == id))
        .filter(|id| single.is_none_or(|s| s == *id))
        .filter(|id| name.is_none_or(|n| names(id).0 == n))
        .filter(|id| display.is_none_or(|d| names(id).1.contains(d)))
        .map(|id| group(id, account, false))
        .collect();
    let total = matching.len();
    let skip = usize::try_from((number - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let page: Vec<Value> = matching.into_iter().skip(skip).take(usize::try_from(size).unwrap_or(0)).collect();
    Ok(json!({
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": total,
        "ResourceGroups": { "ResourceGroup": page },
    }))
}

pub async fn get(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let id = ctx.params.required_str("ResourceGroupId")?;
    if !id.starts_with("rg-") || id.len() > 64 {
        return Err(ApiError::with_message(
            Code::InvalidParameterResourceGroupId,
            format!("The ResourceGroupId \"{id}\" is invalid."),
        ));
    }
    if !ctx.state.catalog.is_resource_group(id) {
        return Err(ApiError::with_message(
            Code::EntityNotExistsResourceGroup,
            format!("The specified resource group \"{id}\" does not exist. You must first create a resource group."),
        ));
    }
    Ok(json!({ "ResourceGroup": group(id, &ctx.caller.account, true) }))
}
