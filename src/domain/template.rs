//! Template language: parsing and validation of the Dockerfile-like command language used in
//! image template `BuildContent` / `TestContent` and in image component `Content`
//! (docs/reference.md §6.1–§6.4, error codes in §3.1.4 and §7.1).
//!
//! This module owns:
//! - the size and command-count limits ([`MAX_CONTENT_BYTES`], [`MAX_COMMANDS`]);
//! - splitting the text into logical commands (continuation lines, blank lines, `#` comments);
//! - the syntax rules of every command (`COMPONENT`, `RESTART`, `RUN`, `ENV`, `WORKDIR`, `COPY`,
//!   `USER`, `LABEL`, `CMD`, `ENTRYPOINT`, `FROM`) and the context rules (no `COMPONENT` / `FROM`
//!   inside a component; at most one `FROM`, first);
//! - component references by ID or by name/version ARN, and version wildcard matching.
//!
//! It does NOT resolve component references against stored components, decide the YAML vs.
//! command-line format of a component, or map errors to API error codes; callers do that from
//! the [`TemplateError`] variants.
//!
//! Order of checks performed by [`parse`] (deterministic, first failure wins):
//! 1. size: more than [`MAX_CONTENT_BYTES`] UTF-8 bytes ⇒ [`TemplateError::TooLarge`];
//! 2. splitting into logical commands; a continuation backslash on the last non-blank,
//!    non-comment line ⇒ [`TemplateError::Malformed`];
//! 3. count: more than [`MAX_COMMANDS`] logical commands ⇒ [`TemplateError::TooManyCommands`]
//!    (checked before any command's content, so an oversized template reports the count even if
//!    some commands are invalid);
//! 4. each command in text order: keyword, then context/order rules, then emptiness, then content.
//!
//! The parser handles untrusted input: it never panics, and never indexes or slices strings.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]

use std::fmt;
use std::iter::Peekable;
use std::str::Chars;

/// Maximum size of a content, in UTF-8 bytes (16 KB). cite: docs/reference.md §6.2
pub const MAX_CONTENT_BYTES: usize = 16 * 1024; // cite: docs/reference.md §6.2
/// Maximum number of (logical) commands in a content. cite: docs/reference.md §6.2
pub const MAX_COMMANDS: usize = 127; // cite: docs/reference.md §6.2

/// Where the text comes from; decides which commands are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Image template `BuildContent`.
    Build,
    /// Image template `TestContent`.
    Test,
    /// Image component `Content` (command-line format): no `COMPONENT`, no `FROM`.
    Component,
}

/// A command keyword. Keywords are upper-case only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Component,
    Restart,
    Run,
    Env,
    Workdir,
    Copy,
    User,
    Label,
    Cmd,
    Entrypoint,
    From,
}

impl Keyword {
    /// The keyword as written in a template, e.g. `"RUN"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Component => "COMPONENT",
            Keyword::Restart => "RESTART",
            Keyword::Run => "RUN",
            Keyword::Env => "ENV",
            Keyword::Workdir => "WORKDIR",
            Keyword::Copy => "COPY",
            Keyword::User => "USER",
            Keyword::Label => "LABEL",
            Keyword::Cmd => "CMD",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::From => "FROM",
        }
    }

    /// Parses an upper-case keyword; anything else (including lower case) is `None`.
    pub fn parse(s: &str) -> Option<Keyword> {
        Some(match s {
            "COMPONENT" => Keyword::Component,
            "RESTART" => Keyword::Restart,
            "RUN" => Keyword::Run,
            "ENV" => Keyword::Env,
            "WORKDIR" => Keyword::Workdir,
            "COPY" => Keyword::Copy,
            "USER" => Keyword::User,
            "LABEL" => Keyword::Label,
            "CMD" => Keyword::Cmd,
            "ENTRYPOINT" => Keyword::Entrypoint,
            "FROM" => Keyword::From,
            _ => return None,
        })
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The target of a `COMPONENT` command (docs/reference.md §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentRef {
    /// A component ID, including its `ic-` prefix.
    Id(String),
    /// `acs:ecs:<region>:<account>:imagecomponent/<name>/<major>.<minor>.<patch>`.
    Arn { region: String, account: String, name: String, version: VersionPattern },
}

impl fmt::Display for ComponentRef {
    /// The canonical text form (ARNs always use `/` before the version).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComponentRef::Id(id) => f.write_str(id),
            ComponentRef::Arn { region, account, name, version } => {
                write!(f, "acs:ecs:{region}:{account}:imagecomponent/{name}/{version}")
            }
        }
    }
}

/// A `<major>.<minor>.<patch>` version where each position may be the wildcard `*` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionPattern {
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub patch: Option<u32>,
}

impl VersionPattern {
    /// True when every non-wildcard position equals the given version's position.
    pub fn matches(&self, major: u32, minor: u32, patch: u32) -> bool {
        fn position(pattern: Option<u32>, value: u32) -> bool {
            pattern.is_none_or(|p| p == value)
        }
        position(self.major, major) && position(self.minor, minor) && position(self.patch, patch)
    }
}

impl fmt::Display for VersionPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write_position(f: &mut fmt::Formatter<'_>, p: Option<u32>) -> fmt::Result {
            match p {
                Some(n) => write!(f, "{n}"),
                None => f.write_str("*"),
            }
        }
        write_position(f, self.major)?;
        f.write_str(".")?;
        write_position(f, self.minor)?;
        f.write_str(".")?;
        write_position(f, self.patch)
    }
}

/// One parsed, validated command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `COMPONENT <ref> [--name value]...`; params in text order.
    Component {
        reference: ComponentRef,
        params: Vec<(String, String)>,
    },
    Restart,
    /// `RUN <shell>`; continuation lines are joined with `"\n"` (backslashes removed).
    Run {
        script: String,
    },
    /// `ENV key value` or `ENV k1="v1" k2="v2"`; pairs in text order.
    Env {
        vars: Vec<(String, String)>,
    },
    Workdir {
        path: String,
    },
    Copy {
        source: String,
        dest: String,
        source_is_url: bool,
    },
    User {
        name: String,
    },
    Label {
        labels: Vec<(String, String)>,
    },
    /// Exec form (`["exe","p1"]`) fills `exec` and leaves `shell` `None`; shell form fills `shell`
    /// and leaves `exec` empty.
    Cmd {
        exec: Vec<String>,
        shell: Option<String>,
    },
    /// Same shape as [`Command::Cmd`].
    Entrypoint {
        exec: Vec<String>,
        shell: Option<String>,
    },
    /// Deprecated `FROM <BaseImageType>:<BaseImage>`; ignored for image selection (docs/reference.md §3.1.2).
    From {
        base_image_type: String,
        base_image: String,
    },
}

