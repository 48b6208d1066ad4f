//! Image components (api-spec §6.4–§6.6, §7.1–§7.3), as pure data and rules:
//! - the component model ([`Component`]) with its `Owner`, `SystemType` and `ComponentType`;
//! - `major.minor.patch` versions, the next default version, and the DescribeImageComponents
//!   version filter (one `*` at most);
//! - the YAML component format (`Parameters` + `Tasks`), each action's properties checked against
//!   the table of api-spec §6.5, `{{ param }}` references, and the parameters a component declares;
//! - the `--name value` arguments a template's `COMPONENT` command passes, and the steps a
//!   component runs with them ([`Component::steps`]);
//! - whether a template's `COMPONENT` reference designates a given component (for "in use").
//!
//! The Dockerfile-like format is parsed by [`super::template`] with [`Context::Component`]. No I/O:
//! the actions resolve references against the store and the system catalog.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;
use yaml_rust2::{Yaml, YamlLoader};

mod rules;

pub use rules::{check_quota, check_unused, next_version, VersionChoice};

use super::limits;
use super::tags::TagFilter;
use super::template::{self, Command, ComponentRef, Context, Program, VersionPattern, MAX_COMMANDS, MAX_CONTENT_BYTES};

// ---------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------

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
    /// version: `(x+1).0.0` (api-spec §7.1). `None` when the major version cannot grow.
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
/// is `*` (api-spec §6.4: "set one of <major>, <minor>, <patch> to `*`").
pub fn parse_version_filter(text: &str) -> Option<VersionPattern> {
    let [major, minor, patch] = positions(text)?;
    let wildcards = [major, minor, patch].iter().filter(|p| p.is_none()).count();
    (wildcards <= 1).then_some(VersionPattern { major, minor, patch })
}

// ---------------------------------------------------------------------------------------------
// Kinds
// ---------------------------------------------------------------------------------------------

/// `SystemType`: the OS a component runs on (default Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SystemType {
    Linux,
    Windows,
}

impl SystemType {
    pub fn parse(text: &str) -> Option<SystemType> {
        match text {
            "Linux" => Some(SystemType::Linux),
            "Windows" => Some(SystemType::Windows),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SystemType::Linux => "Linux",
            SystemType::Windows => "Windows",
        }
    }
}

/// `ComponentType`: Build components go in `BuildContent`, Test components in `TestContent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComponentType {
    Build,
    Test,
}

impl ComponentType {
    pub fn parse(text: &str) -> Option<ComponentType> {
        match text {
            "Build" => Some(ComponentType::Build),
            "Test" => Some(ComponentType::Test),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentType::Build => "Build",
            ComponentType::Test => "Test",
        }
    }

    /// The template field a component of this type may be used in.
    pub fn context(self) -> Context {
        match self {
            ComponentType::Build => Context::Build,
            ComponentType::Test => Context::Test,
        }
    }
}

/// `Owner`: `SELF` for custom components, `ALIYUN` for the built-in system components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Owner {
    #[serde(rename = "SELF")]
    Custom,
    #[serde(rename = "ALIYUN")]
    System,
}

impl Owner {
    pub fn parse(text: &str) -> Option<Owner> {
        match text {
            "SELF" => Some(Owner::Custom),
            "ALIYUN" => Some(Owner::System),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Custom => "SELF",
            Owner::System => "ALIYUN",
        }
    }
}

/// The type of a YAML parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamType {
    String,
    Number,
    Boolean,
}

impl ParamType {
    fn parse(text: &str) -> Option<ParamType> {
        match text {
            "String" => Some(ParamType::String),
            "Number" => Some(ParamType::Number),
            "Boolean" => Some(ParamType::Boolean),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::Number => "Number",
            ParamType::Boolean => "Boolean",
        }
    }

    /// Whether `value` (as passed with `--name value`) is a value of this type.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            ParamType::String => true,
            ParamType::Number => is_number(value),
            ParamType::Boolean => is_boolean(value),
        }
    }
}

fn is_number(value: &str) -> bool {
    value.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

fn is_boolean(value: &str) -> bool {
    value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
}

/// A parameter declared in a YAML component's `Parameters` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub kind: ParamType,
    /// Without a default the template must pass `--name value`.
    pub default: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------

/// One component version (every version is its own `ic-` resource, api-spec §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub id: String,
    /// The owning account; for system components, the catalog's system account.
    pub account: String,
    pub region: String,
    pub name: String,
    pub description: Option<String>,
    pub system_type: SystemType,
    pub component_type: ComponentType,
    pub version: Version,
    pub content: String,
    /// Derived from the YAML `Parameters` block; empty for the command-line format.
    pub parameters: Vec<Parameter>,
    pub owner: Owner,
    pub resource_group_id: Option<String>,
    pub created_ms: i64,
}

impl Component {
    /// How messages name the component: `"name" 1.2.0 (ic-…)`.
    pub fn label(&self) -> String {
        format!("\"{}\" {} ({})", self.name, self.version, self.id)
    }

    /// Checks the `--name value` arguments of a `COMPONENT` command against the parameters:
    /// each must be declared and of the declared type, and every parameter without a
    /// `DefaultValue` must be passed (api-spec §6.4).
    pub fn check_args(&self, args: &[(String, String)]) -> Result<(), String> {
        for (name, value) in args {
            let Some(parameter) = self.parameters.iter().find(|p| &p.name == name) else {
                return Err(format!("the component {} has no parameter \"{name}\"", self.label()));
            };
            if !parameter.kind.accepts(value) {
                return Err(format!(
                    "the value \"{value}\" of parameter \"--{name}\" of the component {} is not a {}",
                    self.label(),
                    parameter.kind.as_str()
                ));
            }
        }
        match self.parameters.iter().find(|p| p.default.is_none() && !args.iter().any(|(n, _)| *n == p.name)) {
            Some(missing) => Err(format!(
                "the parameter \"--{}\" of the component {} has no DefaultValue and must be passed",
                missing.name,
                self.label()
            )),
            None => Ok(()),
        }
    }

