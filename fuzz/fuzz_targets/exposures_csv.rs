//! Fuzzes the CSV exposures reader: any bytes that parse must build a model with the
//! default assumptions, simulate two years and render the CSV reports without panicking.
//!
//! `cargo +nightly fuzz run exposures_csv fuzz/corpus/exposures_csv fuzz/seeds/exposures_csv`
#![no_main]

use std::sync::OnceLock;

use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode, DEFAULT_ASSUMPTIONS};
use libfuzzer_sys::fuzz_target;

fn defaults() -> &'static Assumptions {
    static DEFAULTS: OnceLock<Assumptions> = OnceLock::new();
    DEFAULTS.get_or_init(|| match Assumptions::parse(DEFAULT_ASSUMPTIONS, "default.toml") {
        Ok(a) => a,
        Err(e) => panic!("the default assumptions must parse: {e}"),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(exposures) = Exposures::from_csv_bytes(data, "fuzz.csv") else { return };
    let settings = RunSettings { mode: Mode::Annual, iterations: 2, seed: 7 };
    if let Ok(model) = Model::build(&exposures, defaults().clone(), settings) {
        let results = breachcost::run::run(&model, &|_| {});
        let _ = breachcost::report::csv_reports(&model, &results, true);
    }
});
