//! Text from the user on its way in and out: ids are identifiers, report cells never run as
//! spreadsheet formulas, control characters never reach the terminal raw, a closed or full
//! standard output is handled, and every bad flag gets one line.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A minimal valid assumptions file with one component `legal`.
const GOOD_TOML: &str = "[[component]]\nname = \"legal\"\nfixed = 1000\nper_unit = 0.5\n";

/// Asserts an input error: exit 2, one line on stderr starting `error: ` with each needle,
/// no raw control character, nothing on stdout.
fn assert_one_line_error(output: &Output, needles: &[&str]) -> String {
    assert_eq!(output.status.code(), Some(2), "expected exit 2; {}", describe(output));
    let err = stderr(output);
    assert!(err.starts_with("error: "), "stderr should start with \"error: \": {err:?}");
    assert_eq!(err.trim_end_matches('\n').lines().count(), 1, "stderr should be one line: {err:?}");
    assert!(!err.trim_end_matches('\n').chars().any(char::is_control), "raw control character in {err:?}");
    for needle in needles {
        assert!(err.contains(needle), "the error should mention {needle:?}: {err}");
    }
    assert!(output.stdout.is_empty(), "nothing on stdout: {}", stdout(output));
    err
}

/// `validate` and `simulate` of the exposures `csv` (with [`GOOD_TOML`]) both refuse it with
/// the needles, and `simulate` writes nothing.
fn refuses_exposures(csv: &[u8], needles: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "book.csv", csv);
    write(dir.path(), "study.toml", GOOD_TOML);
    let validated = run_in(dir.path(), &["validate", "--exposures", "book.csv", "--assumptions", "study.toml"]);
    let err = assert_one_line_error(&validated, needles);
    let simulated = run_in(
        dir.path(),
        &["simulate", "--exposures", "book.csv", "--assumptions", "study.toml", "--out", "out", "--iterations", "200"],
    );
    assert_eq!(assert_one_line_error(&simulated, needles), err, "simulate and validate should agree");
    assert!(!dir.path().join("out").exists(), "nothing should be written on an input error");
}

/// `simulate` of the exposures `csv` succeeds; returns summary.csv's ids.
fn accepts_exposures(csv: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "book.csv", csv);
    write(dir.path(), "study.toml", GOOD_TOML);
    let output = run_in(
        dir.path(),
        &["simulate", "--exposures", "book.csv", "--assumptions", "study.toml", "--out", "out", "--quiet"],
    );
    assert_success(&output);
    let summary = Table::read(&dir.path().join("out/summary.csv"));
    summary.rows_where("measure", "gross").iter().map(|r| r[0].clone()).filter(|id| id != "PORTFOLIO").collect()
}

// ---- ids are identifiers ----

#[test]
fn ids_beginning_with_a_formula_character_are_input_errors_naming_the_row_and_value() {
    for id in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)"] {
        let csv = format!("id,records\nok,10\n\"{id}\",20\n");
        refuses_exposures(csv.as_bytes(), &["book.csv row 2, column id", &format!("\"{id}\""), "formula"]);
    }
    // Inside an id, those characters are fine.
    assert!(accepts_exposures(b"id,records\nx=1,10\na-b+c@d,5\n").contains(&"a-b+c@d".to_string()));
}

#[test]
fn ids_with_control_or_bidirectional_characters_are_input_errors_shown_escaped() {
    for (id, shown) in [
        ("a\u{1b}[31mb", "a\\u{1b}[31mb"),
        ("bell\u{7}", "bell\\u{7}"),
        ("cr\rhere", "cr\\rhere"),
        ("abc\u{202e}cba", "abc\\u{202e}cba"),
        ("iso\u{2066}late", "iso\\u{2066}late"),
        ("mark\u{200f}", "mark\\u{200f}"),
    ] {
        let csv = format!("id,records\n\"{id}\",10\n");
        let err = refuses_exposures_err(csv.as_bytes());
        assert!(err.contains(shown), "the id should be shown escaped as {shown:?}: {err:?}");
        assert!(err.contains("row 1, column id") && err.contains("character U+"), "{err}");
    }
}

