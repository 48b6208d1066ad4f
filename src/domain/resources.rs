//! Rules of the resource-wide APIs (tags, resource groups): every named resource must be the
//! tenant's, tag keys are unique per resource (case-insensitively) and at most
//! [`limits::MAX_TAGS`] per resource, and a resource joins only a group it is not in.

use std::collections::HashSet;

use super::limits;
use super::refusal::Refusal;
use super::tags::Tag;

/// Every ID of `ids` must be in `found` (the tenant's resources among them).
pub fn check_all_found(ids: &[String], found: &HashSet<String>) -> Result<(), Refusal> {
    let missing: Vec<String> = ids.iter().filter(|id| !found.contains(*id)).cloned().collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal::ResourcesNotFound { ids: missing })
    }
}

/// Adding `tags` to resource `id` that has `existing` keys: a new key may not differ from an
/// existing one in letter case only, and the resource may not end up with more than 20 tags.
pub fn check_tagging(id: &str, existing: &[String], tags: &[Tag]) -> Result<(), Refusal> {
    if let Some(tag) =
        tags.iter().find(|t| existing.iter().any(|k| *k != t.key && k.to_lowercase() == t.key.to_lowercase()))
    {
        return Err(Refusal::TagKeyDuplication { id: id.to_string(), key: tag.key.clone() });
    }
    let added = tags.iter().filter(|t| !existing.contains(&t.key)).count();
    if existing.len() + added > limits::MAX_TAGS {
        return Err(Refusal::TagQuota { id: id.to_string(), count: existing.len() + added, max: limits::MAX_TAGS });
    }
    Ok(())
}

/// JoinResourceGroup: the resource must be the tenant's (`current`: `None` if not; `Some(None)`
/// for a resource that never joined a group, which is in `default_group`) and not in `group`.
pub fn check_join(id: &str, current: Option<Option<String>>, group: &str, default_group: &str) -> Result<(), Refusal> {
    let Some(current) = current else {
        return Err(Refusal::ResourceNotFound { id: id.to_string() });
    };
    if current.as_deref().unwrap_or(default_group) == group {
        return Err(Refusal::ResourceGroupDuplicate { id: id.to_string(), group: group.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_and_join_rules() {
        let tag = |k: &str| Tag { key: k.into(), value: String::new() };
        assert!(matches!(check_tagging("r", &["Env".into()], &[tag("env")]), Err(Refusal::TagKeyDuplication { .. })));
        assert!(check_tagging("r", &["Env".into()], &[tag("Env")]).is_ok());
        let existing: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
        assert!(matches!(check_tagging("r", &existing, &[tag("new")]), Err(Refusal::TagQuota { count: 21, .. })));
        let found: HashSet<String> = ["a".to_string()].into();
        assert_eq!(
            check_all_found(&["a".into(), "b".into()], &found),
            Err(Refusal::ResourcesNotFound { ids: vec!["b".into()] })
        );
        assert!(matches!(check_join("i", None, "g", "d"), Err(Refusal::ResourceNotFound { .. })));
        assert!(matches!(check_join("i", Some(None), "d", "d"), Err(Refusal::ResourceGroupDuplicate { .. })));
        assert!(check_join("i", Some(Some("x".into())), "d", "d").is_ok());
    }
}
