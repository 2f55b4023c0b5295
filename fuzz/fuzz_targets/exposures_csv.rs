//! Fuzzes the CSV exposures reader: any bytes that parse must build a model with the
//! default assumptions, simulate two years and render the CSV reports without panicking.
//!
//! `cargo +nightly fuzz run exposures_csv fuzz/corpus/exposures_csv fuzz/seeds/exposures_csv`
#![no_main]

#[path = "../common.rs"]
mod common;

use breachcost::input::Exposures;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(exposures) = Exposures::from_csv_bytes(data, "fuzz.csv") else { return };
    common::run_on_defaults(&exposures);
});
