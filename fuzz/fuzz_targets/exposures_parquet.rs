//! Fuzzes the Parquet exposures reader (the path `breachcost` takes for `.parquet`/`.pq`
//! files): any bytes that parse must build a model with the default assumptions, simulate
//! two years and render the CSV reports without panicking.
//!
//! The reader catches panics of the Parquet decoder and turns them into input errors, as
//! the binary does. libfuzzer-sys's panic hook aborts on every panic, caught or not, so
//! this target installs a quiet hook instead: a panic that escapes the reader still aborts
//! (fuzz_target! aborts on any panic that reaches it), a caught one is what the binary does.
//!
//! `cargo +nightly fuzz run exposures_parquet fuzz/corpus/exposures_parquet fuzz/seeds/exposures_parquet`
#![no_main]

use std::sync::Once;

#[path = "../common.rs"]
mod common;

use breachcost::input::Exposures;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let Ok(exposures) = Exposures::from_parquet_bytes(data.to_vec(), "fuzz.parquet") else { return };
    common::run_on_defaults(&exposures);
});
