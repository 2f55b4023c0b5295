//! The layers of the source run one way: a file never imports a layer above its own, no
//! report runs the engine, and a subcommand never imports another subcommand. Read from
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
