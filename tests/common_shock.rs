//! The common frequency shock (`[frequency] common_shock_sd`): one gamma multiplier S of mean 1
//! and sd σ per year scales every exposure's rate. Each exposure keeps its mean count λ; the
//! counts of two exposures gain the covariance σ²·λᵢ·λⱼ, so the portfolio's yearly count has
//! variance Σλ + σ²(Σλ)² (Poisson), or Σ(λ + αλ²(1 + σ²)) + σ²(Σλ)² (negative binomial of
//! dispersion α, whose gamma-mixed rate is multiplied by S). Each breach costs exactly 1, so a
//! year's gross is its count. Tolerances are 5 standard errors of the sample statistic, each
//! estimated from the sample itself.

mod common;

use std::path::{Path, PathBuf};

use breachcost::engine::{simulate_exposures, Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use common::*;

const YEARS: u64 = 200_000;
const SD: f64 = 0.5;
/// Rates that take each way of drawing counts: arrivals (up to 4 a year), a Poisson table, and
/// rand_distr's Poisson sampler (above 30), before and after the block's largest multiplier.
const RATES: [f64; 5] = [0.05, 0.3, 1.0, 3.5, 40.0];

/// Every exposure's count in every year, with `frequency` as the `[frequency]` table.
fn yearly_counts(frequency: &str, seed: u64) -> Vec<Vec<f64>> {
    let mut csv = String::from("id,records,annual_rate\n");
    for (i, rate) in RATES.iter().enumerate() {
        csv.push_str(&format!("x{i},100,{rate}\n"));
    }
    let toml =
        format!("[frequency]\n{frequency}\n[breach]\naffected_share = 1\n[[component]]\nname = \"one\"\nfixed = 1\n");
    let assumptions = Assumptions::parse(&toml, "test.toml").expect("test assumptions parse");
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "test.csv").expect("test exposures parse");
    let settings = RunSettings { mode: Mode::Annual, iterations: YEARS, seed };
    let model = Model::build(&exposures, assumptions, settings).expect("model builds");
    simulate_exposures(&model, 0..RATES.len(), 0..YEARS, &|_| {})
        .iter()
        .map(|outcomes| {
            let mut counts = vec![0.0; YEARS as usize];
            for o in outcomes.outcomes() {
                counts[o.iteration as usize] = o.gross;
            }
            counts
        })
        .collect()
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// The sample covariance of `x` and `y` and its standard error (the sd of the products of
/// deviations over √n).
fn covariance(x: &[f64], y: &[f64]) -> (f64, f64) {
    let (mx, my) = (mean(x), mean(y));
    let products: Vec<f64> = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).collect();
    let n = products.len() as f64;
    let c = products.iter().sum::<f64>() / (n - 1.0);
    let spread = products.iter().map(|p| (p - c).powi(2)).sum::<f64>() / (n - 1.0);
    (c, (spread / n).sqrt())
}

/// Asserts `observed` is within 5 standard errors of `expected`.
fn assert_within(what: &str, observed: f64, expected: f64, se: f64) {
    assert!(
        (observed - expected).abs() <= 5.0 * se,
        "{what}: {observed} vs {expected} expected (5 standard errors: {})",
        5.0 * se
    );
}

/// Checks means, variances, covariances and the portfolio's variance against the closed forms
/// for dispersion `alpha` (0: Poisson).
fn check_moments(counts: &[Vec<f64>], alpha: f64) {
    let s2 = SD * SD;
    for (i, (x, rate)) in counts.iter().zip(RATES).enumerate() {
        let (variance, se) = covariance(x, x);
        assert_within(&format!("mean count of x{i}"), mean(x), rate, (variance / YEARS as f64).sqrt());
        let expected = rate + alpha * rate * rate * (1.0 + s2) + s2 * rate * rate;
        assert_within(&format!("variance of x{i}"), variance, expected, se);
        for (j, (y, other)) in counts.iter().zip(RATES).enumerate().skip(i + 1) {
            let (c, se) = covariance(x, y);
            assert_within(&format!("covariance of x{i} and x{j}"), c, s2 * rate * other, se);
        }
    }
    let portfolio: Vec<f64> = (0..YEARS as usize).map(|y| counts.iter().map(|x| x[y]).sum()).collect();
    let (variance, se) = covariance(&portfolio, &portfolio);
    let total: f64 = RATES.iter().sum();
    let own: f64 = RATES.iter().map(|r| r + alpha * r * r * (1.0 + s2)).sum();
    let expected = own + s2 * total * total;
    assert_within("portfolio variance", variance, expected, se);
    // Without the shock the variance would be `own`: far outside the tolerance.
    assert!(expected - own > 20.0 * se, "the test cannot tell the shock from none");
}

#[test]
fn with_poisson_counts_the_shock_keeps_each_mean_and_adds_sigma_squared_times_the_squared_total_rate() {
    check_moments(&yearly_counts(&format!("common_shock_sd = {SD}"), 21), 0.0);
}

#[test]
fn with_negative_binomial_counts_the_shock_multiplies_the_gamma_mixed_rate() {
    let alpha = 0.5;
    let frequency = format!("model = \"negative_binomial\"\ndispersion = {alpha}\ncommon_shock_sd = {SD}");
    check_moments(&yearly_counts(&frequency, 22), alpha);
}

