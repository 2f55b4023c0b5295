//! Extreme but valid parameters, through the command line: heavy tails (lognormal sigma 6,
//! Pareto shapes at and below 1), a trillion-record exposure, 50 breaches a year, and a
//! hundred million iterations. The binary must not panic, must write only finite numbers,
//! must say when a statistic is unstable, and must refuse what cannot fit in memory up front.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use breachcost::input::{Assumptions, DEFAULT_ASSUMPTIONS};
use common::*;

/// Writes `exposures` and `assumptions` into `dir`: the report folder `dir/out` and the
/// `simulate --no-charts` arguments for them, with `extra` flags.
fn simulate_args(dir: &Path, exposures: &str, assumptions: &str, extra: &[&str]) -> (std::path::PathBuf, Vec<String>) {
    let e = write(dir, "book.csv", exposures);
    let a = write(dir, "assumptions.toml", assumptions);
    let out = dir.join("out");
    let mut args: Vec<String> =
        ["simulate", "--exposures", s(&e), "--assumptions", s(&a), "--out", s(&out), "--no-charts"]
            .map(String::from)
            .into();
    args.extend(extra.iter().map(|x| x.to_string()));
    (out, args)
}

/// Runs `simulate` on `exposures` and `assumptions` (written into `dir`) with `extra` flags.
fn simulate(dir: &Path, exposures: &str, assumptions: &str, extra: &[&str]) -> (std::path::PathBuf, Output) {
    let (out, args) = simulate_args(dir, exposures, assumptions, extra);
    let output = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    (out, output)
}

/// Every cell of every CSV report that is a number is finite (no `inf`, `nan`).
fn assert_all_finite(out: &Path) {
    let files = csv_files(out);
    assert!(files.len() >= 3, "reports missing in {}", out.display());
    for (name, bytes) in files {
        let text = String::from_utf8(bytes).expect("reports are UTF-8");
        for (i, line) in text.lines().enumerate() {
            for cell in split_csv_line(line) {
                let bad = cell.parse::<f64>().is_ok_and(|x| !x.is_finite());
                assert!(!bad, "{name} line {}: {cell:?} is not a finite number: {line}", i + 1);
            }
        }
    }
}

/// The summary row of `id`/`gross`: quantiles ordered, the tail ones positive, TVaRs above them.
fn assert_quantiles_ordered(out: &Path, id: &str) {
    let summary = Table::read(&out.join("summary.csv"));
    let row = summary.row(id, "gross");
    let q: Vec<f64> =
        ["p50", "p75", "p90", "p95", "p99", "p99_5", "p99_9", "max"].iter().map(|c| summary.num(row, c)).collect();
    // A breach in at least 2% of the iterations (every one in breach mode, 39% of the years
    // at rate 0.5): p99 is a reported loss, not zero.
    assert!(q[4] > 0.0, "{id}: p99 should be positive: {row:?}");
    assert!(q.windows(2).all(|w| w[0] <= w[1]), "{id}: quantiles out of order: {row:?}");
    assert!(summary.num(row, "tvar_99") >= summary.num(row, "p99"), "{id}: {row:?}");
}

/// Both modes must succeed with finite reports and ordered quantiles for every exposure.
fn assert_runs_cleanly(exposures: &str, assumptions: &str, ids: &[&str], iterations: &str) {
    for mode in ["breach", "annual"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (out, output) = simulate(dir.path(), exposures, assumptions, &["--mode", mode, "--iterations", iterations]);
        assert_success(&output);
        assert!(!stderr(&output).contains("panicked"), "{}", describe(&output));
        assert_all_finite(&out);
        for id in ids {
            assert_quantiles_ordered(&out, id);
        }
    }
}

/// The warnings the assumptions raise (what the binary prints on stderr).
fn warnings(assumptions: &str) -> Vec<String> {
    Assumptions::parse(assumptions, "extreme.toml").map(|a| a.warnings()).unwrap_or_else(|e| panic!("{e}"))
}

const BOOK: &str = "id,records,limit\nhuge,1000000000000,\nlimited,5000,2000000\n";

const LOGNORMAL_SIGMA_6: &str = "[frequency]\nrate = 0.5\n\
    [[component]]\nname = \"wild\"\nfixed = { dist = \"lognormal\", mu = 10, sigma = 6 }\n\
    per_unit = { dist = \"lognormal\", mu = -3, sigma = 6 }\n";

#[test]
fn a_lognormal_with_sigma_6_gives_finite_reports_and_warns_that_its_mean_is_unstable() {
    assert_runs_cleanly(BOOK, LOGNORMAL_SIGMA_6, &["huge", "limited"], "20000");
    let warnings = warnings(LOGNORMAL_SIGMA_6);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    for (warning, key) in warnings.iter().zip(["fixed", "per_unit"]) {
        assert!(warning.starts_with(&format!("extreme.toml: component \"wild\".{key}: lognormal(")), "{warning}");
        assert!(warning.contains("unstable") && !warning.contains('\n'), "{warning}");
    }
}

