//! The simulation rules: whether a template command succeeds on the transit instance. They make
//! the failures users meet on Alibaba Cloud happen here too (documented in the README):
//!
//! - with `InternetMaxBandwidthOut=0` the instance has no public network, so a `RUN` whose shell
//!   commands download (curl, wget, yum, dnf, apt, apt-get, pip, pip3, npm, yarn, gem, snap,
//!   `git clone|pull|fetch`, `docker pull`) and a `COPY` from a URL fail;
//! - a `RUN` whose last shell command is `false` or `exit N` (N ≠ 0) fails;
//! - `USER name` fails unless the user exists: `root`, `admin`, or one created by an earlier
//!   `useradd`/`adduser` in the same program.

use std::collections::BTreeSet;

use crate::domain::template::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandCheck {
    Ok,
    Fails(String),
}

/// Tools that need the public network whenever they run.
const DOWNLOADERS: &[&str] =
    &["curl", "wget", "yum", "dnf", "apt", "apt-get", "pip", "pip3", "npm", "yarn", "gem", "snap"];
/// Tools that need it only for some subcommands.
const DOWNLOADING_SUBCOMMANDS: &[(&str, &[&str])] = &[("git", &["clone", "pull", "fetch"]), ("docker", &["pull"])];

/// The state of the simulated instance while a program runs.
#[derive(Debug, Clone)]
pub struct Simulation {
    has_public_network: bool,
    users: BTreeSet<String>,
}

impl Simulation {
    pub fn new(internet_max_bandwidth_out: i64) -> Self {
        Simulation {
            has_public_network: internet_max_bandwidth_out > 0,
            users: ["root", "admin"].into_iter().map(str::to_string).collect(),
        }
    }

    /// Runs one command against the simulated instance.
    pub fn check(&mut self, command: &Command) -> CommandCheck {
        match command {
            Command::Run { script } => self.run(script),
            Command::Copy { source, source_is_url: true, .. } if !self.has_public_network => {
                CommandCheck::Fails(format!(
                    "the transition instance has no public network access (InternetMaxBandwidthOut=0), so \"{source}\" cannot be downloaded"
                ))
            }
            Command::User { name } if !self.users.contains(name) => {
                CommandCheck::Fails(format!("user \"{name}\" does not exist on the transition instance"))
            }
            _ => CommandCheck::Ok,
        }
    }