/// [`refuses_exposures`] for `validate` only, returning the line.
fn refuses_exposures_err(csv: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "book.csv", csv);
    write(dir.path(), "study.toml", GOOD_TOML);
    let output = run_in(dir.path(), &["validate", "--exposures", "book.csv", "--assumptions", "study.toml"]);
    assert_one_line_error(&output, &["book.csv"])
}

#[test]
fn an_id_longer_than_200_bytes_is_refused_before_anything_is_written() {
    let exactly = "a".repeat(200);
    let accented = "é".repeat(100); // 200 bytes
    let ids = accepts_exposures(format!("id,records\n{exactly},10\n{accented},5\n").as_bytes());
    assert_eq!(ids, [exactly.clone(), accented]);
    refuses_exposures(format!("id,records\n{exactly}b,10\n").as_bytes(), &["row 1, column id", "201 bytes"]);
    refuses_exposures(format!("id,records\n{}ab,10\n", "é".repeat(100)).as_bytes(), &["202 bytes"]);
    // A huge id is refused quickly, and the message quotes only its start.
    let huge = format!("id,records\nok,1\n{},10\n", "x".repeat(5_000_000));
    let started = Instant::now();
    let err = refuses_exposures_err(huge.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert!(err.contains("row 2, column id") && err.contains("5000000 bytes"), "{err}");
    assert!(err.len() < 400, "the value should be truncated in the message: {} bytes", err.len());
}

#[test]
fn parquet_ids_are_checked_like_csv_ids() {
    use polars::prelude::{df, ParquetWriter};
    let dir = tempfile::tempdir().expect("tempdir");
    for (id, needle) in [("=1+1", "formula"), ("esc\u{1b}", "\\u{1b}"), (&*"p".repeat(201), "201 bytes")] {
        let mut frame = df!("id" => [id], "records" => [10u64]).expect("a frame");
        let path = dir.path().join("book.parquet");
        let file = std::fs::File::create(&path).expect("creatable");
        ParquetWriter::new(file).finish(&mut frame).expect("writable");
        let output = run_in(dir.path(), &["validate", "--exposures", "book.parquet"]);
        assert_one_line_error(&output, &["book.parquet row 1, column id", needle]);
    }
}

#[test]
fn backtest_case_ids_and_text_are_checked_like_exposure_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (cases, needles) in [
        ("id,affected,actual_cost\n@evil,1000,5\n", ["cases.csv row 1, column id", "formula"]),
        ("id,affected,actual_cost\n\"a\u{1b}]0;x\u{7}\",1000,5\n", ["cases.csv row 1, column id", "\\u{1b}"]),
        ("id,affected,actual_cost,source\nok,1000,5,\"x\u{7}\"\n", ["cases.csv row 1, column source", "\\u{7}"]),
    ] {
        write(dir.path(), "cases.csv", cases);
        let output = run_in(dir.path(), &["backtest", "--cases", "cases.csv", "--out", "out", "--iterations", "100"]);
        assert_one_line_error(&output, &needles);
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn names_industries_and_data_types_are_bounded_and_free_of_control_characters() {
    let long_name = "n".repeat(1001);
    refuses_exposures(
        format!("id,records,name\na,10,{long_name}\n").as_bytes(),
        &["row 1, column name", "1001 bytes", "at most 1000 bytes"],
    );
    refuses_exposures(b"id,records,industry\na,10,\"re\x1btail\"\n", &["row 1, column industry", "\\u{1b}"]);
    refuses_exposures(b"id,records,data_types\na,10,\"ssn;\x07\"\n", &["row 1, column data_types", "\\u{7}"]);
    // Up to the limit, and text that only a report cell would neutralise, are fine.
    accepts_exposures(format!("id,records,name,industry\na,10,{},=retail\n", "n".repeat(1000)).as_bytes());
    // Component and systemic event names reach the reports too.
    let dir = tempfile::tempdir().expect("tempdir");
    for (toml, needle) in [
        ("[[component]]\nname = \"le\\u001bgal\"\nfixed = 1\n", "component[1].name"),
        (&*format!("[[component]]\nname = \"{}\"\nfixed = 1\n", "c".repeat(201)), "201 bytes"),
        (
            "[[component]]\nname = \"legal\"\nfixed = 1\n[[systemic]]\nname = \"cloud\\u0007\"\nannual_rate = 0.1\nfootprint = 0.5\n",
            "systemic[1].name",
        ),
    ] {
        write(dir.path(), "a.toml", toml);
        let output = run_in(dir.path(), &["validate", "--assumptions", "a.toml"]);
        assert_one_line_error(&output, &["a.toml", needle]);
    }
}

// ---- spreadsheet formulas in the reports ----

/// Every cell of every CSV file under `dir` that begins with a character a spreadsheet reads
/// as a formula is a number.
fn assert_no_formula_cells(dir: &Path) {
    let mut files = 0;
    for (path, bytes) in snapshot(dir) {
        if !path.ends_with(".csv") {
            continue;
        }
        files += 1;
        let text = String::from_utf8(bytes).expect("UTF-8 report");
        for line in text.lines() {
            for cell in split_csv_line(line) {
                if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    assert!(cell.parse::<f64>().is_ok(), "{path}: the cell {cell:?} would run as a formula");
                }
            }
        }
    }
    assert!(files > 0, "no CSV files under {}", dir.display());
}

#[test]
fn text_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_every_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = r#"
[[component]]
name = "=HYPERLINK(\"http://x\",\"y\")"
fixed = { dist = "uniform", min = 1000, max = 5000 }

[[component]]
name = "+cmd|' /C calc'!A0"
per_unit = { dist = "uniform", min = 1, max = 2 }

[[component]]
name = "-minus"
probability = 0.5
fixed = 300

[[component]]
name = "@at"
fixed = 7

[[systemic]]
name = "=cloud"
annual_rate = 0.2
footprint = 0.5
"#;
    write(dir.path(), "a.toml", toml);
    write(dir.path(), "book.csv", "id,records,annual_rate\na,1000,0.5\nb,20000,0.3\n");
    let common = ["--exposures", "book.csv", "--assumptions", "a.toml", "--quiet", "--no-charts"];
    let mut simulate = vec!["simulate", "--out", "sim", "--iterations", "2000", "--ord"];
    simulate.extend(common);
    assert_success(&run_in(dir.path(), &simulate));
    let mut sensitivity = vec!["sensitivity", "--out", "sens", "--iterations", "500"];
    sensitivity.extend(common);
    assert_success(&run_in(dir.path(), &sensitivity));
    let mut converge = vec!["simulate", "--out", "conv", "--target-rel-error", "0.5", "--batch", "1000"];
    converge.extend(common);
    assert_success(&run_in(dir.path(), &converge));
    for out in ["sim", "sens", "conv"] {
        assert_no_formula_cells(&dir.path().join(out));
    }
    let components = read_text(&dir.path().join("sim/components.csv"));
    for cell in ["\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", "'+cmd|' /C calc'!A0", "'-minus", "'@at"] {
        assert!(components.contains(&format!(",{cell},")), "components.csv should hold {cell}: {components}");
    }
    let sensitivity = read_text(&dir.path().join("sens/sensitivity.csv"));
    assert!(sensitivity.contains("\n'-minus.occurrence,"), "{sensitivity}");
    let shares = read_text(&dir.path().join("sens/variance_shares.csv"));
    assert!(shares.contains("\n'@at,"), "{shares}");
}

