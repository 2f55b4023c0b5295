//! Policy terms: retention, limits, sublimits, share and aggregate limit, checked against
//! closed forms and as properties of every simulated iteration.

mod engine_support;

use breachcost::engine::{simulate_exposures, Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use engine_support::*;

const MU: f64 = 13.0;
const SIGMA: f64 = 1.2;

fn lognormal_assumptions(rate: f64) -> String {
    format!(
        "[frequency]\nrate = {rate}\n[breach]\naffected_share = 1\n[[component]]\nname = \"all\"\nfixed = {{ dist = \"lognormal\", mu = {MU}, sigma = {SIGMA} }}\n"
    )
}

#[test]
fn a_per_breach_layer_has_the_lognormal_limited_expected_value_difference_times_share_in_breach_mode() {
    let (retention, limit, share) = (250_000.0, 1_000_000.0, 0.6);
    let csv = format!("id,records,retention,limit,share\nx,1000,{retention},{limit},{share}\n");
    let n = 300_000;
    let results = simulate(&csv, &lognormal_assumptions(0.0), Mode::Breach, n, 101);
    let s = summary(&results, "x", "insured");
    let exact = share * (lognormal_lev(MU, SIGMA, retention + limit) - lognormal_lev(MU, SIGMA, retention));
    assert_within("insured mean", s.mean, exact, s.se_mean, Z);
    assert!(s.max <= share * limit);
}

#[test]
fn an_annual_layer_has_rate_times_the_limited_expected_value_difference_times_share() {
    let (rate, retention, limit, share) = (0.4, 100_000.0, 2_000_000.0, 0.5);
    let csv = format!("id,records,retention,limit,share\nx,1000,{retention},{limit},{share}\n");
    let n = 400_000;
    let results = simulate(&csv, &lognormal_assumptions(rate), Mode::Annual, n, 102);
    let s = summary(&results, "x", "insured");
    let exact = rate * share * (lognormal_lev(MU, SIGMA, retention + limit) - lognormal_lev(MU, SIGMA, retention));
    assert_within("insured annual mean", s.mean, exact, s.se_mean, Z);
    let gross = summary(&results, "x", "gross");
    assert_within("gross annual mean", gross.mean, rate * lognormal_moment(MU, SIGMA, 1.0), gross.se_mean, Z);
}

#[test]
fn the_insured_annual_loss_never_exceeds_share_times_the_aggregate_limit() {
    let csv = "id,records,retention,limit,aggregate_limit,share\nx,1000,0,1000000,1500000,0.8\n";
    let results = simulate(csv, &lognormal_assumptions(3.0), Mode::Annual, 50_000, 103);
    let s = summary(&results, "x", "insured");
    assert!(s.max <= 0.8 * 1_500_000.0, "max insured {} above share × aggregate", s.max);
    // With three breaches a year on average the aggregate binds often.
    assert!(s.p90 >= 0.8 * 1_500_000.0 * 0.999, "p90 {} should sit at the aggregate", s.p90);
}

fn outcomes(csv: &str, toml: &str, mode: Mode, iterations: u64, seed: u64) -> Vec<breachcost::engine::Outcome> {
    let assumptions = Assumptions::parse(toml, "test.toml").expect("assumptions parse");
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "test.csv").expect("exposures parse");
    let model = Model::build(&exposures, assumptions, RunSettings { mode, iterations, seed }).expect("model builds");
    simulate_exposures(&model, 0..1, 0..iterations, &|_| {}).remove(0).outcomes().collect()
}

/// A small deterministic generator of test terms (no external crate needed).
fn terms(i: u64) -> (f64, f64, f64, f64) {
    let h = |k: u64| {
        ((i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ k.wrapping_mul(0xbf58_476d_1ce4_e5b9)) >> 11) as f64
            / (1u64 << 53) as f64
    };
    let retention = (h(1) * 2e6).round();
    let limit = (1e5 + h(2) * 2e7).round();
    let aggregate = limit * (1.0 + 3.0 * h(3));
    let share = 0.1 + 0.9 * h(4);
    (retention, limit, aggregate, share)
}

