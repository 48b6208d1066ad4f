//! Component versions `major.minor.patch` (docs/reference.md §7.1): parsing, numeric order, the default
//! version of a new component of an existing name, and the DescribeImageComponents version filter
//! (one `*` at most, docs/reference.md §6.4).
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::template::VersionPattern;

/// A component version `<major>.<minor>.<patch>` (non-negative integers). Ordered numerically,
/// position by position, which is how the highest version matching a wildcard is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// The version of the first component of a name: `1.0.0`.
    pub const FIRST: Version = Version { major: 1, minor: 0, patch: 0 };

    /// Parses `x.y.z` with three non-negative integers (leading zeros allowed, `01` is `1`).
    pub fn parse(text: &str) -> Option<Version> {
        let [major, minor, patch] = positions(text)?;
        Some(Version { major: major?, minor: minor?, patch: patch? })
    }

    /// The default version of a new component whose name already has `self` as its highest
    /// version: `(x+1).0.0` (docs/reference.md §7.1). `None` when the major version cannot grow.
    pub fn next_major(self) -> Option<Version> {
        self.major.checked_add(1).map(|major| Version { major, minor: 0, patch: 0 })
    }

    pub fn matches(&self, pattern: &VersionPattern) -> bool {
        pattern.matches(self.major, self.minor, self.patch)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The three positions of `a.b.c`, each a number or `*` (`None`); `None` overall when malformed.
fn positions(text: &str) -> Option<[Option<u32>; 3]> {
    let mut parts = text.split('.');
    let mut out = [None; 3];
    for slot in &mut out {
        let part = parts.next()?;
        *slot = if part == "*" {
            None
        } else if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            Some(part.parse().ok()?)
        } else {
            return None;
        };
    }
    parts.next().is_none().then_some(out)
}

/// The `ComponentVersion` filter of DescribeImageComponents: `x.y.z` where at most one position
/// is `*` (docs/reference.md §6.4: "set one of <major>, <minor>, <patch> to `*`").
pub fn parse_version_filter(text: &str) -> Option<VersionPattern> {
    let [major, minor, patch] = positions(text)?;
    let wildcards = [major, minor, patch].iter().filter(|p| p.is_none()).count();
    (wildcards <= 1).then_some(VersionPattern { major, minor, patch })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_compare_and_grow() {
        assert_eq!(Version::parse("1.20.3"), Some(Version { major: 1, minor: 20, patch: 3 }));
        assert_eq!(Version::parse("01.0.0"), Some(Version::FIRST));
        for bad in ["1.0", "1.0.0.0", "1.*.0", "a.b.c", "-1.0.0", "1..0", "", "4294967296.0.0", " 1.0.0"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        assert!(Version::parse("1.10.0") > Version::parse("1.9.9"));
        assert_eq!(
            Version { major: 2, minor: 5, patch: 1 }.next_major(),
            Some(Version { major: 3, minor: 0, patch: 0 })
        );
        assert_eq!(Version { major: u32::MAX, minor: 0, patch: 0 }.next_major(), None);
        assert_eq!(Version::FIRST.to_string(), "1.0.0");
    }

    #[test]
    fn the_version_filter_allows_at_most_one_wildcard() {
        assert_eq!(parse_version_filter("1.*.3"), Some(VersionPattern { major: Some(1), minor: None, patch: Some(3) }));
        assert!(parse_version_filter("1.2.3").is_some());
        assert_eq!(parse_version_filter("1.*.*"), None);
        assert_eq!(parse_version_filter("1.x.3"), None);
    }
}
