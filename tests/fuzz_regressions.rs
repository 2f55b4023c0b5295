//! Inputs found by fuzzing (fuzz/, see fuzz/README.md), replayed through the same code paths
//! as the fuzz targets: `tests/fuzz_regressions/<target>/<file>`.
//!
//! - `bad-*` files must be rejected with an [`Error::Input`]: one line, naming the file.
//! - `ok-*` files must be accepted, build a model, simulate and render the CSV reports.
//!
//! Either way nothing may panic. Each file is a crash or a near miss the fuzzers found (the
//! file name says what it exercises), or a corpus entry worth keeping.

use std::path::{Path, PathBuf};

use breachcost::engine::{Model, RunSettings};
use breachcost::error::Error;
use breachcost::input::{Assumptions, Exposures, Mode, DEFAULT_ASSUMPTIONS};

/// The fixed exposures the `assumptions` fuzz target builds every parsed file against
/// (the same text as in fuzz/fuzz_targets/assumptions.rs).
const EXPOSURES: &str =
    "id,records,industry,vendor,data_types,affected,annual_rate,retention,limit,aggregate_limit,share\n\
small,1000,retail,acme,,,,,,,\n\
ssn,2000000,healthcare,acme,name;ssn;health;bank_account,,0.5,10000,1000000,2000000,0.8\n\
known,50000,education,other,email,20000,2,,,,\n";

/// What happened to one input: the error of the first stage that refused it, if any.
type Outcome = Result<(), Error>;

/// fuzz/fuzz_targets/assumptions.rs: parse, then build, simulate and report in both modes.
fn assumptions_path(bytes: &[u8], label: &str) -> Outcome {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::input(format!("{label}: is not UTF-8 text ({e})")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let assumptions = Assumptions::parse(text, label)?;
    let exposures = Exposures::from_csv_bytes(EXPOSURES.as_bytes(), "fixed.csv")?;
    for mode in [Mode::Breach, Mode::Annual] {
        let model = Model::build(&exposures, assumptions.clone(), RunSettings { mode, iterations: 3, seed: 7 })?;
        let results = breachcost::run::run(&model, &|_| {});
        let _ = breachcost::report::csv_reports(&model, &results, mode == Mode::Annual);
    }
    Ok(())
}

/// fuzz/fuzz_targets/exposures_{csv,parquet}.rs: the exposures with the default assumptions,
/// two simulated years and the reports.
fn exposures_path(exposures: Result<Exposures, Error>) -> Outcome {
    let exposures = exposures?;
    let defaults = Assumptions::parse(DEFAULT_ASSUMPTIONS, "default.toml")?;
    let model = Model::build(&exposures, defaults, RunSettings { mode: Mode::Annual, iterations: 2, seed: 7 })?;
    let results = breachcost::run::run(&model, &|_| {});
    let _ = breachcost::report::csv_reports(&model, &results, true);
    Ok(())
}

fn replay(target: &str, bytes: &[u8], label: &str) -> Outcome {
    match target {
        "assumptions" => assumptions_path(bytes, label),
        "exposures_csv" => exposures_path(Exposures::from_csv_bytes(bytes, label)),
        "exposures_parquet" => exposures_path(Exposures::from_parquet_bytes(bytes.to_vec(), label)),
        other => panic!("tests/fuzz_regressions/{other}: no such fuzz target"),
    }
}

fn files(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} should be a folder: {e}", dir.display()))
        .map(|entry| entry.expect("a folder entry should be readable").path())
        .collect();
    files.sort();
    files
}