#[test]
fn the_csv_writer_prefixes_formulas_but_leaves_negative_numbers_as_numbers() {
    use breachcost::report::csv::{num, Csv};
    let mut csv = Csv::new(&["text", "number", "integer", "exponent", "sum", "at", "tab"]);
    csv.row(["=1+1", num(-0.5).as_str(), "-3", "-1e-7", "-2+3", "@x", "\tx"].map(str::to_string));
    let text = String::from_utf8(csv.into_bytes()).expect("UTF-8");
    assert_eq!(text.lines().nth(1), Some("'=1+1,-0.5,-3,-1e-7,'-2+3,'@x,'\tx"));
}

// ---- control characters in messages ----

#[test]
fn control_characters_in_paths_values_and_names_are_escaped_in_every_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = |bytes: &[u8]| bytes.iter().any(|b| *b == 0x1b || *b == 0x07 || *b == b'\r');
    // An error naming a path.
    let output = run_in(dir.path(), &["validate", "--exposures", "no\u{1b}]0;pwned\u{7}.csv"]);
    assert!(!raw(&output.stderr), "raw control characters in the error: {:?}", stderr(&output));
    assert!(stderr(&output).contains("no\\u{1b}]0;pwned\\u{7}.csv"), "{}", stderr(&output));
    // A warning naming the assumptions file (an infinite-mean Pareto cost is warned about).
    let assumptions = "a\u{1b}[2J.toml";
    write(dir.path(), assumptions, "[[component]]\nname = \"legal\"\nfixed = { dist = \"pareto\", scale = 1000, shape = 0.9 }\nsource = \"report \\u001b[31mred\\u0007 page\"\n");
    let output = run_in(dir.path(), &["validate", "--assumptions", assumptions]);
    assert_success(&output);
    assert!(!raw(&output.stderr), "raw control characters in the warning: {:?}", stderr(&output));
    assert!(stderr(&output).contains("warning: a\\u{1b}[2J.toml: component \"legal\".fixed"), "{}", stderr(&output));
    // What validate prints on stdout: the path and the component's source.
    assert!(!raw(&output.stdout), "raw control characters on stdout: {:?}", stdout(&output));
    assert!(stdout(&output).contains("source: report \\u{1b}[31mred\\u{7} page"), "{}", stdout(&output));
    // The headline of a run names the report folder.
    let out = "out\u{7}dir";
    let output = run_in(dir.path(), &["simulate", "--iterations", "200", "--out", out, "--no-charts"]);
    assert_success(&output);
    assert!(!raw(&output.stdout), "raw control characters in the headline: {:?}", stdout(&output));
    assert!(stdout(&output).contains("reports in out\\u{7}dir"), "{}", stdout(&output));
}

