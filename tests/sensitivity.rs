//! `breachcost sensitivity`: the tornado ranks what matters, constants and unused inputs move
//! nothing (common random numbers make that exact), the variance shares add up, and the
//! command writes its reports deterministically.

mod common;

use breachcost::analysis::sensitivity::{analyse, Row, Sensitivity};
use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use common::{assert_success, describe, read_text, run, s, stderr, stdout, write, Table};

/// One component (`big`) dwarfs the others; `small` has a constant per_unit and a 50%
/// occurrence; `unused` applies only to exposures holding SSNs, which none do.
const ASSUMPTIONS: &str = r#"
[frequency]
rate = 0.5

[breach]
affected_share = { dist = "uniform", min = 0.1, max = 0.9 }
data_types = ["email"]

[[component]]
name = "big"
fixed = { dist = "lognormal", mean = 1e6, sd = 5e5 }
per_unit = { dist = "uniform", min = 1, max = 3 }

[[component]]
name = "small"
probability = 0.5
fixed = { dist = "uniform", min = 1000, max = 2000 }
per_unit = 0.5

[[component]]
name = "unused"
probability = 0.5
fixed = { dist = "lognormal", mean = 1e7, sd = 1e7 }
data_types = ["ssn"]
"#;

const EXPOSURES: &str = "id,records\nsmall-co,10000\nlarge-co,50000\n";

fn model(exposures: &str, mode: Mode, iterations: u64) -> Model {
    let assumptions = Assumptions::parse(ASSUMPTIONS, "test.toml").expect("assumptions parse");
    let exposures = Exposures::from_csv_bytes(exposures.as_bytes(), "test.csv").expect("exposures parse");
    Model::build(&exposures, assumptions, RunSettings { mode, iterations, seed: 42 }).expect("model builds")
}

fn analysis(exposures: &str, mode: Mode, iterations: u64) -> Sensitivity {
    analyse(&model(exposures, mode, iterations), &|_| {}).expect("analysis runs")
}

fn row<'s>(s: &'s Sensitivity, input: &str) -> &'s Row {
    s.rows.iter().find(|r| r.input == input).unwrap_or_else(|| panic!("no input {input} in {:?}", names(s)))
}

fn names(s: &Sensitivity) -> Vec<&str> {
    s.rows.iter().map(|r| r.input.as_str()).collect()
}

#[test]
fn the_dominant_component_tops_the_tornado_of_a_breach() {
    let s = analysis("id,records\nonly,10000\n", Mode::Breach, 20_000);
    assert_eq!(s.target, "only");
    assert_eq!(s.rows[0].input, "big.fixed", "tornado order: {:?}", names(&s));
    // Held at its 10th and 90th percentiles, the lognormal moves the mean by about their gap.
    let top = &s.rows[0];
    assert!(top.low_value < 1e6 && top.high_value > 1e6);
    assert!((top.swing - (top.high_value - top.low_value)).abs() < 0.05 * top.swing, "{top:?}");
    // Sorted by swing, and the swing is |mean at high − mean at low|.
    for pair in s.rows.windows(2) {
        assert!(pair[0].swing >= pair[1].swing, "not sorted: {:?}", names(&s));
    }
    for r in &s.rows {
        assert_eq!(r.swing, (r.mean_at_high - r.mean_at_low).abs(), "{}", r.input);
    }
    // Breach mode has no breach count.
    assert!(s.rows.iter().all(|r| r.input != "frequency.count"));
    // The big component carries nearly all of the variance.
    let big = s.variance_shares.iter().find(|v| v.component == "big").expect("big has a share");
    assert!(big.variance_share > 0.9, "{:?}", s.variance_shares);
}

#[test]
fn a_constant_input_has_zero_swing() {
    for (exposures, mode) in [("id,records\nonly,10000\n", Mode::Breach), (EXPOSURES, Mode::Annual)] {
        let s = analysis(exposures, mode, 5_000);
        for input in ["small.per_unit", "small.unit_share", "big.unit_share", "big.occurrence", "unused.per_unit"] {
            let r = row(&s, input);
            assert_eq!(r.low_value, r.high_value, "{input} is constant");
            assert_eq!(r.swing, 0.0, "{input}");
            assert_eq!((r.mean_at_low, r.p99_at_low), (s.baseline.mean, s.baseline.p99), "{input}");
        }
    }
}

#[test]
fn an_input_the_portfolio_does_not_use_has_exactly_zero_swing() {
    // Common random numbers: holding an unused input changes no draw of the others, so the
    // runs reproduce the baseline to the last bit, although each is a separate simulation.
    for (exposures, mode) in [("id,records\nonly,10000\n", Mode::Breach), (EXPOSURES, Mode::Annual)] {
        let s = analysis(exposures, mode, 5_000);
        for input in ["unused.fixed", "unused.occurrence"] {
            let r = row(&s, input);
            assert_ne!(r.low_value, r.high_value, "{input} is uncertain, so both ends are simulated");
            assert_eq!(r.swing, 0.0, "{input}");
            for (mean, p99) in [(r.mean_at_low, r.p99_at_low), (r.mean_at_high, r.p99_at_high)] {
                assert_eq!(mean, s.baseline.mean, "{input} mean");
                assert_eq!(p99, s.baseline.p99, "{input} p99");
            }
        }
        let unused = s.variance_shares.iter().find(|v| v.component == "unused").expect("listed");
        assert_eq!((unused.mean, unused.variance_share), (0.0, 0.0));
    }
}

