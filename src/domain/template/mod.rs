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

mod content;
mod lexer;
#[cfg(test)]
mod tests;

use std::fmt;

use content::*;
use lexer::*;

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
