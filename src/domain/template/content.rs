//! The content rules of each command (`RUN` quotes, `ENV`/`LABEL` pairs, `COPY`, `USER`, `FROM`,
//! exec/shell forms, `COMPONENT` references and version patterns) and the small readers they share
//! (quoted words, JSON string arrays). Every function returns the reason a content is invalid.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]

use std::iter::Peekable;
use std::str::Chars;

use super::{ComponentRef, Keyword, TemplateError, VersionPattern};

/// A shell script must close every quote it opens (the check `bash -n` would make). Emulator
/// rule giving `InvalidCommandContent.RUN` a meaning: an unterminated quote cannot run.
pub(super) fn check_shell_quotes(script: &str) -> Result<(), String> {
    let mut open: Option<char> = None;
    let mut chars = script.chars();
    while let Some(c) = chars.next() {
        match (open, c) {
            // Inside single quotes nothing is special but the closing quote.
            (Some('\''), '\'') => open = None,
            (Some('\''), _) => {}
            // Elsewhere a backslash escapes the next character.
            (_, '\\') => {
                chars.next();
            }
            (Some('"'), '"') => open = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => open = Some(c),
            (None, _) => {}
        }
    }
    match open {
        Some(q) => Err(format!("the shell script has an unterminated {q} quote")),
        None => Ok(()),
    }
}

pub(super) fn require_content(line: usize, keyword: Keyword, content: &str) -> Result<(), TemplateError> {
    if content.is_empty() {
        Err(TemplateError::EmptyContent { line, keyword })
    } else {
        Ok(())
    }
}

pub(super) fn invalid(line: usize, keyword: Keyword, reason: String) -> TemplateError {
    TemplateError::InvalidContent { line, keyword, reason }
}

// ---------------------------------------------------------------------------------------------
// Lexing helpers
// ---------------------------------------------------------------------------------------------

pub(super) struct Cursor<'a> {
    pub(super) chars: Peekable<Chars<'a>>,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { chars: s.chars().peekable() }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        self.chars.next()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// True at end of input or before whitespace.
    fn at_boundary(&mut self) -> bool {
        self.peek().is_none_or(char::is_whitespace)
    }
}

/// Reads a double-quoted string whose opening quote was already consumed. Inside, `\"` and `\\`
/// are escapes; any other backslash is literal.
pub(super) fn read_quoted(cursor: &mut Cursor<'_>) -> Result<String, String> {
    let mut out = String::new();
    loop {
        match cursor.bump() {
            None => return Err("a double-quoted string is not terminated".to_string()),
            Some('"') => return Ok(out),
            Some('\\') => match cursor.peek() {
                Some(c @ ('"' | '\\')) => {
                    cursor.bump();
                    out.push(c);
                }
                _ => out.push('\\'),
            },
            Some(c) => out.push(c),
        }
    }
}

/// A whitespace-separated word; double-quoted parts may contain whitespace.
pub(super) struct Word {
    pub(super) text: String,
    pub(super) quoted: bool,
}

pub(super) fn split_words(s: &str) -> Result<Vec<Word>, String> {
    let mut cursor = Cursor::new(s);
    let mut words = Vec::new();
    loop {
        cursor.skip_whitespace();
        if cursor.peek().is_none() {
            return Ok(words);
        }
        let mut text = String::new();
        let mut quoted = false;
        while let Some(c) = cursor.peek() {
            if c.is_whitespace() {
                break;
            }
            cursor.bump();
            if c == '"' {
                quoted = true;
                text.push_str(&read_quoted(&mut cursor)?);
            } else {
                text.push(c);
            }
        }
        words.push(Word { text, quoted });
    }
}

/// Rules for `key=value` lists (`ENV` multi-pair form and `LABEL`).
#[derive(Clone, Copy)]
pub(super) struct PairRules {
    pub(super) quotes_required: bool,
    pub(super) key_ok: fn(&str) -> bool,
    pub(super) key_rule: &'static str,
}

impl PairRules {
    pub(super) const ENV: PairRules = PairRules {
        quotes_required: true,
        key_ok: is_env_key,
        key_rule: "keys must start with a letter or '_' and contain only letters, digits and '_'",
    };
    pub(super) const LABEL: PairRules = PairRules {
        quotes_required: false,
        key_ok: is_label_key,
        key_rule: "keys must be non-empty and must not contain whitespace, '=' or '\"'",
    };
}

pub(super) fn is_env_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn is_label_key(key: &str) -> bool {
    !key.is_empty() && !key.chars().any(|c| c.is_whitespace() || c == '=' || c == '"')
}