// ---- closed or full standard output ----

/// Runs `args` in `dir` with stdout a pipe whose reader reads `lines` lines and then closes it.
fn run_into_closed_pipe(dir: &Path, args: &[&str], lines: usize) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_breachcost"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary should start");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a line");
    }
    drop(reader);
    let output = child.wait_with_output().expect("the binary should finish");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_closed_stdout_ends_the_command_quietly_with_exit_0_and_keeps_the_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = run_into_closed_pipe(dir.path(), &["simulate", "--iterations", "1000", "--out", "x"], 0);
    assert_eq!((code, err.as_str()), (Some(0), ""), "simulate | true");
    assert!(dir.path().join("x/summary.csv").is_file(), "the reports should be in place");
    let mut rows = String::from("id,records,limit\n");
    for i in 0..20_000 {
        rows.push_str(&format!("e{i},{},1000000\n", 1000 + i));
    }
    write(dir.path(), "rows.csv", rows);
    let (code, err) = run_into_closed_pipe(dir.path(), &["validate", "--exposures", "rows.csv"], 1);
    assert_eq!((code, err.as_str()), (Some(0), ""), "validate | head -1");
    let (code, err) = run_into_closed_pipe(dir.path(), &["--help"], 0);
    assert_eq!((code, err.as_str()), (Some(0), ""), "--help | true");
}

#[test]
fn a_full_stdout_is_an_error_of_one_line_with_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [vec!["validate"], vec!["simulate", "--iterations", "200", "--out", "x", "--no-charts"], vec!["--help"]]
    {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let output = bin().args(&args).current_dir(dir.path()).stdout(full).output().expect("runs");
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", describe(&output));
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err:?}");
        assert!(err.starts_with("error: ") && err.contains("No space left on device"), "{args:?}: {err}");
    }
    assert!(dir.path().join("x/summary.csv").is_file(), "the reports are committed before the headline");
}

