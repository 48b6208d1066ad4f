//! `ListTagResources` (api-spec §7.4): the (resource, tag) pairs of the caller's templates or
//! components, selected by `ResourceId.N` (≤ 50), `Tag.N` (exact; all must match) or
//! `TagFilter.N` (≤ 5 keys with ≤ 5 values each; not together with `Tag.N`), 50 per page with an
//! opaque `NextToken`.
//!
//! Matching as the SDK model documents it: `TagFilter.N.TagKey` is `env*` (prefix), `*env*` (infix)
//! or exact; with an exact key, `TagValues.N` are `val*`, `*val*` or exact (OR between values, AND
//! between keys). `Tag.N.Value` without a key is `400 InvalidParameter.TagValue`.
//! `Tag.N.Key=acs:rm:rgId` selects the resources of a non-default resource group and cannot be
//! combined with other `Tag.N`.
//!
//! Our choices where the model is silent: a fuzzy key ignores values; a filter without values
//! matches any value of its key; `acs:rm:rgId` naming the default group or mixed with other tags is
//! `400 InvalidParameter` (the model only says "an error message is returned"); a resource in that
//! group lists its own tags (one without tags lists nothing). A page holds 50 pairs (the action
//! takes no page size). Unknown resource IDs simply match nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::tag_resources::parse_target;
use super::Ctx;
use crate::catalog::DEFAULT_RESOURCE_GROUP;
use crate::domain::limits;
use crate::domain::tags::TagFilter;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;
use crate::store::tag_resources::{FuzzyTagFilter, TagQuery};

const TOKEN_VERSION: &str = "t1:";

/// The token of the page after the pair (resource ID, key).
fn encode_token(resource_id: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_VERSION}{resource_id}:{key}"))
}

fn decode_token(token: &str) -> Option<(String, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (id, key) = text.strip_prefix(TOKEN_VERSION)?.split_once(':')?;
    let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (id_ok && !key.is_empty()).then(|| (id.to_string(), key.to_string()))
}

/// `TagFilter.N.TagKey` + `TagFilter.N.TagValues.N`.
fn parse_fuzzy(params: &Params) -> ApiResult<Vec<FuzzyTagFilter>> {
    let items = params.objects("TagFilter")?;
    if items.len() > limits::MAX_TAG_FILTERS {
        return Err(Code::InvalidTagCount.into());
    }
    items
        .iter()
        .map(|item| {
            let key = item.opt_str("TagKey").ok_or(Code::InvalidTagKeyMalformed)?;
            let values: Vec<String> = item.list("TagValues")?.into_iter().filter(|v| !v.is_empty()).collect();
            if values.len() > limits::MAX_TAG_FILTER_VALUES {
                return Err(Code::InvalidTagCount.into());
            }
            Ok(FuzzyTagFilter { key: key.to_string(), values })
        })
        .collect()
}

/// The reserved `Tag.N.Key` that selects by resource group.
const RESOURCE_GROUP_KEY: &str = "acs:rm:rgId";

/// `Tag.N` of ListTagResources: exact filters, or the resource group of `acs:rm:rgId`.
fn parse_tags(params: &Params) -> ApiResult<(Vec<TagFilter>, Option<String>)> {
    let items = params.objects("Tag")?;
    if items.len() > limits::MAX_TAGS {
        return Err(Code::NumberExceedTags.into());
    }
    let mut filters = Vec::with_capacity(items.len());
    for item in items {
        match (item.opt_str("Key"), item.raw("Value")) {
            (Some(key), value) => filters.push(TagFilter { key: key.to_string(), value: value.map(str::to_string) }),
            (None, Some(value)) if !value.is_empty() => return Err(Code::InvalidParameterTagValue.into()),
            (None, _) => return Err(Code::InvalidTagKeyMalformed.into()),
        }
    }
    let Some(position) = filters.iter().position(|f| f.key == RESOURCE_GROUP_KEY) else {
        return Ok((filters, None));
    };
    if filters.len() > 1 {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            "Tag.N.Key \"acs:rm:rgId\" cannot be combined with other Tag.N.",
        ));
    }
    let group = filters.remove(position).value.unwrap_or_default();
    if group.is_empty() || group == DEFAULT_RESOURCE_GROUP {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            "Tag.N.Value of \"acs:rm:rgId\" must be a resource group ID other than the default resource group.",
        ));
    }
    Ok((filters, Some(group)))
}

pub async fn handle(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let target = parse_target(ctx.params, true)?;
    let (tags, resource_group) = parse_tags(ctx.params)?;
    let query = TagQuery { ids: target.ids, tags, fuzzy: parse_fuzzy(ctx.params)?, resource_group };
    if (!query.tags.is_empty() || query.resource_group.is_some()) && !query.fuzzy.is_empty() {
        return Err(ApiError::with_message(
            Code::InvalidParameterCombination,
            "Tag.N and TagFilter.N cannot be specified at the same time.",
        ));
    }
    if query.ids.is_empty() && query.tags.is_empty() && query.fuzzy.is_empty() && query.resource_group.is_none() {
        return Err(ApiError::with_message(
            Code::MissingParameterResourceIds,
            "The parameter - ResourceIds.N should not be null: specify ResourceId.N, Tag.N or TagFilter.N.",
        ));
    }
    let after = match ctx.params.opt_str("NextToken") {
        None => None,
        Some(token) => Some(decode_token(token).ok_or(Code::InvalidNextToken)?),
    };
    let page_size = limits::TAG_RESOURCES_PAGE_SIZE;
    let mut rows = ctx
        .state
        .store
        .list_tag_resources(
            &ctx.caller.account,
            &target.region,
            target.resource_type,
            &query,
            after.as_ref(),
            page_size + 1,
        )
        .await?;
    let limit = usize::try_from(page_size).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| encode_token(&r.resource_id, &r.key))
    } else {
        None
    };
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "ResourceType": target.resource_type,
                "ResourceId": r.resource_id,
                "TagKey": r.key,
                "TagValue": r.value,
            })
        })
        .collect();
    Ok(json!({
        "NextToken": next.unwrap_or_default(),
        "TagResources": { "TagResource": items },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let token = encode_token("ic-abc", "env:prod");
        assert_eq!(decode_token(&token), Some(("ic-abc".into(), "env:prod".into())));
        for bad in ["garbage", "", &URL_SAFE_NO_PAD.encode("t2:ic-a:k"), &URL_SAFE_NO_PAD.encode("t1:ic a:k")] {
            assert_eq!(decode_token(bad), None, "{bad}");
        }
    }
}
