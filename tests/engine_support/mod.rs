//! Runs the library directly on inline inputs, for tests of the statistics.
#![allow(dead_code)]

use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use breachcost::run::{run, RunResults};

/// Simulates `exposures_csv` under `assumptions_toml`.
pub fn simulate(exposures_csv: &str, assumptions_toml: &str, mode: Mode, iterations: u64, seed: u64) -> RunResults {
    let assumptions = Assumptions::parse(assumptions_toml, "test.toml").expect("test assumptions parse");
    let exposures = Exposures::from_csv_bytes(exposures_csv.as_bytes(), "test.csv").expect("test exposures parse");
    let model = Model::build(&exposures, assumptions, RunSettings { mode, iterations, seed }).expect("model builds");
    run(&model, &|_| {})
}

/// E[X^k] of a lognormal(mu, sigma).
pub fn lognormal_moment(mu: f64, sigma: f64, k: f64) -> f64 {
    (k * mu + k * k * sigma * sigma / 2.0).exp()
}

pub fn normal_cdf(x: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0).map(|n| n.cdf(x)).unwrap_or(f64::NAN)
}

pub fn normal_quantile(p: f64) -> f64 {
    breachcost::input::dist::normal_quantile(p)
}

/// Lognormal limited expected value E[min(X, d)].
pub fn lognormal_lev(mu: f64, sigma: f64, d: f64) -> f64 {
    if d.is_infinite() {
        return lognormal_moment(mu, sigma, 1.0);
    }
    lognormal_moment(mu, sigma, 1.0) * normal_cdf((d.ln() - mu - sigma * sigma) / sigma)
        + d * (1.0 - normal_cdf((d.ln() - mu) / sigma))
}

/// Standard error of the sample p-quantile, for a density `density_at_quantile`.
pub fn quantile_se(p: f64, n: u64, density_at_quantile: f64) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt() / density_at_quantile
}

/// Asserts |estimate − exact| ≤ z × se, with a message naming what was checked.
pub fn assert_within(what: &str, estimate: f64, exact: f64, se: f64, z: f64) {
    assert!(
        (estimate - exact).abs() <= z * se,
        "{what}: estimate {estimate} vs exact {exact}: off by {:.2} standard errors (se {se})",
        (estimate - exact) / se
    );
}

/// The summary of one exposure's measure.
pub fn summary<'r>(results: &'r RunResults, id: &str, measure: &str) -> &'r breachcost::stats::Summary {
    let exposure = results.exposures.iter().find(|e| e.id == id).expect("exposure present");
    let m = match measure {
        "gross" => &exposure.measures.gross,
        "retained" => &exposure.measures.retained,
        _ => &exposure.measures.insured,
    };
    &m.summary
}

/// Tolerance in standard errors: deviations beyond 4.5 se happen with probability < 1e-5.
pub const Z: f64 = 4.5;

/// Component `name`'s figures for exposure `id` (`None` where it does not apply to it).
pub fn component<'r>(results: &'r RunResults, id: &str, name: &str) -> Option<&'r breachcost::run::ComponentResult> {
    let exposure = results.exposures.iter().find(|e| e.id == id)?;
    exposure.components.iter().find(|c| c.name == name)
}

/// Simulates `exposures_csv` in breach mode with every iteration one incident of the type
/// called `incident` (`--incident`).
pub fn simulate_incident(
    exposures_csv: &str,
    assumptions_toml: &str,
    incident: &str,
    iterations: u64,
    seed: u64,
) -> RunResults {
    let assumptions = Assumptions::parse(assumptions_toml, "test.toml").expect("test assumptions parse");
    let focus = breachcost::input::incidents::index_of("test.toml", "incident", incident, &assumptions.incidents)
        .expect("a known incident type");
    let exposures = Exposures::from_csv_bytes(exposures_csv.as_bytes(), "test.csv").expect("test exposures parse");
    let settings = RunSettings { mode: Mode::Breach, iterations, seed };
    let mut model = Model::build(&exposures, assumptions, settings).expect("model builds");
    model.focus = focus;
    run(&model, &|_| {})
}

/// Incident type `name`'s figures for exposure `id` (annual rate, statistics of its annual cost).
pub fn incident<'r>(results: &'r RunResults, id: &str, name: &str) -> &'r (f64, breachcost::run::ComponentResult) {
    let exposure = results.exposures.iter().find(|e| e.id == id).expect("exposure present");
    exposure.incidents.iter().find(|(_, c)| c.name == name).expect("incident type present")
}
