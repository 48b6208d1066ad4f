//! `ecs-imagebuilder-emulator lint FILE…`: checks template and component contents offline with
//! exactly the parsers and wire codes the API uses ([`crate::actions::content`]), and explains the
//! codes (`--explain CODE`).
//!
//! This module owns the subcommand's arguments, its two output formats, its exit status, and the
//! plain-language rule behind each content error code. It owns no parsing rule: a content that
//! `lint` accepts is one `CreateImagePipeline` / `CreateImageComponent` accept, and a refused one
//! gets the same code, HTTP status and message the API would answer. What needs the server's
//! state (does a referenced component exist, is it a Build or Test component) is not checked.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use serde_json::{json, Value};

use crate::actions::content::{self, ContentError};
use crate::domain::component::{self, SystemType};
use crate::domain::template::Context;
use crate::error::Code;

/// Where a content goes, which decides the rules and the codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// An image template's `BuildContent`.
    Build,
    /// An image template's `TestContent`.
    Test,
    /// An image component's `Content` (YAML or command lines).
    Component,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Build => "build",
            Kind::Test => "test",
            Kind::Component => "component",
        }
    }

    /// The kind of a file given without `--kind`: a YAML component, else a BuildContent.
    pub fn guess(text: &str) -> Kind {
        if component::is_yaml(text) {
            Kind::Component
        } else {
            Kind::Build
        }
    }
}

/// `--system-type` of a component (the API's `SystemType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum System {
    Linux,
    Windows,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per problem: `FILE:LINE: Code: message`.
    Text,
    /// One JSON array of problems.
    Json,
}

/// Check image template and component contents offline, with the emulator's own parser and error
/// codes. Exit status: 0 when every file is valid, 1 when any is not, 2 on a usage or read error.
#[derive(Debug, Parser)]
#[command(name = "ecs-imagebuilder-emulator lint", version)]
struct Args {
    /// What the files are: `build` (BuildContent), `test` (TestContent) or `component` (Content).
    /// Default: `component` for a YAML component (first line `Parameters:` or `Tasks:`), else `build`.
    #[arg(long, value_enum)]
    kind: Option<Kind>,

    /// The SystemType of components (YAML actions and command lines depend on it).
    #[arg(long, value_enum, default_value = "linux")]
    system_type: System,

    /// `text`: `FILE:LINE: Code: message` per problem; `json`: an array of problems.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// Print what an error code means and the documented rule behind it, then exit.
    #[arg(long, value_name = "CODE")]
    explain: Option<String>,

    /// Files to check; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "explain")]
    files: Vec<PathBuf>,
}

/// One problem in one content: the API's answer to it, and the line at fault when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based; `None` when the problem concerns the whole content (its size, its count).
    pub line: Option<usize>,
    /// The wire `Code`.
    pub code: String,
    /// The HTTP status the API answers with.
    pub status: u16,
    /// The wire `Message`, byte for byte.
    pub message: String,
}

impl From<ContentError> for Problem {
    fn from(err: ContentError) -> Problem {
        Problem {
            line: err.line,
            code: err.error.code_str().to_string(),
            status: err.error.status().as_u16(),
            message: err.error.message().to_string(),
        }
    }
}

/// Checks one content as the API would receive it. The parsers stop at the first error, as the
/// API does, so there is at most one problem.
pub fn check(text: &str, kind: Kind, system_type: SystemType) -> Vec<Problem> {
    let result = match kind {
        Kind::Build => content::check(text, Context::Build).map(drop),
        Kind::Test => content::check(text, Context::Test).map(drop),
        Kind::Component => content::check_component(text, system_type).map(drop),
    };
    result.err().map(Problem::from).into_iter().collect()
}

/// Runs the subcommand with `args` (the words after `lint`), writing to `out` and `err`, and
/// returns the exit status.
pub fn run(args: impl IntoIterator<Item = OsString>, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let words = std::iter::once(OsString::from("ecs-imagebuilder-emulator lint")).chain(args);
    let args = match Args::try_parse_from(words) {
        Ok(args) => args,
        Err(e) => {
            let status = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            let _ = if e.use_stderr() { err.write_all(text.as_bytes()) } else { out.write_all(text.as_bytes()) };
            return status;
        }
    };
    if let Some(code) = &args.explain {
        return match explain(code) {
            Some(text) => {
                let _ = out.write_all(text.as_bytes());
                0
            }
            None => {
                let _ = writeln!(err, "lint: \"{code}\" is not an error code of the emulator");
                2
            }
        };
    }
    let system_type = match args.system_type {
        System::Linux => SystemType::Linux,
        System::Windows => SystemType::Windows,
    };
    let mut status = 0;
    let mut report = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let text = match read(path) {
            Ok(text) => text,
            Err(why) => {
                let _ = writeln!(err, "lint: {name}: {why}");
                status = 2;
                continue;
            }
        };
        let kind = args.kind.unwrap_or_else(|| Kind::guess(&text));
        for problem in check(&text, kind, system_type) {
            if status == 0 {
                status = 1;
            }
            match args.format {
                Format::Text => {
                    let place = problem.line.map_or_else(|| name.clone(), |line| format!("{name}:{line}"));
                    let _ = writeln!(out, "{place}: {}: {}", problem.code, problem.message);
                }
                Format::Json => report.push(json!({
                    "file": name,
                    "kind": kind.as_str(),
                    "line": problem.line,
                    "code": problem.code,
                    "status": problem.status,
                    "message": problem.message,
                })),
            }
        }
    }
    if args.format == Format::Json {
        let _ = writeln!(out, "{}", Value::Array(report));
    }
    status
}

