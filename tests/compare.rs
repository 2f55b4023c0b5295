//! `breachcost compare`: common random numbers (a configuration against itself differs by
//! exactly zero; a change moves only what it touches), paired differences against closed forms
//! with the paired standard error far below the unpaired one, the coverage of the intervals
//! over repeated seeds, agreement with `simulate`, and bad inputs.

mod common;
mod engine_support;

use breachcost::analysis::compare::{compare, Comparison, Configuration};
use breachcost::analysis::paired::STATISTICS;
use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use common::{assert_success, describe, entries, run, s, stderr, write, Table};
use engine_support::{assert_within, normal_cdf, normal_quantile, Z};

/// Breaches at `rate` a year costing a lognormal (median $10,000, σ 1) each; control `x`
/// makes them a fifth rarer, `half` halves every cost.
const MODEL: &str = r#"
[frequency]
rate = 0.6
[[component]]
name = "cost"
fixed = { dist = "lognormal", mu = 9.210340371976184, sigma = 1.0 }
[[control]]
name = "x"
frequency = { data_breach = 0.8 }
source = "test"
[[control]]
name = "half"
cost = { cost = 0.5 }
source = "test"
"#;
const MU: f64 = 9.210_340_371_976_184; // ln 10,000
const SIGMA: f64 = 1.0;

fn model(csv: &str, toml: &str, mode: Mode, iterations: u64, seed: u64) -> Model {
    let assumptions = Assumptions::parse(toml, "test.toml").expect("assumptions parse");
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "test.csv").expect("exposures parse");
    Model::build(&exposures, assumptions, RunSettings { mode, iterations, seed }).expect("model builds")
}

fn configuration(name: &str, model: Model) -> Configuration {
    Configuration { name: name.into(), changes: String::new(), model, cost: None, premium: None }
}

/// The baseline `csv` against each of `alternatives` (the same exposures with other rows).
fn comparison(csv: &str, alternatives: &[&str], mode: Mode, iterations: u64, seed: u64) -> Comparison {
    let base = configuration("base", model(csv, MODEL, mode, iterations, seed));
    let alts: Vec<Configuration> = alternatives
        .iter()
        .enumerate()
        .map(|(i, alt)| configuration(&format!("alt{i}"), model(alt, MODEL, mode, iterations, seed)))
        .collect();
    compare(&base, &alts, &|_| {})
}

#[test]
fn a_configuration_against_itself_differs_by_exactly_zero() {
    let csv = "id,records,controls,retention,limit\na,1000,,5000,50000\nb,1000,x,0,100000\n";
    let c = comparison(csv, &[csv], Mode::Annual, 20_000, 7);
    let alt = &c.alternatives[0];
    assert_eq!(alt.rows.len(), 3 * 3, "the portfolio and two exposures, three measures each");
    for row in &alt.rows {
        for d in &row.differences {
            assert_eq!(d.difference, 0.0, "{} {:?}", row.id, d);
            assert_eq!(d.baseline, d.alternative);
            assert!(d.se.is_none_or(|se| se == 0.0), "{} {:?}", row.id, d);
        }
    }
}

/// A control on one exposure changes nothing of the others, to the bit.
#[test]
fn a_change_moves_only_the_draws_it_touches() {
    let base = "id,records,controls\na,1000,\nb,1000,\nc,1000,\n";
    let alt = "id,records,controls\na,1000,\nb,1000,x;half\nc,1000,\n";
    let c = comparison(base, &[alt], Mode::Annual, 20_000, 11);
    for row in &c.alternatives[0].rows {
        let mean = &row.differences[0];
        match row.id.as_str() {
            // Nothing is retained without policy terms.
            "b" | "PORTFOLIO" if row.measure == 1 => assert_eq!(mean.difference, 0.0),
            "b" | "PORTFOLIO" => assert!(mean.difference < 0.0, "{} {mean:?}", row.id),
            _ => {
                for d in &row.differences {
                    assert_eq!(d.difference, 0.0, "{} {d:?}", row.id);
                    assert!(d.se.is_none_or(|se| se == 0.0), "{} {d:?}", row.id);
                    assert_eq!(d.baseline, d.alternative, "{} {d:?}", row.id);
                }
            }
        }
    }
}

