//! `sections.csv`: each exposure's annual insured loss by coverage section (written where the
//! assumptions have `[[section]]` tables), then, in annual mode, the portfolio's from the
//! year-by-year sums ([`RunResults::portfolio_sections`]). A year's insured loss is shared
//! across the sections in proportion to what was paid under each, so the sections' means add
//! up to the insured mean.

use super::csv::Csv;
use super::format::num;
use super::PORTFOLIO_ID;
use crate::engine::Model;
use crate::run::{ComponentResult, RunResults};

pub const HEADER: [&str; 10] =
    ["id", "section", "code", "mean", "sd", "p50", "p95", "p99", "share_of_mean", "prob_nonzero"];

/// The table, or `None` where the assumptions have no sections.
pub fn render(model: &Model, results: &RunResults) -> Option<Vec<u8>> {
    let sections = &model.assumptions.sections;
    if sections.is_empty() {
        return None;
    }
    let rows = (results.exposures.len() + 1) * sections.len();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, rows * 24, HEADER.len() - 3));
    let portfolio = (PORTFOLIO_ID, &results.portfolio_sections);
    for (id, figures) in results.exposures.iter().map(|e| (e.id.as_str(), &e.sections)).chain([portfolio]) {
        for (section, c) in sections.iter().zip(figures) {
            csv.row(row(id, section.code.as_deref().unwrap_or(""), c));
        }
    }
    Some(csv.into_bytes())
}

fn row(id: &str, code: &str, c: &ComponentResult) -> Vec<String> {
    let mut cells = vec![id.to_string(), c.name.clone(), code.to_string()];
    cells.extend([c.mean, c.sd, c.p50, c.p95, c.p99, c.share_of_mean, c.prob_nonzero].map(num));
    cells
}