/// Exposures and assumptions for the report-level tests: the shipped defaults with the shock
/// and a systemic event (which the shock leaves alone), and policies with terms.
fn inputs(dir: &Path, frequency: &str) -> (PathBuf, PathBuf) {
    let defaults = std::fs::read_to_string(manifest_path("assumptions/default.toml")).expect("defaults");
    let text = defaults.replacen("[frequency]\n", &format!("[frequency]\n{frequency}\n"), 1)
        + "\n[[systemic]]\nname = \"cloud\"\nannual_rate = 0.2\nfootprint = 0.4\n";
    let a = write(dir, "assumptions.toml", text);
    let e = write(
        dir,
        "exposures.csv",
        "id,records,annual_rate,retention,limit\nbank,2000000,0.4,250000,10000000\nclinic,40000,1.5,,\n\
         shop,150000,0.1,10000,1000000\n",
    );
    (e, a)
}

fn simulate(e: &Path, a: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["simulate", "--exposures", s(e), "--assumptions", s(a), "--iterations", "9000"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--quiet", "--no-charts", "--out", s(out)]);
    assert_success(&run(&args));
}

fn assert_same_csv(a: &Path, b: &Path, what: &str) {
    let (x, y) = (csv_files(a), csv_files(b));
    assert!(x.len() >= 4, "expected the CSV reports in {}", a.display());
    assert_eq!(x, y, "{what}: the CSV reports differ");
}

#[test]
fn with_the_shock_reports_are_byte_identical_for_one_or_two_threads_and_for_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (e, a) = inputs(d, "common_shock_sd = 0.6");
    simulate(&e, &a, &d.join("one"), &["--threads", "1"]);
    simulate(&e, &a, &d.join("two"), &["--threads", "2"]);
    assert_same_csv(&d.join("one"), &d.join("two"), "--threads 1 and 2");
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = d.join(format!("shard-{k}"));
        simulate(&e, &a, &out, &["--shard", &format!("{k}/3")]);
        shards.push(out);
    }
    let merged = d.join("merged");
    let mut args = vec!["merge", "--quiet", "--no-charts", "--out", s(&merged)];
    args.extend(shards.iter().map(|p| s(p)));
    assert_success(&run(&args));
    assert_same_csv(&d.join("one"), &merged, "3 shards merged and one run");
    // The shock does change the figures (else the above proves nothing about it).
    let (e0, a0) = inputs(&folder(d, "none"), "");
    simulate(&e0, &a0, &d.join("without"), &["--threads", "1"]);
    assert_ne!(csv_files(&d.join("one")), csv_files(&d.join("without")));
}

#[test]
fn a_zero_shock_gives_the_reports_of_none_and_breach_mode_ignores_the_shock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (e, zero) = inputs(&folder(d, "zero"), "common_shock_sd = 0");
    let (_, none) = inputs(&folder(d, "none"), "");
    let (_, shock) = inputs(&folder(d, "shock"), "common_shock_sd = 0.6");
    simulate(&e, &zero, &d.join("zero/out"), &[]);
    simulate(&e, &none, &d.join("none/out"), &[]);
    assert_same_csv(&d.join("zero/out"), &d.join("none/out"), "sd 0 and no shock");
    simulate(&e, &shock, &d.join("shock/breach"), &["--mode", "breach"]);
    simulate(&e, &none, &d.join("none/breach"), &["--mode", "breach"]);
    assert_same_csv(&d.join("shock/breach"), &d.join("none/breach"), "breach mode with and without the shock");
}

#[test]
fn validate_prints_the_shock_and_run_json_carries_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (e, a) = inputs(d, "common_shock_sd = 0.35");
    let output = run(&["validate", "--exposures", s(&e), "--assumptions", s(&a)]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("common frequency shock") && stdout(&output).contains("sd 0.35"),
        "{}",
        describe(&output)
    );
    let out = d.join("out");
    simulate(&e, &a, &out, &[]);
    assert_eq!(run_json(&out)["assumptions"]["frequency"]["common_shock_sd"].as_f64(), Some(0.35));
}

#[test]
fn a_negative_textual_too_large_or_misspelt_shock_is_a_one_line_input_error_naming_the_key() {
    let cases = [
        ("common_shock_sd = -0.1", "frequency.common_shock_sd"),
        ("common_shock_sd = \"0.3\"", "frequency.common_shock_sd"),
        ("common_shock_sd = 11", "frequency.common_shock_sd"),
        ("common_shock_sd = nan", "frequency.common_shock_sd"),
        ("common_shock = 0.3", "frequency.common_shock"),
    ];
    for (line, key) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let (e, a) = inputs(dir.path(), line);
        let out = dir.path().join("out");
        let output = run(&["simulate", "--exposures", s(&e), "--assumptions", s(&a), "--quiet", "--out", s(&out)]);
        assert_eq!(output.status.code(), Some(2), "{line}: {}", describe(&output));
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{line}: one line expected: {err}");
        assert!(err.starts_with("error: ") && err.contains("assumptions.toml") && err.contains(key), "{line}: {err}");
        assert!(!out.exists(), "{line}: nothing should be written");
    }
}

/// The folder `dir/name`, created (for the inputs of one of several runs in a test).
fn folder(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(&path).expect("the folder should be creatable");
    path
}
