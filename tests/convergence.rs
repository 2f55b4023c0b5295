//! How sure we are: the confidence intervals in `summary.csv` cover the truth as often as
//! they claim, and `simulate --target-rel-error` stops at the first batch that meets the
//! target, reproducibly.

mod common;
mod engine_support;

use breachcost::input::Mode;
use breachcost::stats::Z95;
use common::{assert_success, describe, read_text, run, s, stderr, stdout, write, Table};

/// Seeds in the coverage experiments.
const SEEDS: u64 = 200;

/// The least coverage a 95% interval may show in [`SEEDS`] trials: 0.95 minus three binomial
/// standard deviations (a correct interval falls below it with probability about 0.1%).
fn coverage_floor() -> f64 {
    0.95 - 3.0 * (0.95f64 * 0.05 / SEEDS as f64).sqrt()
}

/// The most: a far wider interval than it claims to be would cover nearly always.
fn coverage_ceiling() -> f64 {
    0.95 + 3.0 * (0.95f64 * 0.05 / SEEDS as f64).sqrt()
}

const MU: f64 = 10.0;
const SIGMA: f64 = 0.5;

/// A breach whose cost is lognormal(MU, SIGMA).
fn lognormal_breach() -> String {
    format!("[breach]\naffected_share = 1\n[[component]]\nname = \"c\"\nfixed = {{ dist = \"lognormal\", mu = {MU}, sigma = {SIGMA} }}\n")
}

/// The share of seeds whose interval (from `interval`) covers `truth`.
fn coverage(iterations: u64, truth: f64, interval: fn(&breachcost::stats::Summary) -> (f64, f64)) -> f64 {
    let model = lognormal_breach();
    let covered = (1..=SEEDS)
        .filter(|seed| {
            let results =
                engine_support::simulate("id,records\nx,1000\n", &model, Mode::Breach, iterations, *seed * 7919);
            let (low, high) = interval(engine_support::summary(&results, "x", "gross"));
            low <= truth && truth <= high
        })
        .count();
    covered as f64 / SEEDS as f64
}

#[test]
fn the_mean_confidence_interval_covers_the_closed_form_mean_about_95_percent_of_the_time() {
    let mean = engine_support::lognormal_moment(MU, SIGMA, 1.0);
    let c = coverage(4_000, mean, |s| (s.mean_ci_low, s.mean_ci_high));
    assert!(c >= coverage_floor() && c <= coverage_ceiling(), "coverage {c} of the mean {mean}");
}

#[test]
fn the_p99_confidence_interval_covers_the_exact_lognormal_quantile_about_95_percent_of_the_time() {
    let p99 = (MU + SIGMA * engine_support::normal_quantile(0.99)).exp();
    let c = coverage(10_000, p99, |s| (s.p99_ci_low, s.p99_ci_high));
    assert!(c >= coverage_floor() && c <= coverage_ceiling(), "coverage {c} of p99 {p99}");
}

const ASSUMPTIONS: &str = r#"
[frequency]
rate = 0.4

[breach]
affected_share = { dist = "beta", mean = 0.3, sd = 0.2 }

[[component]]
name = "response"
fixed = { dist = "lognormal", low = 5e4, high = 2e6 }
per_unit = { dist = "pert", min = 0.5, mode = 1, max = 3 }
"#;

const EXPOSURES: &str = "id,records\na,20000\nb,300000\nc,1000000\n";