/// A frequency multiplier m thins the breaches: the mean falls by (1 − m)λE[C], and since the
/// alternative's breaches are the baseline's less the prevented ones, the paired difference
/// is minus the prevented breaches' cost: var(d) = (1 − m)λE[C²] a year against
/// (1 + m)λE[C²] for two independent runs, a ratio of standard errors √((1 − m)/(1 + m)).
#[test]
fn a_frequency_multiplier_moves_the_mean_by_its_closed_form_with_a_small_paired_error() {
    let n = 200_000;
    let c = comparison("id,records,controls\na,1000,\n", &["id,records,controls\na,1000,x\n"], Mode::Annual, n, 3);
    let (m, rate) = (0.8, 0.6);
    let cost_mean = (MU + SIGMA * SIGMA / 2.0).exp();
    let mean = &c.alternatives[0].target(0).differences[0];
    let se = mean.se.expect("the mean has a paired se");
    let unpaired = mean.unpaired_se.expect("and an unpaired one");
    assert_within("mean difference", mean.difference, -(1.0 - m) * rate * cost_mean, se, Z);
    let ratio = ((1.0 - m) / (1.0 + m)).sqrt();
    assert!(se < 0.5 * unpaired, "paired se {se} should be far below the unpaired {unpaired}");
    // The ratio of two sample sds over 200,000 heavy-tailed years: within 15% of √(0.2/1.8).
    assert!((se / unpaired / ratio - 1.0).abs() < 0.15, "se ratio {} against {ratio}", se / unpaired);
    // The exact expected paired se from the closed form of E[C²].
    let second = (2.0 * MU + 2.0 * SIGMA * SIGMA).exp();
    let exact = ((1.0 - m) * rate * second / n as f64).sqrt();
    assert!((se / exact - 1.0).abs() < 0.15, "paired se {se} against {exact}");
}

/// Over repeated seeds the 95% intervals cover the true difference about 95% of the time:
/// the mean's (paired years, annual mode, frequency thinned) and the p99's and TVaR99's
/// (sectioning, breach mode with every cost halved: the true differences are minus half the
/// lognormal's p99 and TVaR99). 300 seeds: a binomial count's sd is 1.26%, the bounds ±4 sd.
#[test]
fn the_intervals_cover_the_true_difference_at_the_nominal_rate() {
    let seeds: u32 = 300;
    let cost_mean = (MU + SIGMA * SIGMA / 2.0).exp();
    let z99 = normal_quantile(0.99);
    let p99 = (MU + SIGMA * z99).exp();
    let tvar99 = cost_mean * normal_cdf(SIGMA - z99) / 0.01;
    let mut covered = [0u32; 3];
    for seed in 0..u64::from(seeds) {
        let annual =
            comparison("id,records\na,1000\n", &["id,records,controls\na,1000,x\n"], Mode::Annual, 4_000, seed);
        let (low, high) = annual.alternatives[0].target(0).differences[0].ci.expect("an interval");
        let truth = -0.2 * 0.6 * cost_mean;
        covered[0] += u32::from(low <= truth && truth <= high);
        let breach =
            comparison("id,records\na,1000\n", &["id,records,controls\na,1000,half\n"], Mode::Breach, 20_000, seed);
        let differences = &breach.alternatives[0].target(0).differences;
        for (k, (s, truth)) in [(2, -0.5 * p99), (3, -0.5 * tvar99)].into_iter().enumerate() {
            assert_eq!(STATISTICS[s].name(), ["p99", "tvar99"][k]);
            let (low, high) = differences[s].ci.expect("20,000 breaches give tail intervals");
            covered[k + 1] += u32::from(low <= truth && truth <= high);
        }
    }
    let sd = (0.95 * 0.05 / f64::from(seeds)).sqrt();
    for (what, count) in ["mean", "p99", "tvar99"].iter().zip(covered) {
        let rate = f64::from(count) / f64::from(seeds);
        assert!((rate - 0.95).abs() <= 4.0 * sd, "{what}: coverage {rate} over {seeds} seeds");
    }
}

