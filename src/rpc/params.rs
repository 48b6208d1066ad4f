//! The flattened RPC parameter map (docs/reference.md §P2, docs/reference.md §2.4): query string ∪ form body,
//! percent-decoded, with typed accessors for scalars, 1-based lists (`ToRegionId.N`) and lists of
//! objects (`Tag.N.Key`, `ImportImageOptions.DiskDeviceMappings.N.OSSBucket`).
//!
//! Indices may be sparse or unordered; items are returned sorted by their numeric index. Any type
//! error is `400 InvalidParameter` naming the parameter.

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult};

/// Decoded request parameters, keyed by their wire name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    map: BTreeMap<String, String>,
    /// For a sub-map made by [`Params::object`], the dotted prefix it was taken from, so errors
    /// name the full wire parameter (`AdvancedOptions.RetainCloudAssistant`).
    prefix: String,
}

impl Params {
    /// Decodes an `application/x-www-form-urlencoded` string (query strings use the same rules:
    /// `+` is a space, `%XX` is a byte; invalid UTF-8 becomes U+FFFD rather than an error).
    pub fn from_urlencoded(input: &[u8]) -> Self {
        let mut params = Params::default();
        params.merge_urlencoded(input);
        params
    }

    /// Adds the pairs of `input`; a key already present is replaced (the form body wins).
    pub fn merge_urlencoded(&mut self, input: &[u8]) {
        for (key, value) in form_urlencoded::parse(input) {
            self.map.insert(key.into_owned(), value.into_owned());
        }
    }

    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.map.insert(key.into(), value.into());
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The raw value, even when empty (`Tag.2.Value=` is a real, empty value).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// An optional scalar; an empty value counts as absent, as SDKs omit unset fields.
    pub fn opt_str(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    /// A required scalar: absent or empty is `400 Missing<Name>`.
    pub fn required_str(&self, name: &str) -> ApiResult<&str> {
        self.opt_str(name).ok_or_else(|| ApiError::missing(&self.full_name(name)))
    }

    /// The wire name of a parameter of this map (with the prefix of a sub-map).
    pub fn full_name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// An optional decimal integer.
    pub fn opt_i64(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.opt_str(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| ApiError::invalid_param(&self.full_name(name))),
        }
    }

    /// An optional boolean, in any case (`True`, `false`, `TRUE`).
    pub fn opt_bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.opt_str(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_param(&self.full_name(name))),
        }
    }

    /// True when any parameter lives under `prefix.` (e.g. `ImportImageOptions`).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        let dotted = format!("{prefix}.");
        self.map.range(dotted.clone()..).next().is_some_and(|(k, _)| k.starts_with(&dotted))
    }

    /// A sub-map of every parameter under `prefix.`, with the prefix removed
    /// (`ImageOptions.ImageName` → `ImageName`).
    pub fn object(&self, prefix: &str) -> Params {
        let dotted = format!("{prefix}.");
        let map = self
            .map
            .range(dotted.clone()..)
            .take_while(|(k, _)| k.starts_with(&dotted))
            .map(|(k, v)| (k[dotted.len()..].to_string(), v.clone()))
            .collect();
        Params { map, prefix: self.full_name(&dotted) }
    }

    /// A 1-based list of scalars, `prefix.N=value`, sorted by N. Empty values are kept.
    pub fn list(&self, prefix: &str) -> ApiResult<Vec<String>> {
        let mut items: BTreeMap<u32, String> = BTreeMap::new();
        for (rest, value) in self.object(prefix).map {
            if rest.contains('.') {
                continue; // `prefix.N.Field` belongs to a list of objects, not this list
            }
            let index = parse_index(&rest)
                .ok_or_else(|| ApiError::invalid_param(&self.full_name(&format!("{prefix}.{rest}"))))?;
            items.insert(index, value);
        }
        Ok(items.into_values().collect())
    }

    /// A 1-based list of objects, `prefix.N.Field=value`, sorted by N.
    pub fn objects(&self, prefix: &str) -> ApiResult<Vec<Params>> {
        let mut items: BTreeMap<u32, Params> = BTreeMap::new();
        for (rest, value) in self.object(prefix).map {
            let Some((index, field)) = rest.split_once('.') else {
                continue; // a scalar list item, not an object
            };
            let index = parse_index(index)
                .ok_or_else(|| ApiError::invalid_param(&self.full_name(&format!("{prefix}.{rest}"))))?;
            let item_prefix = self.full_name(&format!("{prefix}.{index}."));
            items
                .entry(index)
                .or_insert_with(|| Params { map: BTreeMap::new(), prefix: item_prefix })
                .map
                .insert(field.to_string(), value);
        }
        Ok(items.into_values().collect())
    }
}