    /// What the component runs when invoked with `args`, in order. Stored content was validated
    /// when the component was created, so an error here means a corrupted record.
    pub fn steps(&self, args: &[(String, String)]) -> Result<Vec<ComponentStep>, String> {
        if is_yaml(&self.content) {
            let yaml = parse_yaml(&self.content, self.system_type).map_err(|e| e.to_string())?;
            let mut values: HashMap<&str, &str> = HashMap::new();
            for p in &yaml.parameters {
                if let Some(default) = &p.default {
                    values.insert(&p.name, default);
                }
            }
            for (name, value) in args {
                values.insert(name, value);
            }
            Ok(yaml.tasks.iter().map(|task| task.step(&values)).collect())
        } else {
            let program = template::parse(&self.content, Context::Component).map_err(|e| e.to_string())?;
            Ok(program
                .steps
                .into_iter()
                .map(|s| ComponentStep { label: format!("line {}", s.line), work: Work::Command(s.command) })
                .collect())
        }
    }
}

/// One thing a component does on the transit instance, with parameters substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentStep {
    /// Where it comes from: `line 3` or `task "install" (RunShellCommand)`.
    pub label: String,
    pub work: Work,
}

/// What a component step does, as the simulation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// A command of a command-line component.
    Command(Command),
    /// `RunShellCommand`: a shell script, run as `username` when given.
    Shell { script: String, username: Option<String> },
    /// `WebDownload` / `OSSDownload`: fetches `source` (needs the public network).
    Download { source: String, destination: String },
    /// `Reboot`: restarts the instance.
    Reboot,
    /// Anything the simulation lets succeed (InvokeCommand, OSSUpload, …), described.
    Other(String),
}

/// The components a template's `COMPONENT` commands resolved to, keyed by the canonical text of
/// each reference (`ComponentRef`'s `Display`).
pub type Resolved = HashMap<String, Component>;

/// Whether `reference` (from a template of the component's tenant) designates `component`: by
/// ID, or by name ARN of its account and region whose version pattern matches its version.
pub fn refers_to(reference: &ComponentRef, component: &Component) -> bool {
    match reference {
        ComponentRef::Id(id) => *id == component.id,
        ComponentRef::Arn { region, account, name, version } => {
            *region == component.region
                && *account == component.account
                && *name == component.name
                && component.version.matches(version)
        }
    }
}

/// Whether a template whose contents are `build` and `test` uses `component` (api-spec §7.3;
/// the suggestion of the spec: by ID, or by an ARN whose pattern matches its version).
pub fn is_used_by(component: &Component, build: Option<&str>, test: Option<&str>) -> bool {
    let uses = |text: Option<&str>, context: Context| {
        text.and_then(|t| template::parse(t, context).ok())
            .is_some_and(|program: Program| program.component_refs().any(|r| refers_to(r, component)))
    };
    uses(build, Context::Build) || uses(test, Context::Test)
}

/// Filters of DescribeImageComponents (api-spec §7.2), all AND-ed. `Owner` picks the sources
/// (store, catalog) and is not part of it.
#[derive(Debug, Clone, Default)]
pub struct ComponentFilter {
    pub ids: Vec<String>,
    /// Exact match.
    pub name: Option<String>,
    /// Only given together with `name` (the docs: "only effective when Name is given").
    pub version: Option<VersionPattern>,
    pub component_type: Option<ComponentType>,
    pub system_type: Option<SystemType>,
    pub resource_group_id: Option<String>,
    pub tags: Vec<TagFilter>,
}

impl ComponentFilter {
    /// Whether a component that carries no tags (a system component) matches.
    pub fn matches_untagged(&self, c: &Component) -> bool {
        (self.ids.is_empty() || self.ids.contains(&c.id))
            && self.name.as_ref().is_none_or(|n| *n == c.name)
            && self.version.as_ref().is_none_or(|v| c.version.matches(v))
            && self.component_type.is_none_or(|t| t == c.component_type)
            && self.system_type.is_none_or(|t| t == c.system_type)
            && self.resource_group_id.as_ref().is_none_or(|rg| c.resource_group_id.as_ref() == Some(rg))
            && self.tags.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// The YAML format
// ---------------------------------------------------------------------------------------------

/// Whether a component `Content` is in the YAML format. The docs do not say how the format is
/// told apart (api-spec §6.1, [INFER]); we take its suggestion: the first line that is neither
/// blank nor a `#` comment starts with `Parameters:` or `Tasks:` (or is the `---` marker).
pub fn is_yaml(content: &str) -> bool {
    content
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|first| first == "---" || first.starts_with("Parameters:") || first.starts_with("Tasks:"))
}

/// A parsed, validated YAML component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlComponent {
    pub parameters: Vec<Parameter>,
    pub tasks: Vec<Task>,
}

/// One entry of `Tasks`: its properties as text, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub name: String,
    pub action: TaskAction,
    pub properties: Vec<(String, String)>,
}

/// The actions of api-spec §6.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAction {
    RunShellCommand,
    RunPowerShellCommand,
    InvokeCommand,
    OssDownload,
    OssUpload,
    WebDownload,
    Reboot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PropType {
    String,
    Number,
    Boolean,
    Json,
}

/// One property of an action: its name, type, and whether it is required.
struct Prop(&'static str, PropType, bool);

/// The OSes an action runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Os {
    Linux,
    Windows,
    Both,
}