/// A limit cut from 10M to 5M on breaches costing exactly 8M retains 3M more of each.
#[test]
fn a_lower_limit_retains_the_cut_layer() {
    let toml = "[frequency]\nrate = 0.3\n[[component]]\nname = \"c\"\nfixed = 8000000\n";
    let settings = RunSettings { mode: Mode::Annual, iterations: 50_000, seed: 5 };
    let build = |limit: &str| {
        let csv = format!("id,records,limit\na,1000,{limit}\n");
        let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "t.csv").expect("parse");
        Model::build(&exposures, Assumptions::parse(toml, "t.toml").expect("parse"), settings).expect("builds")
    };
    let c = compare(&configuration("10M", build("10000000")), &[configuration("5M", build("5000000"))], &|_| {});
    let retained = &c.alternatives[0].target(1).differences[0];
    assert_within("retained", retained.difference, 3e6 * 0.3, retained.se.expect("se"), Z);
    let gross = &c.alternatives[0].target(0).differences[0];
    assert_eq!((gross.difference, gross.se), (0.0, Some(0.0)), "the limit moves no gross cost");
    let premiums = (c.baseline.premium.expect("priced").0, c.alternatives[0].outcome.premium.expect("priced").0);
    assert!(premiums.1 < premiums.0, "a lower limit costs less: {premiums:?}");
}

/// The command: its files, its baseline figures are `simulate`'s, and its premium is the
/// technical premium `simulate` prices.
#[test]
fn the_command_writes_its_reports_and_agrees_with_simulate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("cmp");
    let sim = dir.path().join("sim");
    let o = run(&[
        "compare",
        "--iterations",
        "20000",
        "--alt",
        "name=MFA and backups,controls=+mfa;+offline_backups,cost=150K",
        "--alt",
        "limit=10M,premium=2.5M",
        "--out",
        s(&out),
        "--no-charts",
    ]);
    assert_success(&o);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("MFA and backups") && text.contains("standard error"), "{text}");
    assert_eq!(
        entries(&out),
        [".breachcost", "alternatives.csv", "compare.csv", "run.json"].iter().map(|s| s.to_string()).collect()
    );
    assert_success(&run(&["simulate", "--iterations", "20000", "--out", s(&sim), "--no-charts", "--quiet"]));
    let summary = Table::read(&sim.join("summary.csv"));
    let compared = Table::read(&out.join("compare.csv"));
    for measure in ["gross", "retained", "insured"] {
        let row = compared
            .rows
            .iter()
            .find(|r| r[1] == "PORTFOLIO" && r[2] == measure && r[3] == "mean")
            .expect("a portfolio mean row");
        assert_eq!(compared.get(row, "baseline"), summary.get(summary.row("PORTFOLIO", measure), "mean"), "{measure}");
    }
    let pricing = Table::read(&sim.join("pricing.csv"));
    let total = pricing.rows.iter().find(|r| r[0] == "PORTFOLIO").expect("a portfolio row");
    let alternatives = Table::read(&out.join("alternatives.csv"));
    assert_eq!(alternatives.rows.len(), 3);
    let base = &alternatives.rows[0];
    assert_eq!(alternatives.get(base, "premium"), pricing.get(total, "technical_premium"));
    assert_eq!(alternatives.get(base, "premium_source"), "technical");
    let limit = &alternatives.rows[2];
    assert_eq!((alternatives.num(limit, "premium"), alternatives.get(limit, "premium_source")), (2.5e6, "given"));
    let mfa = &alternatives.rows[1];
    let saving = alternatives.num(mfa, "gross_saving");
    assert!(saving > 0.0, "MFA and backups save: {saving}");
    assert!((alternatives.num(mfa, "return_on_cost") - saving / 150_000.0).abs() < 1e-9 * saving);
    let json = common::run_json(&out);
    assert_eq!(json["command"], "compare");
    assert_eq!(json["alternatives"][1]["premium"], 2.5e6);
}