/// A command and the 1-based line on which it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub command: Command,
}

/// A parsed content: its commands in text order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    pub steps: Vec<Step>,
}

impl Program {
    /// The references of all `COMPONENT` commands, in text order.
    pub fn component_refs(&self) -> impl Iterator<Item = &ComponentRef> {
        self.steps.iter().filter_map(|step| match &step.command {
            Command::Component { reference, .. } => Some(reference),
            _ => None,
        })
    }
}

/// Why a content was rejected. `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// More than [`MAX_CONTENT_BYTES`] bytes.
    TooLarge { bytes: usize },
    /// More than [`MAX_COMMANDS`] logical commands.
    TooManyCommands { count: usize },
    /// The first token of a command is not a (upper-case) keyword.
    UnknownCommand { line: usize, keyword: String },
    /// The command requires content but has none.
    EmptyContent { line: usize, keyword: Keyword },
    /// The command's content breaks the command's rules.
    InvalidContent { line: usize, keyword: Keyword, reason: String },
    /// `RESTART` followed by something.
    RestartWithContent { line: usize },
    /// A second `FROM`.
    DuplicatedFrom { line: usize },
    /// `FROM` that is not the first command.
    FromNotFirst { line: usize },
    /// `FROM` inside an image component.
    FromInComponent { line: usize },
    /// `COMPONENT` inside an image component.
    ComponentInComponent { line: usize },
    /// Structural problems with no command-specific code (bad `LABEL`, dangling continuation).
    Malformed { line: usize, reason: String },
}

impl TemplateError {
    /// The 1-based line the error refers to, if it refers to one.
    pub fn line(&self) -> Option<usize> {
        match self {
            TemplateError::TooLarge { .. } | TemplateError::TooManyCommands { .. } => None,
            TemplateError::UnknownCommand { line, .. }
            | TemplateError::EmptyContent { line, .. }
            | TemplateError::InvalidContent { line, .. }
            | TemplateError::RestartWithContent { line }
            | TemplateError::DuplicatedFrom { line }
            | TemplateError::FromNotFirst { line }
            | TemplateError::FromInComponent { line }
            | TemplateError::ComponentInComponent { line }
            | TemplateError::Malformed { line, .. } => Some(*line),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::TooLarge { bytes } => write!(
                f,
                "The content is {bytes} bytes long, which exceeds the limit of {MAX_CONTENT_BYTES} bytes (16 KB)."
            ),
            TemplateError::TooManyCommands { count } => {
                write!(f, "The content contains {count} commands, which exceeds the upper limit of {MAX_COMMANDS}.")
            }
            TemplateError::UnknownCommand { line, keyword } => {
                write!(f, "Line {line}: the command \"{keyword}\" is not supported.")
            }
            TemplateError::EmptyContent { line, keyword } => {
                write!(f, "Line {line}: the content of command {keyword} cannot be empty.")
            }
            TemplateError::InvalidContent { line, keyword, reason } => {
                write!(f, "Line {line}: the content of command {keyword} is invalid: {reason}.")
            }
            TemplateError::RestartWithContent { line } => {
                write!(f, "Line {line}: the command RESTART cannot have content.")
            }
            TemplateError::DuplicatedFrom { line } => write!(f, "Line {line}: the command FROM can appear only once."),
            TemplateError::FromNotFirst { line } => {
                write!(f, "Line {line}: the command FROM must be the first command.")
            }
            TemplateError::FromInComponent { line } => {
                write!(f, "Line {line}: image components do not support the command FROM.")
            }
            TemplateError::ComponentInComponent { line } => {
                write!(f, "Line {line}: image components do not support the command COMPONENT.")
            }
            TemplateError::Malformed { line, reason } => {
                write!(f, "Line {line}: the content is malformed: {reason}.")
            }
        }
    }
}

impl std::error::Error for TemplateError {}

/// Parses and validates `text` for the given context. See the module docs for the order of
/// checks; the first failure is returned. Empty text (or only blanks/comments) is an empty
/// [`Program`].
pub fn parse(text: &str, context: Context) -> Result<Program, TemplateError> {
    // 1. Size, in UTF-8 bytes.
    if text.len() > MAX_CONTENT_BYTES {
        return Err(TemplateError::TooLarge { bytes: text.len() });
    }
    // 2. Logical commands.
    let logical = split_logical_commands(text)?;
    // 3. Count, before looking at any command's content.
    if logical.len() > MAX_COMMANDS {
        return Err(TemplateError::TooManyCommands { count: logical.len() });
    }
    // 4. Each command, in text order.
    let mut steps = Vec::with_capacity(logical.len());
    let mut seen_from = false;
    for (index, cmd) in logical.iter().enumerate() {
        let line = cmd.line;
        let (keyword_text, content) = split_keyword(&cmd.text);
        let keyword = Keyword::parse(keyword_text)
            .ok_or_else(|| TemplateError::UnknownCommand { line, keyword: keyword_text.to_string() })?;
        let command = match keyword {
            Keyword::Restart => {
                if !content.is_empty() {
                    return Err(TemplateError::RestartWithContent { line });
                }
                Command::Restart
            }
            Keyword::Component => {
                if context == Context::Component {
                    return Err(TemplateError::ComponentInComponent { line });
                }
                require_content(line, keyword, content)?;
                let (reference, params) = parse_component(content).map_err(|r| invalid(line, keyword, r))?;
                Command::Component { reference, params }
            }
            Keyword::From => {
                if context == Context::Component {
                    return Err(TemplateError::FromInComponent { line });
                }
                if seen_from {
                    return Err(TemplateError::DuplicatedFrom { line });
                }
                if index != 0 {
                    return Err(TemplateError::FromNotFirst { line });
                }
                seen_from = true;
                require_content(line, keyword, content)?;
                let (base_image_type, base_image) = parse_from(content).map_err(|r| invalid(line, keyword, r))?;
                Command::From { base_image_type, base_image }
            }
            Keyword::Run => {
                require_content(line, keyword, content)?;
                check_shell_quotes(content).map_err(|r| invalid(line, keyword, r))?;
                Command::Run { script: content.to_string() }
            }
            Keyword::Env => {
                require_content(line, keyword, content)?;
                let vars = parse_env(content).map_err(|r| invalid(line, keyword, r))?;
                Command::Env { vars }
            }
            Keyword::Workdir => {
                require_content(line, keyword, content)?;
                if content.chars().any(char::is_whitespace) {
                    return Err(invalid(
                        line,
                        keyword,
                        "WORKDIR takes exactly one path, without whitespace".to_string(),
                    ));
                }
                Command::Workdir { path: content.to_string() }
            }
            Keyword::Copy => {
                require_content(line, keyword, content)?;
                let (source, dest, source_is_url) = parse_copy(content).map_err(|r| invalid(line, keyword, r))?;
                Command::Copy { source, dest, source_is_url }
            }
            Keyword::User => {
                require_content(line, keyword, content)?;
                validate_user(content).map_err(|r| invalid(line, keyword, r))?;
                Command::User { name: content.to_string() }
            }
            Keyword::Label => {
                require_content(line, keyword, content)?;
                // No InvalidCommandContent.LABEL code exists: report as generic Malformed.
                let labels = parse_pairs(content, PairRules::LABEL)
                    .map_err(|reason| TemplateError::Malformed { line, reason: format!("LABEL: {reason}") })?;
                Command::Label { labels }
            }
            Keyword::Cmd => {
                require_content(line, keyword, content)?;
                let (exec, shell) = parse_exec_or_shell(content).map_err(|r| invalid(line, keyword, r))?;
                Command::Cmd { exec, shell }
            }
            Keyword::Entrypoint => {
                require_content(line, keyword, content)?;
                let (exec, shell) = parse_exec_or_shell(content).map_err(|r| invalid(line, keyword, r))?;
                Command::Entrypoint { exec, shell }
            }
        };
        steps.push(Step { line, command });
    }
    Ok(Program { steps })
}