// ---- flag errors ----

#[test]
fn bad_flags_are_one_line_naming_the_flag_the_value_and_what_is_expected() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "cases.csv", "id,affected,actual_cost\na,1000,5\n");
    let cases: &[(&[&str], &[&str])] = &[
        (&["simulate", "--iterations", "1e4"], &["--iterations 1e4: expected a whole number of iterations ≥ 1"]),
        (&["simulate", "--iterations", "-5"], &["--iterations -5: expected"]),
        (&["simulate", "--seed", "-1"], &["--seed -1: expected a whole number from 0 to 18446744073709551615"]),
        (&["simulate", "--threads", "abc"], &["--threads abc: expected", "1 to 1024"]),
        (&["simulate", "--threads", "0"], &["--threads 0: expected", "1 to 1024"]),
        (&["simulate", "--shard", "5/4"], &["--shard 5/4: K must be between 1 and N (4)"]),
        (&["simulate", "--shard", "half"], &["--shard half: expected K/N"]),
        (&["simulate", "--mode", "yearly"], &["--mode yearly: expected annual or breach"]),
        (&["simulate", "--target-rel-error", "abc"], &["--target-rel-error abc: expected a number above 0"]),
        (&["simulate", "--target-rel-error", "0.1", "--batch", "0"], &["--batch 0: expected"]),
        (&["simulate", "--no-chart"], &["--no-chart", "unknown flag", "--no-charts"]),
        (&["simulate", "--seed", "1", "--seed", "2"], &["--seed", "more than once"]),
        (&["sensitivity", "--iterations", "many"], &["--iterations many: expected"]),
        (&["sensitivity", "--mode", "daily"], &["--mode daily: expected annual or breach"]),
        (&["sensitivity", "--seed", "-7"], &["--seed -7: expected"]),
        (&["backtest", "--cases", "cases.csv", "--iterations", "20000000"], &["--iterations 20000000", "10000000"]),
        (&["backtest", "--cases", "cases.csv", "--seed", "x"], &["--seed x: expected"]),
        (&["backtest", "--cases", "cases.csv", "--threads", "0"], &["--threads 0: expected"]),
        (&["merge", "--out", "m", "--threads", "2000", "s1"], &["--threads 2000: expected", "1 to 1024"]),
        (&["backtest"], &["--cases", "required"]),
        (&["init"], &["init", "<DIR>", "required"]),
        (&["frobnicate"], &["frobnicate: unknown command", "simulate"]),
        (&["simulat"], &["simulat: unknown command", "did you mean simulate"]),
    ];
    for (args, needles) in cases {
        let output = run_in(dir.path(), args);
        let err = assert_one_line_error(&output, needles);
        assert!(!err.contains("Usage") && !err.contains("--help'"), "{args:?}: {err}");
    }
    assert_eq!(entries(dir.path()), ["cases.csv".to_string()].into_iter().collect(), "nothing written");
    // Help and the version are printed in full, as before.
    let help = run_in(dir.path(), &["simulate", "--help"]);
    assert_success(&help);
    assert!(stdout(&help).contains("[possible values: annual, breach]"), "{}", stdout(&help));
    let version = run_in(dir.path(), &["--version"]);
    assert_success(&version);
    assert_eq!(stdout(&version), format!("breachcost {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn too_many_threads_are_refused_at_once_before_anything_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        vec!["simulate", "--threads", "100000", "--exposures", "missing.csv"],
        vec!["sensitivity", "--threads", "100000", "--exposures", "missing.csv"],
    ] {
        let mut child = bin()
            .args(&args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary should start");
        let started = Instant::now();
        while child.try_wait().expect("waitable").is_none() {
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{args:?} still running after 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().expect("finished");
        let err = assert_one_line_error(&output, &["--threads 100000: expected", "1 to 1024"]);
        assert!(!err.contains("missing.csv"), "the flag is refused before the inputs are read: {err}");
    }
}
