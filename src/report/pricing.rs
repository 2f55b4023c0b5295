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
use super::format::num;
use crate::engine::Model;
use crate::input::market::Band;
use crate::run::{maximum_payout, premium::book, Premium, RunResults};

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
fn per_payout(premium: f64, payout: f64, unit: f64) -> String {
    if payout.is_finite() && payout > 0.0 {
        num(premium / (payout / unit))
    } else {
        String::new()
    }
}

fn optional(value: Option<f64>) -> String {
    value.map(num).unwrap_or_default()
}

/// The market check of one premium: its band's low and high, and where it falls.
pub fn market_check(band: Option<Band>, value: Option<f64>) -> [String; 3] {
    match (band, value) {
        (Some(b), Some(v)) => [num(b.low), num(b.high), b.check(v).to_string()],
        _ => Default::default(),
    }
}

/// A policy's premium per $1M of the most it can pay in a year, and the market band for its revenue.
pub fn rate_check(model: &Model, index: usize, premium: &Premium) -> (Option<f64>, Option<Band>) {
    let Some(exposure) = model.exposures.get(index) else { return (None, None) };
    let payout = maximum_payout(&exposure.terms);
    let per_million = (payout.is_finite() && payout > 0.0).then(|| premium.technical_premium / (payout / 1e6));
    let band = exposure.revenue.and_then(|r| model.assumptions.market.rate_for(r)).map(|b| b.premium_per_million);
    (per_million, band)
}

pub fn render(model: &Model, results: &RunResults) -> Vec<u8> {
    let book = book(model, results);
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(results.exposures.len() + 1, ids, HEADER.len() - 1));
    let mut row = |id: &str,
                   p: &Premium,
                   sd: f64,
                   se: f64,
                   benefit: f64,
                   payout: f64,
                   revenue: Option<f64>,
                   check: [String; 4]| {
        let [per_million, low, high, verdict] = check;
        csv.row([
            id.to_string(),
            num(p.expected_loss),
            num(sd),
            num(p.risk_load),
            num(p.expense_load),
            num(p.technical_premium),
            per_payout(p.technical_premium, payout, 1.0),
            num(se),
            num(p.capital),
            num(p.standalone_capital),
            num(p.allocated_capital),
            optional(p.loss_ratio()),
            num(p.standalone_premium),
            num(benefit),
            if payout.is_finite() { num(payout) } else { String::new() },
            optional(revenue),
            per_million,
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
        let (per_million, band) = rate_check(model, i, p);
        let [low, high, verdict] = market_check(band, per_million);
        let s = &e.measures.insured.summary;
        let benefit = p.standalone_premium - p.technical_premium;
        row(&e.id, p, s.sd, s.se_mean, benefit, payout, exposure.revenue, [optional(per_million), low, high, verdict]);
    }
    if let (Some(p), Some(total)) = (&results.portfolio, &book.total) {
        let s = &p.insured.summary;
        // The book's check is its loss ratio against the market's.
        let [low, high, verdict] = market_check(model.assumptions.market.loss_ratio, total.loss_ratio());
        let revenue = None;
        row(
            super::PORTFOLIO_ID,
            total,
            s.sd,
            s.se_mean,
            book.diversification_benefit,
            total_payout,
            revenue,
            [String::new(), low, high, verdict],
        );
    }
    csv.into_bytes()
}
