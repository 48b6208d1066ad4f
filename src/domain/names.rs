//! Name-like parameter rules shared by templates, components and images (docs/reference.md §2.11, §3.1.1):
//! `Name`, `Description`, the image name prefix and the image family.

use super::limits;

fn starts_with_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn char_count_within(s: &str, (min, max): (usize, usize)) -> bool {
    let n = s.chars().count();
    (min..=max).contains(&n)
}

/// A letter or a Chinese (any non-ASCII alphabetic) character: the allowed first character.
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

fn name_like(s: &str, bounds: (usize, usize), extra: &[char]) -> bool {
    char_count_within(s, bounds)
        && !starts_with_url(s)
        && s.chars().next().is_some_and(is_letter)
        && s.chars().all(|c| is_letter(c) || c.is_ascii_digit() || extra.contains(&c))
}

/// Template/component `Name`: 2–128 characters, starts with a letter or Chinese character, then
/// letters, digits, `:`, `_`, `.`, `-`; not `http(s)://`.
pub fn is_valid_name(s: &str) -> bool {
    name_like(s, limits::NAME_CHARS, &[':', '_', '.', '-'])
}

/// `Description`: 2–256 characters, not starting with `http(s)://`.
pub fn is_valid_description(s: &str) -> bool {
    char_count_within(s, limits::DESCRIPTION_CHARS) && !starts_with_url(s)
}

/// `ImageOptions.ImageName` / deprecated `ImageName`: as `Name`, but 2–64 characters.
pub fn is_valid_image_name(s: &str) -> bool {
    name_like(s, limits::IMAGE_NAME_CHARS, &[':', '_', '.', '-'])
}

/// `ImageOptions.ImageFamily` / deprecated `ImageFamily`: 2–128 characters, starts with a letter or
/// Chinese character, letters, digits, `:`, `_`, `-` (no `.`), not `aliyun`/`acs:`, no URL.
pub fn is_valid_image_family(s: &str) -> bool {
    name_like(s, limits::IMAGE_FAMILY_CHARS, &[':', '_', '-'])
        && !s.starts_with("aliyun")
        && !s.starts_with("acs:")
        && !s.contains("http://")
        && !s.contains("https://")
}

/// An ECS image name (`CopyImage DestinationImageName`, `ModifyImageAttribute ImageName`): 2–128
/// characters, starts with a letter or Chinese character, then letters, digits, `.`, `:`, `_`,
/// `-`; not starting with `aliyun` or `acs:`; no `http(s)://` (SDK model docstrings).
pub fn is_valid_ecs_image_name(s: &str) -> bool {
    name_like(s, limits::NAME_CHARS, &[':', '_', '.', '-'])
        && !s.starts_with("aliyun")
        && !s.starts_with("acs:")
        && !s.contains("http://")
        && !s.contains("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_rules() {
        assert!(is_valid_name("ab"));
        assert!(is_valid_ecs_image_name("golden-1.2_x:y"));
        assert!(!is_valid_ecs_image_name("aliyun-copy"));
        assert!(!is_valid_ecs_image_name("1copy"));
        assert!(!is_valid_ecs_image_name(&"a".repeat(129)));
        assert!(is_valid_name("测试模板"));
        assert!(is_valid_name("my-template_1.0:x"));
        assert!(is_valid_name(&"a".repeat(128)));
        assert!(!is_valid_name("a"));
        assert!(!is_valid_name(&"a".repeat(129)));
        assert!(!is_valid_name("1abc"));
        assert!(!is_valid_name("ab cd"));
        assert!(!is_valid_name("http://x"));
    }

    #[test]
    fn descriptions_follow_the_documented_rules() {
        assert!(is_valid_description("a description with spaces"));
        assert!(!is_valid_description("a"));
        assert!(is_valid_description(&"d".repeat(256)));
        assert!(!is_valid_description(&"d".repeat(257)));
        assert!(!is_valid_description("https://example.com"));
    }

    #[test]
    fn image_names_and_families_follow_the_documented_rules() {
        assert!(is_valid_image_name(&"a".repeat(64)));
        assert!(!is_valid_image_name(&"a".repeat(65)));
        assert!(is_valid_image_family("my-family:v1"));
        assert!(!is_valid_image_family("my.family"));
        assert!(!is_valid_image_family("aliyun-family"));
        assert!(!is_valid_image_family("acs:family"));
    }
}