fn pareto(shape: f64) -> String {
    format!(
        "[frequency]\nrate = 0.5\n[[component]]\nname = \"tail\"\nfixed = {{ dist = \"pareto\", scale = 10000, shape = {shape} }}\nper_unit = 0.01\n"
    )
}

#[test]
fn a_pareto_with_an_infinite_mean_still_reports_finite_quantiles_and_warns() {
    for shape in [1.0, 0.5, 0.25] {
        let toml = pareto(shape);
        assert_runs_cleanly(BOOK, &toml, &["huge", "limited"], "20000");
        let warnings = warnings(&toml);
        assert_eq!(warnings.len(), 1, "shape {shape}: {warnings:?}");
        assert!(
            warnings[0].contains("component \"tail\".fixed") && warnings[0].contains("infinite mean"),
            "{warnings:?}"
        );
    }
    // Finite mean, infinite variance: a different warning; a light tail: none.
    assert!(warnings(&pareto(1.5))[0].contains("infinite variance"));
    assert!(warnings(&pareto(3.0)).is_empty());
}

#[test]
fn the_shipped_defaults_raise_no_warning() {
    let defaults = Assumptions::parse(DEFAULT_ASSUMPTIONS, "default.toml").expect("defaults parse");
    assert_eq!(defaults.warnings(), Vec::<String>::new());
}

#[test]
fn a_trillion_record_exposure_with_fifty_breaches_a_year_runs_on_the_defaults() {
    let book = "id,records,annual_rate,data_types\ntrillion,1000000000000,50,name;ssn;health;bank_account;email\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let e = write(dir.path(), "book.csv", book);
    let out = dir.path().join("out");
    let output = run(&["simulate", "--exposures", s(&e), "--out", s(&out), "--iterations", "2000", "--quiet"]);
    assert_success(&output);
    assert_all_finite(&out);
    assert_quantiles_ordered(&out, "trillion");
    let summary = Table::read(&out.join("summary.csv"));
    let row = summary.row("trillion", "gross");
    // P(no breach in a year) = e^-50: every simulated year has breaches.
    assert_eq!(summary.num(row, "prob_nonzero"), 1.0, "{row:?}");
    // Fifty breaches a year of about a billion records each (the defaults' share of so large a
    // holding: 0.3 × (1e12 / 1e6)^-0.4 of it on average): hundreds of billions of dollars.
    assert!(summary.num(row, "p50") > 1e11, "{row:?}");
}

/// Costs that can overflow to infinity are refused with a message naming the key; rates
/// that would need more memory than any machine has are refused instead of aborting.
#[test]
fn parameters_whose_draws_or_breach_counts_overflow_are_input_errors() {
    let cases: [(&str, &str, &[&str]); 5] = [
        (BOOK, &pareto(0.01), &["component \"tail\".fixed", "too large", "shape must be at least"]),
        (
            BOOK,
            "[[component]]\nname = \"x\"\nfixed = { dist = \"lognormal\", mu = 700, sigma = 1 }\n",
            &["component \"x\".fixed", "too large"],
        ),
        ("id,records,annual_rate\nx,1000,10000000000\n", &pareto(2.0), &["row 1, column annual_rate", "10000000000"]),
        (BOOK, "[frequency]\nrate = 1e10\n[[component]]\nname = \"x\"\nfixed = 1\n", &["frequency.rate", "10000000000"]),
        (
            BOOK,
            "[[component]]\nname = \"x\"\nfixed = 1\n[[systemic]]\nname = \"cloud\"\nannual_rate = 1e9\nfootprint = 0.5\n",
            &["systemic \"cloud\".annual_rate"],
        ),
    ];
    for (exposures, assumptions, expected) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let (out, output) = simulate(dir.path(), exposures, assumptions, &["--iterations", "10"]);
        assert_eq!(output.status.code(), Some(2), "{assumptions}\n{}", describe(&output));
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{err}");
        for text in expected {
            assert!(err.contains(text), "expected {text:?} in {err}");
        }
        assert!(!out.exists());
    }
}