// ---------------------------------------------------------------------------------------------
// Splitting into logical commands
// ---------------------------------------------------------------------------------------------

/// A command as text, possibly joined from several physical lines.
struct LogicalCommand {
    /// 1-based first physical line.
    line: usize,
    /// Continued segments (backslash removed, trimmed) joined with `'\n'`.
    text: String,
}

/// Splits the text into logical commands.
///
/// - Each physical line (split on `'\n'`) is trimmed (so `"\r\n"` endings are fine).
/// - Blank lines and lines whose first non-blank char is `#` are skipped, also in the middle of
///   a continued command (as Dockerfile does).
/// - A line ending with `\` continues on the next kept line; segments are joined with `'\n'`
///   so that a continued `RUN` keeps its line structure for the shell.
/// - A continuation still open at the end of the text is [`TemplateError::Malformed`], reported
///   on the last line that ends with the backslash.
fn split_logical_commands(text: &str) -> Result<Vec<LogicalCommand>, TemplateError> {
    let mut commands = Vec::new();
    // (first line, text so far, last line seen with a continuation backslash)
    let mut pending: Option<(usize, String, usize)> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index.saturating_add(1);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (segment, continues) = match trimmed.strip_suffix('\\') {
            Some(rest) => (rest.trim_end(), true),
            None => (trimmed, false),
        };
        let (first, buffer) = match pending.take() {
            Some((first, mut buffer, _)) => {
                buffer.push('\n');
                buffer.push_str(segment);
                (first, buffer)
            }
            None => (line, segment.to_string()),
        };
        if continues {
            pending = Some((first, buffer, line));
        } else {
            commands.push(LogicalCommand { line: first, text: buffer });
        }
    }
    if let Some((_, _, last)) = pending {
        return Err(TemplateError::Malformed {
            line: last,
            reason: "the last line ends with a continuation backslash but no line follows".to_string(),
        });
    }
    Ok(commands)
}

/// Splits a logical command into its keyword (first whitespace-delimited token) and its
/// trimmed content.
fn split_keyword(text: &str) -> (&str, &str) {
    let text = text.trim();
    match text.split_once(char::is_whitespace) {
        Some((keyword, rest)) => (keyword, rest.trim()),
        None => (text, ""),
    }
}