/// Runs `simulate` into `dir/out` with the test inputs and `extra` flags.
fn simulate(dir: &std::path::Path, out: &str, extra: &[&str]) -> std::process::Output {
    let exposures = write(dir, "exposures.csv", EXPOSURES);
    let assumptions = write(dir, "assumptions.toml", ASSUMPTIONS);
    let out = dir.join(out);
    let mut args = vec![
        "simulate",
        "--exposures",
        s(&exposures),
        "--assumptions",
        s(&assumptions),
        "--out",
        s(&out),
        "--seed",
        "11",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// convergence.csv read back as (iterations, row) with numbers.
struct Trace {
    table: Table,
}

impl Trace {
    fn read(path: &std::path::Path) -> Trace {
        let table = Table::read(path);
        assert_eq!(
            table.header,
            [
                "iterations",
                "mean",
                "mean_ci_low",
                "mean_ci_high",
                "p99",
                "p99_ci_low",
                "p99_ci_high",
                "se_mean",
                "rel_error_mean",
                "rel_error_p99",
                "meets_target"
            ]
        );
        Trace { table }
    }

    fn num(&self, i: usize, column: &str) -> f64 {
        self.table.num(&self.table.rows[i], column)
    }

    fn len(&self) -> usize {
        self.table.rows.len()
    }

    /// The mean's standard error over the mean, from the CI columns alone.
    fn mean_error(&self, i: usize) -> f64 {
        (self.num(i, "mean_ci_high") - self.num(i, "mean")) / Z95 / self.num(i, "mean")
    }

    fn p99_error(&self, i: usize) -> f64 {
        (self.num(i, "p99_ci_high") - self.num(i, "p99_ci_low")) / 2.0 / self.num(i, "p99")
    }
}

#[test]
fn the_target_stops_at_the_first_batch_that_meets_it_and_reruns_identically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = 0.02;
    let flags = ["--target-rel-error", "0.02", "--batch", "1000", "--quiet"];
    let output = simulate(dir.path(), "one", &flags);
    assert_success(&output);
    let trace = Trace::read(&dir.path().join("one/convergence.csv"));
    let n = trace.len();
    assert!(n >= 3, "the target should take a few batches; took {n}");
    for i in 0..n {
        assert_eq!(trace.num(i, "iterations"), 1000.0 * (i + 1) as f64, "row {i}: batches of 1,000");
        assert!((trace.num(i, "rel_error_mean") - trace.mean_error(i)).abs() < 1e-9, "row {i}");
    }
    let last = n - 1;
    assert!(trace.mean_error(last) <= target * (1.0 + 1e-9), "the last batch meets the target");
    assert_eq!(trace.table.get(&trace.table.rows[last], "meets_target"), "true");
    assert!(trace.mean_error(last - 1) > target, "the batch before does not");
    for i in 0..last {
        assert_eq!(trace.table.get(&trace.table.rows[i], "meets_target"), "false", "row {i}");
    }

    // The reports are those of a plain run with that many iterations.
    let iterations = (n * 1000).to_string();
    assert_success(&simulate(dir.path(), "plain", &["--iterations", &iterations, "--quiet"]));
    for name in ["summary.csv", "components.csv", "exceedance.csv", "pricing.csv"] {
        let a = std::fs::read(dir.path().join("one").join(name)).expect("target run");
        let b = std::fs::read(dir.path().join("plain").join(name)).expect("plain run");
        assert!(a == b, "{name} differs from a run with --iterations {iterations}");
    }
    let run_json = read_text(&dir.path().join("one/run.json"));
    assert!(run_json.contains(&format!("\"iterations\": {iterations}")), "{run_json}");

    // The last row is the portfolio's summary: the same order statistics, the same mean.
    let summary = Table::read(&dir.path().join("one/summary.csv"));
    let portfolio = summary.row("PORTFOLIO", "gross");
    for column in ["p99", "p99_ci_low", "p99_ci_high"] {
        assert_eq!(trace.num(last, column), summary.num(portfolio, column), "{column}");
    }
    for column in ["mean", "mean_ci_low", "mean_ci_high"] {
        let (a, b) = (trace.num(last, column), summary.num(portfolio, column));
        assert!((a - b).abs() <= 1e-12 * b, "{column}: {a} vs {b}");
    }

    // Reruns, with other thread counts, are byte-identical.
    assert_success(&simulate(dir.path(), "two", &[&flags[..], &["--threads", "1"]].concat()));
    assert_success(&simulate(dir.path(), "three", &[&flags[..], &["--threads", "3"]].concat()));
    for other in ["two", "three"] {
        for name in ["convergence.csv", "summary.csv", "exceedance.csv"] {
            let a = std::fs::read(dir.path().join("one").join(name)).expect("first run");
            let b = std::fs::read(dir.path().join(other).join(name)).expect("rerun");
            assert!(a == b, "{name} differs in rerun {other}");
        }
    }

    // The chart and its place in the report.
    assert!(dir.path().join("one/charts/convergence.png").is_file());
    let svg = read_text(&dir.path().join("one/charts/convergence.svg"));
    assert!(svg.contains("Iterations simulated") && svg.trim_end().ends_with("</svg>"));
    let page = read_text(&dir.path().join("one/report.html"));
    assert!(page.contains("<figure id=\"convergence\">"), "report.html shows the convergence chart");
    let plain_page = read_text(&dir.path().join("plain/report.html"));
    assert!(!plain_page.contains("id=\"convergence\""), "and only when there is one");
    assert!(!dir.path().join("plain/convergence.csv").exists());
}

#[test]
fn the_quantile_target_also_requires_a_tight_p99() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = 0.05;
    let output = simulate(
        dir.path(),
        "q",
        &["--mode", "breach", "--target-rel-error", "0.05", "--target-quantile", "--batch", "500", "--no-charts"],
    );
    assert_success(&output);
    assert!(stdout(&output).contains("converged after"), "{}", describe(&output));
    let trace = Trace::read(&dir.path().join("q/convergence.csv"));
    let last = trace.len() - 1;
    assert!(trace.mean_error(last) <= target * (1.0 + 1e-9) && trace.p99_error(last) <= target * (1.0 + 1e-9));
    assert!(last >= 1);
    assert!(trace.mean_error(last - 1) > target || trace.p99_error(last - 1) > target);
    // The p99 was the harder part here: the mean alone would have stopped earlier.
    let mean_only = (0..trace.len()).find(|i| trace.mean_error(*i) <= target).expect("the mean meets it somewhere");
    assert!(mean_only < last, "mean met at row {mean_only}, both at {last}");
    // Breach mode follows the first exposure.
    let summary = Table::read(&dir.path().join("q/summary.csv"));
    assert_eq!(trace.num(last, "p99"), summary.num(summary.row("a", "gross"), "p99"));
}