fn read(path: &PathBuf) -> Result<String, String> {
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map(drop)
    };
    result.map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}

/// The Alibaba Cloud page that documents the template commands and component formats.
pub const COMMANDS_DOC: &str =
    "https://www.alibabacloud.com/help/en/ecs/user-guide/commands-supported-by-image-builder";

/// The rule behind a content error code, in the docs' terms, and where it applies.
fn rule(code: Code) -> Option<&'static str> {
    Some(match code {
        Code::InvalidBuildContentLengthExceeded => {
            "BuildContent is at most 16 KB: 16 384 bytes of UTF-8 text (multi-byte characters count their bytes)."
        }
        Code::InvalidContentLengthExceeded => "A component's Content is at most 16 KB: 16 384 bytes of UTF-8 text.",
        Code::InvalidImageTemplateCommandSizeExceededMaxNumber => {
            "A template or component holds at most 127 commands (YAML: 127 tasks). A command continued over several \
             lines with a trailing backslash counts once; blank lines and # comments do not count."
        }
        Code::InvalidImageTemplateCommandNotSupported => {
            "Each command starts with an upper-case keyword: COMPONENT, RESTART, RUN, ENV, WORKDIR, COPY, USER, \
             LABEL, CMD, ENTRYPOINT or (deprecated) FROM. Lower-case keywords and Dockerfile commands such as ADD \
             or EXPOSE are not supported."
        }
        Code::DuplicatedCommandFrom => "The deprecated FROM command may appear only once.",
        Code::InvalidCommandOrderFrom => "The deprecated FROM command must be the first command.",
        Code::InvalidCommandContentFrom => {
            "FROM <BaseImageType>:<BaseImage>, with BaseImageType IMAGE or IMAGE_FAMILY, for example \
             FROM IMAGE:m-bp67acfmxazb4p****. It is ignored for image selection."
        }
        Code::NotSupportedCommandFrom => "Image components cannot use FROM; the template's base image applies.",
        Code::InvalidCommandComponent => "Image components cannot use COMPONENT: only templates reference components.",
        Code::NotEmptyCommandContentRestart => "RESTART restarts the instance and takes nothing after the keyword.",
        Code::EmptyCommandContentRun | Code::InvalidCommandContentRun => {
            "RUN <shell command>: not empty; it may continue over lines ending with a backslash, and its quotes must \
             be closed."
        }
        Code::EmptyCommandContentEnv | Code::InvalidCommandContentEnv => {
            "ENV key value, or ENV key1=\"value1\" key2=\"value2\" with every value double-quoted; keys start with \
             a letter or _."
        }
        Code::EmptyCommandContentWorkdir | Code::InvalidCommandContentWorkdir => {
            "WORKDIR <path>: one path without blanks, absolute or relative."
        }
        Code::EmptyCommandContentCopy | Code::InvalidCommandContentCopy => {
            "COPY <source> <destination>: exactly two arguments; the source is a local path or an http(s) URL \
             without a query string (fetched with wget, so the instance needs internet access), the destination a \
             local path."
        }
        Code::EmptyCommandContentUser | Code::InvalidCommandContentUser => {
            "USER <username>: one Linux user name (lower case, at most 32 characters, starting with a letter or _); \
             it must exist when the build runs."
        }
        Code::EmptyCommandContentLabel => {
            "LABEL key=\"value\" …: at least one pair; it may continue over lines ending with a backslash."
        }
        Code::EmptyCommandContentCmd | Code::InvalidCommandContentCmd => {
            "CMD [\"executable\",\"param1\"] (a JSON array of strings, not empty) or CMD command param1 (shell form)."
        }
        Code::EmptyCommandContentEntrypoint | Code::InvalidCommandContentEntrypoint => {
            "ENTRYPOINT [\"executable\",\"param1\"] (a JSON array of strings, not empty) or ENTRYPOINT command param1."
        }
        Code::InvalidParameterBuildContent => {
            "The BuildContent breaks a rule that has no command-specific code: a LABEL without key=\"value\", a \
             COMPONENT with a malformed reference or --name value arguments, or a trailing backslash on the last \
             command."
        }
        Code::InvalidParameterTestContent => {
            "Any TestContent error, including its size (at most 16 KB) and FROM, which has no meaning in a test \
             template; the message names the rule that was broken."
        }
        Code::InvalidParameterContent => {
            "The component's Content breaks a rule without a specific code: YAML with unknown keys, actions or \
             properties, a missing or mistyped property, a reference to an undeclared parameter; command lines for \
             a Windows component; or no command at all."
        }
        _ => return None,
    })
}

