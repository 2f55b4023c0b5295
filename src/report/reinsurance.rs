//! `reinsurance.csv` (annual mode, with `[[treaty]]` tables): each treaty's annual recoveries,
//! in the order they apply, its premium where given, the reinstatement premiums it is expected
//! to cost, and what it costs the insurer over its expected recovery; then the totals, with the capital the treaties spare (the portfolio's
//! capital on its insured loss less that on its net loss, by `[pricing] capital_measure`), what
//! that relief is worth a year at the cost of capital, and the cost of the reinsurance net of it.

use super::csv::Csv;
use super::format::{num, num_or_blank, share_of};
use crate::engine::Model;
use crate::run::RunResults;

pub const HEADER: [&str; 15] = [
    "treaty",
    "kind",
    "expected_recovery",
    "sd",
    "p50",
    "p95",
    "p99",
    "share_of_insured",
    "prob_recovery",
    "premium",
    "reinstatement_premium",
    "cost_over_recovery",
    "capital_relief",
    "relief_value",
    "net_cost",
];

/// The table, or `None` without treaties.
pub fn render(model: &Model, results: &RunResults) -> Option<Vec<u8>> {
    let r = results.reinsurance.as_ref()?;
    let rows = r.treaties.len() + 1;
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, rows * 24, HEADER.len() - 2));
    // The treaties' premiums and costs (with reinstatements), where every treaty gives one.
    let (mut premiums, mut costs) = (Some(0.0), Some(0.0));
    let treaties = r.treaties.iter().zip(&r.reinstatement_premiums).zip(&model.assumptions.treaties);
    for (t, (((c, premium), reinstatements), treaty)) in treaties.enumerate() {
        let mut cells = vec![c.name.clone(), treaty.kind.name().to_string()];
        cells.extend([c.mean, c.sd, c.p50, c.p95, c.p99, c.share_of_mean, c.prob_nonzero].map(num));
        let cost = r.cost(t);
        cells.push(num_or_blank(*premium));
        // (Only a layer's reinstatements cost anything.)
        let reinstated = premium.filter(|_| treaty.kind.layer().is_some());
        cells.push(reinstated.map_or(String::new(), |_| num(*reinstatements)));
        cells.push(cost.map_or(String::new(), |p| num(p - c.mean)));
        cells.extend(["", "", ""].map(String::from));
        premiums = premiums.zip(*premium).map(|(a, b)| a + b);
        costs = costs.zip(cost).map(|(a, b)| a + b);
        csv.row(cells);
    }
    let ceded = &r.ceded.summary;
    let insured = results.portfolio.as_ref().map_or(0.0, |p| p.insured.summary.mean);
    let share = share_of(ceded.mean, insured);
    let mut cells = vec!["TOTAL".to_string(), String::new()];
    cells.extend([ceded.mean, ceded.sd, ceded.p50, ceded.p95, ceded.p99, share, ceded.prob_nonzero].map(num));
    let reinstatements: f64 = r.reinstatement_premiums.iter().sum();
    cells.push(num_or_blank(premiums));
    cells.push(premiums.map_or(String::new(), |_| num(reinstatements)));
    cells.push(costs.map_or(String::new(), |p| num(p - ceded.mean)));
    let relief = r.gross_capital - r.net_capital;
    let value = model.assumptions.pricing.cost_of_capital * relief;
    cells.extend([num(relief), num(value)]);
    cells.push(costs.map_or(String::new(), |p| num(p - ceded.mean - value)));
    csv.row(cells);
    Some(csv.into_bytes())
}
