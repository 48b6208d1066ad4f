//! The request parameters many actions share, read from the wire once here: `Tag.N` to set
//! (every tag rule of `domain::tags`, in order), `Tag.N` filters, token paging (`MaxResults`,
//! `NextToken`) and number paging (`PageNumber`, `PageSize`). The domain types they produce
//! know nothing of parameters.

use crate::domain::limits;
use crate::domain::paging::{Cursor, NumberPage, Page};
use crate::domain::tags::{is_valid_key, is_valid_value, Tag, TagFilter};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// `prefix.N.Key` / `prefix.N.Value` tags to be set on a resource: at most 20, each key and value
/// valid, no key twice (`Duplicate.TagKey`), nor twice but for letter case (`TagKey.Duplication`).
pub fn tags(params: &Params, prefix: &str) -> ApiResult<Vec<Tag>> {
    let items = params.objects(prefix)?;
    if items.len() > limits::MAX_TAGS {
        return Err(Code::NumberExceedTags.into());
    }
    let mut tags: Vec<Tag> = Vec::with_capacity(items.len());
    for item in items {
        let key = item.raw("Key").unwrap_or_default();
        let value = item.raw("Value").unwrap_or_default();
        if !is_valid_key(key) {
            return Err(Code::InvalidTagKeyMalformed.into());
        }
        if !is_valid_value(value) {
            return Err(Code::InvalidTagValueMalformed.into());
        }
        if tags.iter().any(|t| t.key == key) {
            return Err(Code::DuplicateTagKey.into());
        }
        // Keys equal but for letter case: the tag API docs' `403 TagKey.Duplication`.
        if tags.iter().any(|t| t.key.to_lowercase() == key.to_lowercase()) {
            return Err(Code::TagKeyDuplication.into());
        }
        tags.push(Tag { key: key.to_string(), value: value.to_string() });
    }
    Ok(tags)
}

/// `Tag.N` filters of a Describe action: at most 20; a filter needs a key.
pub fn tag_filters(params: &Params) -> ApiResult<Vec<TagFilter>> {
    let items = params.objects("Tag")?;
    if items.len() > limits::MAX_TAGS {
        return Err(Code::NumberExceedTags.into());
    }
    items
        .into_iter()
        .map(|item| match item.opt_str("Key") {
            Some(key) => Ok(TagFilter { key: key.to_string(), value: item.raw("Value").map(str::to_string) }),
            None => Err(ApiError::from(Code::InvalidTagKeyMalformed)),
        })
        .collect()
}

/// `MaxResults` (1–500, default 50; out of range `400 InvalidParameter`) and `NextToken` (one we
/// issued, else `403 Invalid.NextToken`).
pub fn page(params: &Params) -> ApiResult<Page> {
    let max_results = params.opt_i64("MaxResults")?.unwrap_or(limits::DEFAULT_MAX_RESULTS);
    let (min, max) = limits::MAX_RESULTS;
    if !(min..=max).contains(&max_results) {
        return Err(ApiError::with_message(
            Code::InvalidParameter,
            format!("The specified parameter \"MaxResults\" is not valid. It should be between {min} and {max}."),
        ));
    }
    let after = match params.opt_str("NextToken") {
        None => None,
        Some(token) => Some(Cursor::decode(token).ok_or(Code::InvalidNextToken)?),
    };
    Ok(Page { max_results, after })
}

/// `PageNumber` (from 1) and `PageSize` (1–100, default 10); out of range `400 InvalidParameter`.
pub fn number_page(params: &Params) -> ApiResult<NumberPage> {
    number_page_with_default(params, limits::DEFAULT_PAGE_SIZE)
}

/// Like [`number_page`] for an action whose `PageSize` has another default.
pub fn number_page_with_default(params: &Params, default_size: i64) -> ApiResult<NumberPage> {
    let number = params.opt_i64("PageNumber")?.unwrap_or(1);
    if number < 1 {
        return Err(ApiError::invalid_param("PageNumber"));
    }
    let size = params.opt_i64("PageSize")?.unwrap_or(default_size);
    let (min, max) = limits::PAGE_SIZE;
    if !(min..=max).contains(&size) {
        return Err(ApiError::invalid_param("PageSize"));
    }
    Ok(NumberPage { number, size })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(query: &str) -> Result<usize, String> {
        tags(&Params::from_urlencoded(query.as_bytes()), "Tag").map(|t| t.len()).map_err(|e| e.code_str().to_string())
    }

    #[test]
    fn valid_tags_parse_including_empty_values() {
        assert_eq!(codes("Tag.1.Key=env&Tag.1.Value=&Tag.2.Key=team&Tag.2.Value=x"), Ok(2));
    }

    #[test]
    fn each_rule_has_its_code() {
        assert_eq!(codes("Tag.1.Value=x"), Err("InvalidTagKey.Malformed".into()));
        assert_eq!(codes("Tag.1.Key=aliyunX"), Err("InvalidTagKey.Malformed".into()));
        assert_eq!(codes("Tag.1.Key=acs:x"), Err("InvalidTagKey.Malformed".into()));
        assert_eq!(codes(&format!("Tag.1.Key={}", "k".repeat(129))), Err("InvalidTagKey.Malformed".into()));
        assert_eq!(codes("Tag.1.Key=k&Tag.1.Value=http://x"), Err("InvalidTagValue.Malformed".into()));
        assert_eq!(
            codes(&format!("Tag.1.Key=k&Tag.1.Value={}", "v".repeat(129))),
            Err("InvalidTagValue.Malformed".into())
        );
        assert_eq!(codes("Tag.1.Key=k&Tag.2.Key=k"), Err("Duplicate.TagKey".into()));
        assert_eq!(codes("Tag.1.Key=Env&Tag.2.Key=env"), Err("TagKey.Duplication".into()));
        let many: Vec<String> = (1..=21).map(|i| format!("Tag.{i}.Key=k{i}")).collect();
        assert_eq!(codes(&many.join("&")), Err("NumberExceed.Tags".into()));
        let twenty: Vec<String> = (1..=20).map(|i| format!("Tag.{i}.Key=k{i}")).collect();
        assert_eq!(codes(&twenty.join("&")), Ok(20));
    }

    #[test]
    fn max_results_bounds() {
        let parse = |q: &str| {
            page(&Params::from_urlencoded(q.as_bytes())).map(|p| p.max_results).map_err(|e| e.code_str().to_string())
        };
        assert_eq!(parse(""), Ok(50));
        assert_eq!(parse("MaxResults=1"), Ok(1));
        assert_eq!(parse("MaxResults=500"), Ok(500));
        assert_eq!(parse("MaxResults=0"), Err("InvalidParameter".into()));
        assert_eq!(parse("MaxResults=501"), Err("InvalidParameter".into()));
        assert_eq!(parse("NextToken=nope"), Err("Invalid.NextToken".into()));
    }
}
