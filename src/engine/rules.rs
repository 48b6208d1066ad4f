//! The simulation rules: whether a template command succeeds on the transit instance. They make
//! the failures users meet on Alibaba Cloud happen here too (documented in the README):
//!
//! - with `InternetMaxBandwidthOut=0` the instance has no public network, but it still reaches
//!   Alibaba Cloud's internal hosts through the VPC: package managers of the public images (yum,
//!   dnf, apt, apt-get, zypper, and pip, whose configured index is the internal mirror
//!   `mirrors.cloud.aliyuncs.com`), any `*.aliyuncs.com` host (OSS internal endpoints, ACR VPC
//!   registries), `oss://` objects and the metadata server. A download from a public host fails:
//!   `curl`/`wget` of a public URL, `git clone|pull|fetch|submodule`, `docker pull` from Docker Hub
//!   or another public registry, `npm`/`yarn`/`gem`/`snap`/`go get` from their public registries,
//!   any public URL given to a package manager (`yum install https://…`, `pip install -i …`),
//!   and a `COPY` / `WebDownload` from a public URL. The message names the command and the host.
//!   This is the one place the rule lives ([`Network`]);
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

/// Package managers whose default repositories on Alibaba's public images are the VPC-internal
/// mirrors (`mirrors.cloud.aliyuncs.com`): they work without public bandwidth.
const INTERNAL_BY_DEFAULT: &[&str] = &["yum", "dnf", "apt", "apt-get", "zypper", "pip", "pip3", "ossutil", "aliyun"];
/// Tools whose default registry is on the public internet, with that registry's host.
const PUBLIC_BY_DEFAULT: &[(&str, &str)] = &[
    ("npm", "registry.npmjs.org"),
    ("yarn", "registry.yarnpkg.com"),
    ("gem", "rubygems.org"),
    ("snap", "api.snapcraft.io"),
];
/// Tools that fetch what their arguments name (a URL or a host).
const FETCHERS: &[&str] = &["curl", "wget"];
/// `curl` / `wget` options whose next word is a value, not the target.
const VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-O",
    "-H",
    "-d",
    "-X",
    "-u",
    "-A",
    "-e",
    "-T",
    "-P",
    "-F",
    "--output",
    "--header",
    "--data",
    "--user",
    "--user-agent",
    "--output-document",
    "--directory-prefix",
];

/// Where hosts are, seen from a transit instance without public bandwidth.
pub struct Network;

impl Network {
    /// Whether `host` is reachable over the VPC: Alibaba Cloud internal endpoints
    /// (`*.aliyuncs.com`, including `mirrors.cloud.aliyuncs.com` and the OSS `-internal`
    /// endpoints), the metadata server, and the instance itself.
    pub fn is_internal(host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        host == "aliyuncs.com"
            || host.ends_with(".aliyuncs.com")
            || host == "100.100.100.200"
            || host == "localhost"
            || host.starts_with("127.")
    }

    /// The host a URL or bare `host/path` names (`oss://` objects are internal: `oss-internal`).
    pub fn host_of(target: &str) -> Option<String> {
        if target.starts_with("oss://") {
            return Some("oss-internal.aliyuncs.com".into());
        }
        let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        let host = host.split(':').next().unwrap_or_default();
        (!host.is_empty() && (target.contains("://") || host.contains('.') || host == "localhost"))
            .then(|| host.to_string())
    }