/// Parses `k1=v1 k2="v 2" ...` (at least one pair).
pub(super) fn parse_pairs(s: &str, rules: PairRules) -> Result<Vec<(String, String)>, String> {
    let mut cursor = Cursor::new(s);
    let mut pairs = Vec::new();
    loop {
        cursor.skip_whitespace();
        if cursor.peek().is_none() {
            break;
        }
        let mut key = String::new();
        loop {
            match cursor.peek() {
                Some('=') => {
                    cursor.bump();
                    break;
                }
                Some(c) if !c.is_whitespace() => {
                    cursor.bump();
                    key.push(c);
                }
                _ => return Err(format!("\"{key}\" is not a key=value pair (missing '=')")),
            }
        }
        if !(rules.key_ok)(&key) {
            return Err(format!("invalid key \"{key}\": {}", rules.key_rule));
        }
        let value = if cursor.peek() == Some('"') {
            cursor.bump();
            let value = read_quoted(&mut cursor)?;
            if !cursor.at_boundary() {
                return Err(format!("the closing quote of the value of \"{key}\" must be followed by whitespace"));
            }
            value
        } else if rules.quotes_required {
            return Err(format!("the value of \"{key}\" must be enclosed in double quotes"));
        } else {
            let mut value = String::new();
            while !cursor.at_boundary() {
                match cursor.bump() {
                    Some('"') => return Err(format!("the value of \"{key}\" contains a stray double quote")),
                    Some(c) => value.push(c),
                    None => break,
                }
            }
            value
        };
        pairs.push((key, value));
    }
    if pairs.is_empty() {
        return Err("at least one key=value pair is required".to_string());
    }
    Ok(pairs)
}

// ---------------------------------------------------------------------------------------------
// Per-command content rules
// ---------------------------------------------------------------------------------------------

/// `ENV key value` (value = rest of the content) or `ENV k1="v1" k2="v2"` (first token has `=`).
pub(super) fn parse_env(content: &str) -> Result<Vec<(String, String)>, String> {
    let (first, rest) = match content.split_once(char::is_whitespace) {
        Some((first, rest)) => (first, rest.trim()),
        None => (content, ""),
    };
    if first.contains('=') {
        return parse_pairs(content, PairRules::ENV);
    }
    if !is_env_key(first) {
        return Err(format!("invalid key \"{first}\": {}", PairRules::ENV.key_rule));
    }
    if rest.is_empty() {
        return Err(format!("ENV <key> <value> requires a value for \"{first}\" (or use key=\"value\")"));
    }
    Ok(vec![(first.to_string(), rest.to_string())])
}

/// `COPY <source> <destination>`; returns (source, dest, source_is_url).
pub(super) fn parse_copy(content: &str) -> Result<(String, String, bool), String> {
    let tokens: Vec<&str> = content.split_whitespace().collect();
    let [source, dest] = tokens.as_slice() else {
        return Err("COPY takes exactly two arguments: <source> <destination>".to_string());
    };
    let source_is_url = match http_url_rest(source) {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if host.is_empty() {
                return Err(format!("the source URL \"{source}\" has no host"));
            }
            if source.contains('?') {
                return Err(format!("URLs with a query string are not supported (\"{source}\")"));
            }
            true
        }
        None if source.contains("://") => {
            return Err(format!("only http:// and https:// URLs are supported as a source (\"{source}\")"))
        }
        None => false,
    };
    if http_url_rest(dest).is_some() || dest.contains("://") {
        return Err(format!("the destination must be a local path, not a URL (\"{dest}\")"));
    }
    Ok((source.to_string(), dest.to_string(), source_is_url))
}

/// If `s` starts with `http://` or `https://` (scheme case-insensitive), the part after it.
pub(super) fn http_url_rest(s: &str) -> Option<&str> {
    ["http://", "https://"].iter().find_map(|scheme| {
        let head = s.get(..scheme.len())?;
        if head.eq_ignore_ascii_case(scheme) {
            s.get(scheme.len()..)
        } else {
            None
        }
    })
}

/// `USER <username>`: `[a-z_][a-z0-9_-]*\$?`, at most 32 characters.
pub(super) fn validate_user(content: &str) -> Result<(), String> {
    const RULE: &str = "the user name must be one token of at most 32 characters matching [a-z_][a-z0-9_-]*$? (optionally ending with '$')";
    if content.chars().any(char::is_whitespace) {
        return Err(format!("USER takes exactly one user name; {RULE}"));
    }
    let body = content.strip_suffix('$').unwrap_or(content);
    let mut chars = body.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if first_ok && rest_ok && content.len() <= 32 {
        Ok(())
    } else {
        Err(format!("\"{content}\" is not a valid user name; {RULE}"))
    }
}