#[test]
fn switching_a_component_off_removes_exactly_its_cost() {
    // Common random numbers: with `small` held off, every other draw is unchanged, so the mean
    // falls by exactly small's mean (up to rounding), not by that plus noise.
    let s = analysis(EXPOSURES, Mode::Annual, 20_000);
    let r = row(&s, "small.occurrence");
    assert_eq!((r.low_value, r.high_value), (0.0, 1.0), "a 50% occurrence is held off, then on");
    let small = s.variance_shares.iter().find(|v| v.component == "small").expect("listed");
    let removed = s.baseline.mean - r.mean_at_low;
    assert!((removed - small.mean).abs() <= 1e-9 * s.baseline.mean, "removed {removed}, small's mean {}", small.mean);
    assert!(r.mean_at_high > s.baseline.mean);
}

#[test]
fn the_annual_tornado_holds_the_breach_count_and_ranks_the_big_component_first_among_components() {
    let s = analysis(EXPOSURES, Mode::Annual, 20_000);
    assert_eq!(s.target, "PORTFOLIO");
    // Two exposures at 0.5 breaches a year: the portfolio's count is Poisson(1), whose 10th
    // and 90th percentiles are 0 and 2.
    let count = row(&s, "frequency.count");
    assert_eq!((count.low_value, count.high_value), (0.0, 2.0));
    assert_eq!((count.mean_at_low, count.p99_at_low), (0.0, 0.0), "no breaches, no loss");
    // Rates scaled to expect 2 breaches a year double the baseline's mean of 1 breach a year.
    assert!((count.mean_at_high / s.baseline.mean - 2.0).abs() < 0.05, "{count:?} vs {}", s.baseline.mean);
    let components: Vec<&Row> = s.rows.iter().filter(|r| !r.input.starts_with("frequency.")).collect();
    assert_eq!(components[0].input, "big.fixed", "{:?}", names(&s));
    // Variance shares: Euler shares add up to 1.
    let total: f64 = s.variance_shares.iter().map(|v| v.variance_share).sum();
    assert!((total - 1.0).abs() < 1e-9, "shares sum to {total}");
    let mean_total: f64 = s.variance_shares.iter().map(|v| v.mean).sum();
    assert!((mean_total - s.baseline.mean).abs() <= 1e-9 * s.baseline.mean);
}

#[test]
fn breach_mode_needs_one_exposure() {
    let m = model(EXPOSURES, Mode::Breach, 100);
    let error = analyse(&m, &|_| {}).expect_err("two exposures in breach mode");
    assert_eq!(error.exit_code(), 2);
}

fn sensitivity(dir: &std::path::Path, out: &str, extra: &[&str]) -> std::process::Output {
    let exposures = write(dir, "exposures.csv", EXPOSURES);
    let assumptions = write(dir, "assumptions.toml", ASSUMPTIONS);
    let out = dir.join(out);
    let mut args = vec![
        "sensitivity",
        "--exposures",
        s(&exposures),
        "--assumptions",
        s(&assumptions),
        "--out",
        s(&out),
        "--iterations",
        "4000",
        "--seed",
        "7",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn the_command_writes_the_tornado_its_chart_and_the_variance_shares() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = sensitivity(dir.path(), "sens", &[]);
    assert_success(&output);
    let out = dir.path().join("sens");
    for file in [
        "sensitivity.csv",
        "variance_shares.csv",
        "baseline.csv",
        "run.json",
        "report.html",
        "charts/tornado.png",
        "charts/tornado.svg",
    ] {
        assert!(out.join(file).is_file(), "{file} missing; {}", describe(&output));
    }
    let table = Table::read(&out.join("sensitivity.csv"));
    assert_eq!(
        table.header,
        ["input", "low_value", "high_value", "mean_at_low", "mean_at_high", "p99_at_low", "p99_at_high", "swing"]
    );
    let swings: Vec<f64> = table.rows.iter().map(|r| table.num(r, "swing")).collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "sorted by swing: {swings:?}");
    for r in &table.rows {
        assert_eq!(table.num(r, "swing"), (table.num(r, "mean_at_high") - table.num(r, "mean_at_low")).abs());
    }
    // 3 components × (fixed, per_unit, unit_share, occurrence), affected share, count.
    assert_eq!(table.rows.len(), 14);
    let inputs: Vec<&str> = table.rows.iter().map(|r| r[0].as_str()).collect();
    for name in ["big.fixed", "small.per_unit", "unused.occurrence", "breach.affected_share", "frequency.count"] {
        assert!(inputs.contains(&name), "{name} missing from {inputs:?}");
    }
    let shares = Table::read(&out.join("variance_shares.csv"));
    assert_eq!(shares.header, ["component", "mean", "sd", "share_of_mean", "variance_share"]);
    let total: f64 = shares.rows.iter().map(|r| shares.num(r, "variance_share")).sum();
    assert!((total - 1.0).abs() < 1e-9);

    // The baseline is what `simulate` reports for the portfolio with the same iterations and seed.
    let baseline = Table::read(&out.join("baseline.csv"));
    let sim = dir.path().join("sim");
    assert_success(&run(&[
        "simulate",
        "--quiet",
        "--no-charts",
        "--exposures",
        s(&dir.path().join("exposures.csv")),
        "--assumptions",
        s(&dir.path().join("assumptions.toml")),
        "--out",
        s(&sim),
        "--iterations",
        "4000",
        "--seed",
        "7",
    ]));
    let summary = Table::read(&sim.join("summary.csv"));
    assert_eq!(baseline.header, summary.header);
    assert_eq!(&baseline.rows[0], summary.row("PORTFOLIO", "gross"));

    // The human summary answers both questions in one line.
    let text = stdout(&output);
    let line = text.lines().find(|l| l.contains("of the total swing")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("drives") && line.contains("p99 = $") && line.contains("(95% CI $"), "{line}");

    let page = read_text(&out.join("report.html"));
    assert!(page.contains("<figure id=\"tornado\">") && page.contains("big.fixed"));
    let svg = read_text(&out.join("charts/tornado.svg"));
    assert!(svg.contains("input at its 90th percentile") && svg.trim_end().ends_with("</svg>"));
}