/// Replays every file of `target` and fails, one line per file, for those that did not do
/// what their name says.
fn assert_target_handled(target: &str) {
    let mut failures = Vec::new();
    let files = files(target);
    assert!(files.len() >= 3, "tests/fuzz_regressions/{target} should hold the regression inputs");
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{} should be readable: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| replay(target, &bytes, &name));
        let problem = match (name.split('-').next(), outcome) {
            (_, Err(_)) => Some("panicked".to_string()),
            (Some("ok"), Ok(Ok(()))) => None,
            (Some("ok"), Ok(Err(e))) => Some(format!("was rejected: {e}")),
            (Some("bad"), Ok(Ok(()))) => Some("was accepted; expected an input error".to_string()),
            (Some("bad"), Ok(Err(Error::Input(message)))) => {
                let one_line = !message.contains('\n');
                (!(one_line && message.contains(&name)))
                    .then(|| format!("gave an input error that is not one line naming the file: {message:?}"))
            }
            (Some("bad"), Ok(Err(e))) => Some(format!("gave a failure, not an input error: {e:?}")),
            _ => Some("is named neither ok-* nor bad-*".to_string()),
        };
        if let Some(problem) = problem {
            failures.push(format!("tests/fuzz_regressions/{target}/{name} {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn assumptions_found_by_fuzzing_are_handled() {
    assert_target_handled("assumptions");
}

#[test]
fn csv_exposures_found_by_fuzzing_are_handled() {
    assert_target_handled("exposures_csv");
}

#[test]
fn parquet_exposures_found_by_fuzzing_are_handled() {
    assert_target_handled("exposures_parquet");
}

/// The replay itself must be able to fail: a file named `ok-` that is invalid, or `bad-` that
/// is valid, is reported.
#[test]
fn a_misnamed_regression_input_is_reported() {
    let valid = b"[[component]]\nname = \"a\"\nfixed = 1\n";
    assert!(replay("assumptions", valid, "ok-x.toml").is_ok());
    let invalid = b"[[component]]\nname = \"a\"\nfixed = { dist = \"pareto\", scale = 1, shape = 0.01 }\n";
    match replay("assumptions", invalid, "bad-x.toml") {
        Err(Error::Input(message)) => assert!(message.contains("bad-x.toml"), "{message}"),
        other => panic!("expected an input error, got {other:?}"),
    }
}

/// Parquet versions of the CSV regression inputs and seeds: every column as strings, and each
/// column typed as a CSV reader would infer it (integers, else floats, else strings), read
/// back to the same exposures as the CSV.
fn parquet_versions(csv: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    use polars::prelude::*;
    // The exposures reader skips a BOM and blank lines: drop them first.
    let text = String::from_utf8_lossy(csv);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let Ok(header) = reader.headers().cloned() else { return Vec::new() };
    let Ok(records) = reader.records().collect::<Result<Vec<_>, _>>() else { return Vec::new() };
    let records: Vec<_> = records.into_iter().filter(|r| r.iter().any(|cell| !cell.trim().is_empty())).collect();
    let cells = |column: usize| -> Vec<&str> { records.iter().map(|r| r.get(column).unwrap_or("")).collect() };
    let mut out = Vec::new();
    for kind in ["text", "typed"] {
        let columns: Vec<Column> = header
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let values = cells(i);
                let name = PlSmallStr::from(name);
                let parsed = |parse: &dyn Fn(&str) -> bool| values.iter().all(|v| v.is_empty() || parse(v));
                if kind == "typed" && parsed(&|v| v.parse::<i64>().is_ok()) {
                    let ints: Vec<Option<i64>> = values.iter().map(|v| v.parse().ok()).collect();
                    return Column::new(name, ints);
                }
                if kind == "typed" && parsed(&|v| v.parse::<f64>().is_ok()) {
                    let floats: Vec<Option<f64>> = values.iter().map(|v| v.parse().ok()).collect();
                    return Column::new(name, floats);
                }
                // As CSV readers do, an empty cell is missing.
                let values: Vec<Option<&str>> = values.iter().map(|v| (!v.is_empty()).then_some(*v)).collect();
                Column::new(name, values)
            })
            .collect();
        let Ok(mut frame) = DataFrame::new(records.len(), columns) else { continue };
        let mut bytes = Vec::new();
        if ParquetWriter::new(&mut bytes).finish(&mut frame).is_ok() {
            out.push((kind, bytes));
        }
    }
    out
}

#[test]
fn csv_exposures_read_the_same_from_parquet() {
    let mut checked = 0;
    let csv_files = files("exposures_csv");
    for path in csv_files.iter().filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("ok-"))) {
        let bytes = std::fs::read(path).expect("readable");
        let Ok(from_csv) = Exposures::from_csv_bytes(&bytes, "x") else { continue };
        for (kind, parquet) in parquet_versions(&bytes) {
            // Typed columns write numbers as polars formats them (1e6 as 1000000.0), which can
            // differ from the CSV text; the text version must agree exactly.
            let from_parquet = Exposures::from_parquet_bytes(parquet, "x");
            if kind == "text" {
                let rows = from_parquet.map(|e| e.rows).map_err(|e| e.to_string());
                assert_eq!(rows, Ok(from_csv.rows.clone()), "{} as Parquet ({kind})", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 2, "at least two CSV inputs should round-trip through Parquet");
}

/// Writes the Parquet seed corpus of the `exposures_parquet` fuzz target from the CSV seeds:
/// `cargo test --release --test fuzz_regressions -- --ignored write_parquet_seeds`.
#[test]
#[ignore = "writes fuzz/seeds/exposures_parquet; run by hand when the CSV seeds change"]
fn write_parquet_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("fuzz/seeds/exposures_parquet");
    std::fs::create_dir_all(&out).expect("the seed folder should be creatable");
    let seeds = std::fs::read_dir(root.join("fuzz/seeds/exposures_csv")).expect("the CSV seeds should exist");
    for entry in seeds {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("readable");
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("seed").to_string();
        for (kind, parquet) in parquet_versions(&bytes) {
            std::fs::write(out.join(format!("{stem}-{kind}.parquet")), parquet).expect("writable");
        }
    }
}

/// The Parquet checks walk every page header: a table of many pages, row groups and a
/// dictionary-encoded column, as polars writes it, must still be read in full.
#[test]
fn a_large_parquet_file_with_many_pages_and_row_groups_is_read_in_full() {
    use polars::prelude::*;
    let rows = 300_000u64;
    let ids: Vec<String> = (0..rows).map(|i| format!("org-{i}")).collect();
    let records: Vec<u64> = (0..rows).map(|i| 1000 + i * 7).collect();
    let industry: Vec<&str> = (0..rows).map(|i| ["retail", "health", "education"][(i % 3) as usize]).collect();
    let rate: Vec<f64> = (0..rows).map(|i| (i % 100) as f64 / 1000.0).collect();
    let mut frame = df!("id" => ids, "records" => records, "industry" => industry, "annual_rate" => rate)
        .expect("the frame should build");
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_row_group_size(Some(70_000))
        .with_data_page_size(Some(64 * 1024))
        .finish(&mut frame)
        .expect("the Parquet file should be writable");
    let exposures = Exposures::from_parquet_bytes(bytes, "large.parquet").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exposures.rows.len(), rows as usize);
    assert_eq!(exposures.rows[rows as usize - 1].records, Some(1000 + (rows - 1) * 7));
}