/// `FROM IMAGE:<id>` or `FROM IMAGE_FAMILY:<family>`.
pub(super) fn parse_from(content: &str) -> Result<(String, String), String> {
    const RULE: &str = "expected IMAGE:<imageId> or IMAGE_FAMILY:<imageFamily>";
    if content.chars().any(char::is_whitespace) {
        return Err(format!("FROM takes exactly one argument; {RULE}"));
    }
    let Some((kind, image)) = content.split_once(':') else {
        return Err(format!("\"{content}\" has no base image type; {RULE}"));
    };
    if kind != "IMAGE" && kind != "IMAGE_FAMILY" {
        return Err(format!("unsupported base image type \"{kind}\"; {RULE}"));
    }
    if image.is_empty() {
        return Err(format!("the base image is empty; {RULE}"));
    }
    Ok((kind.to_string(), image.to_string()))
}

/// `CMD`/`ENTRYPOINT` content: exec form when it starts with `[`, shell form otherwise.
pub(super) fn parse_exec_or_shell(content: &str) -> Result<(Vec<String>, Option<String>), String> {
    if content.starts_with('[') {
        let exec = parse_json_string_array(content)?;
        Ok((exec, None))
    } else {
        Ok((Vec::new(), Some(content.to_string())))
    }
}

pub(super) fn skip_json_whitespace(cursor: &mut Cursor<'_>) {
    while matches!(cursor.peek(), Some(' ' | '\t' | '\n' | '\r')) {
        cursor.bump();
    }
}

/// Parses a JSON array of at least one string, e.g. `["executable","param1"]`.
pub(super) fn parse_json_string_array(s: &str) -> Result<Vec<String>, String> {
    const RULE: &str = "the exec form must be a JSON array of double-quoted strings, e.g. [\"executable\",\"param1\"]";
    let mut cursor = Cursor::new(s);
    skip_json_whitespace(&mut cursor);
    if cursor.bump() != Some('[') {
        return Err(RULE.to_string());
    }
    let mut items = Vec::new();
    skip_json_whitespace(&mut cursor);
    if cursor.peek() == Some(']') {
        return Err("the exec form needs at least one element (the executable)".to_string());
    }
    loop {
        skip_json_whitespace(&mut cursor);
        if cursor.bump() != Some('"') {
            return Err(RULE.to_string());
        }
        items.push(read_json_string(&mut cursor)?);
        skip_json_whitespace(&mut cursor);
        match cursor.bump() {
            Some(',') => continue,
            Some(']') => break,
            _ => return Err(RULE.to_string()),
        }
    }
    skip_json_whitespace(&mut cursor);
    if cursor.peek().is_some() {
        return Err(format!("unexpected text after the closing ']'; {RULE}"));
    }
    Ok(items)
}

/// Reads a JSON string body whose opening quote was already consumed.
pub(super) fn read_json_string(cursor: &mut Cursor<'_>) -> Result<String, String> {
    let mut out = String::new();
    loop {
        match cursor.bump() {
            None => return Err("a JSON string is not terminated".to_string()),
            Some('"') => return Ok(out),
            Some('\\') => {
                let escaped = match cursor.bump() {
                    Some('"') => '"',
                    Some('\\') => '\\',
                    Some('/') => '/',
                    Some('b') => '\u{8}',
                    Some('f') => '\u{c}',
                    Some('n') => '\n',
                    Some('r') => '\r',
                    Some('t') => '\t',
                    Some('u') => read_json_unicode_escape(cursor)?,
                    _ => return Err("invalid escape sequence in a JSON string".to_string()),
                };
                out.push(escaped);
            }
            Some(c) if u32::from(c) < 0x20 => {
                return Err("control characters must be escaped in a JSON string".to_string())
            }
            Some(c) => out.push(c),
        }
    }
}

/// Reads the `XXXX` of `\uXXXX` (the `\u` already consumed), combining surrogate pairs.
pub(super) fn read_json_unicode_escape(cursor: &mut Cursor<'_>) -> Result<char, String> {
    fn hex4(cursor: &mut Cursor<'_>) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = cursor
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| "invalid \\u escape in a JSON string".to_string())?;
            value = value * 16 + digit;
        }
        Ok(value)
    }
    let bad = || "invalid UTF-16 surrogate in a JSON string".to_string();
    let first = hex4(cursor)?;
    let code = if (0xD800..0xDC00).contains(&first) {
        if cursor.bump() != Some('\\') || cursor.bump() != Some('u') {
            return Err(bad());
        }
        let second = hex4(cursor)?;
        if !(0xDC00..0xE000).contains(&second) {
            return Err(bad());
        }
        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
    } else {
        first
    };
    char::from_u32(code).ok_or_else(bad)
}