impl TaskAction {
    const ALL: [TaskAction; 7] = [
        TaskAction::RunShellCommand,
        TaskAction::RunPowerShellCommand,
        TaskAction::InvokeCommand,
        TaskAction::OssDownload,
        TaskAction::OssUpload,
        TaskAction::WebDownload,
        TaskAction::Reboot,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::RunShellCommand => "RunShellCommand",
            TaskAction::RunPowerShellCommand => "RunPowerShellCommand",
            TaskAction::InvokeCommand => "InvokeCommand",
            TaskAction::OssDownload => "OSSDownload",
            TaskAction::OssUpload => "OSSUpload",
            TaskAction::WebDownload => "WebDownload",
            TaskAction::Reboot => "Reboot",
        }
    }

    fn parse(text: &str) -> Option<TaskAction> {
        TaskAction::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The property table of api-spec §6.5.
    fn properties(self) -> &'static [Prop] {
        use PropType::{Boolean, Json, Number, String};
        match self {
            TaskAction::RunShellCommand => &[
                Prop("commandContent", String, true),
                Prop("workingDir", String, false),
                Prop("username", String, false),
            ],
            TaskAction::RunPowerShellCommand => &[
                Prop("commandContent", String, true),
                Prop("workingDir", String, false),
                Prop("username", String, false),
                Prop("windowsPasswordName", String, false),
            ],
            TaskAction::InvokeCommand => {
                &[Prop("commandId", String, true), Prop("username", String, false), Prop("parameters", Json, false)]
            }
            TaskAction::OssDownload => &[
                Prop("bucketName", String, true),
                Prop("destinationDir", String, true),
                Prop("objectName", String, true),
                Prop("ossRegion", String, false),
                Prop("validTime", Number, false),
            ],
            TaskAction::OssUpload => &[
                Prop("bucketName", String, true),
                Prop("fileToUpload", String, true),
                Prop("objectName", String, true),
                Prop("ossRegion", String, false),
                Prop("validTime", Number, false),
            ],
            TaskAction::WebDownload => &[
                Prop("sourcePath", String, true),
                Prop("tokenInfo", String, false),
                Prop("destinationDir", String, true),
                Prop("timeout", Number, false),
            ],
            TaskAction::Reboot => &[Prop("forceStop", Boolean, false)],
        }
    }

    fn os(self) -> Os {
        match self {
            TaskAction::RunShellCommand => Os::Linux,
            TaskAction::RunPowerShellCommand => Os::Windows,
            _ => Os::Both,
        }
    }

    /// Whether the task has a `stdout` output other tasks can reference.
    fn has_stdout(self) -> bool {
        matches!(self, TaskAction::RunShellCommand | TaskAction::RunPowerShellCommand)
    }
}

impl Task {
    fn property(&self, name: &str) -> Option<&str> {
        self.properties.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The step this task is with `values` substituted for `{{ param }}` references.
    fn step(&self, values: &HashMap<&str, &str>) -> ComponentStep {
        let get = |name: &str| self.property(name).map(|v| substitute(v, values));
        let text = |name: &str| get(name).unwrap_or_default();
        let work = match self.action {
            TaskAction::RunShellCommand => Work::Shell { script: text("commandContent"), username: get("username") },
            TaskAction::WebDownload => {
                Work::Download { source: text("sourcePath"), destination: text("destinationDir") }
            }
            TaskAction::OssDownload => Work::Download {
                source: format!("oss://{}/{}", text("bucketName"), text("objectName")),
                destination: text("destinationDir"),
            },
            TaskAction::Reboot => Work::Reboot,
            TaskAction::RunPowerShellCommand => Work::Other(format!("PowerShell {}", text("commandContent"))),
            TaskAction::InvokeCommand => Work::Other(format!("invoke Cloud Assistant command {}", text("commandId"))),
            TaskAction::OssUpload => Work::Other(format!(
                "upload {} to oss://{}/{}",
                text("fileToUpload"),
                text("bucketName"),
                text("objectName")
            )),
        };
        ComponentStep { label: format!("task \"{}\" ({})", self.name, self.action.as_str()), work }
    }
}

/// Why a YAML component was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlError {
    /// More than 16 KB (`InvalidContent.LengthExceeded`).
    TooLarge { bytes: usize },
    /// More than 127 tasks (`InvalidImageTemplateCommandSize.ExceededMaxNumber`).
    TooManyTasks { count: usize },
    /// Anything else (`InvalidParameter.Content`), with the 1-based line of the part at fault
    /// (the task, the parameter, the top-level key, or where the YAML syntax breaks) when known.
    /// The line is not part of the message: the API's wire message stays the same with or
    /// without it, and `lint` prints it in front.
    Invalid { reason: String, line: Option<usize> },
}

impl YamlError {
    /// The 1-based line the error refers to, if known.
    pub fn line(&self) -> Option<usize> {
        match self {
            YamlError::Invalid { line, .. } => *line,
            YamlError::TooLarge { .. } | YamlError::TooManyTasks { .. } => None,
        }
    }

    /// Sets the line when the error has none yet (the innermost line known wins).
    fn at(self, at: Option<usize>) -> YamlError {
        match self {
            YamlError::Invalid { reason, line: None } => YamlError::Invalid { reason, line: at },
            other => other,
        }
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlError::TooLarge { bytes } => write!(
                f,
                "The content is {bytes} bytes long, which exceeds the limit of {MAX_CONTENT_BYTES} bytes (16 KB)."
            ),
            YamlError::TooManyTasks { count } => {
                write!(f, "The content contains {count} tasks, which exceeds the upper limit of {MAX_COMMANDS}.")
            }
            YamlError::Invalid { reason, .. } => write!(f, "The YAML component content is invalid: {reason}."),
        }
    }
}

impl std::error::Error for YamlError {}

fn invalid(reason: impl Into<String>) -> YamlError {
    YamlError::Invalid { reason: reason.into(), line: None }
}

