//! `incidents.csv`: what each incident type contributes to each exposure's gross annual loss,
//! and its expected insured loss (written where the assumptions have types beside the data
//! breach), then the portfolio's expected cost by type ([`portfolio_by_type`], which the chart and the page show too) with,
//! in annual mode, its spread from the year-by-year sums ([`RunResults::portfolio_incidents`]).

use super::csv::Csv;
use super::format::{num, share_of};
use super::PORTFOLIO_ID;
use crate::run::RunResults;
use crate::stats::order_free_sum;

pub const HEADER: [&str; 12] = [
    "id",
    "incident",
    "annual_rate",
    "mean",
    "sd",
    "p50",
    "p95",
    "p99",
    "share_of_mean",
    "prob_nonzero",
    "insured_mean",
    "share_of_insured",
];

/// The table, or `None` where the run models data breaches alone.
pub fn render(results: &RunResults) -> Option<Vec<u8>> {
    let types = results.exposures.first().map_or(0, |e| e.incidents.len());
    if types == 0 {
        return None;
    }
    let rows = (results.exposures.len() + 1) * types;
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, rows * 24, HEADER.len() - 2));
    for e in &results.exposures {
        let insured: f64 = e.insured_by_type.iter().sum();
        for ((rate, c), of_type) in e.incidents.iter().zip(&e.insured_by_type) {
            let mut cells = vec![e.id.clone(), c.name.clone()];
            let figures = [*rate, c.mean, c.sd, c.p50, c.p95, c.p99, c.share_of_mean, c.prob_nonzero];
            cells.extend(figures.into_iter().map(num));
            cells.extend([*of_type, share_of(*of_type, insured)].map(num));
            csv.row(cells);
        }
    }
    // The portfolio's spread by type comes from its year-by-year sums (annual mode); in breach
    // mode there are no years to sum, and those cells stay empty.
    for (i, t) in portfolio_by_type(results).into_iter().enumerate() {
        let mut cells = vec![PORTFOLIO_ID.to_string(), t.name, num(t.rate), num(t.mean)];
        match results.portfolio_incidents.get(i) {
            Some(c) => cells.extend([c.sd, c.p50, c.p95, c.p99].map(num)),
            None => cells.extend(["", "", "", ""].map(String::from)),
        }
        cells.push(num(t.share));
        cells.push(results.portfolio_incidents.get(i).map_or(String::new(), |c| num(c.prob_nonzero)));
        cells.extend([t.insured, t.insured_share].map(num));
        csv.row(cells);
    }
    Some(csv.into_bytes())
}

/// One incident type over the whole portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeTotal {
    pub name: String,
    /// Expected incidents a year, summed over the exposures.
    pub rate: f64,
    /// Expected annual gross cost, summed over the exposures.
    pub mean: f64,
    /// `mean` as a share of all types' (0 where nothing costs anything).
    pub share: f64,
    /// Expected annual insured loss, summed over the exposures, and its share of all types'.
    pub insured: f64,
    pub insured_share: f64,
}

/// The portfolio's expected incidents and cost by incident type, the data breach first; empty
/// where the run models data breaches alone. Shared by `incidents.csv`, its chart and the page,
/// so that all three show the same numbers.
pub fn portfolio_by_type(results: &RunResults) -> Vec<TypeTotal> {
    let types = results.exposures.first().map_or(0, |e| e.incidents.len());
    // The portfolio's expected incidents and cost by type are sums over the exposures (in
    // an order of their own: the rows' order changes no bit).
    let total = order_free_sum(results.exposures.iter().flat_map(|e| e.incidents.iter().map(|(_, c)| c.mean)));
    let insured_total = order_free_sum(results.exposures.iter().flat_map(|e| e.insured_by_type.iter().copied()));
    (0..types)
        .map(|t| {
            let of_type = || results.exposures.iter().filter_map(move |e| e.incidents.get(t));
            let name = of_type().next().map_or(String::new(), |(_, c)| c.name.clone());
            let rate = order_free_sum(of_type().map(|(rate, _)| *rate));
            let mean = order_free_sum(of_type().map(|(_, c)| c.mean));
            let insured = order_free_sum(results.exposures.iter().filter_map(|e| e.insured_by_type.get(t).copied()));
            let insured_share = share_of(insured, insured_total);
            TypeTotal { name, rate, mean, share: share_of(mean, total), insured, insured_share }
        })
        .collect()
}