/// A shell script must close every quote it opens (the check `bash -n` would make). Emulator
/// rule giving `InvalidCommandContent.RUN` a meaning: an unterminated quote cannot run.
fn check_shell_quotes(script: &str) -> Result<(), String> {
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

fn require_content(line: usize, keyword: Keyword, content: &str) -> Result<(), TemplateError> {
    if content.is_empty() {
        Err(TemplateError::EmptyContent { line, keyword })
    } else {
        Ok(())
    }
}

fn invalid(line: usize, keyword: Keyword, reason: String) -> TemplateError {
    TemplateError::InvalidContent { line, keyword, reason }
}

// ---------------------------------------------------------------------------------------------
// Lexing helpers
// ---------------------------------------------------------------------------------------------

struct Cursor<'a> {
    chars: Peekable<Chars<'a>>,
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
fn read_quoted(cursor: &mut Cursor<'_>) -> Result<String, String> {
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
struct Word {
    text: String,
    quoted: bool,
}

fn split_words(s: &str) -> Result<Vec<Word>, String> {
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
struct PairRules {
    quotes_required: bool,
    key_ok: fn(&str) -> bool,
    key_rule: &'static str,
}

impl PairRules {
    const ENV: PairRules = PairRules {
        quotes_required: true,
        key_ok: is_env_key,
        key_rule: "keys must start with a letter or '_' and contain only letters, digits and '_'",
    };
    const LABEL: PairRules = PairRules {
        quotes_required: false,
        key_ok: is_label_key,
        key_rule: "keys must be non-empty and must not contain whitespace, '=' or '\"'",
    };
}

fn is_env_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_label_key(key: &str) -> bool {
    !key.is_empty() && !key.chars().any(|c| c.is_whitespace() || c == '=' || c == '"')
}

/// Parses `k1=v1 k2="v 2" ...` (at least one pair).
fn parse_pairs(s: &str, rules: PairRules) -> Result<Vec<(String, String)>, String> {
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
fn parse_env(content: &str) -> Result<Vec<(String, String)>, String> {
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
fn parse_copy(content: &str) -> Result<(String, String, bool), String> {
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
fn http_url_rest(s: &str) -> Option<&str> {
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
fn validate_user(content: &str) -> Result<(), String> {
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
fn parse_from(content: &str) -> Result<(String, String), String> {
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
fn parse_exec_or_shell(content: &str) -> Result<(Vec<String>, Option<String>), String> {
    if content.starts_with('[') {
        let exec = parse_json_string_array(content)?;
        Ok((exec, None))
    } else {
        Ok((Vec::new(), Some(content.to_string())))
    }
}

fn skip_json_whitespace(cursor: &mut Cursor<'_>) {
    while matches!(cursor.peek(), Some(' ' | '\t' | '\n' | '\r')) {
        cursor.bump();
    }
}

/// Parses a JSON array of at least one string, e.g. `["executable","param1"]`.
fn parse_json_string_array(s: &str) -> Result<Vec<String>, String> {
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
fn read_json_string(cursor: &mut Cursor<'_>) -> Result<String, String> {
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
fn read_json_unicode_escape(cursor: &mut Cursor<'_>) -> Result<char, String> {
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
fn parse_component(content: &str) -> Result<(ComponentRef, Vec<(String, String)>), String> {
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
fn parse_component_ref(s: &str) -> Result<ComponentRef, String> {
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

fn parse_version_pattern(s: &str) -> Result<VersionPattern, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_with_an_unterminated_quote_is_invalid_content() {
        assert!(matches!(
            parse("RUN echo 'hello", Context::Build),
            Err(TemplateError::InvalidContent { keyword: Keyword::Run, .. })
        ));
        assert!(parse("RUN echo \"it's\" 'a \\ b'", Context::Build).is_ok());
        // A backslash is literal inside single quotes, so this quote never closes.
        assert!(parse("RUN echo 'a \\' b'", Context::Build).is_err());
        assert!(parse("RUN echo \\\"x", Context::Build).is_ok());
    }

    fn ok_in(text: &str, context: Context) -> Program {
        match parse(text, context) {
            Ok(program) => program,
            Err(e) => panic!("expected {text:?} to parse, got {e:?}"),
        }
    }

    fn ok(text: &str) -> Program {
        ok_in(text, Context::Build)
    }

    fn err_in(text: &str, context: Context) -> TemplateError {
        match parse(text, context) {
            Ok(program) => panic!("expected {text:?} to fail, got {program:?}"),
            Err(e) => e,
        }
    }

    fn err(text: &str) -> TemplateError {
        err_in(text, Context::Build)
    }

    fn single(text: &str) -> Command {
        let program = ok(text);
        assert_eq!(program.steps.len(), 1, "{program:?}");
        match program.steps.into_iter().next() {
            Some(step) => step.command,
            None => panic!("no step"),
        }
    }

    fn assert_invalid(text: &str, expected: Keyword) -> String {
        match err(text) {
            TemplateError::InvalidContent { line: 1, keyword, reason } if keyword == expected => reason,
            other => panic!("expected InvalidContent {expected:?} for {text:?}, got {other:?}"),
        }
    }

    fn assert_empty(text: &str, expected: Keyword) {
        assert_eq!(err(text), TemplateError::EmptyContent { line: 1, keyword: expected }, "{text:?}");
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // ----- splitting, blanks, comments, limits ------------------------------------------------

    #[test]
    fn empty_text_is_an_empty_program() {
        assert_eq!(ok(""), Program::default());
        assert_eq!(ok("\n\n   \n\t\r\n"), Program::default());
        assert_eq!(ok("# only a comment\n  # another\n"), Program::default());
    }

    #[test]
    fn blank_and_comment_lines_are_ignored_and_lines_are_one_based() {
        let program = ok("\n# comment\nRUN a\n\n   # indented comment\nRESTART\n");
        let lines: Vec<usize> = program.steps.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![3, 6]);
    }

    #[test]
    fn leading_and_trailing_whitespace_and_crlf_are_trimmed() {
        let program = ok("   RUN   echo hi   \r\n\tRESTART\t\r\n");
        assert_eq!(
            program.steps,
            vec![
                Step { line: 1, command: Command::Run { script: "echo hi".into() } },
                Step { line: 2, command: Command::Restart },
            ]
        );
    }

    #[test]
    fn lower_case_keyword_is_an_unknown_command() {
        assert_eq!(err("RUN a\nrun echo hi"), TemplateError::UnknownCommand { line: 2, keyword: "run".into() });
    }

    #[test]
    fn unknown_keyword_is_reported_with_the_keyword() {
        assert_eq!(err("ADD a b"), TemplateError::UnknownCommand { line: 1, keyword: "ADD".into() });
    }

    #[test]
    fn content_of_exactly_16384_bytes_is_accepted() {
        let text = format!("RUN {}", "x".repeat(MAX_CONTENT_BYTES - 4));
        assert_eq!(text.len(), MAX_CONTENT_BYTES);
        assert_eq!(ok(&text).steps.len(), 1);
    }

    #[test]
    fn content_of_16385_bytes_is_too_large() {
        let text = format!("RUN {}", "x".repeat(MAX_CONTENT_BYTES - 3));
        assert_eq!(err(&text), TemplateError::TooLarge { bytes: 16385 });
    }

    #[test]
    fn size_is_measured_in_utf8_bytes() {
        // 5462 three-byte characters = 16386 bytes but only 5462 characters.
        let text = "中".repeat(5462);
        assert_eq!(err(&text), TemplateError::TooLarge { bytes: 16386 });
    }

    #[test]
    fn size_is_checked_before_parsing() {
        let text = format!("BOGUS\n#{}", "x".repeat(MAX_CONTENT_BYTES));
        assert!(matches!(err(&text), TemplateError::TooLarge { .. }));
    }

    #[test]
    fn exactly_127_commands_are_accepted() {
        let text = "RUN echo\n".repeat(MAX_COMMANDS);
        assert_eq!(ok(&text).steps.len(), 127);
    }

    #[test]
    fn a_128th_command_is_too_many_commands() {
        let text = "RUN echo\n".repeat(MAX_COMMANDS + 1);
        assert_eq!(err(&text), TemplateError::TooManyCommands { count: 128 });
    }

    #[test]
    fn a_multi_line_continued_command_counts_once() {
        let mut text = "RUN echo\n".repeat(MAX_COMMANDS - 1);
        text.push_str("RUN a \\\n b \\\n c\n");
        let program = ok(&text);
        assert_eq!(program.steps.len(), 127);
    }

    #[test]
    fn blank_and_comment_lines_do_not_count_as_commands() {
        let text = "RUN echo\n\n# c\n".repeat(MAX_COMMANDS);
        assert_eq!(ok(&text).steps.len(), 127);
    }

    #[test]
    fn command_count_is_checked_before_command_contents() {
        let text = format!("BOGUS\nRUN\n{}", "RUN echo\n".repeat(MAX_COMMANDS));
        assert_eq!(err(&text), TemplateError::TooManyCommands { count: 129 });
    }

    #[test]
    fn the_first_error_in_text_order_is_reported() {
        assert_eq!(
            err("RUN ok\nWORKDIR\nBOGUS\nRESTART now"),
            TemplateError::EmptyContent { line: 2, keyword: Keyword::Workdir }
        );
    }

    #[test]
    fn trailing_backslash_on_the_last_line_is_malformed() {
        assert!(matches!(err("RUN a\nRUN echo \\"), TemplateError::Malformed { line: 2, .. }));
        // Followed only by blank/comment lines is still dangling.
        assert!(matches!(err("RUN echo \\\n\n# c\n"), TemplateError::Malformed { line: 1, .. }));
    }

    #[test]
    fn comment_line_inside_a_continuation_is_skipped() {
        assert_eq!(single("RUN echo a \\\n# a comment \\\n  echo b"), Command::Run { script: "echo a\necho b".into() });
    }

    #[test]
    fn blank_line_inside_a_continuation_is_skipped() {
        assert_eq!(single("RUN echo a \\\n\n  echo b"), Command::Run { script: "echo a\necho b".into() });
    }

    #[test]
    fn continued_command_reports_its_first_line() {
        let program = ok("RUN a\n\nRUN b \\\n c\nRESTART");
        let lines: Vec<usize> = program.steps.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![1, 3, 5]);
    }

    #[test]
    fn keyword_may_stand_alone_on_a_continued_line() {
        assert_eq!(single("RUN \\\n  echo hi"), Command::Run { script: "echo hi".into() });
    }

    #[test]
    fn test_context_accepts_the_same_commands_as_build() {
        let text = "RUN a\nCOMPONENT ic-abc\nRESTART";
        assert_eq!(ok_in(text, Context::Test), ok_in(text, Context::Build));
    }

    // ----- RUN / RESTART ------------------------------------------------------------------------

    #[test]
    fn run_doc_example_joins_continued_lines_with_newlines() {
        assert_eq!(
            single("RUN echo hello;\\\necho world;"),
            Command::Run { script: "echo hello;\necho world;".into() }
        );
    }

    #[test]
    fn run_without_content_is_empty_content() {
        assert_empty("RUN", Keyword::Run);
        assert_empty("RUN    ", Keyword::Run);
    }

    #[test]
    fn restart_alone_is_accepted_in_every_context() {
        for context in [Context::Build, Context::Test, Context::Component] {
            assert_eq!(ok_in("RESTART", context).steps[0].command, Command::Restart);
        }
    }

    #[test]
    fn restart_with_content_is_restart_with_content() {
        assert_eq!(err("RUN a\nRESTART now"), TemplateError::RestartWithContent { line: 2 });
    }

    // ----- ENV ----------------------------------------------------------------------------------

    #[test]
    fn env_single_pair_form_keeps_the_rest_of_the_line_as_value() {
        assert_eq!(
            single("ENV PATH_X /usr/bin:/bin  and more"),
            Command::Env { vars: pairs(&[("PATH_X", "/usr/bin:/bin  and more")]) }
        );
    }

    #[test]
    fn env_multi_pair_form_parses_quoted_values() {
        assert_eq!(
            single(r#"ENV key1="value1" key2="value 2" _k3="a \"q\" \\ b""#),
            Command::Env { vars: pairs(&[("key1", "value1"), ("key2", "value 2"), ("_k3", r#"a "q" \ b"#)]) }
        );
    }

    #[test]
    fn env_multi_pair_form_with_unquoted_value_is_invalid() {
        let reason = assert_invalid(r#"ENV a="1" b=2"#, Keyword::Env);
        assert!(reason.contains("double quotes"), "{reason}");
    }

    #[test]
    fn env_with_invalid_key_is_invalid() {
        assert_invalid(r#"ENV 1a="x""#, Keyword::Env);
        assert_invalid(r#"ENV ="x""#, Keyword::Env);
        assert_invalid("ENV my-key value", Keyword::Env);
    }

    #[test]
    fn env_with_unterminated_quote_or_glued_text_is_invalid() {
        assert_invalid(r#"ENV a="x"#, Keyword::Env);
        assert_invalid(r#"ENV a="x"b="y""#, Keyword::Env);
        assert_invalid(r#"ENV a="x" b"#, Keyword::Env);
    }

    #[test]
    fn env_single_pair_without_value_is_invalid() {
        assert_invalid("ENV key", Keyword::Env);
    }

    #[test]
    fn env_without_content_is_empty_content() {
        assert_empty("ENV", Keyword::Env);
    }

    // ----- WORKDIR ------------------------------------------------------------------------------

    #[test]
    fn workdir_accepts_one_path() {
        assert_eq!(single("WORKDIR /home/app"), Command::Workdir { path: "/home/app".into() });
        assert_eq!(single("WORKDIR path1/path2"), Command::Workdir { path: "path1/path2".into() });
    }

    #[test]
    fn workdir_with_whitespace_is_invalid() {
        assert_invalid("WORKDIR /a /b", Keyword::Workdir);
        assert_invalid("WORKDIR /a \\\n/b", Keyword::Workdir);
    }

    #[test]
    fn workdir_without_content_is_empty_content() {
        assert_empty("WORKDIR", Keyword::Workdir);
    }

    // ----- COPY ---------------------------------------------------------------------------------

    #[test]
    fn copy_accepts_a_url_source() {
        assert_eq!(
            single("COPY https://example.com/a.tar.gz /opt/"),
            Command::Copy { source: "https://example.com/a.tar.gz".into(), dest: "/opt/".into(), source_is_url: true }
        );
        assert!(matches!(single("COPY HTTP://example.com/x /opt"), Command::Copy { source_is_url: true, .. }));
    }

    #[test]
    fn copy_accepts_a_local_source() {
        assert_eq!(
            single("COPY /tmp/a.txt /opt/"),
            Command::Copy { source: "/tmp/a.txt".into(), dest: "/opt/".into(), source_is_url: false }
        );
    }

    #[test]
    fn copy_url_with_query_string_is_invalid() {
        let reason = assert_invalid("COPY http://example.com/a?x=1 /opt", Keyword::Copy);
        assert!(reason.contains("query string"), "{reason}");
    }

    #[test]
    fn copy_needs_exactly_two_arguments() {
        let reason = assert_invalid("COPY /a", Keyword::Copy);
        assert_eq!(reason, "COPY takes exactly two arguments: <source> <destination>");
        assert_invalid("COPY /a /b /c", Keyword::Copy);
    }

    #[test]
    fn copy_destination_must_not_be_a_url() {
        assert_invalid("COPY /a https://example.com/", Keyword::Copy);
    }

    #[test]
    fn copy_other_url_schemes_and_hostless_urls_are_invalid() {
        assert_invalid("COPY ftp://example.com/a /opt", Keyword::Copy);
        assert_invalid("COPY http:// /opt", Keyword::Copy);
        assert_invalid("COPY https:///path /opt", Keyword::Copy);
    }

    #[test]
    fn copy_without_content_is_empty_content() {
        assert_empty("COPY", Keyword::Copy);
    }

    // ----- USER ---------------------------------------------------------------------------------

    #[test]
    fn user_accepts_valid_user_names() {
        for name in ["root", "_svc", "ecs-user_1", "machine$", &"a".repeat(32)] {
            assert_eq!(single(&format!("USER {name}")), Command::User { name: name.into() });
        }
    }

    #[test]
    fn user_with_invalid_name_is_invalid() {
        for text in ["USER Root", "USER 1user", "USER a b", "USER a$b", "USER -a", "USER $", "USER 用户"] {
            assert_invalid(text, Keyword::User);
        }
        assert_invalid(&format!("USER {}", "a".repeat(33)), Keyword::User);
    }

    #[test]
    fn user_without_content_is_empty_content() {
        assert_empty("USER", Keyword::User);
    }

    // ----- LABEL --------------------------------------------------------------------------------

    #[test]
    fn label_doc_example_spans_two_lines() {
        assert_eq!(
            single("LABEL user=\"username\"\\\ndate=\"2020-11-11\" key=\"value\""),
            Command::Label { labels: pairs(&[("user", "username"), ("date", "2020-11-11"), ("key", "value")]) }
        );
    }

    #[test]
    fn label_accepts_unquoted_and_empty_values() {
        assert_eq!(
            single(r#"LABEL a=1 com.example.v="x y" e="""#),
            Command::Label { labels: pairs(&[("a", "1"), ("com.example.v", "x y"), ("e", "")]) }
        );
    }

    #[test]
    fn malformed_label_is_malformed() {
        for text in ["LABEL novalue", r#"LABEL ="x""#, r#"LABEL a="x"#, r#"LABEL a=b"c"#, r#"LABEL a="x"y"#] {
            assert!(matches!(err(text), TemplateError::Malformed { line: 1, .. }), "{text}");
        }
    }

    #[test]
    fn label_without_content_is_empty_content() {
        assert_empty("LABEL", Keyword::Label);
    }

    // ----- CMD / ENTRYPOINT ---------------------------------------------------------------------

    #[test]
    fn cmd_exec_form_fills_exec() {
        assert_eq!(
            single(r#"CMD ["executable","param1", "param2"]"#),
            Command::Cmd { exec: vec!["executable".into(), "param1".into(), "param2".into()], shell: None }
        );
    }

    #[test]
    fn cmd_shell_form_fills_shell() {
        assert_eq!(
            single("CMD command param1 param2"),
            Command::Cmd { exec: vec![], shell: Some("command param1 param2".into()) }
        );
    }

    #[test]
    fn exec_form_decodes_json_escapes() {
        assert_eq!(
            single(r#"ENTRYPOINT ["a\"b", "\\\/\n\t", "\u00e9\ud83d\ude00"]"#),
            Command::Entrypoint { exec: vec!["a\"b".into(), "\\/\n\t".into(), "é😀".into()], shell: None }
        );
    }

    #[test]
    fn exec_form_may_span_continued_lines() {
        assert_eq!(
            single("CMD [\"a\", \\\n  \"b\"]"),
            Command::Cmd { exec: vec!["a".into(), "b".into()], shell: None }
        );
    }

    #[test]
    fn invalid_exec_form_is_invalid_content() {
        for text in [
            "CMD [",
            "CMD []",
            "CMD [a, b]",
            r#"CMD ["a",]"#,
            r#"CMD ["a"] extra"#,
            r#"CMD ["a" "b"]"#,
            r#"CMD ["\x"]"#,
            r#"CMD ["\ud800"]"#,
            r#"CMD ["\u12"]"#,
            "CMD [\"a\tb\"]",
            "CMD ['a']",
        ] {
            assert_invalid(text, Keyword::Cmd);
        }
        assert_invalid("ENTRYPOINT [1]", Keyword::Entrypoint);
    }

    #[test]
    fn entrypoint_shell_form_fills_shell() {
        assert_eq!(
            single("ENTRYPOINT /bin/app --flag"),
            Command::Entrypoint { exec: vec![], shell: Some("/bin/app --flag".into()) }
        );
    }

    #[test]
    fn cmd_and_entrypoint_without_content_are_empty_content() {
        assert_empty("CMD", Keyword::Cmd);
        assert_empty("ENTRYPOINT", Keyword::Entrypoint);
    }

    // ----- FROM ---------------------------------------------------------------------------------

    #[test]
    fn from_accepts_image_and_image_family() {
        let program = ok("FROM IMAGE:m-bp67acfmxazb4p0000\nRUN a");
        assert_eq!(
            program.steps[0].command,
            Command::From { base_image_type: "IMAGE".into(), base_image: "m-bp67acfmxazb4p0000".into() }
        );
        assert_eq!(
            single("FROM IMAGE_FAMILY:acs:centos_7_9_x64_20g"),
            Command::From { base_image_type: "IMAGE_FAMILY".into(), base_image: "acs:centos_7_9_x64_20g".into() }
        );
    }

    #[test]
    fn from_with_invalid_content_is_invalid() {
        for text in ["FROM OSS:bucket", "FROM image:m-1", "FROM IMAGE:", "FROM m-123", "FROM IMAGE:a b"] {
            assert_invalid(text, Keyword::From);
        }
    }

    #[test]
    fn from_without_content_is_empty_content() {
        assert_empty("FROM", Keyword::From);
    }

    #[test]
    fn a_second_from_is_duplicated_from() {
        assert_eq!(err("FROM IMAGE:m-1\nRUN a\nFROM IMAGE:m-2"), TemplateError::DuplicatedFrom { line: 3 });
    }

    #[test]
    fn from_after_another_command_is_from_not_first() {
        assert_eq!(err("# c\nRUN a\nFROM IMAGE:m-1"), TemplateError::FromNotFirst { line: 3 });
    }

    #[test]
    fn from_in_a_component_is_from_in_component() {
        assert_eq!(err_in("FROM IMAGE:m-1", Context::Component), TemplateError::FromInComponent { line: 1 });
    }

    // ----- COMPONENT ----------------------------------------------------------------------------

    #[test]
    fn component_by_id_is_accepted() {
        assert_eq!(
            single("COMPONENT ic-bp18hy47cqavewsb0000"),
            Command::Component { reference: ComponentRef::Id("ic-bp18hy47cqavewsb0000".into()), params: vec![] }
        );
    }

    #[test]
    fn component_by_arn_with_wildcards_is_accepted() {
        assert_eq!(
            single("COMPONENT acs:ecs:cn-hangzhou:186891611860000:imagecomponent/ComponentName/1.*.*"),
            Command::Component {
                reference: ComponentRef::Arn {
                    region: "cn-hangzhou".into(),
                    account: "186891611860000".into(),
                    name: "ComponentName".into(),
                    version: VersionPattern { major: Some(1), minor: None, patch: None }
                },
                params: vec![]
            }
        );
    }

    #[test]
    fn component_arn_accepts_a_colon_before_the_version() {
        let slash = single("COMPONENT acs:ecs:ap-southeast-1:123:imagecomponent/my.comp_1:x/1.0.*");
        let colon = single("COMPONENT acs:ecs:ap-southeast-1:123:imagecomponent/my.comp_1:x:1.0.*");
        assert_eq!(slash, colon);
        let Command::Component { reference, .. } = colon else {
            panic!("not a component");
        };
        assert_eq!(reference.to_string(), "acs:ecs:ap-southeast-1:123:imagecomponent/my.comp_1:x/1.0.*");
    }

    #[test]
    fn component_arn_accepts_non_ascii_letters_in_the_name() {
        assert!(matches!(
            single("COMPONENT acs:ecs:cn-beijing:1:imagecomponent/组件-a/2.3.4"),
            Command::Component { reference: ComponentRef::Arn { .. }, .. }
        ));
    }

    #[test]
    fn component_parameters_are_name_value_pairs() {
        assert_eq!(
            single(r#"COMPONENT ic-abc --x 1 --y -2 --msg "hello world" --a.b_c-d """#),
            Command::Component {
                reference: ComponentRef::Id("ic-abc".into()),
                params: pairs(&[("x", "1"), ("y", "-2"), ("msg", "hello world"), ("a.b_c-d", "")])
            }
        );
    }

    #[test]
    fn component_parameters_may_span_continued_lines() {
        assert_eq!(
            single("COMPONENT ic-abc \\\n  --x 1 \\\n  --y 2"),
            Command::Component {
                reference: ComponentRef::Id("ic-abc".into()),
                params: pairs(&[("x", "1"), ("y", "2")])
            }
        );
    }

    #[test]
    fn component_with_bad_parameters_is_invalid() {
        for text in [
            "COMPONENT ic-abc --x",
            "COMPONENT ic-abc --x --y 1",
            "COMPONENT ic-abc x 1",
            "COMPONENT ic-abc --x 1 --x 2",
            "COMPONENT ic-abc -- 1",
            "COMPONENT ic-abc --x! 1",
            "COMPONENT ic-abc \"--x\" 1",
            "COMPONENT ic-abc --msg \"unterminated",
            "COMPONENT --x 1",
        ] {
            assert_invalid(text, Keyword::Component);
        }
    }

    #[test]
    fn component_with_bad_reference_is_invalid() {
        let long_name = "n".repeat(129);
        let long_arn = format!("COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/{long_name}/1.0.0");
        for text in [
            "COMPONENT ic-",
            "COMPONENT ic-ABC",
            "COMPONENT ic-bp12dvdzvr9k9*****",
            "COMPONENT i-abc",
            "COMPONENT my-component",
            "COMPONENT acs:ecs:CN-hangzhou:1:imagecomponent/n/1.0.0",
            "COMPONENT acs:ecs::1:imagecomponent/n/1.0.0",
            "COMPONENT acs:ecs:cn-hangzhou:abc:imagecomponent/n/1.0.0",
            "COMPONENT acs:ecs:cn-hangzhou::imagecomponent/n/1.0.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:image/n/1.0.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent//1.0.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/a/b/1.0.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.0.0.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.x.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.-1.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/4294967296.0.0",
            "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1..0",
            &long_arn,
        ] {
            assert_invalid(text, Keyword::Component);
        }
        let max_name = format!("COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/{}/4294967295.0.0", "n".repeat(128));
        assert_eq!(ok(&max_name).steps.len(), 1);
        let max_id = format!("COMPONENT ic-{}", "a".repeat(64));
        assert_eq!(ok(&max_id).steps.len(), 1);
        assert_invalid(&format!("COMPONENT ic-{}", "a".repeat(65)), Keyword::Component);
    }

    #[test]
    fn component_without_reference_is_empty_content() {
        assert_empty("COMPONENT", Keyword::Component);
    }

    #[test]
    fn component_in_a_component_is_component_in_component() {
        assert_eq!(
            err_in("RUN a\nCOMPONENT ic-abc", Context::Component),
            TemplateError::ComponentInComponent { line: 2 }
        );
    }

    #[test]
    fn component_content_accepts_plain_commands() {
        let program = ok_in("RUN yum update -y\nRESTART", Context::Component);
        assert_eq!(program.steps.len(), 2);
    }

    // ----- full example, helpers ----------------------------------------------------------------

    #[test]
    fn full_build_content_example_parses() {
        let text = "RUN yum update -y\n\
                    ENV key1=\"value1\" key2=\"value2\"\n\
                    WORKDIR /home\n\
                    COMPONENT ic-bp12dvdzvr9k9abcde\n\
                    COMPONENT acs:ecs:cn-hangzhou:186891611860000:imagecomponent/ComponentName/1.*.*\n\
                    RESTART\n";
        let program = ok(text);
        let expected = vec![
            Command::Run { script: "yum update -y".into() },
            Command::Env { vars: pairs(&[("key1", "value1"), ("key2", "value2")]) },
            Command::Workdir { path: "/home".into() },
            Command::Component { reference: ComponentRef::Id("ic-bp12dvdzvr9k9abcde".into()), params: vec![] },
            Command::Component {
                reference: ComponentRef::Arn {
                    region: "cn-hangzhou".into(),
                    account: "186891611860000".into(),
                    name: "ComponentName".into(),
                    version: VersionPattern { major: Some(1), minor: None, patch: None },
                },
                params: vec![],
            },
            Command::Restart,
        ];
        let commands: Vec<Command> = program.steps.iter().map(|s| s.command.clone()).collect();
        assert_eq!(commands, expected);
        let lines: Vec<usize> = program.steps.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5, 6]);
        let refs: Vec<String> = program.component_refs().map(ToString::to_string).collect();
        assert_eq!(
            refs,
            vec![
                "ic-bp12dvdzvr9k9abcde".to_string(),
                "acs:ecs:cn-hangzhou:186891611860000:imagecomponent/ComponentName/1.*.*".to_string()
            ]
        );
    }

    #[test]
    fn version_pattern_matches_respects_wildcards() {
        let exact = VersionPattern { major: Some(1), minor: Some(0), patch: Some(3) };
        assert!(exact.matches(1, 0, 3));
        assert!(!exact.matches(1, 0, 2));
        let minor_any = VersionPattern { major: Some(1), minor: None, patch: None };
        assert!(minor_any.matches(1, 7, 9));
        assert!(!minor_any.matches(2, 0, 0));
        let patch_any = VersionPattern { major: Some(1), minor: Some(0), patch: None };
        assert!(patch_any.matches(1, 0, 1));
        assert!(!patch_any.matches(1, 1, 1));
        let all = VersionPattern { major: None, minor: None, patch: None };
        assert!(all.matches(0, 0, 0));
        assert!(all.matches(u32::MAX, u32::MAX, u32::MAX));
        assert_eq!(patch_any.to_string(), "1.0.*");
    }

    #[test]
    fn keywords_round_trip_through_as_str_and_parse() {
        let all = [
            Keyword::Component,
            Keyword::Restart,
            Keyword::Run,
            Keyword::Env,
            Keyword::Workdir,
            Keyword::Copy,
            Keyword::User,
            Keyword::Label,
            Keyword::Cmd,
            Keyword::Entrypoint,
            Keyword::From,
        ];
        for keyword in all {
            assert_eq!(Keyword::parse(keyword.as_str()), Some(keyword));
            assert_eq!(Keyword::parse(&keyword.as_str().to_lowercase()), None);
        }
        assert_eq!(Keyword::parse("ADD"), None);
    }

    #[test]
    fn errors_display_as_sentences_naming_line_and_command() {
        assert_eq!(err("RESTART\nRUN").to_string(), "Line 2: the content of command RUN cannot be empty.");
        assert_eq!(
            err("COPY /a").to_string(),
            "Line 1: the content of command COPY is invalid: COPY takes exactly two arguments: <source> <destination>."
        );
        assert_eq!(err("FOO").to_string(), "Line 1: the command \"FOO\" is not supported.");
        assert_eq!(
            TemplateError::TooManyCommands { count: 128 }.to_string(),
            "The content contains 128 commands, which exceeds the upper limit of 127."
        );
        assert_eq!(
            TemplateError::TooLarge { bytes: 16385 }.to_string(),
            "The content is 16385 bytes long, which exceeds the limit of 16384 bytes (16 KB)."
        );
        assert_eq!(err("RESTART x").to_string(), "Line 1: the command RESTART cannot have content.");
        assert_eq!(err("RESTART x").line(), Some(1));
        assert_eq!(TemplateError::TooLarge { bytes: 1 }.line(), None);
        for e in [
            TemplateError::DuplicatedFrom { line: 4 },
            TemplateError::FromNotFirst { line: 4 },
            TemplateError::FromInComponent { line: 4 },
            TemplateError::ComponentInComponent { line: 4 },
            TemplateError::Malformed { line: 4, reason: "x".into() },
        ] {
            let text = e.to_string();
            assert!(text.starts_with("Line 4: ") && text.ends_with('.'), "{text}");
        }
    }

    #[test]
    fn no_input_panics_under_random_byte_mutation() {
        let seeds: &[&str] = &[
            "RUN echo hello;\\\necho world;\n",
            "LABEL user=\"username\"\\\ndate=\"2020-11-11\" key=\"value\"\n",
            "ENV key1=\"value1\" key2=\"value2\"\nENV k v\n",
            "COMPONENT acs:ecs:cn-hangzhou:186891611860000:imagecomponent/Name/1.*.*\n",
            "COMPONENT ic-abc --x 1 --msg \"a b\"\n",
            "CMD [\"a\\u00e9\", \"\\ud83d\\ude00\"]\nENTRYPOINT x\n",
            "FROM IMAGE:m-1\nCOPY https://a.b/c /d\nUSER root$\nWORKDIR /w\nRESTART\n",
            "# comment \\\n\\\n\\\n\"\"[\n",
        ];
        let interesting = b"\\\n\"[]{},=:/.*-#$? \t\r\xc3\xa9\xe4\xb8\xadu";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for iteration in 0..5_000usize {
            let seed = seeds[iteration % seeds.len()];
            let mut bytes = seed.as_bytes().to_vec();
            let mutations = 1 + (next() % 8) as usize;
            for _ in 0..mutations {
                let r = next();
                let pos = if bytes.is_empty() { 0 } else { (r >> 8) as usize % bytes.len() };
                let byte =
                    if r % 3 == 0 { (r >> 32) as u8 } else { interesting[(r >> 40) as usize % interesting.len()] };
                match r % 4 {
                    0 if !bytes.is_empty() => bytes[pos] = byte,
                    1 => bytes.insert(pos, byte),
                    2 if !bytes.is_empty() => {
                        bytes.remove(pos);
                    }
                    _ => {
                        let end = (pos + 1 + (r >> 16) as usize % 16).min(bytes.len());
                        let chunk = bytes[pos..end].to_vec();
                        bytes.splice(pos..pos, chunk);
                    }
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            for context in [Context::Build, Context::Test, Context::Component] {
                if let Err(e) = parse(&text, context) {
                    // Display must not panic either.
                    let _ = e.to_string();
                }
            }
        }
    }
}