/// Refuses aliases (whose expansion can grow exponentially) and deep nesting before the document
/// is built, and notes where the parts of a component start (for error lines).
#[derive(Default)]
struct Guard {
    depth: usize,
    too_deep: bool,
    alias: bool,
    /// Open collections of the first document, outermost first.
    frames: Vec<Frame>,
    documents: usize,
    lines: Lines,
}

/// 1-based lines where the parts of a YAML component start.
#[derive(Debug, Default)]
struct Lines {
    /// Top-level keys and their lines, in order.
    top_keys: Vec<(String, usize)>,
    /// Each parameter of `Parameters`, in order.
    parameters: Vec<usize>,
    /// Each task of `Tasks`, in order.
    tasks: Vec<usize>,
}

impl Lines {
    fn top_key(&self, key: &str) -> Option<usize> {
        self.top_keys.iter().find(|(k, _)| k == key).map(|(_, line)| *line)
    }
}

/// An open mapping or sequence while events stream by.
struct Frame {
    mapping: bool,
    /// In a mapping: whether the next node is a key.
    expecting_key: bool,
    /// In a mapping: the last scalar key seen.
    key: Option<String>,
    role: Role,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    Parameters,
    Tasks,
    Other,
}

impl Guard {
    /// A node (scalar, alias or collection) starts at `line`: note it and return the role a
    /// collection starting here would have.
    fn node_starts(&mut self, line: usize, scalar: Option<&str>) -> Role {
        let Some(parent) = self.frames.last_mut() else {
            return if self.documents == 1 { Role::Root } else { Role::Other };
        };
        if parent.mapping && parent.expecting_key {
            parent.expecting_key = false;
            parent.key = scalar.map(str::to_string);
            match parent.role {
                Role::Root => self.lines.top_keys.push((scalar.unwrap_or_default().to_string(), line)),
                Role::Parameters => self.lines.parameters.push(line),
                Role::Tasks | Role::Other => {}
            }
            return Role::Other;
        }
        if parent.mapping {
            parent.expecting_key = true;
            return match (parent.role, parent.key.as_deref()) {
                (Role::Root, Some("Parameters")) => Role::Parameters,
                (Role::Root, Some("Tasks")) => Role::Tasks,
                _ => Role::Other,
            };
        }
        if parent.role == Role::Tasks {
            self.lines.tasks.push(line);
        }
        Role::Other
    }
}

impl MarkedEventReceiver for Guard {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line();
        match event {
            Event::DocumentStart => self.documents += 1,
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let mapping = matches!(event, Event::MappingStart(..));
                let role = self.node_starts(line, None);
                // Mapping roles apply to mappings, the Tasks role to a sequence.
                let role = match (role, mapping) {
                    (Role::Root | Role::Parameters, true) | (Role::Tasks, false) => role,
                    _ => Role::Other,
                };
                self.frames.push(Frame { mapping, expecting_key: true, key: None, role });
                self.depth += 1;
                self.too_deep |= self.depth > limits::MAX_YAML_DEPTH;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
                self.depth = self.depth.saturating_sub(1);
            }
            Event::Scalar(text, ..) => {
                self.node_starts(line, Some(&text));
            }
            Event::Alias(_) => {
                self.node_starts(line, None);
                self.alias = true;
            }
            _ => {}
        }
    }
}

