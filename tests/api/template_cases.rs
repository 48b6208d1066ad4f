//! The template and component content cases of `tests/cases/templates.json`, checked twice: sent
//! to the API (`CreateImagePipeline` BuildContent / TestContent, `CreateImageComponent` Content),
//! and given to `ecs-imagebuilder-emulator lint` (the real binary). Both read the same file, so the
//! API and the linter cannot disagree on a code, a status or a message.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use ecs_imagebuilder_emulator::domain::component::SystemType;
use ecs_imagebuilder_emulator::lint::{self, Kind};
use serde_json::Value;

use crate::helpers::TestApp;

/// One case of the shared file.
struct Case {
    index: usize,
    kind: Kind,
    windows: bool,
    text: String,
    /// `None`: the content is valid.
    code: Option<String>,
    status: u16,
    line: Option<usize>,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/templates.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("cases file")).expect("JSON");
    let list = file["cases"].as_array().expect("cases");
    list.iter()
        .enumerate()
        .map(|(index, c)| {
            let field = |name: &str| c[name].as_str().unwrap_or_default().to_string();
            let repeat = c["repeat"].as_u64().unwrap_or(1) as usize;
            let text = format!("{}{}{}", field("prefix"), field("content").repeat(repeat), field("suffix"));
            let kind = match c["kind"].as_str() {
                Some("build") => Kind::Build,
                Some("test") => Kind::Test,
                Some("component") => Kind::Component,
                other => panic!("case {index}: unknown kind {other:?}"),
            };
            Case {
                index,
                kind,
                windows: c["system_type"].as_str() == Some("Windows"),
                text,
                code: c["code"].as_str().map(str::to_string),
                status: c["status"].as_u64().map_or(400, |s| s as u16),
                line: c["line"].as_u64().map(|l| l as usize),
            }
        })
        .collect()
}

fn system_type(case: &Case) -> SystemType {
    if case.windows {
        SystemType::Windows
    } else {
        SystemType::Linux
    }
}

#[tokio::test]
async fn the_api_answers_every_shared_case_as_lint_does() {
    let app = TestApp::spawn().await;
    let all = cases();
    assert!(all.len() > 100, "the cases file lost its cases");
    for case in &all {
        let windows = if case.windows { "Windows" } else { "Linux" };
        let reply = match case.kind {
            Kind::Build => app.try_create(&[("BuildContent", case.text.as_str())]).await,
            Kind::Test => app.try_create(&[("TestContent", case.text.as_str())]).await,
            Kind::Component => {
                app.call_in_region("CreateImageComponent", &[("Content", case.text.as_str()), ("SystemType", windows)])
                    .await
            }
        };
        let problems = lint::check(&case.text, case.kind, system_type(case));
        let what = format!("case {} ({:?}): {:?}", case.index, case.kind, case.text.get(..80).unwrap_or(&case.text));
        match &case.code {
            None => {
                assert_eq!(reply.status.as_u16(), 200, "{what}: {}", reply.body);
                assert!(problems.is_empty(), "{what}: lint found {problems:?}");
            }
            Some(code) => {
                reply.assert_error(case.status, code);
                let [problem] = problems.as_slice() else { panic!("{what}: lint found {problems:?}") };
                assert_eq!(
                    (problem.code.as_str(), problem.status, problem.message.as_str()),
                    (code.as_str(), case.status, reply.body["Message"].as_str().unwrap_or_default()),
                    "{what}: lint and the API disagree"
                );
                assert_eq!(problem.line, case.line, "{what}: line");
            }
        }
    }
}

/// The real binary: `lint --format json` over every case file, grouped by kind and system type.
#[test]
fn the_lint_command_reports_every_shared_case_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut groups: BTreeMap<(&str, bool), Vec<(PathBuf, &Case)>> = BTreeMap::new();
    let all = cases();
    for case in &all {
        let path = dir.path().join(format!("case-{:03}.txt", case.index));
        std::fs::write(&path, &case.text).expect("write case");
        groups.entry((case.kind.as_str(), case.windows)).or_default().push((path, case));
    }
    for ((kind, windows), files) in &groups {
        let output = Command::new(env!("CARGO_BIN_EXE_ecs-imagebuilder-emulator"))
            .arg("lint")
            .args(["--kind", kind, "--format", "json", "--system-type", if *windows { "windows" } else { "linux" }])
            .args(files.iter().map(|(path, _)| path))
            .output()
            .expect("lint runs");
        let any_bad = files.iter().any(|(_, c)| c.code.is_some());
        assert_eq!(output.status.code(), Some(i32::from(any_bad)), "{kind}: {output:?}");
        let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON array");
        let report = report.as_array().expect("array");
        for (path, case) in files {
            let name = path.display().to_string();
            let found: Vec<&Value> = report.iter().filter(|p| p["file"] == name.as_str()).collect();
            match &case.code {
                None => assert!(found.is_empty(), "case {}: {found:?}", case.index),
                Some(code) => {
                    let [problem] = found.as_slice() else { panic!("case {}: {found:?}", case.index) };
                    assert_eq!(problem["code"], code.as_str(), "case {}", case.index);
                    assert_eq!(problem["status"], case.status, "case {}", case.index);
                    assert_eq!(problem["line"].as_u64().map(|l| l as usize), case.line, "case {}", case.index);
                    assert_eq!(problem["kind"], *kind);
                }
            }
        }
    }
}

#[test]
fn lint_text_output_is_one_line_per_problem_and_the_exit_status_says_whether_any() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.txt");
    let bad = dir.path().join("bad.txt");
    let huge = dir.path().join("huge.txt");
    std::fs::write(&good, "RUN echo ok\nRESTART\n").expect("write");
    std::fs::write(&bad, "RUN echo ok\n\nCOPY onlyone\n").expect("write");
    std::fs::write(&huge, "RUN x\n".repeat(128)).expect("write");
    let lint = |files: &[&PathBuf]| {
        Command::new(env!("CARGO_BIN_EXE_ecs-imagebuilder-emulator")).arg("lint").args(files).output().expect("runs")
    };
    let clean = lint(&[&good]);
    assert_eq!((clean.status.code(), clean.stdout.as_slice()), (Some(0), &b""[..]), "{clean:?}");
    let output = lint(&[&good, &bad, &huge]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(
        text,
        format!(
            "{}:3: InvalidCommandContent.COPY: Line 3: the content of command COPY is invalid: COPY takes exactly two arguments: <source> <destination>.\n\
             {}: InvalidImageTemplateCommandSize.ExceededMaxNumber: The content contains 128 commands, which exceeds the upper limit of 127.\n",
            bad.display(),
            huge.display()
        )
    );
}