#[test]
fn an_unmet_target_stops_at_max_iterations_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = simulate(
        dir.path(),
        "cap",
        &["--target-rel-error", "0.0001", "--batch", "1000", "--max-iterations", "2500", "--no-charts"],
    );
    assert_success(&output);
    assert!(stderr(&output).contains("warning: --target-rel-error 0.0001 not met"), "{}", describe(&output));
    let trace = Trace::read(&dir.path().join("cap/convergence.csv"));
    let iterations: Vec<f64> = (0..trace.len()).map(|i| trace.num(i, "iterations")).collect();
    assert_eq!(iterations, [1000.0, 2000.0, 2500.0]);
    assert_eq!(trace.table.get(&trace.table.rows[2], "meets_target"), "false");
}

#[test]
fn convergence_flags_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (flags, expected) in [
        (&["--target-quantile"][..], "--target-rel-error"),
        (&["--batch", "10"][..], "--target-rel-error"),
        (&["--target-rel-error", "0.01", "--iterations", "1000"][..], "--iterations"),
        (&["--target-rel-error", "0"][..], "--target-rel-error 0"),
        (&["--target-rel-error", "0.01", "--batch", "0"][..], "--batch 0"),
        (&["--target-rel-error", "0.01", "--max-iterations", "0"][..], "--max-iterations 0"),
    ] {
        let output = simulate(dir.path(), "bad", flags);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {}", describe(&output));
        assert!(stderr(&output).contains(expected), "{flags:?}: {}", stderr(&output));
        assert!(!dir.path().join("bad").exists(), "{flags:?} wrote reports");
    }
}