#[test]
fn reruns_are_byte_identical_whatever_the_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_success(&sensitivity(dir.path(), "one", &["--quiet", "--threads", "1"]));
    assert_success(&sensitivity(dir.path(), "two", &["--quiet", "--threads", "3"]));
    // And into the same folder again (it is replaced).
    assert_success(&sensitivity(dir.path(), "two", &["--quiet", "--threads", "2"]));
    for name in ["sensitivity.csv", "variance_shares.csv", "baseline.csv"] {
        let a = std::fs::read(dir.path().join("one").join(name)).expect("first run");
        let b = std::fs::read(dir.path().join("two").join(name)).expect("second run");
        assert!(a == b, "{name} differs between runs");
    }
}

#[test]
fn breach_mode_analyses_the_exposure_named_by_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = sensitivity(dir.path(), "breach", &["--mode", "breach"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(stderr(&output).contains("--id"), "{}", stderr(&output));

    let output = sensitivity(dir.path(), "breach", &["--mode", "breach", "--id", "large-co", "--no-charts"]);
    assert_success(&output);
    let baseline = Table::read(&dir.path().join("breach/baseline.csv"));
    assert_eq!(baseline.rows[0][0], "large-co");
    let table = Table::read(&dir.path().join("breach/sensitivity.csv"));
    assert_eq!(table.rows[0][0], "big.fixed");
    assert!(!dir.path().join("breach/report.html").exists(), "--no-charts");

    let output = sensitivity(dir.path(), "breach", &["--id", "larg-co"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(stderr(&output).contains("did you mean \"large-co\""), "{}", stderr(&output));
}

#[test]
fn a_systemic_event_footprint_is_an_input_and_an_event_hitting_no_one_moves_nothing() {
    let events = r#"
[[systemic]]
name = "cloud"
annual_rate = 0.3
footprint = { dist = "uniform", min = 0.1, max = 0.9 }
affected_share = { dist = "uniform", min = 0.05, max = 0.5 }

[[systemic]]
name = "payroll-vendor"
annual_rate = 0.3
footprint = { dist = "uniform", min = 0.1, max = 0.9 }
match = { id = "nobody" }
"#;
    let assumptions = Assumptions::parse(&format!("{ASSUMPTIONS}{events}"), "test.toml").expect("parse");
    let exposures = Exposures::from_csv_bytes(EXPOSURES.as_bytes(), "test.csv").expect("exposures parse");
    let model = Model::build(&exposures, assumptions, RunSettings { mode: Mode::Annual, iterations: 10_000, seed: 3 })
        .expect("model builds");
    let s = analyse(&model, &|_| {}).expect("analysis runs");
    let footprint = row(&s, "systemic.cloud.footprint");
    assert!(footprint.low_value < footprint.high_value && footprint.mean_at_high > footprint.mean_at_low);
    let share = row(&s, "systemic.cloud.affected_share");
    assert!(share.mean_at_high > share.mean_at_low);
    let unused = row(&s, "systemic.payroll-vendor.footprint");
    assert_eq!((unused.swing, unused.mean_at_low, unused.mean_at_high), (0.0, s.baseline.mean, s.baseline.mean));
}
