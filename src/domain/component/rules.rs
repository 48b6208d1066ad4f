//! The rules of creating and deleting custom components: the per-region quota, which version a
//! new component gets, and the in-use check of a delete. Pure: the action reads what they need in
//! its write transaction.

use super::{is_used_by, Component, Version};
use crate::domain::pipeline::Pipeline;
use crate::domain::refusal::Refusal;

/// Which version a new component gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionChoice {
    /// `ComponentVersion` as given; `403 InvalidComponentVersion.Exist` if the name has it.
    Given(Version),
    /// `(x+1).0.0` where x is the highest major version of the name, `1.0.0` for a new name.
    NextMajor,
}

/// The per-region component quota (`--component-quota`; `None`: no quota).
pub fn check_quota(count: u64, quota: Option<u64>) -> Result<(), Refusal> {
    match quota {
        Some(quota) if count >= quota => Err(Refusal::ComponentQuota { quota }),
        _ => Ok(()),
    }
}

/// The version a new component `name` gets: for [`VersionChoice::NextMajor`], the major after
/// `highest` (the name's highest version, if any); a given version must not be `taken`.
pub fn next_version(
    name: &str,
    choice: VersionChoice,
    highest: Option<Version>,
    taken: bool,
) -> Result<Version, Refusal> {
    match choice {
        VersionChoice::NextMajor => match highest {
            None => Ok(Version::FIRST),
            Some(h) => h.next_major().ok_or_else(|| Refusal::ComponentMajorExhausted { name: name.into(), highest: h }),
        },
        VersionChoice::Given(v) if taken => Err(Refusal::ComponentVersionExists { name: name.into(), version: v }),
        VersionChoice::Given(v) => Ok(v),
    }
}

/// A component cannot be deleted while a template of the tenant (`templates`, oldest first)
/// references it.
pub fn check_unused(component: &Component, templates: &[Pipeline]) -> Result<(), Refusal> {
    match templates.iter().find(|p| is_used_by(component, p.build_content.as_deref(), p.test_content.as_deref())) {
        Some(p) => Err(Refusal::ComponentInUse { id: component.id.clone(), pipeline_id: p.id.clone() }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_quota() {
        let v = |major| Version { major, minor: 0, patch: 0 };
        assert_eq!(next_version("n", VersionChoice::NextMajor, None, false), Ok(Version::FIRST));
        assert_eq!(next_version("n", VersionChoice::NextMajor, Some(v(3)), false), Ok(v(4)));
        assert_eq!(next_version("n", VersionChoice::Given(v(2)), None, false), Ok(v(2)));
        assert!(matches!(
            next_version("n", VersionChoice::Given(v(2)), None, true),
            Err(Refusal::ComponentVersionExists { .. })
        ));
        assert!(check_quota(1, Some(2)).is_ok() && check_quota(5, None).is_ok());
        assert_eq!(check_quota(2, Some(2)), Err(Refusal::ComponentQuota { quota: 2 }));
    }
}
