//! Engine throughput on the shipped defaults: simulated breaches per second.
//!
//! `cargo bench --bench throughput` (release build). Prints, for 1 thread and for all
//! cores, the breach-mode throughput on the sample portfolio (every iteration is a breach
//! with all default components) and the wall time of the default annual run.

use std::time::Instant;

use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode, DEFAULT_ASSUMPTIONS, SAMPLE_PORTFOLIO};

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

fn main() {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let breach = model(Mode::Breach, 200_000);
    let annual = model(Mode::Annual, 100_000);
    for threads in [1, cores] {
        measure("breach mode, sample portfolio, 200k each", &breach, threads);
        measure("annual mode, sample portfolio, 100k years", &annual, threads);
    }
}