/// Parses and validates a YAML component for `system_type` (api-spec §6.5). Checks, in order:
/// size; YAML syntax (no aliases, bounded nesting, one document); the top-level keys; each
/// parameter (`Type`, `DefaultValue` of that type); the number of tasks; each task (`Name`
/// unique, `Action` known and available on the OS, `Properties` per the action's table);
/// `{{ … }}` references (a declared parameter, or `<earlier task>.stdout`).
pub fn parse_yaml(text: &str, system_type: SystemType) -> Result<YamlComponent, YamlError> {
    if text.len() > MAX_CONTENT_BYTES {
        return Err(YamlError::TooLarge { bytes: text.len() });
    }
    let mut guard = Guard::default();
    Parser::new_from_str(text).load(&mut guard, true).map_err(|e| YamlError::Invalid {
        reason: format!("the YAML is malformed: {e}"),
        line: Some(e.marker().line()),
    })?;
    let lines = guard.lines;
    if guard.alias {
        return Err(invalid("YAML aliases (*name) are not supported"));
    }
    if guard.too_deep {
        return Err(invalid(format!("the YAML is nested more than {} levels deep", limits::MAX_YAML_DEPTH)));
    }
    let docs = YamlLoader::load_from_str(text).map_err(|e| invalid(format!("the YAML is malformed: {e}")))?;
    let [root] = docs.as_slice() else {
        return Err(invalid("the content must be exactly one YAML document"));
    };
    let Yaml::Hash(root) = root else {
        return Err(invalid("the content must be a mapping with the keys Parameters and Tasks"));
    };
    let mut parameters_node = None;
    let mut tasks_node = None;
    for (key, value) in root {
        match key.as_str() {
            Some("Parameters") => parameters_node = Some(value),
            Some("Tasks") => tasks_node = Some(value),
            _ => {
                let key = scalar_text(key).unwrap_or_default();
                let line = lines.top_key(&key);
                return Err(
                    invalid(format!("unknown top-level key \"{key}\"; only Parameters and Tasks are allowed")).at(line)
                );
            }
        }
    }
    let parameters_line = lines.top_key("Parameters");
    let parameters = match parameters_node {
        None | Some(Yaml::Null) => Vec::new(),
        Some(Yaml::Hash(map)) => map
            .iter()
            .enumerate()
            .map(|(index, (k, v))| {
                parse_parameter(k, v).map_err(|e| e.at(lines.parameters.get(index).copied().or(parameters_line)))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(invalid("Parameters must be a mapping of parameter names to definitions").at(parameters_line))
        }
    };
    let tasks_line = lines.top_key("Tasks");
    let tasks_list = match tasks_node {
        Some(Yaml::Array(list)) if !list.is_empty() => list,
        Some(Yaml::Array(_)) | Some(Yaml::Null) | None => {
            return Err(invalid("Tasks must list at least one task").at(tasks_line))
        }
        Some(_) => return Err(invalid("Tasks must be a list of tasks").at(tasks_line)),
    };
    if tasks_list.len() > MAX_COMMANDS {
        return Err(YamlError::TooManyTasks { count: tasks_list.len() });
    }
    let mut tasks: Vec<Task> = Vec::with_capacity(tasks_list.len());
    for (index, node) in tasks_list.iter().enumerate() {
        let line = lines.tasks.get(index).copied().or(tasks_line);
        let task = parse_task(index + 1, node, system_type).map_err(|e| e.at(line))?;
        if tasks.iter().any(|t| t.name == task.name) {
            return Err(invalid(format!("the task name \"{}\" is used more than once", task.name)).at(line));
        }
        check_references(&task, &parameters, &tasks).map_err(|e| e.at(line))?;
        tasks.push(task);
    }
    Ok(YamlComponent { parameters, tasks })
}

/// Names of parameters: the characters a template's `--name` may use.
fn is_parameter_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= limits::NAME_CHARS.1
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn parse_parameter(key: &Yaml, definition: &Yaml) -> Result<Parameter, YamlError> {
    let name = key.as_str().filter(|n| is_parameter_name(n)).ok_or_else(|| {
        invalid(format!(
            "invalid parameter name \"{}\"; names may contain only letters, digits, '_', '.' and '-'",
            scalar_text(key).unwrap_or_default()
        ))
    })?;
    let Yaml::Hash(fields) = definition else {
        return Err(invalid(format!("the parameter \"{name}\" must be a mapping with Type and DefaultValue")));
    };
    let mut kind = None;
    let mut default = None;
    for (field, value) in fields {
        match field.as_str() {
            Some("Type") => {
                let text = value.as_str().unwrap_or_default();
                kind = Some(ParamType::parse(text).ok_or_else(|| {
                    invalid(format!("the Type of parameter \"{name}\" must be String, Number or Boolean"))
                })?);
            }
            Some("DefaultValue") => {
                default = match value {
                    Yaml::Null => None,
                    scalar => Some(scalar_text(scalar).ok_or_else(|| {
                        invalid(format!("the DefaultValue of parameter \"{name}\" must be a scalar"))
                    })?),
                };
            }
            _ => {
                return Err(invalid(format!(
                    "unknown key \"{}\" in parameter \"{name}\"; only Type and DefaultValue are allowed",
                    scalar_text(field).unwrap_or_default()
                )))
            }
        }
    }
    let kind = kind.ok_or_else(|| invalid(format!("the parameter \"{name}\" has no Type")))?;
    if let Some(value) = &default {
        if !kind.accepts(value) {
            return Err(invalid(format!(
                "the DefaultValue \"{value}\" of parameter \"{name}\" is not a {}",
                kind.as_str()
            )));
        }
    }
    Ok(Parameter { name: name.to_string(), kind, default })
}

fn parse_task(position: usize, node: &Yaml, system_type: SystemType) -> Result<Task, YamlError> {
    let Yaml::Hash(fields) = node else {
        return Err(invalid(format!("task {position} must be a mapping with Name, Action and Properties")));
    };
    let mut name = None;
    let mut action_text = None;
    let mut properties_node = None;
    for (field, value) in fields {
        match field.as_str() {
            Some("Name") => name = scalar_text(value),
            Some("Action") => action_text = Some(value.as_str().unwrap_or_default()),
            Some("Properties") => properties_node = Some(value),
            _ => {
                return Err(invalid(format!(
                    "unknown key \"{}\" in task {position}; only Name, Action and Properties are allowed",
                    scalar_text(field).unwrap_or_default()
                )))
            }
        }
    }
    let name = name
        .filter(|n| !n.is_empty() && n.chars().count() <= limits::NAME_CHARS.1)
        .ok_or_else(|| invalid(format!("task {position} needs a Name of 1 to 128 characters")))?;
    let action_text = action_text.ok_or_else(|| invalid(format!("the task \"{name}\" has no Action")))?;
    let action = TaskAction::parse(action_text).ok_or_else(|| {
        let known: Vec<&str> = TaskAction::ALL.iter().map(|a| a.as_str()).collect();
        invalid(format!(
            "the Action \"{action_text}\" of task \"{name}\" is not supported; supported actions: {}",
            known.join(", ")
        ))
    })?;
    let os_ok = match action.os() {
        Os::Both => true,
        Os::Linux => system_type == SystemType::Linux,
        Os::Windows => system_type == SystemType::Windows,
    };
    if !os_ok {
        return Err(invalid(format!(
            "the Action {} of task \"{name}\" is not supported on {}",
            action.as_str(),
            system_type.as_str()
        )));
    }
    let given = match properties_node {
        None | Some(Yaml::Null) => Vec::new(),
        Some(Yaml::Hash(map)) => map.iter().collect(),
        Some(_) => return Err(invalid(format!("the Properties of task \"{name}\" must be a mapping"))),
    };
    let table = action.properties();
    let mut properties = Vec::with_capacity(given.len());
    for (key, value) in given {
        let key_text = scalar_text(key).unwrap_or_default();
        let Some(Prop(prop_name, prop_type, _)) = table.iter().find(|p| p.0 == key_text) else {
            let known: Vec<&str> = table.iter().map(|p| p.0).collect();
            return Err(invalid(format!(
                "unknown property \"{key_text}\" in task \"{name}\"; {} takes {}",
                action.as_str(),
                known.join(", ")
            )));
        };
        if let Some(text) = property_value(value, *prop_type)
            .map_err(|why| invalid(format!("the property {prop_name} of task \"{name}\" {why}")))?
        {
            properties.push((prop_name.to_string(), text));
        }
    }
    if let Some(Prop(missing, ..)) = table.iter().find(|p| p.2 && !properties.iter().any(|(k, _)| k == p.0)) {
        return Err(invalid(format!("the task \"{name}\" ({}) needs the property {missing}", action.as_str())));
    }
    if action == TaskAction::WebDownload {
        let source = properties.iter().find(|(k, _)| k == "sourcePath").map(|(_, v)| v.as_str()).unwrap_or_default();
        if !(source.starts_with("http://") || source.starts_with("https://") || single_reference(source).is_some()) {
            return Err(invalid(format!("the sourcePath of task \"{name}\" must be an http:// or https:// URL")));
        }
    }
    Ok(Task { name, action, properties })
}

/// The text of a property of `kind`, `None` when it is null (absent). `{{ name }}` written
/// unquoted parses as a nested flow mapping; it is read back as the reference it was meant to be.
fn property_value(value: &Yaml, kind: PropType) -> Result<Option<String>, String> {
    if matches!(value, Yaml::Null) {
        return Ok(None);
    }
    if let Some(reference) = unquoted_reference(value) {
        return Ok(Some(reference));
    }
    let text = match (kind, value) {
        (PropType::Json, Yaml::Hash(_) | Yaml::Array(_)) => Some(to_json(value).to_string()),
        (_, Yaml::Hash(_) | Yaml::Array(_)) => None,
        (_, scalar) => scalar_text(scalar),
    };
    let text = text.ok_or_else(|| "must be a scalar value".to_string())?;
    let reference = single_reference(&text).is_some();
    match kind {
        PropType::Number if !reference && !is_number(&text) => Err("must be a number".to_string()),
        PropType::Boolean if !reference && !is_boolean(&text) => Err("must be true or false".to_string()),
        _ => Ok(Some(text)),
    }
}

/// `{{ x }}` written unquoted: a mapping whose only key is a mapping whose only key is `x`.
fn unquoted_reference(value: &Yaml) -> Option<String> {
    let Yaml::Hash(outer) = value else { return None };
    let (Yaml::Hash(inner), Yaml::Null) = only_entry(outer)? else { return None };
    let (Yaml::String(name), Yaml::Null) = only_entry(inner)? else { return None };
    Some(format!("{{{{ {name} }}}}"))
}

fn only_entry(map: &yaml_rust2::yaml::Hash) -> Option<(&Yaml, &Yaml)> {
    let mut entries = map.iter();
    let first = entries.next()?;
    entries.next().is_none().then_some(first)
}

/// The text of a scalar node (`None` for mappings, sequences and other nodes).
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn to_json(value: &Yaml) -> serde_json::Value {
    match value {
        Yaml::Hash(map) => serde_json::Value::Object(
            map.iter().map(|(k, v)| (scalar_text(k).unwrap_or_default(), to_json(v))).collect(),
        ),
        Yaml::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Yaml::Integer(i) => serde_json::Value::from(*i),
        Yaml::Boolean(b) => serde_json::Value::Bool(*b),
        Yaml::Real(s) => s.parse::<f64>().ok().map_or(serde_json::Value::String(s.clone()), serde_json::Value::from),
        Yaml::String(s) => serde_json::Value::String(s.clone()),
        _ => serde_json::Value::Null,
    }
}

/// A reference token: starts with a letter or `_`, then letters, digits, `_`, `.`, `-`.
/// Other `{{ … }}` text (Go templates such as `{{.Id}}`) is left alone.
fn is_reference_token(token: &str) -> bool {
    let mut chars = token.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Splits `text` into literal pieces and `{{ token }}` references, in order.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let (before, from_open) = rest.split_at(open);
        let after_open = from_open.get(2..).unwrap_or_default();
        let Some(close) = after_open.find("}}") else { break };
        let (inside, after_close) = after_open.split_at(close);
        let token = inside.trim();
        let whole_len = 2 + close + 2;
        if is_reference_token(token) {
            out.push(Piece::Text(before));
            out.push(Piece::Reference(token));
            rest = after_close.get(2..).unwrap_or_default();
        } else {
            let (literal, tail) = rest.split_at(open + whole_len);
            out.push(Piece::Text(literal));
            rest = tail;
        }
    }
    out.push(Piece::Text(rest));
    out
}

