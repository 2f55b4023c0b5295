//! What the exposures targets share: the default assumptions, parsed once, and the run every
//! parsed exposures file goes through (build a model, simulate two years, render the CSVs).

use std::sync::OnceLock;

use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode, DEFAULT_ASSUMPTIONS};

fn defaults() -> &'static Assumptions {
    static DEFAULTS: OnceLock<Assumptions> = OnceLock::new();
    DEFAULTS.get_or_init(|| match Assumptions::parse(DEFAULT_ASSUMPTIONS, "default.toml") {
        Ok(a) => a,
        Err(e) => panic!("the default assumptions must parse: {e}"),
    })
}

/// Builds a model of `exposures` on the defaults and, if it builds, simulates two years and
/// renders the CSV reports: nothing of it may panic.
pub fn run_on_defaults(exposures: &Exposures) {
    let settings = RunSettings { mode: Mode::Annual, iterations: 2, seed: 7 };
    if let Ok(model) = Model::build(exposures, defaults().clone(), settings) {
        let results = breachcost::run::run(&model, &|_| {});
        let _ = breachcost::report::csv_reports(&model, &results, true);
    }
}
