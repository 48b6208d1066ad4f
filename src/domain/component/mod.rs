//! Image components (docs/reference.md §6.4–§6.6, §7.1–§7.3), as pure data and rules. This module owns
//! the component model ([`Component`]) with its `Owner`, `SystemType` and `ComponentType`; the
//! steps a component runs with the `--name value` arguments of a template's `COMPONENT` command
//! ([`Component::steps`]); whether a template's `COMPONENT` reference designates a given component
//! (for "in use"); and the DescribeImageComponents filter. Its parts:
//! - `version.rs`: `major.minor.patch` versions and the version filter;
//! - `yaml.rs`: the YAML component format and the parameters a component declares.
//!
//! Everything is re-exported here, so `crate::domain::component::X` names every item. The
//! Dockerfile-like format is parsed by [`super::template`] with [`Context::Component`]. No I/O:
//! the actions resolve references against the store and the system catalog.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]

mod rules;
mod version;
mod yaml;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use self::rules::{check_quota, check_unused, next_version, VersionChoice};
pub use self::version::{parse_version_filter, Version};
pub use self::yaml::{is_yaml, parse_yaml, ParamType, Parameter, Task, TaskAction, YamlComponent, YamlError};
use super::tags::TagFilter;
use super::template::{self, Command, ComponentRef, Context, Program, VersionPattern};

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

// ---------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------

/// One component version (every version is its own `ic-` resource, docs/reference.md §7.1).
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
    /// `DefaultValue` must be passed (docs/reference.md §6.4).
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

/// Whether a template whose contents are `build` and `test` uses `component` (docs/reference.md §7.3;
/// the suggestion of the spec: by ID, or by an ARN whose pattern matches its version).
pub fn is_used_by(component: &Component, build: Option<&str>, test: Option<&str>) -> bool {
    let uses = |text: Option<&str>, context: Context| {
        text.and_then(|t| template::parse(t, context).ok())
            .is_some_and(|program: Program| program.component_refs().any(|r| refers_to(r, component)))
    };
    uses(build, Context::Build) || uses(test, Context::Test)
}

/// Filters of DescribeImageComponents (docs/reference.md §7.2), all AND-ed. `Owner` picks the sources
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

#[cfg(test)]
mod tests {
    use super::yaml::tests::EXAMPLE;
    use super::*;

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