enum Piece<'a> {
    Text(&'a str),
    Reference(&'a str),
}

/// The token when `text` is exactly one `{{ token }}` reference (surrounding blanks allowed).
fn single_reference(text: &str) -> Option<&str> {
    let parts = pieces(text.trim());
    match parts.as_slice() {
        [Piece::Text(""), Piece::Reference(token), Piece::Text("")] => Some(token),
        _ => None,
    }
}

/// Replaces `{{ name }}` by the parameter's value; other references are left as written.
fn substitute(text: &str, values: &HashMap<&str, &str>) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Reference(token) => match values.get(token) {
                Some(value) => out.push_str(value),
                None => {
                    out.push_str("{{ ");
                    out.push_str(token);
                    out.push_str(" }}");
                }
            },
        }
    }
    out
}

/// Every reference in the task's properties names a parameter or an earlier task's stdout.
fn check_references(task: &Task, parameters: &[Parameter], earlier: &[Task]) -> Result<(), YamlError> {
    for (property, value) in &task.properties {
        for piece in pieces(value) {
            let Piece::Reference(token) = piece else { continue };
            let is_parameter = parameters.iter().any(|p| p.name == token);
            let is_output = token
                .strip_suffix(".stdout")
                .is_some_and(|t| earlier.iter().any(|e| e.name == t && e.action.has_stdout()));
            if !is_parameter && !is_output {
                return Err(invalid(format!(
                    "the property {property} of task \"{}\" references \"{{{{ {token} }}}}\", which is neither a declared parameter nor the stdout of an earlier task",
                    task.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "Parameters:
  param1:
    Type: String
    DefaultValue: x
  count:
    Type: Number
Tasks:
  - Name: taskName1
    Action: RunShellCommand
    Properties:
      commandContent: echo {{ param1 }} {{count}}
  - Name: taskName2
    Action: WebDownload
    Properties:
      sourcePath: https://example.com/a.tgz
      destinationDir: /opt
      timeout: 60
  - Name: taskName3
    Action: RunShellCommand
    Properties:
      commandContent: {{ taskName1.stdout }}
";

    fn yaml_err(text: &str) -> String {
        match parse_yaml(text, SystemType::Linux) {
            Err(YamlError::Invalid { reason, .. }) => reason,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn component(content: &str, parameters: Vec<Parameter>) -> Component {
        Component {
            id: "ic-abc".into(),
            account: "1".into(),
            region: "cn-hangzhou".into(),
            name: "web".into(),
            description: None,
            system_type: SystemType::Linux,
            component_type: ComponentType::Build,
            version: Version { major: 1, minor: 2, patch: 3 },
            content: content.into(),
            parameters,
            owner: Owner::Custom,
            resource_group_id: None,
            created_ms: 0,
        }
    }

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

    #[test]
    fn yaml_is_told_apart_from_commands_by_its_first_line() {
        assert!(is_yaml("# comment\n\nTasks:\n  - Name: a"));
        assert!(is_yaml("Parameters:\n"));
        assert!(is_yaml("---\nTasks: []"));
        assert!(!is_yaml("RUN echo Tasks:"));
        assert!(!is_yaml(""));
    }

    #[test]
    fn the_documented_example_parses_with_its_parameters_and_references() {
        let parsed = parse_yaml(EXAMPLE, SystemType::Linux).expect("valid");
        assert_eq!(
            parsed.parameters,
            vec![
                Parameter { name: "param1".into(), kind: ParamType::String, default: Some("x".into()) },
                Parameter { name: "count".into(), kind: ParamType::Number, default: None },
            ]
        );
        assert_eq!(parsed.tasks.len(), 3);
        assert_eq!(
            parsed.tasks[2].properties,
            vec![("commandContent".to_string(), "{{ taskName1.stdout }}".to_string())]
        );
        assert_eq!(parsed.tasks[1].properties[2], ("timeout".to_string(), "60".to_string()));
    }

    #[test]
    fn every_action_checks_its_properties() {
        let task =
            |action: &str, props: &str| format!("Tasks:\n  - Name: t\n    Action: {action}\n    Properties:\n{props}");
        assert!(yaml_err(&task("RunShellCommand", "      workingDir: /tmp\n"))
            .contains("needs the property commandContent"));
        assert!(yaml_err(&task("RunShellCommand", "      commandContent: a\n      shell: bash\n"))
            .contains("unknown property"));
        assert!(yaml_err(&task("WebDownload", "      sourcePath: ftp://x\n      destinationDir: /d\n")).contains("URL"));
        assert!(yaml_err(&task(
            "WebDownload",
            "      sourcePath: http://x\n      destinationDir: /d\n      timeout: soon\n"
        ))
        .contains("must be a number"));
        assert!(yaml_err(&task("Reboot", "      forceStop: maybe\n")).contains("true or false"));
        assert!(yaml_err(&task("OSSDownload", "      bucketName: b\n      objectName: o\n")).contains("destinationDir"));
        assert!(yaml_err(&task("Deploy", "      x: 1\n")).contains("not supported"));
        assert!(
            yaml_err(&task("RunPowerShellCommand", "      commandContent: dir\n")).contains("not supported on Linux")
        );
        let invoke = task("InvokeCommand", "      commandId: c-1\n      parameters:\n        a: 1\n");
        let parsed = parse_yaml(&invoke, SystemType::Windows).expect("valid");
        assert_eq!(parsed.tasks[0].property("parameters"), Some("{\"a\":1}"));
        assert!(parse_yaml("Tasks:\n  - Name: r\n    Action: Reboot\n", SystemType::Linux).is_ok());
        assert!(matches!(
            parse_yaml(&task("RunShellCommand", "      commandContent: a\n"), SystemType::Windows),
            Err(YamlError::Invalid { .. })
        ));
    }

    #[test]
    fn structure_errors_are_explained() {
        assert!(yaml_err("Tasks: []").contains("at least one task"));
        assert!(yaml_err("Parameters:\n  a:\n    Type: String\n").contains("at least one task"));
        assert!(yaml_err("Tasks:\n  - Name: a\n    Action: Reboot\nExtra: 1\n").contains("unknown top-level key"));
        assert!(yaml_err("Tasks:\n  - Action: Reboot\n").contains("Name"));
        assert!(yaml_err("Tasks:\n  - Name: a\n    Action: Reboot\n  - Name: a\n    Action: Reboot\n")
            .contains("more than once"));
        assert!(yaml_err("Parameters:\n  p:\n    Type: Text\nTasks:\n  - Name: a\n    Action: Reboot\n")
            .contains("String, Number or Boolean"));
        assert!(yaml_err(
            "Parameters:\n  p:\n    Type: Number\n    DefaultValue: abc\nTasks:\n  - Name: a\n    Action: Reboot\n"
        )
        .contains("is not a Number"));
        assert!(yaml_err("Tasks:\n  - Name: a\n    Action: RunShellCommand\n    Properties:\n      commandContent: echo {{ nope }}\n")
            .contains("neither a declared parameter"));
        assert!(yaml_err("Tasks: [\n").contains("malformed"));
        assert!(yaml_err("a: &x [1]\nb: *x\n").contains("aliases"));
        let deep = format!("Tasks: {}{}", "[".repeat(40), "]".repeat(40));
        assert!(yaml_err(&deep).contains("nested"));
        let many: String =
            (0..128).map(|i| format!("  - Name: t{i}\n    Action: Reboot\n")).collect::<Vec<_>>().join("");
        assert_eq!(
            parse_yaml(&format!("Tasks:\n{many}"), SystemType::Linux),
            Err(YamlError::TooManyTasks { count: 128 })
        );
        let big = format!("Tasks:\n{}", " ".repeat(MAX_CONTENT_BYTES));
        assert!(matches!(parse_yaml(&big, SystemType::Linux), Err(YamlError::TooLarge { .. })));
    }

    #[test]
    fn invalid_yaml_names_the_line_of_the_part_at_fault() {
        let line = |text: &str| parse_yaml(text, SystemType::Linux).err().and_then(|e| e.line());
        // The task: its first line.
        let second_task_bad = "Tasks:\n  - Name: a\n    Action: Reboot\n  - Name: b\n    Action: Teleport\n";
        assert_eq!(line(second_task_bad), Some(4));
        let undeclared = "# c\nTasks:\n  - Name: a\n    Action: RunShellCommand\n    Properties:\n      commandContent: echo {{ x }}\n";
        assert_eq!(line(undeclared), Some(3));
        assert_eq!(line("Tasks:\n  - Name: a\n    Action: Reboot\n  - Name: a\n    Action: Reboot\n"), Some(4));
        // The parameter: its key.
        let bad_param =
            "Parameters:\n  ok:\n    Type: String\n  bad:\n    Type: Text\nTasks:\n  - Name: a\n    Action: Reboot\n";
        assert_eq!(line(bad_param), Some(4));
        // A top-level key, the Tasks key, a flow-style task list.
        assert_eq!(line("Tasks:\n  - Name: a\n    Action: Reboot\nExtra: 1\n"), Some(4));
        assert_eq!(line("Parameters: {}\nTasks: []\n"), Some(2));
        assert_eq!(line("Tasks: [{Name: a, Action: Reboot},\n  {Name: b, Action: Nope}]\n"), Some(2));
        // A syntax error: where the scanner stopped.
        assert_eq!(line("Tasks:\n  - Name: a\n    Action: [unclosed\n"), Some(4));
        // Whole-content errors have no line.
        assert_eq!(line(&format!("Tasks:\n{}", " ".repeat(MAX_CONTENT_BYTES))), None);
        // The line never shows in the message (the API's wire text).
        let err = parse_yaml(second_task_bad, SystemType::Linux).expect_err("invalid");
        assert!(!err.to_string().contains("line 4"), "{err}");
    }

    #[test]
    fn go_templates_are_not_references() {
        let text = "Tasks:\n  - Name: a\n    Action: RunShellCommand\n    Properties:\n      commandContent: \"docker inspect -f '{{.Id}}' x\"\n";
        assert!(parse_yaml(text, SystemType::Linux).is_ok());
    }

    #[test]
    fn arguments_are_checked_against_the_parameters() {
        let parsed = parse_yaml(EXAMPLE, SystemType::Linux).expect("valid");
        let c = component(EXAMPLE, parsed.parameters);
        let args = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert!(c.check_args(&args(&[("count", "3")])).is_ok());
        assert!(c.check_args(&args(&[])).is_err_and(|e| e.contains("--count")));
        assert!(c.check_args(&args(&[("count", "three")])).is_err_and(|e| e.contains("not a Number")));
        assert!(c.check_args(&args(&[("count", "1"), ("other", "1")])).is_err_and(|e| e.contains("no parameter")));
    }

    #[test]
    fn steps_substitute_arguments_over_defaults() {
        let parsed = parse_yaml(EXAMPLE, SystemType::Linux).expect("valid");
        let c = component(EXAMPLE, parsed.parameters);
        let steps = c.steps(&[("count".into(), "7".into())]).expect("steps");
        assert_eq!(steps[0].work, Work::Shell { script: "echo x 7".into(), username: None });
        assert_eq!(steps[0].label, "task \"taskName1\" (RunShellCommand)");
        assert_eq!(
            steps[1].work,
            Work::Download { source: "https://example.com/a.tgz".into(), destination: "/opt".into() }
        );
        assert_eq!(steps[2].work, Work::Shell { script: "{{ taskName1.stdout }}".into(), username: None });
        let commands = component("RUN echo a\nRESTART", vec![]);
        let steps = commands.steps(&[]).expect("steps");
        assert_eq!(steps[1], ComponentStep { label: "line 2".into(), work: Work::Command(Command::Restart) });
    }

    #[test]
    fn references_designate_components_by_id_or_matching_arn() {
        let c = component("RUN a", vec![]);
        let arn = |version: &str| {
            let text = format!("COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/web/{version}");
            template::parse(&text, Context::Build).expect("valid").component_refs().next().cloned().expect("ref")
        };
        assert!(refers_to(&ComponentRef::Id("ic-abc".into()), &c));
        assert!(!refers_to(&ComponentRef::Id("ic-other".into()), &c));
        assert!(refers_to(&arn("1.*.*"), &c));
        assert!(refers_to(&arn("1.2.3"), &c));
        assert!(!refers_to(&arn("1.3.*"), &c));
        assert!(is_used_by(&c, Some("RUN x"), Some("COMPONENT ic-abc")));
        assert!(!is_used_by(&c, Some("RUN x"), None));
    }
}
