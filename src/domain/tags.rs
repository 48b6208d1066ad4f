//! Tag rules, written once and shared by every action that takes `Tag.N` (docs/reference.md §2.11, §7.4):
//! at most 20, keys 1–128 characters not starting with `aliyun`/`acs:`, values 0–128 characters,
//! no `http(s)://` in either, no duplicate keys. Reading them from a request is `actions::wire`.

use serde::{Deserialize, Serialize};

use super::limits;

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

/// A tag filter of a Describe action: a key, and a value to match unless none was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    pub key: String,
    pub value: Option<String>,
}
