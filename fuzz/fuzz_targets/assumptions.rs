//! Fuzzes the assumptions parser: any text that parses must also build a model against a
//! small fixed exposures table (so the checks that need both are fuzzed too), simulate a
//! few iterations in both modes and render the CSV reports, without panicking.
//!
//! `cargo +nightly fuzz run assumptions fuzz/corpus/assumptions fuzz/seeds/assumptions`
#![no_main]

use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use libfuzzer_sys::fuzz_target;

/// Three exposures that together reach every kind of term: default and explicit policy
/// terms, data types that switch components on and off, a known affected count, and
/// `industry`/`vendor` columns for systemic `match` tables.
const EXPOSURES: &str =
    "id,records,industry,vendor,data_types,affected,annual_rate,retention,limit,aggregate_limit,share\n\
small,1000,retail,acme,,,,,,,\n\
ssn,2000000,healthcare,acme,name;ssn;health;bank_account,,0.5,10000,1000000,2000000,0.8\n\
known,50000,education,other,email,20000,2,,,,\n";

fuzz_target!(|data: &[u8]| {
    // As `breachcost` reads an assumptions file: UTF-8, an optional BOM.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok(assumptions) = Assumptions::parse(text, "fuzz.toml") else { return };
    let exposures = match Exposures::from_csv_bytes(EXPOSURES.as_bytes(), "fixed.csv") {
        Ok(e) => e,
        Err(e) => panic!("the fixed exposures must parse: {e}"),
    };
    for mode in [Mode::Breach, Mode::Annual] {
        let settings = RunSettings { mode, iterations: 3, seed: 7 };
        if let Ok(model) = Model::build(&exposures, assumptions.clone(), settings) {
            let results = breachcost::run::run(&model, &|_| {});
            let _ = breachcost::report::csv_reports(&model, &results, mode == Mode::Annual);
        }
    }
});
