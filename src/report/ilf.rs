//! `ilf.csv`: each exposure's insured loss at standard per-breach limits, over its own
//! retention and over the book's base retention, with the aggregate limit the limit implies,
//! and the increased-limit factors relative to the $1M limit, without and with a risk load.
//! The limits are re-applied to the same simulated breaches, so the factors carry no
//! sampling noise between limits.

use super::csv::Csv;
use super::format::num;
use crate::engine::ilf::{aggregate_at, BASES};
use crate::engine::{Model, ILF_LIMITS};
use crate::run::RunResults;

pub const HEADER: [&str; 9] = [
    "id",
    "basis",
    "retention",
    "limit",
    "aggregate_limit",
    "expected_insured_loss",
    "sd",
    "ilf",
    "ilf_with_risk_load",
];

pub fn render(model: &Model, results: &RunResults) -> Vec<u8> {
    let pricing = &model.assumptions.pricing;
    // The premium of a layer with its risk load: E[Y] + cost of capital × k × sd(Y).
    let loading = pricing.cost_of_capital * pricing.ilf.sd_multiple;
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let rows = BASES.len() * ILF_LIMITS.len() * results.exposures.len();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, BASES.len() * ILF_LIMITS.len() * ids, HEADER.len() - 1));
    let ratio = |x: f64, base: f64| if base > 0.0 { num(x / base) } else { String::new() };
    for (e, exposure) in results.exposures.iter().zip(&model.exposures) {
        let terms = &exposure.terms;
        for (basis, name) in BASES.iter().enumerate() {
            let retention = if basis == 0 { terms.retention } else { model.ilf_base_retention };
            let (means, sds) = (&e.layers.mean[basis], &e.layers.sd[basis]);
            let loaded = |l: usize| means[l] + loading * sds[l];
            for (l, limit) in ILF_LIMITS.iter().enumerate() {
                let aggregate = aggregate_at(terms, model.settings.mode, pricing.ilf.aggregate, *limit);
                csv.row([
                    e.id.clone(),
                    name.to_string(),
                    num(retention),
                    num(*limit),
                    if aggregate.is_finite() { num(aggregate) } else { String::new() },
                    num(means[l]),
                    num(sds[l]),
                    ratio(means[l], means[0]),
                    ratio(loaded(l), loaded(0)),
                ]);
            }
        }
    }
    csv.into_bytes()
}