    /// The public host a simple command (its words) would download from, if any.
    fn public_host(words: &[String]) -> Option<String> {
        let program = basename(words.first()?);
        let args = &words[1..];
        let urls: Vec<String> = args.iter().filter(|w| w.contains("://")).filter_map(|w| Network::host_of(w)).collect();
        let public_url = urls.iter().find(|h| !Network::is_internal(h)).cloned();
        if FETCHERS.contains(&program) {
            let mut skip = false;
            for word in args {
                if skip {
                    skip = false;
                    continue;
                }
                if VALUE_OPTIONS.contains(&word.as_str()) {
                    skip = true;
                    continue;
                }
                if word.starts_with('-') {
                    continue;
                }
                return Network::host_of(word).filter(|h| !Network::is_internal(h));
            }
            return None;
        }
        if INTERNAL_BY_DEFAULT.contains(&program) {
            return public_url;
        }
        if let Some((_, registry)) = PUBLIC_BY_DEFAULT.iter().find(|(tool, _)| *tool == program) {
            let downloads =
                !matches!(args.first().map(String::as_str), None | Some("--version" | "-v" | "help" | "list" | "ls"));
            return match (downloads, urls.is_empty()) {
                (false, _) => None,
                (true, true) => Some(registry.to_string()),
                (true, false) => public_url,
            };
        }
        match (program, args.first().map(String::as_str)) {
            // A URL decides; without one the remote is unknown here, taken as public.
            ("git", Some("clone" | "pull" | "fetch" | "submodule")) => match urls.is_empty() {
                true => Some("the remote \"origin\"".into()),
                false => public_url,
            },
            ("docker", Some("pull")) => {
                let image = args.iter().skip(1).find(|w| !w.starts_with('-'))?;
                let first = image.split('/').next().unwrap_or_default();
                let registry = if image.contains('/') && (first.contains('.') || first.contains(':')) {
                    first.split(':').next().unwrap_or(first).to_string()
                } else {
                    "registry-1.docker.io".to_string()
                };
                (!Network::is_internal(&registry)).then_some(registry)
            }
            ("go", Some("get" | "install")) => Some("proxy.golang.org".into()),
            _ => None,
        }
    }
}

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
                match Network::host_of(source).filter(|h| !Network::is_internal(h)) {
                    Some(host) => CommandCheck::Fails(unreachable("COPY", &host)),
                    None => CommandCheck::Ok,
                }
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
            if !self.has_public_network {
                if let Some(host) = Network::public_host(words) {
                    return CommandCheck::Fails(unreachable(program, &host));
                }
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

/// The failure message: the command, the host, and why.
fn unreachable(command: &str, host: &str) -> String {
    format!(
        "\"{command}\" cannot reach \"{host}\": the transition instance has no public network access \
         (InternetMaxBandwidthOut=0); only Alibaba Cloud internal hosts (*.aliyuncs.com, mirrors.cloud.aliyuncs.com, \
         OSS internal endpoints) are reachable"
    )
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
    fn public_downloads_fail_without_bandwidth_and_name_the_command_and_host() {
        for (script, command, host) in [
            ("cd /tmp && curl -fsSL -o i.sh https://get.example.com/i.sh", "curl", "get.example.com"),
            ("/usr/bin/wget example.org/file.tgz", "wget", "example.org"),
            ("git clone https://github.com/org/repo.git", "git", "github.com"),
            ("git pull", "git", "the remote \"origin\""),
            ("FOO=1 pip3 install -i https://pypi.org/simple flask", "pip3", "pypi.org"),
            ("yum install -y https://download.example.com/x.rpm", "yum", "download.example.com"),
            ("npm install express", "npm", "registry.npmjs.org"),
            ("docker pull nginx:latest", "docker", "registry-1.docker.io"),
            ("docker pull ghcr.io/org/app:1", "docker", "ghcr.io"),
            ("gem install rails", "gem", "rubygems.org"),
        ] {
            match run(0, script) {
                CommandCheck::Fails(why) => {
                    assert!(why.contains(&format!("\"{command}\"")) && why.contains(host), "{script}: {why}")
                }
                CommandCheck::Ok => panic!("{script} should fail without bandwidth"),
            }
            assert_eq!(run(5, script), CommandCheck::Ok, "{script}");
        }
    }

    #[test]
    fn package_managers_and_internal_hosts_work_without_bandwidth() {
        for script in [
            "yum install -y nginx",
            "sudo apt-get update && apt-get install -y nginx",
            "dnf -y upgrade",
            "zypper -n in git",
            "pip3 install flask",
            "curl -O http://mirrors.cloud.aliyuncs.com/x.rpm",
            "wget https://my-bucket.oss-cn-hangzhou-internal.aliyuncs.com/app.tgz",
            "curl http://100.100.100.200/latest/meta-data/instance-id",
            "docker pull registry-vpc.cn-hangzhou.aliyuncs.com/team/app:1",
            "git clone https://codeup-vpc.cn-hangzhou.aliyuncs.com/org/repo.git",
            "npm install --registry https://npm.cn-hangzhou.aliyuncs.com express",
            "npm --version",
            "echo curl",
            "git status",
            "echo 'yum install'",
            "docker ps",
        ] {
            assert_eq!(run(0, script), CommandCheck::Ok, "{script}");
        }
    }

    #[test]
    fn hosts_are_classified_once() {
        assert_eq!(Network::host_of("https://user@Example.com:8443/x?y"), Some("Example.com".into()));
        assert_eq!(Network::host_of("oss://bucket/key"), Some("oss-internal.aliyuncs.com".into()));
        assert_eq!(Network::host_of("file.txt"), Some("file.txt".into()));
        assert_eq!(Network::host_of("/opt/file"), None);
        assert!(Network::is_internal("mirrors.cloud.aliyuncs.com"));
        assert!(!Network::is_internal("aliyuncs.com.evil.example"));
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
    fn copy_from_a_public_url_needs_the_network() {
        let copy = Command::Copy { source: "https://x.example/y.tgz".into(), dest: "/opt".into(), source_is_url: true };
        assert!(matches!(Simulation::new(0).check(&copy), CommandCheck::Fails(_)));
        assert_eq!(Simulation::new(1).check(&copy), CommandCheck::Ok);
        let internal = Command::Copy {
            source: "https://b.oss-cn-hangzhou-internal.aliyuncs.com/y.tgz".into(),
            dest: "/opt".into(),
            source_is_url: true,
        };
        assert_eq!(Simulation::new(0).check(&internal), CommandCheck::Ok);
    }
}