/// Runs the binary with its address space limited to `limit_kib` and a deadline; returns
/// the output, or `None` if it had to be killed at the deadline.
fn run_limited(args: &[String], limit_kib: u64, deadline: Duration) -> Option<Output> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_breachcost"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh should start");
    let started = Instant::now();
    while started.elapsed() < deadline {
        if child.try_wait().expect("the child's status should be readable").is_some() {
            return Some(child.wait_with_output().expect("the child's output should be readable"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

const FOUR_GIB_IN_KIB: u64 = 4 * 1024 * 1024;

/// A run that cannot fit is refused before anything is simulated, with an estimate.
fn assert_refused_or_runs_within_4_gib(mode: &str, iterations: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, args) = simulate_args(
        dir.path(),
        "id,records\nsmall,1000\n",
        "[frequency]\nrate = 0.1\n[[component]]\nname = \"x\"\nfixed = 100\n",
        &["--mode", mode, "--iterations", iterations, "--quiet"],
    );
    let output = run_limited(&args, FOUR_GIB_IN_KIB, Duration::from_secs(300))
        .unwrap_or_else(|| panic!("{mode} mode, {iterations} iterations: still running after 300 s"));
    match output.status.code() {
        Some(0) => assert_all_finite(&out),
        Some(2) => {
            let err = stderr(&output);
            assert!(err.contains(iterations) && err.contains("GiB"), "the refusal should give an estimate: {err}");
            assert!(!out.exists());
        }
        _ => panic!(
            "{mode} mode, {iterations} iterations: neither ran within 4 GiB nor was refused: {}",
            describe(&output)
        ),
    }
}

#[test]
fn a_billion_annual_iterations_are_refused_up_front_with_an_estimate() {
    assert_refused_or_runs_within_4_gib("annual", "1000000000");
}

#[test]

fn a_hundred_million_iterations_are_refused_or_run_within_4_gib() {
    for mode in ["breach", "annual"] {
        assert_refused_or_runs_within_4_gib(mode, "100000000");
    }
}

#[test]

fn the_binary_prints_the_instability_warnings_on_stderr_unless_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, output) = simulate(dir.path(), BOOK, &pareto(0.8), &["--iterations", "1000"]);
    assert_success(&output);
    let err = stderr(&output);
    let warning = err.lines().find(|l| l.starts_with("warning: ")).unwrap_or_else(|| panic!("no warning: {err}"));
    assert!(
        warning.contains("assumptions.toml: component \"tail\".fixed") && warning.contains("infinite mean"),
        "{err}"
    );
    let (_, quiet) = simulate(dir.path(), BOOK, &pareto(0.8), &["--iterations", "1000", "--quiet"]);
    assert_success(&quiet);
    assert!(quiet.stderr.is_empty(), "--quiet printed: {}", stderr(&quiet));
}

/// Shape 0.1: single draws can reach 10^166 (scale × 2^540), whose squares overflow; the
/// sample sizes here keep the losses far below that, and the reports must stay finite.
#[test]
fn a_pareto_with_shape_0_1_gives_finite_reports() {
    assert_runs_cleanly(BOOK, &pareto(0.1), &["huge", "limited"], "20000");
}

/// Counts at the rate cap with a huge over-dispersion (gamma shape 0.01: most years quiet, a
/// few with hundreds of thousands of breaches, drawn by rejection beyond the inversion table)
/// run within 4 GiB, with finite and ordered reports.
#[test]
fn an_over_dispersed_count_at_the_rate_cap_runs_within_4_gib() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, args) = simulate_args(
        dir.path(),
        "id,records,annual_rate\nx,1000,10000\n",
        "[frequency]\nmodel = \"negative_binomial\"\ndispersion = 100\n[breach]\naffected_share = 1\n\
         [[component]]\nname = \"c\"\nfixed = { dist = \"lognormal\", low = 1e3, high = 1e5 }\n",
        &["--iterations", "2000", "--quiet"],
    );
    let output = run_limited(&args, FOUR_GIB_IN_KIB, Duration::from_secs(120)).expect("should finish within 120 s");
    assert_success(&output);
    assert_all_finite(&out);
    assert_quantiles_ordered(&out, "x");
    let breaches = run_json(&out)["simulated_breaches"].as_u64().expect("simulated_breaches in run.json");
    assert!(breaches > 100_000, "{breaches} breaches in 2,000 years at 10,000 a year");
}

/// One rarely breached exposure keeps no per-year array: a billion years store only the
/// ~100,000 with a breach (and a few bytes per block of years), so the run fits in 4 GiB,
/// and its frequency and mean are the compound Poisson ones within five standard errors.
#[test]
fn a_billion_years_of_one_rarely_breached_exposure_run_within_4_gib() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (rate, cost, years) = (1e-4_f64, 100.0_f64, 1e9_f64);
    let (out, args) = simulate_args(
        dir.path(),
        &format!("id,records,annual_rate\nrare,1000,{rate}\n"),
        &format!("[breach]\naffected_share = 1\n[[component]]\nname = \"c\"\nfixed = {cost}\n"),
        &["--iterations", "1000000000", "--quiet"],
    );
    let output = run_limited(&args, FOUR_GIB_IN_KIB, Duration::from_secs(120)).expect("should finish within 120 s");
    assert_success(&output);
    assert_all_finite(&out);
    let summary = Table::read(&out.join("summary.csv"));
    let row = summary.row("rare", "gross");
    let p = 1.0 - (-rate).exp();
    let prob = summary.num(row, "prob_nonzero");
    assert!((prob - p).abs() < 5.0 * (p * (1.0 - p) / years).sqrt(), "P(loss > 0) {prob}, expected {p}");
    // Compound Poisson: mean λ·c, variance λ·c², so the mean of n years has sd c·√(λ/n).
    let mean = summary.num(row, "mean");
    assert!((mean - rate * cost).abs() < 5.0 * cost * (rate / years).sqrt(), "mean {mean}, expected {}", rate * cost);
}
