//! The layers of the source run one way: a file never imports a layer above its own, no
//! report runs the engine, a subcommand never imports another subcommand, and no module
//! imports one that imports it back (no loops, at any depth). Read from
//! the `crate::` and `super::` paths of every `src/**/*.rs` file (comments left out).
//!
//! From the bottom: `error`, `text`, `simd`, `sampler` (used by all) → `input` → `stats` → `engine` →
//! `run` (`run.rs`, `shard.rs`, `memory.rs`) → `analysis` → `report` → `cmd`. (`stats` sits
//! below `engine`: the engine summarises its sorted segments with `stats` types, and `stats`
//! needs nothing of the crate.)

use std::path::{Path, PathBuf};

/// The layers, bottom first, and the top-level modules each holds.
const LAYERS: [(&str, &[&str]); 8] = [
    ("base", &["error", "text", "simd", "sampler"]),
    ("input", &["input"]),
    ("stats", &["stats"]),
    ("engine", &["engine"]),
    ("run", &["run", "shard", "memory"]),
    ("analysis", &["analysis"]),
    ("report", &["report"]),
    ("cmd", &["cmd"]),
];

/// The modules of `cmd` every subcommand may use; any other is a subcommand of its own.
const SHARED_CMD_MODULES: [&str; 4] = ["common", "flags", "output", "inputs"];

/// Functions that run the engine (or a run, or an analysis): a report renders what it is
/// given and calls none of them.
const RUNNERS: [&str; 8] = [
    "simulate_exposures",
    "simulate_iterations",
    "simulate_target",
    "run_from",
    "converge",
    "analyse",
    "run_cases",
    "records_curve",
];

/// The one file that calls `memory` (the run's memory check, before any run).
const MEMORY_CALLER: &str = "src/cmd/common.rs";

fn layer_of_module(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The source file's top-level module (`src/report/page/report.rs` → `report`); `None`
/// for `lib.rs` and `main.rs`, which tie the layers together.
fn module_of_file(relative: &Path) -> Option<String> {
    let mut parts = relative.strip_prefix("src").ok()?.components();
    let first = parts.next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The text of a line without its comment (a `//` outside a string literal).
fn code_of(line: &str) -> &str {
    let mut in_string = false;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '/' if !in_string && previous == '/' => return &line[..i - 1],
            _ => {}
        }
        previous = c;
    }
    line
}

fn identifier_at(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The first segment of each path after `prefix` (`crate::`, `super::`) in `code`, with
/// the segments of a `{...}` group (`use crate::{engine::Model, report};` → engine, report).
fn segments_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = &rest[..at];
        let after = &rest[at + prefix.len()..];
        rest = after;
        // `$crate::` is a macro's own crate; `foo_crate::` another word.
        if before.ends_with(|c: char| c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start => {
                        start = false;
                        let name = identifier_at(&group[i..]);
                        if !name.is_empty() {
                            found.push(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = identifier_at(after);
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

/// Whether `code` calls `name` (`name(` or `name::<`), as a whole word.
fn calls(code: &str, name: &str) -> bool {
    let mut rest = code;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().last();
        let after = &rest[at + name.len()..];
        rest = after;
        let word_start = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if word_start && (after.starts_with('(') || after.starts_with("::<")) {
            return true;
        }
    }
    false
}

/// Every breach of the layering in the crate at `root`: "file:line: rule: code".
fn violations(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(!files.is_empty(), "no source files under {}", root.join("src").display());
    let mut found = Vec::new();
    for path in files {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let shown = relative.display().to_string();
        let Some(module) = module_of_file(&relative) else { continue };
        let Some(own_layer) = layer_of_module(&module) else {
            found.push(format!("{shown}: the module `{module}` is in no layer of tests/architecture.rs"));
            continue;
        };
        let (own_name, _) = LAYERS[own_layer];
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // A subcommand's own name: `src/cmd/simulate.rs` → simulate.
        let subcommand =
            (own_name == "cmd").then(|| relative.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string());
        for (index, line) in text.lines().enumerate() {
            let code = code_of(line);
            let mut breach = |rule: String| found.push(format!("{shown}:{}: {rule}: {}", index + 1, line.trim()));
            for target in segments_after(code, "crate::") {
                if let Some(layer) = layer_of_module(target) {
                    if layer > own_layer {
                        breach(format!("{own_name} may not import {} (a layer above it)", LAYERS[layer].0));
                    }
                }
                if target == "memory" && shown != MEMORY_CALLER && own_name != "run" {
                    breach(format!("only {MEMORY_CALLER} calls memory"));
                }
            }
            if let Some(own) = &subcommand {
                let mut cmd_modules = segments_after(code, "crate::cmd::");
                if own != "mod" {
                    cmd_modules.extend(segments_after(code, "super::"));
                }
                for other in cmd_modules {
                    if other != own && !SHARED_CMD_MODULES.contains(&other) {
                        breach(format!(
                            "a subcommand imports only the shared {SHARED_CMD_MODULES:?} of cmd, not the subcommand `{other}`"
                        ));
                    }
                }
            }
            if own_name == "report" {
                for runner in RUNNERS.iter().filter(|r| calls(code, r)) {
                    breach(format!("report renders what it is given and never calls `{runner}`"));
                }
            }
        }
    }
    found
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let found = violations(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(found.is_empty(), "{} breaches of the layering:\n{}", found.len(), found.join("\n"));
}

#[test]
fn the_reader_sees_every_form_of_path() {
    assert_eq!(segments_after("use crate::{engine::Model, report::{self, csv}};", "crate::"), ["engine", "report"]);
    assert_eq!(segments_after("let x = crate::run::batches(&m);", "crate::"), ["run"]);
    assert!(segments_after("$crate::cmd::output::print(x)", "crate::").is_empty());
    assert_eq!(code_of("let a = 1; // crate::report"), "let a = 1; ");
    assert_eq!(code_of("let url = \"http://x\"; // y"), "let url = \"http://x\"; ");
    assert!(calls("let c = records_curve(model)?;", "records_curve"));
    assert!(!calls("use crate::analysis::records_curve::RecordsCurve;", "records_curve"));
    assert!(!calls("fn simulate_exposures_fast()", "simulate_exposures"));
}

/// The module a file is (`src/engine/costing.rs` → engine::costing, `src/engine/mod.rs` →
/// engine; `lib.rs` and `main.rs` → the crate root, empty).
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .strip_prefix("src")
        .unwrap_or(relative)
        .components()
        .filter_map(|c| c.as_os_str().to_str().map(|s| s.trim_end_matches(".rs").to_string()))
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The paths after `prefix` in `code` as segments (`crate::engine::costing::Step` → engine,
/// costing, Step), one per item of a `{...}` group, nested groups included.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = &rest[..at];
        rest = &rest[at + prefix.len()..];
        if before.ends_with(|c: char| c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        tree(rest, Vec::new(), &mut found);
    }
    found
}

/// Reads one use tree (`a::b`, `a::{b, c::{d}}`) from the start of `text` onto `head`,
/// pushing each full path; returns what follows it.
fn tree<'a>(text: &'a str, mut head: Vec<String>, found: &mut Vec<Vec<String>>) -> &'a str {
    let mut rest = text.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            rest = group;
            loop {
                rest = tree(rest, head.clone(), found).trim_start();
                match rest.chars().next() {
                    Some(',') => rest = &rest[1..],
                    Some('}') => return &rest[1..],
                    _ => return rest,
                }
            }
        }
        let name = identifier_at(rest);
        if name.is_empty() {
            found.push(head);
            return rest;
        }
        head.push(name.to_string());
        rest = &rest[name.len()..];
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => {
                found.push(head);
                return rest;
            }
        }
    }
}