    fn run(&mut self, script: &str) -> CommandCheck {
        let commands = simple_commands(script);
        for words in &commands {
            let Some(program) = words.first().map(|w| basename(w)) else { continue };
            if !self.has_public_network && needs_network(program, words.get(1).map(String::as_str)) {
                return CommandCheck::Fails(format!(
                    "the transition instance has no public network access (InternetMaxBandwidthOut=0), so \"{program}\" cannot download"
                ));
            }
            if program == "useradd" || program == "adduser" {
                if let Some(user) = words.iter().skip(1).rev().find(|w| !w.starts_with('-')) {
                    self.users.insert(user.clone());
                }
            }
        }
        match commands.last().map(Vec::as_slice) {
            Some([only]) if only == "false" => CommandCheck::Fails("the command exited with status 1".into()),
            Some([exit, code]) if exit == "exit" && code.parse::<i32>().is_ok_and(|c| c != 0) => {
                CommandCheck::Fails(format!("the command exited with status {code}"))
            }
            _ => CommandCheck::Ok,
        }
    }
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

fn needs_network(program: &str, first_arg: Option<&str>) -> bool {
    DOWNLOADERS.contains(&program)
        || DOWNLOADING_SUBCOMMANDS
            .iter()
            .any(|(tool, subs)| *tool == program && first_arg.is_some_and(|a| subs.contains(&a)))
}

/// Splits a shell script into simple commands (on `;`, `&`, `|`, newlines and parentheses), each
/// as its words, dropping a leading `sudo` and `NAME=value` assignments. Quotes are kept simple:
/// a quoted string is one word.
fn simple_commands(script: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    for c in script.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, ';' | '&' | '|' | '\n' | '(' | ')' | '`') => {
                flush_word(&mut word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            (None, c) if c.is_whitespace() => flush_word(&mut word, &mut words),
            (None, c) => word.push(c),
        }
    }
    flush_word(&mut word, &mut words);
    if !words.is_empty() {
        commands.push(words);
    }
    for command in &mut commands {
        let skip = command.iter().take_while(|w| *w == "sudo" || is_assignment(w)).count();
        command.drain(..skip);
    }
    commands.retain(|c| !c.is_empty());
    commands
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=')
        .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// A one-line description of a command for execution messages (at most 120 characters).
pub fn describe(command: &Command) -> String {
    let text = match command {
        Command::Run { script } => format!("RUN {script}"),
        Command::Env { vars } => {
            format!("ENV {}", vars.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "))
        }
        Command::Workdir { path } => format!("WORKDIR {path}"),
        Command::Copy { source, dest, .. } => format!("COPY {source} {dest}"),
        Command::User { name } => format!("USER {name}"),
        Command::Label { labels } => {
            format!("LABEL {}", labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "))
        }
        Command::Cmd { exec, shell } => format!("CMD {}", shell.clone().unwrap_or_else(|| exec.join(" "))),
        Command::Entrypoint { exec, shell } => {
            format!("ENTRYPOINT {}", shell.clone().unwrap_or_else(|| exec.join(" ")))
        }
        Command::Component { reference, params } => {
            let args: Vec<String> = params.iter().map(|(k, v)| format!("--{k} {v}")).collect();
            format!("COMPONENT {reference} {}", args.join(" ")).trim_end().to_string()
        }
        Command::Restart => "RESTART".into(),
        Command::From { base_image_type, base_image } => format!("FROM {base_image_type}:{base_image}"),
    };
    let one_line = text.replace('\n', "; ");
    if one_line.chars().count() > 120 {
        format!("{}…", one_line.chars().take(119).collect::<String>())
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bandwidth: i64, script: &str) -> CommandCheck {
        Simulation::new(bandwidth).check(&Command::Run { script: script.into() })
    }

    #[test]
    fn downloads_fail_without_public_network_only() {
        for script in [
            "yum install -y nginx",
            "sudo apt-get update",
            "cd /tmp && curl -O http://x/y",
            "/usr/bin/wget x",
            "git clone https://x",
            "FOO=1 pip3 install x",
        ] {
            assert!(matches!(run(0, script), CommandCheck::Fails(_)), "{script}");
            assert_eq!(run(5, script), CommandCheck::Ok, "{script}");
        }
        for script in ["echo curl", "git status", "echo 'yum install'", "docker ps"] {
            assert_eq!(run(0, script), CommandCheck::Ok, "{script}");
        }
    }

    #[test]
    fn false_and_nonzero_exit_fail() {
        assert!(matches!(run(1, "false"), CommandCheck::Fails(_)));
        assert!(matches!(run(1, "echo a; exit 3"), CommandCheck::Fails(m) if m.contains("status 3")));
        assert_eq!(run(1, "exit 0"), CommandCheck::Ok);
        assert_eq!(run(1, "false || true"), CommandCheck::Ok);
    }

    #[test]
    fn users_must_exist_or_be_created_first() {
        let mut sim = Simulation::new(0);
        assert_eq!(sim.check(&Command::User { name: "root".into() }), CommandCheck::Ok);
        assert!(matches!(sim.check(&Command::User { name: "web".into() }), CommandCheck::Fails(_)));
        assert_eq!(sim.check(&Command::Run { script: "useradd -m web".into() }), CommandCheck::Ok);
        assert_eq!(sim.check(&Command::User { name: "web".into() }), CommandCheck::Ok);
    }

    #[test]
    fn copy_from_a_url_needs_the_network() {
        let copy = Command::Copy { source: "https://x/y.tgz".into(), dest: "/opt".into(), source_is_url: true };
        assert!(matches!(Simulation::new(0).check(&copy), CommandCheck::Fails(_)));
        assert_eq!(Simulation::new(1).check(&copy), CommandCheck::Ok);
    }
}
