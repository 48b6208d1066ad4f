//! The module structure ARCHITECTURE.md promises, checked from the source: no dependency cycle
//! between the top-level modules of `src/`, and the layers' own rules (the store is SQL only, the
//! domain does no I/O and reads no wire parameters). A `crate::<module>` path anywhere in a file
//! (a `use` line or an inline path) is a dependency of that file's top-level module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file of `src/` belongs to (`src/store/pipelines.rs` → `store`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next().expect("a component").as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules `text` refers to as `crate::<name>` (comments excluded).
fn references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.insert(name);
            }
            rest = after;
        }
        // `use crate::{a, b::c}` lists several modules.
        if let Some(group) = code.trim_start().strip_prefix("use crate::{") {
            for part in group.split(',') {
                let name: String = part.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// Module → the top-level modules it depends on (itself excluded).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let module = module_of(&src, &file);
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read source");
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(references(&text).into_iter().filter(|d| *d != module));
    }
    graph
}

/// A cycle through `start`, if any (depth-first).
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(graph, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_cycle_between_top_level_modules() {
    let graph = graph();
    assert!(graph.len() > 10, "the source tree was read: {graph:?}");
    let cycles: Vec<String> = graph.keys().filter_map(|m| cycle_from(&graph, m)).map(|path| path.join(" → ")).collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_domain_reads_no_wire_parameters_and_does_no_io() {
    let graph = graph();
    let allowed: BTreeSet<&str> = ["error", "ids", "clock"].into();
    let domain = &graph["domain"];
    let extra: Vec<&String> = domain.iter().filter(|d| !allowed.contains(d.as_str())).collect();
    assert!(extra.is_empty(), "domain depends on {extra:?}");
}

#[test]
fn the_store_is_sql_and_row_mapping_only() {
    let graph = graph();
    let forbidden = ["error", "engine", "actions", "rpc", "app", "state", "admin", "console"];
    let store = &graph["store"];
    let reached: Vec<&&str> = forbidden.iter().filter(|m| store.contains(**m)).collect();
    assert!(reached.is_empty(), "the store reaches {reached:?}: it returns data or sqlx errors, never wire codes");
}

#[test]
fn the_reference_scanner_sees_uses_groups_and_inline_paths() {
    let text =
        "use crate::store::Store;\nuse crate::{clock, ids::Kind};\nlet x = crate::rpc::API_VERSION; // crate::app\n";
    let found = references(text);
    assert_eq!(found, ["clock", "ids", "rpc", "store"].into_iter().map(String::from).collect());
}