/// `COMPONENT <ref> [--name value]...`.
pub(super) fn parse_component(content: &str) -> Result<(ComponentRef, Vec<(String, String)>), String> {
    let words = split_words(content)?;
    let mut words = words.into_iter();
    let Some(first) = words.next() else {
        return Err("a component ID or ARN is required".to_string());
    };
    if !first.quoted && first.text.starts_with("--") {
        return Err(format!("the first argument must be a component ID or ARN, not the parameter \"{}\"", first.text));
    }
    let reference = parse_component_ref(&first.text)?;
    let mut params: Vec<(String, String)> = Vec::new();
    while let Some(word) = words.next() {
        let name = match word.text.strip_prefix("--") {
            Some(name) if !word.quoted => name,
            _ => return Err(format!("expected a parameter name starting with \"--\" but found \"{}\"", word.text)),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            return Err(format!(
                "invalid parameter name \"--{name}\"; names may contain only letters, digits, '_', '.' and '-'"
            ));
        }
        let value = match words.next() {
            Some(value) if value.quoted || !value.text.starts_with("--") => value.text,
            _ => return Err(format!("the parameter \"--{name}\" has no value")),
        };
        if params.iter().any(|(existing, _)| existing == name) {
            return Err(format!("the parameter \"--{name}\" is given more than once"));
        }
        params.push((name.to_string(), value));
    }
    Ok((reference, params))
}

/// Parses `ic-<id>` or `acs:ecs:<region>:<account>:imagecomponent/<name>/<major>.<minor>.<patch>`
/// (`:` is also accepted instead of the last `/`, docs/reference.md §6.4).
pub(super) fn parse_component_ref(s: &str) -> Result<ComponentRef, String> {
    if let Some(id) = s.strip_prefix("ic-") {
        let length_ok = (1..=64).contains(&id.len());
        if length_ok && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Ok(ComponentRef::Id(s.to_string()));
        }
        return Err(format!(
            "invalid component ID \"{s}\"; expected \"ic-\" followed by 1 to 64 lower-case letters or digits"
        ));
    }
    let Some(rest) = s.strip_prefix("acs:ecs:") else {
        return Err(format!(
            "\"{s}\" is neither a component ID (ic-...) nor a component ARN (acs:ecs:<RegionId>:<AliUid>:imagecomponent/<ComponentName>/<major>.<minor>.<patch>)"
        ));
    };
    let shape = || {
        format!("invalid component ARN \"{s}\"; expected acs:ecs:<RegionId>:<AliUid>:imagecomponent/<ComponentName>/<major>.<minor>.<patch>")
    };
    let (region, rest) = rest.split_once(':').ok_or_else(shape)?;
    let (account, rest) = rest.split_once(':').ok_or_else(shape)?;
    let tail = rest.strip_prefix("imagecomponent/").ok_or_else(shape)?;
    let (name, version) = tail.rsplit_once(['/', ':']).ok_or_else(shape)?;
    if region.is_empty() || !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(format!(
            "invalid region \"{region}\" in component ARN; expected lower-case letters, digits and '-'"
        ));
    }
    if account.is_empty() || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("invalid account \"{account}\" in component ARN; expected digits"));
    }
    let name_length = name.chars().count();
    let name_chars_ok = name.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-') || (!c.is_ascii() && c.is_alphabetic())
    });
    if !(1..=128).contains(&name_length) || !name_chars_ok {
        return Err(format!(
            "invalid component name \"{name}\" in component ARN; expected 1 to 128 letters, digits, ':', '_', '.' or '-'"
        ));
    }
    let version = parse_version_pattern(version)?;
    Ok(ComponentRef::Arn { region: region.to_string(), account: account.to_string(), name: name.to_string(), version })
}

pub(super) fn parse_version_pattern(s: &str) -> Result<VersionPattern, String> {
    let bad = || {
        format!(
            "invalid component version \"{s}\"; expected <major>.<minor>.<patch> where each is a non-negative integer or '*'"
        )
    };
    let position = |part: &str| -> Result<Option<u32>, String> {
        if part == "*" {
            Ok(None)
        } else if !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()) {
            part.parse::<u32>().map(Some).map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let parts: Vec<&str> = s.split('.').collect();
    let [major, minor, patch] = parts.as_slice() else {
        return Err(bad());
    };
    Ok(VersionPattern { major: position(major)?, minor: position(minor)?, patch: position(patch)? })
}
