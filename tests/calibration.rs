//! The shipped default assumptions reproduce the published anchors they were calibrated to
//! (see assumptions/README.md for the sources and the reconciliation).

use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode, DEFAULT_ASSUMPTIONS};
use breachcost::run::{run, ExposureResult, RunResults};

const SENSITIVE: &str = "name;ssn;address;bank_account;email";

/// One breach of exactly `n` records for each (n, data types), under the defaults.
fn breaches(cases: &[(u64, &str)]) -> RunResults {
    let assumptions = Assumptions::parse(DEFAULT_ASSUMPTIONS, "default.toml").expect("defaults parse");
    let mut csv = String::from("id,records,affected,data_types\n");
    for (i, (n, types)) in cases.iter().enumerate() {
        csv.push_str(&format!("case{i},{n},{n},{types}\n"));
    }
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "cases.csv").expect("cases parse");
    let settings = RunSettings { mode: Mode::Breach, iterations: 50_000, seed: 20231031 };
    run(&Model::build(&exposures, assumptions, settings).expect("model builds"), &|_| {})
}

fn jacobs(n: f64) -> f64 {
    (7.68 + 0.7584 * n.ln()).exp()
}

fn within_factor(what: &str, value: f64, anchor: f64, factor: f64) {
    assert!(
        value >= anchor / factor && value <= anchor * factor,
        "{what}: model {value:.0} vs published {anchor:.0} (allowed factor {factor})"
    );
}

#[test]
fn median_breach_cost_follows_the_jacobs_line_for_small_breaches() {
    for types in ["", SENSITIVE] {
        let results = breaches(&[(1_000, types), (10_000, types), (100_000, types)]);
        let median = |i: usize| results.exposures[i].measures.gross.summary.p50;
        within_factor("median at 1k records", median(0), jacobs(1e3), 2.0);
        within_factor("median at 10k records", median(1), jacobs(1e4), 1.5);
        within_factor("median at 100k records", median(2), jacobs(1e5), 1.5);
    }
}

#[test]
fn mean_cost_of_a_25k_record_breach_is_near_the_ibm_2024_average() {
    let results = breaches(&[(25_000, ""), (25_000, SENSITIVE)]);
    for e in &results.exposures {
        within_factor("mean at 25k records", e.measures.gross.summary.mean, 4.88e6, 1.5);
    }
}

#[test]
fn mega_breach_means_sit_in_the_ibm_mega_breach_bands() {
    let results = breaches(&[(1_000_000, ""), (1_000_000, SENSITIVE), (50_000_000, SENSITIVE)]);
    within_factor("mean at 1M records, contact data", results.exposures[0].measures.gross.summary.mean, 40e6, 1.5);
    within_factor("mean at 1M records, SSN and bank", results.exposures[1].measures.gross.summary.mean, 40e6, 1.5);
    within_factor("mean at 50M records, SSN and bank", results.exposures[2].measures.gross.summary.mean, 350e6, 1.5);
}

#[test]
fn large_breaches_cost_between_one_and_sixteen_dollars_per_record_at_the_median() {
    let sizes = [10_000_000u64, 50_000_000, 150_000_000];
    let cases: Vec<(u64, &str)> = sizes.iter().flat_map(|n| [(*n, ""), (*n, SENSITIVE)]).collect();
    let results = breaches(&cases);
    for ((n, _), e) in cases.iter().zip(&results.exposures) {
        let per_record = e.measures.gross.summary.p50 / *n as f64;
        assert!((1.0..=16.0).contains(&per_record), "{n} records: ${per_record:.2} per record at the median");
    }
}

#[test]
fn the_mr_cooper_quarter_figure_is_a_plausible_partial_cost() {
    // $25M of breach-related expenses in the quarter of the incident, before litigation:
    // below the model's median for the total, but not beyond its lower tail.
    let results = breaches(&[(14_690_000, "name;ssn;address;loan;bank_account;email")]);
    let s = &results.exposures[0].measures.gross.summary;
    assert!(s.p50 > 25e6, "median {} should exceed the one-quarter figure", s.p50);
    let histogram =
        results.exposures[0].gross_histogram.as_ref().expect("the library computes histograms unless told not to");
    let below: u64 = histogram.zeros
        + histogram
            .counts
            .iter()
            .enumerate()
            .filter(|(i, _)| breachcost::stats::LogHistogram::bin_start(i + 1) <= 25e6)
            .map(|(_, c)| c)
            .sum::<u64>();
    let share_below = below as f64 / histogram.iterations as f64;
    assert!(share_below >= 0.01, "only {share_below:.4} of breaches cost under $25M");
}

fn component_mean(e: &ExposureResult, names: &[&str]) -> f64 {
    e.components.iter().filter(|c| names.contains(&c.name.as_str())).map(|c| c.mean).sum()
}

#[test]
fn component_shares_are_broadly_like_ibm_buckets() {
    let results = breaches(&[(25_000, "")]);
    let e = &results.exposures[0];
    let detection = component_mean(e, &["investigation"]);
    let notification = component_mean(e, &["notification"]);
    let post_breach = component_mean(
        e,
        &[
            "legal_defense",
            "class_action",
            "class_action_contact_data",
            "regulatory_fines",
            "credit_monitoring",
            "call_center",
            "public_relations",
        ],
    );
    let lost_business = component_mean(e, &["lost_business"]);
    // IBM 2024: notification is the smallest of the four buckets; detection & escalation and
    // lost business the largest.
    assert!(notification < post_breach && notification < detection && notification < lost_business);
    assert!(detection > post_breach && lost_business > post_breach);
}