#[test]
fn bad_alternatives_are_one_line_errors_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = write(dir.path(), "same.toml", breachcost::input::DEFAULT_ASSUMPTIONS);
    let other = write(dir.path(), "other.csv", "id,records\nsomeone,1000\n");
    let out = dir.path().join("out");
    for (alt, says) in [
        ("controls=+mfaa".to_string(), "no control is called \"mfaa\" (did you mean \"mfa\"?)"),
        ("limt=5M".to_string(), "unknown setting \"limt\" (did you mean \"limit\"?)"),
        (format!("assumptions={}", s(&copy)), "changes nothing"),
        ("name=nothing,cost=5K".to_string(), "changes nothing"),
        (format!("exposures={}", s(&other)), "mismatched exposures"),
        ("controls=+mfa,ids=nobody".to_string(), "no exposure \"nobody\""),
        ("limit=lots".to_string(), "limit=lots is not an amount"),
        // Amounts a year out of scale: a premium past a thousand trillion, a cost so small its
        // return overflows.
        ("premium=1e308,cost=1e308,limit=5M".to_string(), "premium=1e308 is not an amount from 0 to 1e15 a year"),
        ("controls=+mfa,cost=1e-320".to_string(), "its return on cost is inf"),
        ("controls=+mfa;-mfa".to_string(), "both adds and removes \"mfa\""),
    ] {
        let o = run(&["compare", "--iterations", "1000", "--alt", &alt, "--out", s(&out)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{alt}: {}", describe(&o));
        assert!(err.contains(says) && err.trim_end().lines().count() == 1, "{alt}: {err}");
        assert!(!out.exists(), "{alt}: nothing is written");
    }
    let o = run(&["compare", "--alt", "limit=5M", "--alt", "limit=5M", "--out", s(&out)]);
    assert!(stderr(&o).contains("is taken by another configuration"), "{}", describe(&o));
    let o = run(&["compare", "--baseline-name", " ", "--alt", "limit=5M", "--out", s(&out)]);
    assert!(stderr(&o).contains("--baseline-name: is empty"), "{}", describe(&o));
    let o = run(&["compare", "--mode", "breach", "--alt", "controls=+mfa", "--out", s(&out)]);
    assert!(stderr(&o).contains("choose one with --id"), "{}", describe(&o));
    assert!(!out.exists());
}

/// The README's example: its command, run as written, prints the table the README shows.
#[test]
fn the_readme_example_prints_what_the_readme_shows() {
    let readme = std::fs::read_to_string(common::manifest_path("README.md")).expect("README");
    let start = readme.find("cargo run --release -- compare").expect("the README runs compare");
    let command = &readme[start..readme[start..].find("\n```").map(|e| start + e).expect("block ends")];
    let shown_start = start + readme[start..].find("```\n```\n").expect("output follows") + 8;
    let shown = &readme[shown_start..shown_start + readme[shown_start..].find("```").expect("output ends")];
    // Split the command as a shell would (double quotes, line continuations).
    let (mut args, mut word, mut quoted) = (Vec::new(), String::new(), false);
    for c in command.replace("\\\n", " ").trim_start_matches("cargo run --release -- ").chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    args.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    args.push(word);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    args.extend(["--out".to_string(), s(&out).to_string(), "--no-charts".to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&refs);
    assert_success(&o);
    let printed = String::from_utf8_lossy(&o.stdout).to_string();
    for line in shown.lines() {
        assert!(
            printed.lines().any(|p| p.trim_end() == line.trim_end()),
            "README line not printed:\n{line}\n---\n{printed}"
        );
    }
}

/// In breach mode a saving is a breach's, not a year's: no return on an annual cost.
#[test]
fn breach_mode_sets_no_annual_cost_against_a_breach() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let case = common::manifest_path("assumptions/mr-cooper-2023.csv");
    let o = run(&[
        "compare",
        "--exposures",
        s(&case),
        "--mode",
        "breach",
        "--iterations",
        "5000",
        "--alt",
        "name=IR plan,controls=+ir_plan,cost=100K",
        "--out",
        s(&out),
        "--no-charts",
    ]);
    assert_success(&o);
    let printed = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        printed.contains("a breach") && printed.contains("pairing the breaches") && !printed.contains("per $1"),
        "{printed}"
    );
    let table = Table::read(&out.join("alternatives.csv"));
    let alt = &table.rows[1];
    assert_eq!((table.get(alt, "return_on_cost"), table.get(alt, "cost_of_risk")), ("", ""));
    assert!(table.num(alt, "gross_saving") > 0.0);
}