#[test]
fn gross_equals_retained_plus_insured_in_every_iteration_for_random_terms() {
    let toml = lognormal_assumptions(1.5);
    for i in 0..20 {
        let (retention, limit, aggregate, share) = terms(i);
        let csv = format!(
            "id,records,retention,limit,aggregate_limit,share\nx,1000,{retention},{limit},{aggregate},{share}\n"
        );
        for o in outcomes(&csv, &toml, Mode::Annual, 5_000, 200 + i) {
            assert!(o.insured >= 0.0 && o.insured <= o.gross * (1.0 + 1e-12));
            assert!((o.retained() + o.insured - o.gross).abs() <= 1e-9 * o.gross.max(1.0), "{o:?}");
            assert!(o.insured <= share * aggregate * (1.0 + 1e-12));
        }
    }
}

#[test]
fn insured_loss_rises_with_the_limit_and_falls_with_the_retention_iteration_by_iteration() {
    let toml = lognormal_assumptions(1.0);
    let run = |retention: f64, limit: f64| {
        let csv = format!("id,records,retention,limit,aggregate_limit,share\nx,1000,{retention},{limit},8000000,0.7\n");
        outcomes(&csv, &toml, Mode::Annual, 20_000, 300)
    };
    let base = run(200_000.0, 1_000_000.0);
    let higher_limit = run(200_000.0, 3_000_000.0);
    let higher_retention = run(600_000.0, 1_000_000.0);
    // The same seed gives the same breaches, so the comparison holds year by year.
    for ((b, l), r) in base.iter().zip(&higher_limit).zip(&higher_retention) {
        assert_eq!((b.iteration, b.gross), (l.iteration, l.gross));
        assert!(l.insured >= b.insured, "higher limit lowered the insured loss: {l:?} vs {b:?}");
        assert!(r.insured <= b.insured, "higher retention raised the insured loss: {r:?} vs {b:?}");
    }
}

#[test]
fn increased_limit_factors_increase_with_the_limit_and_equal_the_insured_mean_at_the_policy_limit() {
    let csv = "id,records,retention,limit\nx,1000,100000,5000000\n";
    let results = simulate(csv, &lognormal_assumptions(0.8), Mode::Annual, 50_000, 400);
    let means = results.exposures[0].layers.mean[0];
    for pair in means.windows(2) {
        assert!(pair[1] >= pair[0], "layer means must increase: {means:?}");
    }
    assert!(means[6] > means[0]);
    // The 5M layer re-applied to the same breaches is exactly the policy's insured loss.
    let insured = results.exposures[0].measures.insured.summary.mean;
    assert!((means[2] - insured).abs() <= 1e-9 * insured, "{} vs {insured}", means[2]);
}

#[test]
fn a_sublimit_caps_only_its_component_and_uncovered_components_are_never_insured() {
    let toml = "[breach]\naffected_share = 1\n\
        [[component]]\nname = \"notification\"\nfixed = 100\n\
        [[component]]\nname = \"legal\"\nfixed = 50\n\
        [[component]]\nname = \"lost_business\"\nfixed = 70\ncovered = false\n\
        [policy]\nsublimits = { legal = 20 }\n";
    let csv = "id,records,sublimit_notification\ndefault_terms,10,\nrow_sublimit,10,30\n";
    let results = simulate(csv, toml, Mode::Breach, 5, 500);
    let gross = summary(&results, "default_terms", "gross");
    assert_eq!(gross.mean, 220.0);
    // notification 100 + legal capped at 20; lost business uninsured.
    assert_eq!(summary(&results, "default_terms", "insured").mean, 120.0);
    assert_eq!(summary(&results, "default_terms", "retained").mean, 100.0);
    // The row's column caps notification at 30; the legal sublimit still applies.
    assert_eq!(summary(&results, "row_sublimit", "insured").mean, 50.0);
}

#[test]
fn the_retention_is_shared_across_components_before_their_sublimits_and_the_limit_comes_last() {
    let toml = "[breach]\naffected_share = 1\n[[component]]\nname = \"a\"\nfixed = 1000\n[[component]]\nname = \"b\"\nfixed = 500\n[policy]\nsublimits = { a = 600 }\nretention = 300\nlimit = 700\nshare = 0.5\n";
    let results = simulate("id,records\nx,1\n", toml, Mode::Breach, 3, 501);
    // 1500 covered, 80% above the retention: a 800 capped at 600, b 400; limit 700; share 0.5.
    assert_eq!(summary(&results, "x", "insured").mean, 350.0);
    assert_eq!(summary(&results, "x", "retained").mean, 1500.0 - 350.0);
}
