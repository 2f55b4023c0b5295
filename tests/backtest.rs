//! `breachcost backtest`: the report files, where actual costs fall, the KS test, skipped
//! scopes, input errors, and the shipped table of historical breaches.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use breachcost::analysis::backtest::{kolmogorov_survival, ks_uniform, percentile_rank};

const BIN: &str = env!("CARGO_BIN_EXE_breachcost");

/// Every breach costs exactly $1M, whatever its size.
const CONSTANT: &str = "[frequency]\nrate = 0.05\n[[component]]\nname = \"investigation\"\nfixed = 1000000\n";

fn run(args: &[&str], dir: &Path) -> Output {
    match Command::new(BIN).args(args).current_dir(dir).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run {BIN}: {e}"),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

fn read(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn tempdir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("no temp dir: {e}"),
    }
}

/// Rows of a CSV without quoting, as maps from the header.
fn rows(text: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap_or_default().split(',').map(str::to_string).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect()).collect()
}

fn cell<'a>(row: &'a [(String, String)], column: &str) -> &'a str {
    row.iter().find(|(c, _)| c == column).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no column {column}"))
}

fn number(row: &[(String, String)], column: &str) -> f64 {
    let v = cell(row, column);
    v.parse().unwrap_or_else(|_| panic!("{column}: {v} is not a number"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const CASES: &str = "id,affected,data_types,industry,actual_cost,cost_scope,year,source\n\
exact,1000,name;email,retail,1000000,total,2020,\"10-K, 2021\"\n\
far-above,50000,name,retail,1000000000,,2021,settlement docs\n\
a-settlement,200,name,health,5,settlement,2019,court\n\
a-quarter,300,,health,7,quarter,2019,10-Q\n";

fn constant_run(dir: &Path) -> Output {
    write(dir, "constant.toml", CONSTANT);
    write(dir, "cases.csv", CASES);
    run(
        &["backtest", "--cases", "cases.csv", "--assumptions", "constant.toml", "--out", "out", "--iterations", "2000"],
        dir,
    )
}

#[test]
fn backtest_csv_has_exact_columns_and_ranks_actual_costs() {
    let dir = tempdir();
    let o = constant_run(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = read(&dir.path().join("out/backtest.csv"));
    assert_eq!(text.lines().next(), Some("id,affected,actual_cost,p5,p50,p95,percentile_rank,inside_90"));
    let rows = rows(&text);
    assert_eq!(rows.len(), 2, "{text}");

    let exact = &rows[0];
    assert_eq!(cell(exact, "id"), "exact");
    assert_eq!(cell(exact, "affected"), "1000");
    assert_eq!(number(exact, "actual_cost"), 1e6);
    for q in ["p5", "p50", "p95"] {
        assert_eq!(number(exact, q), 1e6, "{q}");
    }
    assert!((number(exact, "percentile_rank") - 0.5).abs() < 1e-9);
    assert_eq!(cell(exact, "inside_90"), "true");

    let high = &rows[1];
    assert_eq!(cell(high, "id"), "far-above");
    assert!(number(high, "actual_cost") > number(high, "p95"));
    assert!(number(high, "percentile_rank") > 0.999);
    assert_eq!(cell(high, "inside_90"), "false");
}

#[test]
fn non_total_scopes_are_skipped_and_reported() {
    let dir = tempdir();
    let o = constant_run(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("2 cases used"), "{out}");
    assert!(out.contains("2 skipped"), "{out}");
    assert!(out.contains("a-settlement (cost_scope settlement)"), "{out}");
    assert!(out.contains("a-quarter (cost_scope quarter)"), "{out}");
    assert!(out.contains("Kolmogorov"), "{out}");
    assert!(out.contains("p-value"), "{out}");
    let csv = read(&dir.path().join("out/backtest.csv"));
    assert!(!csv.contains("a-settlement") && !csv.contains("a-quarter"), "{csv}");
}

#[test]
fn summary_csv_holds_the_printed_figures() {
    let dir = tempdir();
    let o = constant_run(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = read(&dir.path().join("out/backtest_summary.csv"));
    assert_eq!(text.lines().next(), Some("metric,value"));
    let value = |metric: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{metric},")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {metric} in {text}"))
    };
    assert_eq!(value("cases_used"), 2.0);
    assert_eq!(value("cases_skipped"), 2.0);
    assert_eq!(value("coverage_90"), 0.5);
    assert_eq!(value("above_p95"), 1.0);
    // actual/p50 is 1 and 1000: the median of two is their mean.
    assert_eq!(value("median_actual_over_p50"), 500.5);
    let (d, p) = ks_uniform(&[0.5, 1.0]);
    assert!((value("ks_statistic") - d).abs() < 1e-12);
    assert!((value("ks_p_value") - p).abs() < 1e-12);
}

#[test]
fn chart_is_written_as_png_and_svg() {
    let dir = tempdir();
    let o = constant_run(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let png = std::fs::read(dir.path().join("out/charts/backtest.png")).unwrap_or_default();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    let svg = read(&dir.path().join("out/charts/backtest.svg"));
    assert!(svg.contains("<svg") && svg.contains("Records affected") && svg.contains("p5–p95"));
    // --no-charts: the tables alone.
    let args = ["backtest", "--cases", "cases.csv", "--assumptions", "constant.toml", "--out", "plain"];
    let o = run(&[&args[..], &["--iterations", "2000", "--no-charts", "--quiet"]].concat(), dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let plain = dir.path().join("plain");
    assert!(plain.join("backtest.csv").is_file() && !plain.join("charts").exists());
}

#[test]
fn same_seed_gives_identical_reports() {
    let dir = tempdir();
    write(dir.path(), "cases.csv", "id,affected,actual_cost\na,1000,300000\nb,20000,2000000\n");
    let args = |out: &'static str| {
        ["backtest", "--cases", "cases.csv", "--out", out, "--iterations", "3000", "--seed", "7", "--quiet"]
    };
    let o1 = run(&args("one"), dir.path());
    let o2 = run(&args("two"), dir.path());
    assert!(o1.status.success() && o2.status.success(), "{}", stderr(&o1));
    assert!(stdout(&o1).is_empty(), "--quiet printed {}", stdout(&o1));
    for file in ["backtest.csv", "backtest_summary.csv"] {
        assert_eq!(read(&dir.path().join("one").join(file)), read(&dir.path().join("two").join(file)));
    }
}

#[test]
fn ks_uniform_grid_is_accepted_and_piled_ranks_are_rejected() {
    let n = 50;
    let grid: Vec<f64> = (0..n).map(|i| (f64::from(i) + 0.5) / f64::from(n)).collect();
    let (d, p) = ks_uniform(&grid);
    assert!((d - 0.5 / f64::from(n)).abs() < 1e-12, "D = {d}");
    assert!(p > 0.99, "p = {p}");

    let piled = vec![0.99; 30];
    let (d, p) = ks_uniform(&piled);
    assert!((d - 0.99).abs() < 1e-12, "D = {d}");
    assert!(p < 1e-10, "p = {p}");

    let low = vec![0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1];
    let (d, p) = ks_uniform(&low);
    assert!((d - 0.9).abs() < 1e-12, "D = {d}");
    assert!(p < 1e-5, "p = {p}");
}

#[test]
fn ks_statistic_and_p_value_on_known_ranks() {
    // n = 4, ranks 0.1, 0.4, 0.6, 0.9: D = max(0.25 − 0.1, 0.4 − 0.25, 0.6 − 0.5, 1 − 0.9, ...) = 0.15.
    let (d, p) = ks_uniform(&[0.9, 0.1, 0.6, 0.4]);
    assert!((d - 0.15).abs() < 1e-12, "D = {d}");
    let lambda: f64 = (2.0 + 0.12 + 0.11 / 2.0) * 0.15;
    assert!((p - kolmogorov_survival(lambda)).abs() < 1e-15);
    assert!(p > 0.99);
    // The Kolmogorov distribution's tabulated values: Q(1.0) ≈ 0.27, Q(1.36) ≈ 0.049, Q(1.63) ≈ 0.010.
    assert!((kolmogorov_survival(1.0) - 0.2700).abs() < 1e-3);
    assert!((kolmogorov_survival(1.36) - 0.0494).abs() < 1e-3);
    assert!((kolmogorov_survival(1.63) - 0.0098).abs() < 1e-3);
    assert_eq!(kolmogorov_survival(0.0), 1.0);
}

#[test]
fn percentile_rank_uses_mid_ranks_for_ties() {
    assert_eq!(percentile_rank(&[1.0; 8], 1.0), 0.5);
    assert_eq!(percentile_rank(&[1.0, 2.0, 3.0, 4.0], 2.0), 0.375);
    assert_eq!(percentile_rank(&[1.0, 2.0, 3.0, 4.0], 0.5), 0.0);
    assert_eq!(percentile_rank(&[1.0, 2.0, 3.0, 4.0], 9.0), 1.0);
}

#[test]
fn bad_inputs_exit_2_with_one_line_and_write_nothing() {
    let header = "id,affected,data_types,actual_cost,cost_scope\n";
    let cases: [(&str, String, &str); 8] = [
        ("missing column", "id,data_types,actual_cost\na,name,5\n".to_string(), "column affected"),
        ("bad number", format!("{header}a,12x,name,5,total\n"), "row 1, column affected: \"12x\""),
        (
            "bad cost",
            format!("{header}a,10,name,1e6x,total\nb,10,name,5,total\n"),
            "row 1, column actual_cost: \"1e6x\"",
        ),
        (
            "negative cost",
            format!("{header}a,10,name,5,total\nb,10,name,-5,total\n"),
            "row 2, column actual_cost: \"-5\"",
        ),
        ("thousands separators", format!("{header}a,\"1,000\",name,5,total\n"), "without thousands separators"),
        ("duplicate id", format!("{header}a,10,name,5,total\na,20,name,6,settlement\n"), "duplicates the id of row 1"),
        ("only settlements", format!("{header}a,10,name,5,settlement\n"), "no row has cost_scope total"),
        ("header only", header.to_string(), "no rows"),
    ];
    for (what, text, expected) in cases {
        let dir = tempdir();
        write(dir.path(), "cases.csv", &text);
        let o = run(&["backtest", "--cases", "cases.csv", "--out", "out", "--iterations", "100"], dir.path());
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
        assert!(err.contains("cases.csv") && err.contains(expected), "{what}: {err}");
        assert!(!dir.path().join("out").exists(), "{what}: wrote the output folder");
    }

    let dir = tempdir();
    let o = run(&["backtest", "--cases", "missing.csv", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing.csv: cannot be read"), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());

    let dir = tempdir();
    write(dir.path(), "cases.csv", "id,affected,actual_cost\na,10,5\n");
    write(dir.path(), "bad.toml", "[[component]]\nname = 5\n");
    let o = run(&["backtest", "--cases", "cases.csv", "--assumptions", "bad.toml", "--out", "out"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());

    let o = run(&["backtest", "--cases", "cases.csv", "--out", "out", "--iterations", "0"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn shipped_historical_breaches_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases = root.join("assumptions/historical-breaches.csv");
    let text = read(&cases);
    let parsed = breachcost::analysis::backtest::parse_cases(&text, "historical-breaches.csv");
    let parsed = parsed.unwrap_or_else(|e| panic!("{e}"));
    assert!(parsed.len() >= 10);
    let total = parsed.iter().filter(|c| c.is_total()).count();
    assert!(total >= 3, "{total} total-scope rows");
    assert!(
        parsed.iter().all(|c| c.source.is_some() && !c.cost_scope.is_empty()),
        "every row needs a scope and a source"
    );
    assert!(parsed.iter().any(|c| c.id == "mr-cooper-2023" && c.cost_scope == "quarter"));

    let dir = tempdir();
    let out = dir.path().join("bt");
    let (Some(cases), Some(out)) = (cases.to_str(), out.to_str()) else {
        panic!("non-UTF-8 paths");
    };
    let o = run(&["backtest", "--cases", cases, "--out", out], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = read(&dir.path().join("bt/backtest.csv"));
    assert_eq!(csv.lines().count(), total + 1, "{csv}");
}

/// Every case's outcomes are kept to the end: cases × iterations that cannot fit in memory are
/// refused before anything is simulated or written, naming --iterations and what would fit.
#[test]
fn a_backtest_that_cannot_fit_in_memory_is_refused_before_it_runs() {
    let dir = tempdir();
    let mut cases = String::from("id,affected,actual_cost\n");
    for i in 0..200 {
        cases.push_str(&format!("c{i},{},{}\n", 10u64.pow(i % 8) + 1, (i + 1) * 1000));
    }
    let file = write(dir.path(), "cases.csv", &cases);
    let out = dir.path().join("out");
    let o = run(
        &["backtest", "--cases", file.to_str().unwrap_or(""), "--iterations", "10000000", "--quiet", "--out", "out"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--iterations 10000000") && err.contains("GiB of memory"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!out.exists());
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert_eq!(left.len(), 1, "only the cases file: {left:?}");
}