/// The text `--explain CODE` prints: the code's status and message from the error table, and for
/// content codes the documented rule. `None` for a string that is not a code of the table.
pub fn explain(code: &str) -> Option<String> {
    let found = Code::ALL.iter().copied().find(|c| c.as_str() == code)?;
    let mut text =
        format!("{code}\n  HTTP status: {}\n  message:     {}\n", found.status().as_u16(), found.default_message());
    match rule(found) {
        Some(rule) => {
            text.push_str(&format!("  rule:        {rule}\n  documented:  {COMMANDS_DOC}\n"));
        }
        None => text.push_str("  This code does not concern template or component content; lint never reports it.\n"),
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(args: &[&str]) -> (u8, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let status = run(args.iter().map(OsString::from), &mut out, &mut err);
        (status, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
    }

    #[test]
    fn every_code_the_content_checks_can_answer_has_a_rule() {
        // Every code content.rs maps a parser error to (a code without a rule would make
        // `--explain` say "lint never reports it" about a code it does report).
        let produced = [
            ("X".repeat(17 * 1024), Kind::Build),
            ("X".repeat(17 * 1024), Kind::Test),
            ("X".repeat(17 * 1024), Kind::Component),
            ("RUN a\n".repeat(128), Kind::Build),
            ("ADD a b".into(), Kind::Build),
            ("FROM IMAGE:m-1\nFROM IMAGE:m-1".into(), Kind::Build),
            ("RUN a\nFROM IMAGE:m-1".into(), Kind::Build),
            ("FROM x".into(), Kind::Build),
            ("FROM IMAGE:m-1".into(), Kind::Component),
            ("COMPONENT ic-a".into(), Kind::Component),
            ("RESTART x".into(), Kind::Build),
            ("LABEL".into(), Kind::Build),
            ("LABEL x".into(), Kind::Build),
            ("LABEL x".into(), Kind::Test),
            ("LABEL x".into(), Kind::Component),
        ];
        for (text, kind) in produced {
            for problem in check(&text, kind, SystemType::Linux) {
                let code = Code::ALL.iter().find(|c| c.as_str() == problem.code).expect("a table code");
                assert!(rule(*code).is_some(), "{} has no rule", problem.code);
            }
        }
        for keyword in ["RUN", "ENV", "WORKDIR", "COPY", "USER", "CMD", "ENTRYPOINT", "LABEL"] {
            let problems = check(keyword, Kind::Build, SystemType::Linux);
            let code = Code::ALL.iter().find(|c| c.as_str() == problems[0].code).expect("a table code");
            assert!(rule(*code).is_some(), "{} has no rule", problems[0].code);
        }
    }

    #[test]
    fn explain_prints_the_table_entry_and_the_rule() {
        let (status, out, _) = lint(&["--explain", "DuplicatedCommand.FROM"]);
        assert_eq!(status, 0);
        assert!(out.starts_with("DuplicatedCommand.FROM\n  HTTP status: 400\n"), "{out}");
        assert!(out.contains("The command FROM can appear only once."), "{out}");
        assert!(out.contains("rule:") && out.contains(COMMANDS_DOC), "{out}");
        let (status, out, _) = lint(&["--explain", "NotSupportedCommand.FROM"]);
        assert_eq!(status, 0);
        assert!(out.contains("HTTP status: 404"), "{out}");
        let (status, out, _) = lint(&["--explain", "Throttling.User"]);
        assert_eq!(status, 0);
        assert!(out.contains("lint never reports it"), "{out}");
        let (status, _, err) = lint(&["--explain", "NoSuch.Code"]);
        assert_eq!(status, 2);
        assert!(err.contains("NoSuch.Code"), "{err}");
    }

    #[test]
    fn usage_errors_exit_2_and_help_exits_0() {
        assert_eq!(lint(&[]).0, 2);
        assert_eq!(lint(&["--kind", "sideways", "x"]).0, 2);
        assert_eq!(lint(&["/nonexistent/template.txt"]).0, 2);
        let (status, out, _) = lint(&["--help"]);
        assert_eq!(status, 0);
        assert!(out.contains("--explain"), "{out}");
    }

    #[test]
    fn the_kind_is_guessed_from_the_content() {
        assert_eq!(Kind::guess("Tasks:\n  - Name: a\n    Action: Reboot\n"), Kind::Component);
        assert_eq!(Kind::guess("RUN a"), Kind::Build);
    }
}
