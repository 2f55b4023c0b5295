//! `components.csv`: gross statistics per exposure and component.

use super::csv::Csv;
use super::format::num;
use crate::run::RunResults;

pub const HEADER: [&str; 9] = ["id", "component", "mean", "sd", "p50", "p95", "p99", "share_of_mean", "prob_nonzero"];

pub fn render(results: &RunResults) -> Vec<u8> {
    let rows: usize = results.exposures.iter().map(|e| e.components.len()).sum();
    let names: usize =
        results.exposures.iter().flat_map(|e| e.components.iter().map(|c| e.id.len() + c.name.len())).sum();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, names, HEADER.len() - 2));
    for e in &results.exposures {
        for c in &e.components {
            let mut cells = vec![e.id.clone(), c.name.clone()];
            cells.extend([c.mean, c.sd, c.p50, c.p95, c.p99, c.share_of_mean, c.prob_nonzero].into_iter().map(num));
            csv.row(cells);
        }
    }
    csv.into_bytes()
}
