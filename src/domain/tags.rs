//! Tag rules, written once and shared by every action that takes `Tag.N` (api-spec §2.11, §7.4):
//! at most 20, keys 1–128 characters not starting with `aliyun`/`acs:`, values 0–128 characters,
//! no `http(s)://` in either, no duplicate keys.

use serde::{Deserialize, Serialize};

use super::limits;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// One resource tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

fn has_url(s: &str) -> bool {
    s.contains("http://") || s.contains("https://")
}

pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= limits::MAX_TAG_KEY_CHARS
        && !key.starts_with("aliyun")
        && !key.starts_with("acs:")
        && !has_url(key)
}

pub fn is_valid_value(value: &str) -> bool {
    value.chars().count() <= limits::MAX_TAG_VALUE_CHARS && !value.starts_with("acs:") && !has_url(value)
}

/// Parses `prefix.N.Key` / `prefix.N.Value` tags to be set on a resource: every rule applies.
pub fn parse_tags(params: &Params, prefix: &str) -> ApiResult<Vec<Tag>> {
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

/// A tag filter of a Describe action: a key, and a value to match unless none was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    pub key: String,
    pub value: Option<String>,
}

/// Parses `Tag.N` filters: at most 20; a filter needs a key.
pub fn parse_filters(params: &Params) -> ApiResult<Vec<TagFilter>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(query: &str) -> Result<usize, String> {
        parse_tags(&Params::from_urlencoded(query.as_bytes()), "Tag")
            .map(|t| t.len())
            .map_err(|e| e.code_str().to_string())
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
}
