//! Helpers shared by the integration tests: running the compiled binary, writing inline
//! fixtures into temporary folders, and reading the CSV reports back.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `run.json` of a report folder, parsed.
pub fn run_json(out: &Path) -> serde_json::Value {
    serde_json::from_str(&read_text(&out.join("run.json"))).expect("run.json should be valid JSON")
}

/// The compiled `breachcost` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_breachcost"))
}

/// A path inside the crate (e.g. `assumptions/default.toml`).
pub fn manifest_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Runs the binary with `args` in the folder `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    bin().args(args).current_dir(cwd).output().expect("the breachcost binary should start")
}

/// Runs the binary with `args` (paths in `args` should be absolute).
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the breachcost binary should start")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A one-paragraph description of a finished process, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!("exit {:?}\n--- stdout:\n{}\n--- stderr:\n{}", output.status.code(), stdout(output), stderr(output))
}

/// Asserts the process exited with status 0.
pub fn assert_success(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "expected success; {}", describe(output));
}

/// Runs `simulate` on `exposures` and `assumptions` into `dir/out` and asserts it is refused
/// as bad input: exit 2, one line of error containing `expected`, nothing written.
pub fn assert_simulate_refused(dir: &Path, (exposures, assumptions): (&Path, &Path), expected: &str) {
    let out = dir.join("out");
    let output =
        run(&["simulate", "--exposures", s(exposures), "--assumptions", s(assumptions), "--out", s(&out), "--quiet"]);
    assert_eq!(output.status.code(), Some(2), "{expected}: {}", describe(&output));
    let message = stderr(&output);
    assert!(message.contains(expected), "expected {expected:?} in {message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(!out.exists(), "nothing written");
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the fixture file should be writable");
    path
}

/// A path as a `&str` (tempdir paths are always UTF-8 here).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{} should be readable: {e}", path.display()))
}

/// Names of the entries of a folder, sorted.
pub fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} should be a readable folder: {e}", dir.display()))
        .map(|entry| entry.expect("a folder entry should be readable").file_name().to_string_lossy().into_owned())
        .collect()
}

/// Every file under `dir`, recursively: (path relative to `dir`, bytes), sorted by path.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for name in entries(dir) {
            let path = dir.join(&name);
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("inside the root").to_string_lossy().into_owned();
                out.push((relative, std::fs::read(&path).expect("a file of the folder should be readable")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// The CSV files directly in `dir`: (name, bytes), sorted by name.
pub fn csv_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    entries(dir)
        .into_iter()
        .filter(|n| n.ends_with(".csv"))
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).expect("a report file should be readable");
            (n, bytes)
        })
        .collect()
}

/// Splits one CSV line into cells (RFC 4180 quoting; no newlines inside cells).
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cell.is_empty() => quoted = true,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (other, _) => cell.push(other),
        }
    }
    assert!(!quoted, "unterminated quote in CSV line {line:?}");
    cells.push(cell);
    cells
}

/// A CSV report read back: its header and rows of cells.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let text = read_text(path);
        assert!(text.ends_with('\n'), "{} should end with a newline", path.display());
        assert!(!text.contains('\r'), "{} should use LF line ends", path.display());
        let mut lines = text.lines();
        let header = split_csv_line(lines.next().unwrap_or_else(|| panic!("{} is empty", path.display())));
        let rows: Vec<Vec<String>> = lines.map(split_csv_line).collect();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(
                row.len(),
                header.len(),
                "{} row {} has {} cells, header has {}",
                path.display(),
                i + 1,
                row.len(),
                header.len()
            );
        }
        Table { header, rows }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// The cell of `row` in column `name`.
    pub fn get<'t>(&self, row: &'t [String], name: &str) -> &'t str {
        &row[self.col(name)]
    }

    /// The cell of `row` in column `name`, as a number; panics with context when it is not one.
    pub fn num(&self, row: &[String], name: &str) -> f64 {
        let text = self.get(row, name);
        text.parse::<f64>().unwrap_or_else(|_| panic!("column {name} of row {row:?}: {text:?} is not a number"))
    }

    /// The rows whose `column` equals `value`.
    pub fn rows_where<'t>(&'t self, column: &str, value: &str) -> Vec<&'t Vec<String>> {
        let c = self.col(column);
        self.rows.iter().filter(|r| r[c] == value).collect()
    }

    /// The single row with `id` and `measure`.
    pub fn row(&self, id: &str, measure: &str) -> &Vec<String> {
        let (i, m) = (self.col("id"), self.col("measure"));
        let found: Vec<&Vec<String>> = self.rows.iter().filter(|r| r[i] == id && r[m] == measure).collect();
        assert_eq!(found.len(), 1, "expected one row {id}/{measure}, found {}", found.len());
        found[0]
    }
}

/// `|a - b| <= rel × max(|a|, |b|, 1)`.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// Lower-case hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A small assumptions file with known components (`legal`, `notification`, `lost_business`),
/// independent of the shipped defaults.
pub const TEST_ASSUMPTIONS: &str = r#"
[meta]
name = "test assumptions"

[frequency]
rate = 0.3

[breach]
affected_share = { dist = "beta", mean = 0.3, sd = 0.2 }
data_types = ["name", "email"]

[[component]]
name = "legal"
probability = [[1e3, 0.1], [1e6, 0.5]]
fixed = { dist = "lognormal", low = 5e4, high = 2e6 }

[[component]]
name = "notification"
per_unit = { dist = "pert", min = 0.5, mode = 1, max = 3 }

[[component]]
name = "credit_monitoring"
per_unit = { dist = "triangular", min = 4, mode = 7, max = 20 }
unit_share = { dist = "uniform", min = 0.02, max = 0.1 }
data_types = ["ssn"]

[[component]]
name = "lost_business"
probability = 0.4
fixed = { dist = "gamma", mean = 3e5, sd = 4e5 }
covered = false

[policy]
retention = 10000
limit = 5e6
sublimits = { notification = 1e6 }
"#;

/// A small exposures table matching [`TEST_ASSUMPTIONS`].
pub const TEST_EXPOSURES: &str = "id,records,name,data_types,annual_rate,retention,limit,share\n\
a,1000,Alpha,,,,,\n\
b,2000000,Beta,ssn;name,0.5,50000,,0.8\n\
c,50000,Gamma,email,2,,1000000,\n";
