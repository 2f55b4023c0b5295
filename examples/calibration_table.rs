//! Prints the calibration table of the built-in default assumptions: the cost of one breach
//! (breach mode, affected records given exactly) at several sizes, for the default data types
//! and for a breach with SSNs and bank details, next to the published figures.
//!
//! `cargo run --release --example calibration_table`

use breachcost::engine::{Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode, DEFAULT_ASSUMPTIONS};
use breachcost::report::format::money;

const SIZES: [f64; 9] = [1e3, 1e4, 2.5e4, 1e5, 1e6, 1e7, 1.469e7, 5e7, 1e8];

/// The published figure for a breach of `n` records, where there is one.
fn published(n: f64) -> String {
    let jacobs = (7.68 + 0.7584 * n.ln()).exp();
    match n as u64 {
        1_000 | 10_000 | 100_000 => format!("median {} (Jacobs 2014)", money(jacobs)),
        25_000 => "mean $4.88M (IBM 2024 average)".to_string(),
        1_000_000 => "mean ~$40M (IBM 2018 mega breach)".to_string(),
        14_690_000 => "$25M in one quarter (Mr. Cooper 2023, partial)".to_string(),
        50_000_000 => "mean ~$350M (IBM 2018 mega breach)".to_string(),
        _ => "$1–$16 per record (large real breaches)".to_string(),
    }
}

fn main() {
    let assumptions = Assumptions::parse(DEFAULT_ASSUMPTIONS, "default.toml").expect("defaults parse");
    let mut csv = String::from("id,records,affected,data_types\n");
    for (mix, types) in [("default", ""), ("ssn_bank", "name;ssn;address;bank_account;email")] {
        for n in SIZES {
            csv.push_str(&format!("{mix}-{n},{n},{n},{types}\n", n = n as u64));
        }
    }
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "sizes.csv").expect("sizes parse");
    let settings = RunSettings { mode: Mode::Breach, iterations: 100_000, seed: 20231031 };
    let model = Model::build(&exposures, assumptions, settings).expect("model builds");
    let results = breachcost::run::run(&model, &|_| {});
    println!("| records | data | median | mean | p5 – p95 | median per record | published |");
    println!("|---:|---|---:|---:|---:|---:|---|");
    for (e, ex) in results.exposures.iter().zip(&exposures.rows) {
        let s = &e.measures.gross.summary;
        let n = ex.records.unwrap_or_default() as f64;
        let (p5, p95) = {
            let h = e.gross_histogram.as_ref().expect("the library computes histograms unless told not to");
            let total = h.iterations as f64;
            let mut cumulative = h.zeros as f64;
            let mut p5 = 0.0;
            for (i, c) in h.counts.iter().enumerate() {
                cumulative += *c as f64;
                if cumulative / total >= 0.05 {
                    p5 = breachcost::stats::LogHistogram::bin_start(i);
                    break;
                }
            }
            (p5, s.p95)
        };
        println!(
            "| {} | {} | {} | {} | ~{} – {} | ${:.2} | {} |",
            ex.records.unwrap_or_default(),
            if ex.id.starts_with("default") { "name, address, email" } else { "+ SSN, bank" },
            money(s.p50),
            money(s.mean),
            money(p5),
            money(p95),
            s.p50 / n,
            published(n)
        );
    }
}