/// Module loops: a cycle of imports between modules neither of which holds the other (a
/// parent and its children share what they declare). Each as "a → b → a".
fn module_loops(root: &Path) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> =
        files.iter().map(|path| (module_path(path.strip_prefix(root).unwrap_or(path)), path.clone())).collect();
    let holds = |a: &[String], b: &[String]| b.starts_with(a) || a.starts_with(b);
    let mut imports: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, path) in &modules {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        // Test modules sit at the end of a file and see it as `super`.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        // `super` of `engine::costing` (costing.rs) and of `engine::model` (model/mod.rs) alike.
        let super_of: Vec<String> = module[..module.len().saturating_sub(1)].to_vec();
        for line in text.lines() {
            let code = code_of(line);
            let absolute = paths_after(code, "crate::").into_iter();
            let relative =
                paths_after(code, "super::").into_iter().map(|p| super_of.iter().cloned().chain(p).collect());
            for path in absolute.chain(relative) {
                let Some(target) = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains_key(p))
                else {
                    continue;
                };
                if !holds(module, &target) {
                    imports.entry(module.clone()).or_default().insert(target);
                }
            }
        }
    }
    // A loop is an import a → b where b reaches a.
    let reaches = |from: &Vec<String>, to: &Vec<String>| -> Option<Vec<Vec<String>>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![vec![from.clone()]];
        while let Some(trail) = stack.pop() {
            let last = trail.last().cloned().unwrap_or_default();
            if &last == to {
                return Some(trail);
            }
            if !seen.insert(last.clone()) {
                continue;
            }
            for next in imports.get(&last).into_iter().flatten() {
                let mut longer = trail.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
        None
    };
    let mut loops = BTreeSet::new();
    for (a, targets) in &imports {
        for b in targets {
            if let Some(trail) = reaches(b, a) {
                let names: Vec<String> = std::iter::once(a).chain(&trail).map(|m| m.join("::")).collect();
                loops.insert(names.join(" → "));
            }
        }
    }
    loops.into_iter().collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let loops = module_loops(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(loops.is_empty(), "{} import loops:\n{}", loops.len(), loops.join("\n"));
}

#[test]
fn the_loop_finder_finds_a_loop() {
    let root = std::env::temp_dir().join(format!("breachcost-architecture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src/engine")).expect("temp folder");
    std::fs::write(root.join("src/engine/mod.rs"), "mod a;\nmod b;\n").expect("write");
    std::fs::write(root.join("src/engine/a.rs"), "use super::b::B;\npub struct A;\n").expect("write");
    std::fs::write(root.join("src/engine/b.rs"), "use crate::engine::{a::A, x};\npub struct B;\n").expect("write");
    let loops = module_loops(&root);
    let _ = std::fs::remove_dir_all(&root);
    assert!(loops.contains(&"engine::a → engine::b → engine::a".to_string()), "{loops:?}");
    assert_eq!(
        paths_after("use crate::{engine::Model, report::{self, csv}};", "crate::"),
        [vec!["engine", "Model"], vec!["report", "self"], vec!["report", "csv"]]
            .map(|p| p.into_iter().map(String::from).collect::<Vec<_>>())
    );
}
