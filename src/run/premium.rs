//! The technical premium of each policy and of the book, from the insured annual loss and
//! the capital allocated to it (computed with the run, below the reports: [`super::RunResults::check_finite`]
//! checks it before any report is written, and `pricing.csv` renders it).
//!
//! ```text
//! standalone capital = TVaR99 − E[L]  |  VaR99.5 − E[L]  |  k × sd(L)      ([pricing] capital_measure)
//! allocated capital  = the portfolio's capital by the same measure, Euler-allocated (see allocation.rs)
//! risk_load          = cost_of_capital × capital (allocated, or standalone: [pricing] capital_allocation)
//! technical_premium  = (E[L] + risk_load) / (1 − expense_ratio)
//! ```

use super::{Contribution, ExposureResult, Measures};
use crate::engine::Model;
use crate::input::{CapitalAllocation, CapitalMeasure, PolicyTerms, Pricing};
use crate::stats::Summary;

/// The premium build-up of one insured loss distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Premium {
    pub expected_loss: f64,
    /// The capital the policy would need on its own.
    pub standalone_capital: f64,
    /// Its part of the portfolio's capital (the standalone capital where there is no portfolio).
    pub allocated_capital: f64,
    /// The capital the risk load is charged on (allocated or standalone, as the settings say).
    pub capital: f64,
    pub risk_load: f64,
    pub expense_load: f64,
    pub technical_premium: f64,
    /// The premium had the policy been priced on its standalone capital.
    pub standalone_premium: f64,
}

impl Premium {
    /// Expected loss over technical premium (blank-worthy when there is no premium).
    pub fn loss_ratio(&self) -> Option<f64> {
        (self.technical_premium > 0.0).then(|| self.expected_loss / self.technical_premium)
    }
}

/// The capital an insured loss distribution needs on its own.
pub fn standalone_capital(insured: &Summary, measure: CapitalMeasure) -> f64 {
    match measure {
        CapitalMeasure::Tvar99 => insured.tvar_99 - insured.mean,
        CapitalMeasure::Var995 => insured.p99_5 - insured.mean,
        CapitalMeasure::SdMultiple(k) => k * insured.sd,
    }
    .max(0.0)
}

/// The premium of one policy (or of a portfolio as a whole, with `allocated = None`).
pub fn premium(insured: &Summary, pricing: &Pricing, allocated: Option<f64>) -> Premium {
    let expected_loss = insured.mean;
    let standalone_capital = standalone_capital(insured, pricing.capital_measure);
    let allocated_capital = allocated.unwrap_or(standalone_capital);
    // A policy whose losses sit outside the book's worst years has an allocated capital
    // below zero (its co-TVaR under its mean): it is charged none, never given a credit.
    let capital = match pricing.capital_allocation {
        CapitalAllocation::Portfolio => allocated_capital.max(0.0),
        CapitalAllocation::Standalone => standalone_capital,
    };
    let premium_on = |capital: f64| (expected_loss + pricing.cost_of_capital * capital) / (1.0 - pricing.expense_ratio);
    let risk_load = pricing.cost_of_capital * capital;
    let technical_premium = premium_on(capital);
    Premium {
        expected_loss,
        standalone_capital,
        allocated_capital,
        capital,
        risk_load,
        expense_load: pricing.expense_ratio * technical_premium,
        technical_premium,
        standalone_premium: premium_on(standalone_capital),
    }
}

/// The most the insurer can pay in a year: share × min(limit, aggregate limit).
pub fn maximum_payout(terms: &PolicyTerms) -> f64 {
    terms.share * terms.limit.min(terms.aggregate_limit)
}

/// The warning for policies priced without any limit (annual mode; `None` if every policy
/// has one): their premium prices unlimited cover, which no insurer writes.
pub fn unlimited_warning(model: &Model) -> Option<String> {
    if model.settings.mode != crate::input::Mode::Annual {
        return None;
    }
    let unlimited: Vec<&str> =
        model.exposures.iter().filter(|e| !maximum_payout(&e.terms).is_finite()).map(|e| e.id.as_str()).collect();
    let shown: Vec<String> = unlimited.iter().take(5).map(|id| format!("\"{id}\"")).collect();
    let more = if unlimited.len() > 5 { format!(" and {} more", unlimited.len() - 5) } else { String::new() };
    (!unlimited.is_empty()).then(|| {
        format!(
            "{} of {} policies have no limit ({}{more}): their premiums price unlimited cover, which no insurer writes; give them a limit or aggregate_limit (a column of the exposures, or [policy] in the assumptions)",
            unlimited.len(),
            model.exposures.len(),
            shown.join(", ")
        )
    })
}

/// The premiums of a run's policies (exposure order) and of its book.
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    pub policies: Vec<Premium>,
    /// The sum over the policies (expected loss, capitals, loads, premiums), with the
    /// portfolio's own standalone capital; `None` without a portfolio (breach mode).
    pub total: Option<Premium>,
    /// Σ standalone premiums − the portfolio's premium on its own capital: what pricing
    /// the policies as one book saves.
    pub diversification_benefit: f64,
}

/// Prices every policy (`exposures`, with their `contributions` where there is a
/// portfolio) on its allocated (or standalone) capital, and the book.
pub fn book(
    model: &Model,
    exposures: &[ExposureResult],
    contributions: &[Contribution],
    portfolio: Option<&Measures>,
) -> Book {
    let pricing = &model.assumptions.pricing;
    let policies: Vec<Premium> = exposures
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let allocated = contributions.get(i).map(|c| c.insured_allocated_capital);
            premium(&e.measures.insured.summary, pricing, allocated)
        })
        .collect();
    // (In an order of their own: the rows' order changes no bit of the book's.)
    let sum = |f: fn(&Premium) -> f64| crate::stats::order_free_sum(policies.iter().map(f));
    let (total, diversification_benefit) = match portfolio {
        None => (None, 0.0),
        Some(p) => {
            let whole = premium(&p.insured.summary, pricing, None);
            let total = Premium {
                expected_loss: whole.expected_loss,
                standalone_capital: whole.standalone_capital,
                allocated_capital: sum(|p| p.allocated_capital),
                capital: sum(|p| p.capital),
                risk_load: sum(|p| p.risk_load),
                expense_load: sum(|p| p.expense_load),
                technical_premium: sum(|p| p.technical_premium),
                standalone_premium: sum(|p| p.standalone_premium),
            };
            // Against the portfolio priced as one policy on its own capital.
            (Some(total), total.standalone_premium - whole.technical_premium)
        }
    };
    Book { policies, total, diversification_benefit }
}
