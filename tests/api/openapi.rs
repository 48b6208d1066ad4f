//! `openapi.yaml` against the code: the actions it documents under `x-actions` are exactly the ones
//! the dispatcher serves (`Action::ALL`), and every `[status, Code]` error pair it documents is a
//! code the emulator answers with, at that status. The file is read as text: it is laid out so that
//! action names are the only two-space keys of the root `x-actions` block (see its header).

use std::collections::BTreeSet;

use ecs_imagebuilder_emulator::actions::Action;
use ecs_imagebuilder_emulator::error::Code;

fn openapi_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The lines of the root-level `x-actions:` block (up to the next root-level key).
fn actions_block(text: &str) -> Vec<&str> {
    let mut lines = text.lines().skip_while(|l| l.trim_end() != "x-actions:");
    assert!(lines.next().is_some(), "openapi.yaml has no root-level `x-actions:` block");
    lines
        .take_while(|l| l.is_empty() || l.starts_with(' ') || l.starts_with('#'))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect()
}

/// Action name → the lines of its entry.
fn documented_actions(text: &str) -> Vec<(String, Vec<String>)> {
    let mut actions: Vec<(String, Vec<String>)> = Vec::new();
    for line in actions_block(text) {
        let key = line
            .strip_prefix("  ")
            .filter(|rest| !rest.starts_with(' '))
            .and_then(|rest| rest.trim_end().strip_suffix(':'));
        match key {
            Some(name) => {
                assert!(
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
                    "unexpected two-space key {name:?} under x-actions"
                );
                actions.push((name.to_string(), Vec::new()));
            }
            None => {
                if let Some((_, body)) = actions.last_mut() {
                    body.push(line.to_string());
                }
            }
        }
    }
    actions
}

/// Every `- [NNN, Code]` line of the file.
fn documented_errors(text: &str) -> Vec<(u16, String)> {
    text.lines()
        .filter_map(|line| {
            let pair = line.trim().strip_prefix("- [")?.strip_suffix(']')?;
            let (status, code) = pair.split_once(',')?;
            Some((status.trim().parse().ok()?, code.trim().to_string()))
        })
        .collect()
}

#[test]
fn openapi_documents_exactly_the_actions_the_dispatcher_serves() {
    let text = openapi_text();
    let documented: Vec<String> = documented_actions(&text).into_iter().map(|(name, _)| name).collect();
    let documented_set: BTreeSet<&str> = documented.iter().map(String::as_str).collect();
    assert_eq!(documented_set.len(), documented.len(), "an action appears twice under x-actions: {documented:?}");
    let served: BTreeSet<&str> = Action::ALL.iter().map(|a| a.name()).collect();

    let undocumented: Vec<&&str> = served.difference(&documented_set).collect();
    let not_served: Vec<&&str> = documented_set.difference(&served).collect();
    assert!(
        undocumented.is_empty() && not_served.is_empty(),
        "openapi.yaml x-actions and Action::ALL differ:\n  served but not documented: {undocumented:?}\n  documented but not served: {not_served:?}"
    );
}

#[test]
fn every_documented_action_takes_region_id_and_names_its_response_and_errors() {
    let text = openapi_text();
    for (name, body) in documented_actions(&text) {
        let has = |needle: &str| body.iter().any(|l| l.contains(needle));
        assert!(has("$ref: '#/components/parameters/RegionId'"), "{name}: no RegionId parameter");
        assert!(has("'200':"), "{name}: no 200 response");
        assert!(has("x-errors:"), "{name}: no x-errors list");
    }
}

#[test]
fn every_documented_error_code_is_in_the_error_table_with_its_status() {
    let text = openapi_text();
    let pairs = documented_errors(&text);
    assert!(pairs.len() > 50, "expected the x-errors lists, found {} pairs", pairs.len());

    let mut wrong = Vec::new();
    for (status, code) in &pairs {
        let same_code: Vec<&Code> = Code::ALL.iter().filter(|c| c.as_str() == code).collect();
        let known = same_code.iter().find(|c| c.status().as_u16() == *status).or(same_code.first()).copied();
        let ok = match known {
            Some(c) => c.status().as_u16() == *status,
            // `ApiError::missing(param)`: `400 Missing<Param>` for a missing required parameter.
            None => code.starts_with("Missing") && !code.contains('.') && *status == 400,
        };
        if !ok {
            let actual = known.map(|c| c.status().as_u16().to_string()).unwrap_or_else(|| "not in the table".into());
            wrong.push(format!("[{status}, {code}] (emulator: {actual})"));
        }
    }
    assert!(
        wrong.is_empty(),
        "openapi.yaml documents error codes the emulator does not answer with:\n  {}",
        wrong.join("\n  ")
    );
}
