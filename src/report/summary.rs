//! `summary.csv`: one row per exposure and measure, then the portfolio (annual mode).

use super::csv::Csv;
use super::format::num;
use crate::run::{Measures, RunResults};
use crate::stats::Summary;

/// `summary.csv`'s columns: the row's id and measure, then the statistics.
pub fn header() -> Vec<&'static str> {
    ["id", "measure"].into_iter().chain(Summary::COLUMNS).collect()
}

pub fn render(results: &RunResults) -> Vec<u8> {
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let lines = 3 * (results.exposures.len() + 2);
    let mut csv = Csv::with_capacity(&header(), Csv::room(lines, 3 * ids, Summary::COLUMNS.len()));
    let mut rows = |id: &str, measures: &Measures| {
        for (name, m) in measures.iter() {
            let s = &m.summary;
            let mut cells = vec![id.to_string(), name.to_string()];
            cells.extend(s.columns().into_iter().map(num));
            csv.row(cells);
        }
    };
    for e in &results.exposures {
        rows(&e.id, &e.measures);
    }
    if let Some(p) = &results.portfolio {
        rows(super::PORTFOLIO_ID, p);
    }
    if let Some(p) = &results.portfolio_independent {
        rows(super::PORTFOLIO_EXCL_SYSTEMIC_ID, p);
    }
    if let Some(r) = &results.reinsurance {
        // What the portfolio's treaties take of its insured loss, and what it keeps.
        for (name, m) in [("ceded", &r.ceded), ("net", &r.net)] {
            let mut cells = vec![super::PORTFOLIO_ID.to_string(), name.to_string()];
            cells.extend(m.summary.columns().into_iter().map(num));
            csv.row(cells);
        }
    }
    csv.into_bytes()
}
