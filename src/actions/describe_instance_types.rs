//! `DescribeInstanceTypes` (ECS): the catalog's instance types, filtered by ID, family,
//! architecture, vCPU and memory, in pages of `MaxResults` (1–1600) with an opaque `NextToken`.
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstancetypes>

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::{check_region, Ctx};
use crate::catalog::InstanceType;
use crate::domain::limits;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

const TOKEN_PREFIX: &str = "it1:";

fn encode_token(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_PREFIX}{id}"))
}

fn decode_token(token: &str) -> Option<String> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    text.strip_prefix(TOKEN_PREFIX).map(str::to_string)
}

/// An optional numeric bound (`MinimumCpuCoreCount`, `MaximumMemorySize` …); memory is a float.
fn bound(params: &Params, name: &str) -> ApiResult<Option<f64>> {
    params
        .opt_str(name)
        .map(|v| {
            v.parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0).ok_or_else(|| ApiError::invalid_param(name))
        })
        .transpose()
}

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let params = ctx.params;
    if let Some(region) = params.opt_str("RegionId") {
        check_region(region)?;
    }
    let ids = params.list("InstanceTypes")?;
    if ids.len() > limits::MAX_INSTANCE_TYPES_FILTER {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            format!(
                "The specified parameter \"InstanceTypes\" is not valid. At most {} types.",
                limits::MAX_INSTANCE_TYPES_FILTER
            ),
        ));
    }
    let family = params.opt_str("InstanceTypeFamily");
    let architecture = match params.opt_str("CpuArchitecture") {
        None => None,
        Some(a @ ("X86" | "ARM")) => Some(a),
        Some(_) => return Err(ApiError::invalid_param("CpuArchitecture")),
    };
    let min_cpu = bound(params, "MinimumCpuCoreCount")?;
    let max_cpu = bound(params, "MaximumCpuCoreCount")?;
    let min_mem = bound(params, "MinimumMemorySize")?;
    let max_mem = bound(params, "MaximumMemorySize")?;
    let max_results = params.opt_i64("MaxResults")?.unwrap_or(limits::INSTANCE_TYPES_MAX_RESULTS.1);
    let (min, max) = limits::INSTANCE_TYPES_MAX_RESULTS;
    if !(min..=max).contains(&max_results) {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            format!("The specified parameter \"MaxResults\" is not valid. It should be between {min} and {max}."),
        ));
    }
    let after = params.opt_str("NextToken").map(|t| decode_token(t).ok_or(Code::InvalidNextToken)).transpose()?;

    let matching: Vec<&InstanceType> = ctx
        .state
        .catalog
        .instance_types()
        .iter()
        .filter(|t| ids.is_empty() || ids.iter().any(|id| id == t.id))
        .filter(|t| family.is_none_or(|f| f == t.family()))
        .filter(|t| architecture.is_none_or(|a| a == t.cpu_architecture()))
        .filter(|t| min_cpu.is_none_or(|m| f64::from(t.cpu) >= m) && max_cpu.is_none_or(|m| f64::from(t.cpu) <= m))
        .filter(|t| {
            min_mem.is_none_or(|m| f64::from(t.memory_gib) >= m) && max_mem.is_none_or(|m| f64::from(t.memory_gib) <= m)
        })
        .collect();
    let start = match &after {
        None => 0,
        Some(id) => matching.iter().position(|t| t.id == id).map(|i| i + 1).ok_or(Code::InvalidNextToken)?,
    };
    let take = usize::try_from(max_results).unwrap_or(usize::MAX);
    let page: Vec<&InstanceType> = matching.iter().skip(start).take(take).copied().collect();
    let next_token = match page.last() {
        Some(last) if start + page.len() < matching.len() => encode_token(last.id),
        _ => String::new(),
    };
    let items: Vec<Value> = page.iter().map(|t| render(t)).collect();
    Ok(json!({ "NextToken": next_token, "InstanceTypes": { "InstanceType": items } }))
}

fn render(t: &InstanceType) -> Value {
    json!({
        "InstanceTypeId": t.id,
        "InstanceTypeFamily": t.family(),
        "InstanceCategory": t.category(),
        "InstanceFamilyLevel": if t.category() == "Shared" { "EntryLevel" } else { "EnterpriseLevel" },
        "CpuArchitecture": t.cpu_architecture(),
        "CpuCoreCount": t.cpu,
        "MemorySize": f64::from(t.memory_gib),
        "GPUAmount": 0,
        "GPUSpec": "",
        "LocalStorageCategory": "",
        "EniQuantity": 3,
        "EniPrivateIpAddressQuantity": 6,
        "DiskQuantity": 17,
        "NvmeSupport": "unsupported",
        "SupportedBootModes": { "SupportedBootMode": ["BIOS", "UEFI"] },
    })
}
