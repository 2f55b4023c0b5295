//! `convergence.csv`: the estimate after each batch of a `--target-rel-error` run.

use super::csv::Csv;
use super::format::num;
use crate::analysis::convergence::Convergence;

pub const HEADER: [&str; 11] = [
    "iterations",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "p99",
    "p99_ci_low",
    "p99_ci_high",
    "se_mean",
    "rel_error_mean",
    "rel_error_p99",
    "meets_target",
];

pub fn render(c: &Convergence) -> Vec<u8> {
    let mut csv = Csv::new(&HEADER);
    for r in &c.rows {
        let mut cells = vec![r.iterations.to_string()];
        cells.extend(
            [
                r.mean,
                r.mean_ci_low,
                r.mean_ci_high,
                r.p99,
                r.p99_ci_low,
                r.p99_ci_high,
                r.se_mean,
                r.rel_error_mean,
                r.rel_error_p99,
            ]
            .into_iter()
            .map(num),
        );
        cells.push(r.meets_target.to_string());
        csv.row(cells);
    }
    csv.into_bytes()
}
