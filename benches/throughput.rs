//! Engine throughput on the shipped defaults: simulated breaches per second.
//!
//! `cargo bench --bench throughput` (release build). Prints, for 1 thread and for all
//! cores, the breach-mode throughput on the sample portfolio (every iteration is a breach
//! with all default components) and the wall time of the default annual run; then the engine
//! alone (no statistics) on W1's model (docs/performance.md), per year with a breach, and
//! W1's statistics alone (the distribution of its annual losses and their summary, one thread).

use std::time::Instant;

use breachcost::engine::{simulate_exposures, Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode, DEFAULT_ASSUMPTIONS, SAMPLE_PORTFOLIO};
use breachcost::stats::{LossDistribution, Segment, Summary};

fn model(mode: Mode, iterations: u64) -> Model {
    let assumptions = Assumptions::parse(DEFAULT_ASSUMPTIONS, "default.toml").expect("defaults parse");
    let exposures = Exposures::from_csv_bytes(SAMPLE_PORTFOLIO.as_bytes(), "sample.csv").expect("sample parses");
    Model::build(&exposures, assumptions, RunSettings { mode, iterations, seed: 1 }).expect("model builds")
}

fn measure(label: &str, model: &Model, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    let started = Instant::now();
    let results = pool.install(|| breachcost::run::run(model, &|_| {}));
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{label:<44} threads {threads}: {:>10} breaches in {seconds:>6.2} s = {:>5.2} million breaches/s",
        results.simulated_breaches,
        results.simulated_breaches as f64 / seconds / 1e6
    );
}

/// W1 (one exposure, Poisson 0.3, one lognormal cost), the engine alone: the best of three
/// runs of 10 million years, in nanoseconds per stored year (a year with a breach).
fn engine_w1(threads: usize) -> Vec<Segment> {
    let assumptions = Assumptions::parse(
        "[breach]\naffected_share = 1\n[[component]]\nname = \"fixed\"\nfixed = { dist = \"lognormal\", low = 1e5, high = 1e7 }\n",
        "w1.toml",
    )
    .expect("W1 assumptions parse");
    let exposures = Exposures::from_csv_bytes(b"id,records,annual_rate\nw1,1000,0.3\n", "w1.csv").expect("W1 parses");
    let years = 10_000_000;
    let settings = RunSettings { mode: Mode::Annual, iterations: years, seed: 20231031 };
    let model = Model::build(&exposures, assumptions, settings).expect("model builds");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    let mut best = f64::INFINITY;
    let mut stored = 0;
    let mut gross = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut outcomes = pool.install(|| simulate_exposures(&model, 0..1, 0..years, &|_| {}));
        best = best.min(started.elapsed().as_secs_f64());
        stored = outcomes[0].len();
        gross = outcomes[0].take_gross_columns().0;
    }
    println!(
        "engine alone, W1, 10M years                  threads {threads}: {stored} years with a breach in {best:.3} s = {:.1} ns each",
        best * 1e9 / stored as f64
    );
    gross
}

/// W1's statistics alone: the distribution of its annual losses (from the engine's columns)
/// and its summary row, one thread, the best of three, in nanoseconds per stored value.
fn statistics_w1(gross: &[Segment]) {
    let stored: usize = gross.iter().map(|s| s.values.len()).sum();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let columns = gross.to_vec();
        let started = Instant::now();
        let summary = Summary::of(&LossDistribution::from_pieces(columns, 10_000_000));
        best = best.min(started.elapsed().as_secs_f64());
        assert!(summary.mean > 0.0);
    }
    println!(
        "statistics alone, W1 annual losses           threads 1: {stored} values in {best:.4} s = {:.1} ns each",
        best * 1e9 / stored as f64
    );
}

fn main() {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let breach = model(Mode::Breach, 200_000);
    let annual = model(Mode::Annual, 100_000);
    for threads in [1, cores] {
        measure("breach mode, sample portfolio, 200k each", &breach, threads);
        measure("annual mode, sample portfolio, 100k years", &annual, threads);
    }
    let mut gross = Vec::new();
    for threads in [1, cores] {
        gross = engine_w1(threads);
    }
    statistics_w1(&gross);
}
