//! `pricing.csv` (annual mode): the technical premium of each policy, priced on its share
//! of the portfolio's capital (or its standalone capital: `[pricing] capital_allocation`),
//! and of the book, with the market check of each premium.
//!
//! ```text
//! standalone_capital = TVaR99 − E[L] | VaR99.5 − E[L] | k × sd(L)   ([pricing] capital_measure)
//! allocated_capital  = its Euler allocation of the portfolio's capital (co-TVaR99 − E[L] for tvar_99)
//! risk_load          = cost_of_capital × capital            (capital: allocated or standalone)
//! technical_premium  = (E[L] + risk_load) / (1 − expense_ratio)
//! expense_load       = expense_ratio × technical_premium
//! loss_ratio         = E[L] / technical_premium
//! rate_on_line       = technical_premium / (share × min(limit, aggregate_limit))   (blank if unlimited)
//! premium_per_million = technical_premium per $1M of that limit, checked against [market]
//! ```
//!
//! The `PORTFOLIO` row sums the policies (its `standalone_capital` is the portfolio's own);
//! `diversification_benefit` is, per policy, its standalone premium less its premium, and
//! for the book the policies' standalone premiums less the portfolio priced as one policy.

use super::csv::Csv;
use super::format::{num, num_or_blank};
use crate::engine::Model;
use crate::input::market::Band;
use crate::run::{maximum_payout, Premium, RunResults};
use crate::stats::Summary;

pub const HEADER: [&str; 20] = [
    "id",
    "expected_loss",
    "sd",
    "risk_load",
    "expense_load",
    "technical_premium",
    "rate_on_line",
    "se_expected_loss",
    "capital",
    "standalone_capital",
    "allocated_capital",
    "loss_ratio",
    "standalone_premium",
    "diversification_benefit",
    "maximum_payout",
    "revenue",
    "premium_per_million",
    "market_low",
    "market_high",
    "market_check",
];

/// `premium / payout` where the payout is finite, else blank.
fn rate_on_line(premium: f64, payout: f64) -> String {
    if payout.is_finite() && payout > 0.0 {
        num(premium / payout)
    } else {
        String::new()
    }
}

/// A figure against a published band: where it falls, if both are known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Check {
    pub value: Option<f64>,
    pub band: Option<Band>,
}

impl Check {
    /// "below", "within" or "above" the band; `None` without a figure or a band.
    pub fn verdict(&self) -> Option<&'static str> {
        Some(self.band?.check(self.value?))
    }

    /// The band's low and high and the verdict, as cells (blank unless there is a verdict).
    fn cells(&self) -> [String; 3] {
        match (self.band, self.verdict()) {
            (Some(b), Some(v)) => [num(b.low), num(b.high), v.to_string()],
            _ => Default::default(),
        }
    }
}

/// A policy's premium per $1M of the most it can pay in a year, against the market's band
/// for its revenue.
pub fn rate_check(model: &Model, index: usize, premium: &Premium) -> Check {
    let Some(exposure) = model.exposures.get(index) else { return Check { value: None, band: None } };
    let payout = maximum_payout(&exposure.terms);
    let value = (payout.is_finite() && payout > 0.0).then(|| premium.technical_premium / (payout / 1e6));
    let band = exposure.revenue.and_then(|r| model.assumptions.market.rate_for(r)).map(|b| b.premium_per_million);
    Check { value, band }
}

/// The book's loss ratio against the market's.
pub fn loss_ratio_check(model: &Model, total: &Premium) -> Check {
    Check { value: total.loss_ratio(), band: model.assumptions.market.loss_ratio }
}

pub fn render(model: &Model, results: &RunResults) -> Vec<u8> {
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(results.exposures.len() + 1, ids, HEADER.len() - 1));
    let Some(book) = &results.book else { return csv.into_bytes() };
    let mut row = |id: &str,
                   p: &Premium,
                   s: &Summary,
                   benefit: f64,
                   payout: f64,
                   revenue: Option<f64>,
                   per_million: Option<f64>,
                   check: Check| {
        let [low, high, verdict] = check.cells();
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
            num(p.standalone_capital),
            num(p.allocated_capital),
            num_or_blank(p.loss_ratio()),
            num(p.standalone_premium),
            num(benefit),
            if payout.is_finite() { num(payout) } else { String::new() },
            num_or_blank(revenue),
            num_or_blank(per_million),
            low,
            high,
            verdict,
        ]);
    };
    let mut total_payout = 0.0;
    for (i, (e, p)) in results.exposures.iter().zip(&book.policies).enumerate() {
        let Some(exposure) = model.exposures.get(i) else { continue };
        let payout = maximum_payout(&exposure.terms);
        total_payout += payout;
        let check = rate_check(model, i, p);
        let benefit = p.standalone_premium - p.technical_premium;
        row(&e.id, p, &e.measures.insured.summary, benefit, payout, exposure.revenue, check.value, check);
    }
    if let (Some(p), Some(total)) = (&results.portfolio, &book.total) {
        // The book's check is its loss ratio against the market's.
        let check = loss_ratio_check(model, total);
        let benefit = book.diversification_benefit;
        row(super::PORTFOLIO_ID, total, &p.insured.summary, benefit, total_payout, None, None, check);
    }
    csv.into_bytes()
}