/// A list index: a positive decimal number (1-based; `0`, signs and other text are refused).
fn parse_index(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|n| *n >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &str) -> Params {
        Params::from_urlencoded(s.as_bytes())
    }

    #[test]
    fn scalars_are_percent_and_plus_decoded() {
        let p = params("Name=a+b%20c&BuildContent=RUN%20echo%0ARUN%20x&Star=%2A");
        assert_eq!(p.opt_str("Name"), Some("a b c"));
        assert_eq!(p.opt_str("BuildContent"), Some("RUN echo\nRUN x"));
        assert_eq!(p.opt_str("Star"), Some("*"));
    }

    #[test]
    fn empty_scalar_is_absent_but_raw_value_is_kept() {
        let p = params("Name=&Tag.1.Value=");
        assert_eq!(p.opt_str("Name"), None);
        assert_eq!(p.raw("Tag.1.Value"), Some(""));
        assert_eq!(p.required_str("Name").map_err(|e| e.code_str().to_string()), Err("MissingName".into()));
    }

    #[test]
    fn later_merge_wins() {
        let mut p = params("Name=query");
        p.merge_urlencoded(b"Name=body");
        assert_eq!(p.opt_str("Name"), Some("body"));
    }

    #[test]
    fn booleans_parse_in_any_case() {
        let p = params("a=True&b=false&c=TRUE&d=maybe");
        assert_eq!(p.opt_bool("a").ok(), Some(Some(true)));
        assert_eq!(p.opt_bool("b").ok(), Some(Some(false)));
        assert_eq!(p.opt_bool("c").ok(), Some(Some(true)));
        let err = p.opt_bool("d").err().map(|e| (e.code_str().to_string(), e.message().to_string()));
        assert_eq!(err, Some(("InvalidParameter".into(), "The specified parameter \"d\" is not valid.".into())));
    }

    #[test]
    fn non_numbers_are_invalid_parameter_naming_the_parameter() {
        let p = params("SystemDiskSize=abc");
        let err = p.opt_i64("SystemDiskSize").err().map(|e| e.message().to_string());
        assert_eq!(err.as_deref(), Some("The specified parameter \"SystemDiskSize\" is not valid."));
    }

    #[test]
    fn sparse_unordered_lists_are_sorted_by_index() {
        let p = params("ToRegionId.10=c&ToRegionId.2=b&ToRegionId.1=a");
        assert_eq!(p.list("ToRegionId").ok(), Some(vec!["a".into(), "b".into(), "c".into()]));
    }

    #[test]
    fn list_of_objects_groups_fields_by_index() {
        let p = params("Tag.2.Key=k2&Tag.1.Key=k1&Tag.1.Value=v1&Tag.2.Value=");
        let tags = p.objects("Tag").unwrap_or_default();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].raw("Key"), Some("k1"));
        assert_eq!(tags[0].raw("Value"), Some("v1"));
        assert_eq!(tags[1].raw("Key"), Some("k2"));
        assert_eq!(tags[1].raw("Value"), Some(""));
    }

    #[test]
    fn nested_objects_and_lists_decode() {
        let p = params(
            "ImportImageOptions.DiskDeviceMappings.1.OSSBucket=b&ImportImageOptions.Features.NvmeSupport=supported&ImageOptions.ImageTags.1.Key=ik",
        );
        let import = p.object("ImportImageOptions");
        let disks = import.objects("DiskDeviceMappings").unwrap_or_default();
        assert_eq!(disks[0].raw("OSSBucket"), Some("b"));
        assert_eq!(import.object("Features").raw("NvmeSupport"), Some("supported"));
        assert!(p.has_prefix("ImageOptions"));
        assert!(!p.has_prefix("Image"));
        let image_tags = p.object("ImageOptions").objects("ImageTags").unwrap_or_default();
        assert_eq!(image_tags[0].raw("Key"), Some("ik"));
    }

    #[test]
    fn errors_in_sub_maps_name_the_full_parameter() {
        let p =
            params("AdvancedOptions.RetainCloudAssistant=yes&ImportImageOptions.DiskDeviceMappings.2.DiskImageSize=x");
        let err = p.object("AdvancedOptions").opt_bool("RetainCloudAssistant").err().map(|e| e.message().to_string());
        assert_eq!(
            err.as_deref(),
            Some("The specified parameter \"AdvancedOptions.RetainCloudAssistant\" is not valid.")
        );
        let disks = p.object("ImportImageOptions").objects("DiskDeviceMappings").unwrap_or_default();
        let err = disks[0].opt_i64("DiskImageSize").err().map(|e| e.message().to_string());
        assert_eq!(
            err.as_deref(),
            Some("The specified parameter \"ImportImageOptions.DiskDeviceMappings.2.DiskImageSize\" is not valid.")
        );
    }

    #[test]
    fn bad_indices_are_invalid_parameter() {
        for bad in ["Tag.0.Key=k", "Tag.x.Key=k", "Tag.-1.Key=k", "Tag.99999999999.Key=k"] {
            assert!(params(bad).objects("Tag").is_err(), "{bad}");
        }
        assert!(params("ToRegionId.a=x").list("ToRegionId").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_list_round_trips_through_the_wire_encoding(values in proptest::collection::vec("\\PC*", 0..30)) {
            let mut encoder = form_urlencoded::Serializer::new(String::new());
            for (i, v) in values.iter().enumerate().rev() {
                encoder.append_pair(&format!("AddAccount.{}", i + 1), v);
            }
            let decoded = Params::from_urlencoded(encoder.finish().as_bytes()).list("AddAccount");
            proptest::prop_assert_eq!(decoded.ok(), Some(values));
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let p = Params::from_urlencoded(&bytes);
            let _ = p.objects("Tag");
            let _ = p.list("ToRegionId");
            let _ = p.opt_i64("SystemDiskSize");
        }
    }
}
