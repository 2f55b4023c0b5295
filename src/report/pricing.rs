//! `pricing.csv` (annual mode): the technical premium of each policy and of the portfolio,
//! from the insured annual loss.
//!
//! ```text
//! capital           = TVaR99 − E[L]   |   VaR99.5 − E[L]   |   k × sd(L)     ([pricing] capital_measure)
//! risk_load         = cost_of_capital × capital
//! technical_premium = (E[L] + risk_load) / (1 − expense_ratio)
//! expense_load      = expense_ratio × technical_premium
//! rate_on_line      = technical_premium / (share × min(limit, aggregate_limit))   (blank if unlimited)
//! ```

use super::csv::Csv;
use super::format::num;
use crate::engine::Model;
use crate::run::{maximum_payout, premium, RunResults};
use crate::stats::Summary;

pub const HEADER: [&str; 9] = [
    "id",
    "expected_loss",
    "sd",
    "risk_load",
    "expense_load",
    "technical_premium",
    "rate_on_line",
    "se_expected_loss",
    "capital",
];

fn rate_on_line(premium: f64, payout: f64) -> String {
    if payout.is_finite() && payout > 0.0 {
        num(premium / payout)
    } else {
        String::new()
    }
}

pub fn render(model: &Model, results: &RunResults) -> Vec<u8> {
    let pricing = &model.assumptions.pricing;
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(results.exposures.len() + 1, ids, HEADER.len() - 1));
    let mut row = |id: &str, s: &Summary, payout: f64| {
        let p = premium(s, pricing);
        csv.row([
            id.to_string(),
            num(p.expected_loss),
            num(s.sd),
            num(p.risk_load),
            num(p.expense_load),
            num(p.technical_premium),
            rate_on_line(p.technical_premium, payout),
            num(s.se_mean),
            num(p.capital),
        ]);
    };
    let mut total_payout = 0.0;
    for (e, model_exposure) in results.exposures.iter().zip(&model.exposures) {
        let payout = maximum_payout(&model_exposure.terms);
        total_payout += payout;
        row(&e.id, &e.measures.insured.summary, payout);
    }
    if let Some(p) = &results.portfolio {
        row(super::PORTFOLIO_ID, &p.insured.summary, total_payout);
    }
    csv.into_bytes()
}
